package tools_test

import (
	"strings"
	"testing"
)

// beHarness is a Business Edition with the edge fixture, on a release.
func beHarness(t *testing.T, version string) *harness {
	return newHarnessFor(t, harnessOpts{Version: version, Edition: "BE", Edge: true})
}

func gitopsOf(out map[string]any) map[string]any {
	g, _ := out["gitops"].(map[string]any)
	return g
}

// TestEdgeGitopsOnChangeOff: update_edge_stack_gitops turns automatic updates on, changes and
// turns them off through PUT /edge_stacks/{id}/git, which replaces what it is not sent: env,
// groups, reference and the stored credentials are kept every time; credentials of the stack's
// own need the password again; the password never shows.
func TestEdgeGitopsOnChangeOff(t *testing.T) {
	for _, version := range []string{"2.39.0", "2.45.0"} {
		t.Run(version, func(t *testing.T) {
			h := beHarness(t, version)
			h.sim.Commit(private, "refs/heads/release", map[string]string{"docker-compose.yml": composeA})
			out := h.ok("create_edge_stack", map[string]any{"name": "shop", "edge_group_ids": []int{1}, "repository_url": private,
				"username": gitUser, "password": sentinel, "env": []map[string]any{{"name": "MODE", "value": "prod"}},
				"gitops": "polling", "interval": "5m"})
			id := num(out, "id")
			if g := gitopsOf(out); g["mechanism"] != "polling" || g["interval"] != "5m" || out["git"] == nil {
				t.Fatalf("BE Git edge stack with polling: %v", out)
			}
			kept := func(step string) {
				t.Helper()
				st, _ := h.sim.EdgeStack(id)
				s := st.Stack
				if s.GitConfig == nil || s.GitConfig.Authentication == nil || *s.GitConfig.Authentication.Password != sentinel {
					t.Errorf("%s: stored credentials lost: %+v", step, s.GitConfig)
				}
				if env := *s.EnvVars; len(env) != 1 || env[0].Name != "MODE" || *env[0].Value != "prod" {
					t.Errorf("%s: env %v", step, env)
				}
				if g := *s.EdgeGroups; len(g) != 1 || g[0] != 1 {
					t.Errorf("%s: groups %v", step, g)
				}
			}
			kept("create")

			before := h.sim.Requests()
			h.fails("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "mechanism": "webhook"}, "pass password", "Nothing was changed")
			for _, r := range h.sim.Requests()[len(before):] {
				if strings.HasPrefix(r, "PUT") {
					t.Errorf("a refused change sent %s", r)
				}
			}

			out = h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "mechanism": "webhook", "password": sentinel})
			g := gitopsOf(out)
			hook, _ := g["webhook_id"].(string)
			if g["mechanism"] != "webhook" || hook == "" || !strings.HasSuffix(g["webhook_url"].(string), "/api/edge_stacks/webhooks/"+hook) ||
				!strings.Contains(out["note"].(string), "to your Git host") {
				t.Errorf("webhook on: %v", out)
			}
			kept("webhook")

			out = h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "mechanism": "polling+webhook", "interval": "10m", "password": sentinel})
			if g := gitopsOf(out); g["mechanism"] != "polling+webhook" || g["interval"] != "10m" || g["webhook_id"] != hook {
				t.Errorf("polling added, webhook kept: %v", g)
			}
			kept("polling+webhook")

			h.fails("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "reference": "refs/heads/nope", "password": sentinel}, "cannot read", "Nothing was created")
			out = h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "reference": "release", "password": sentinel})
			if git := out["git"].(map[string]any); git["reference"] != "refs/heads/release" || gitopsOf(out)["interval"] != "10m" {
				t.Errorf("reference change: %v", out)
			}
			kept("reference")

			h.sim.Commit(private, "refs/heads/release", map[string]string{"docker-compose.yml": strings.ReplaceAll(composeA, "1.27", "1.29")})
			out = h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "redeploy": true, "password": sentinel})
			if num(out, "version") != 2 || !strings.Contains(out["note"].(string), "as version 2") || num(out, "pending") != 2 {
				t.Errorf("redeploy: %v", out)
			}
			if st, _ := h.sim.EdgeStack(id); !strings.Contains(st.File, "1.29") {
				t.Errorf("redeploy did not pull: %q", st.File)
			}

			out = h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "mechanism": "none", "password": sentinel})
			if g := gitopsOf(out); g["mechanism"] != "none" || out["git"] == nil || !strings.Contains(out["note"].(string), "old webhook URL no longer works") {
				t.Errorf("off: %v", out)
			}
			if st, _ := h.sim.EdgeStack(id); st.Stack.AutoUpdate != nil {
				t.Errorf("GitOps still on: %+v", st.Stack.AutoUpdate)
			}
			kept("off")
			again := h.ok("update_edge_stack_gitops", map[string]any{"edge_stack_id": id, "mechanism": "none"})
			if !strings.Contains(again["note"].(string), "Nothing to change") {
				t.Errorf("off twice: %v", again)
			}
			h.noLeak()
		})
	}
}

// TestEdgeWebhookTrigger: the webhook pulls; only a new commit makes a new version.
func TestEdgeWebhookTrigger(t *testing.T) {
	h := beHarness(t, "2.45.0")
	plain := num(h.ok("create_edge_stack", map[string]any{"name": "plain", "edge_group_ids": []int{1}, "compose": edgeComposeA}), "id")
	h.fails("trigger_edge_stack_webhook", map[string]any{"edge_stack_id": plain}, "has no webhook", "update_edge_stack_gitops")
	h.fails("update_edge_stack_gitops", map[string]any{"edge_stack_id": plain, "mechanism": "webhook"}, "not deployed from Git")

	id := num(h.ok("create_edge_stack", map[string]any{"name": "hooked", "edge_group_ids": []int{1}, "repository_url": repoA, "gitops": "webhook"}), "id")
	out := h.ok("trigger_edge_stack_webhook", map[string]any{"edge_stack_id": id})
	if num(out, "version") != 1 || !strings.Contains(out["message"].(string), "no new commit") {
		t.Errorf("no commit: %v", out)
	}
	h.sim.Commit(repoA, "refs/heads/main", map[string]string{"docker-compose.yml": strings.ReplaceAll(composeA, "1.27", "1.30")})
	out = h.ok("trigger_edge_stack_webhook", map[string]any{"edge_stack_id": id})
	if num(out, "version") != 2 || !strings.Contains(out["message"].(string), "version 1 -> 2") || !strings.Contains(out["message"].(string), "pending") {
		t.Errorf("after a commit: %v", out)
	}
	if st, _ := h.sim.EdgeStack(id); !strings.Contains(st.File, "1.30") {
		t.Errorf("the webhook did not pull: %q", st.File)
	}
}

// TestEdgeUpdateOnBusinessEdition: the update sends back what Portainer would reset (env), and
// refuses a new compose for a Git edge stack, whose file comes from Git.
func TestEdgeUpdateOnBusinessEdition(t *testing.T) {
	h := beHarness(t, "2.45.0")
	id := num(h.ok("create_edge_stack", map[string]any{"name": "text", "edge_group_ids": []int{1}, "compose": edgeComposeA,
		"env": []map[string]any{{"name": "A", "value": "1"}}}), "id")
	out := h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "edge_group_ids": []int{2}})
	if st, _ := h.sim.EdgeStack(id); len(*st.Stack.EnvVars) != 1 || num(out, "version") != 1 {
		t.Errorf("a groups change lost the env or made a version: %v %v", *st.Stack.EnvVars, out)
	}
	out = h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "env": []map[string]any{{"name": "A", "value": "2"}}})
	if st, _ := h.sim.EdgeStack(id); *(*st.Stack.EnvVars)[0].Value != "2" || num(out, "version") != 2 {
		t.Errorf("an env change: %v %v", *st.Stack.EnvVars, out)
	}
	g := num(h.ok("create_edge_stack", map[string]any{"name": "fromgit", "edge_group_ids": []int{1}, "repository_url": repoA}), "id")
	h.fails("update_edge_stack", map[string]any{"edge_stack_id": g, "compose": edgeComposeA}, "deployed from Git", "Nothing was changed", "update_edge_stack_gitops redeploy=true")
}

// TestGitCredentials: per user before 2.44, shared from 2.44; the password is never shown,
// although the simulated Portainer sends it back.
func TestGitCredentials(t *testing.T) {
	for _, version := range []string{"2.39.0", "2.45.0"} {
		t.Run(version, func(t *testing.T) {
			h := newHarnessFor(t, harnessOpts{Version: version, Edition: "BE"})
			out := h.ok("create_git_credential", map[string]any{"name": "ci", "username": "bot", "password": sentinel})
			id := num(out, "id")
			if id == 0 || out["name"] != "ci" || out["username"] != "bot" || !strings.Contains(out["note"].(string), "never shows the password") {
				t.Fatalf("create: %v", out)
			}
			list := h.ok("list_git_credentials", nil)
			if num(list, "total") != 1 || list["credentials"].([]any)[0].(map[string]any)["username"] != "bot" {
				t.Errorf("list: %v", list)
			}
			path := "/api/cloud/gitcredentials"
			if version == "2.39.0" {
				path = "/api/users/1/gitcredentials"
			}
			if reqs := strings.Join(h.sim.Requests(), "\n"); !strings.Contains(reqs, "POST "+path) {
				t.Errorf("the %s API was not used:\n%s", path, reqs)
			}
			h.fails("create_git_credential", map[string]any{"name": "ci", "username": "bot", "password": "x"}, "409")
			h.fails("create_git_credential", map[string]any{"name": "ci2", "username": "bot", "password": ""}, "must all be non-empty")
			h.fails("delete_git_credential", map[string]any{"credential_id": id, "confirm_name": "cj"}, `is not the name of saved Git credential`, `"ci"`)
			done := h.ok("delete_git_credential", map[string]any{"credential_id": id, "confirm_name": "ci"})
			if done["ok"] != true || num(h.ok("list_git_credentials", nil), "total") != 0 {
				t.Errorf("delete: %v", done)
			}
			h.fails("delete_git_credential", map[string]any{"credential_id": id, "confirm_name": "ci"}, "no saved Git credential has id", "list_git_credentials")
			h.noLeak()
		})
	}
}

// TestChangeWindow: set, shown by get_environment, lifted; bad times refused before Portainer.
func TestChangeWindow(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE"})
	out := h.ok("set_change_window", map[string]any{"environment_id": 1, "enabled": true, "start_time": "22:00", "end_time": "02:00"})
	cw := out["change_window"].(map[string]any)
	if cw["enabled"] != true || cw["start_time"] != "22:00" || cw["end_time"] != "02:00" || !strings.Contains(out["note"].(string), "ends the next day") {
		t.Errorf("set: %v", out)
	}
	env := h.ok("get_environment", map[string]any{"environment_id": 1})
	if got := env["change_window"].(map[string]any); got["start_time"] != "22:00" {
		t.Errorf("get_environment: %v", env)
	}
	before := len(h.sim.Requests())
	h.fails("set_change_window", map[string]any{"environment_id": 1, "enabled": true, "start_time": "25:00", "end_time": "02:00"}, "not HH:mm")
	if len(h.sim.Requests()) != before {
		t.Error("a bad time reached Portainer")
	}
	h.fails("set_change_window", map[string]any{"environment_id": 1, "enabled": true, "start_time": "03:00", "end_time": "03:00"}, "would be empty")
	out = h.ok("set_change_window", map[string]any{"environment_id": 1, "enabled": false})
	if cw := out["change_window"].(map[string]any); cw["enabled"] != false || cw["start_time"] != "22:00" || !strings.Contains(out["note"].(string), "at any time") {
		t.Errorf("lift: %v", out)
	}
}

// TestRelativePathsBusinessEdition: create_stack_from_git's filesystem_path turns on relative
// paths, shown in the stack's Git view.
func TestRelativePathsBusinessEdition(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE"})
	h.fails("create_stack_from_git", map[string]any{"environment_id": 1, "name": "rel", "repository_url": repoA, "filesystem_path": "opt"}, "absolute folder")
	out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "rel", "repository_url": repoA, "filesystem_path": "/opt/stacks"})
	if git := out["git"].(map[string]any); git["filesystem_path"] != "/opt/stacks" {
		t.Errorf("relative paths: %v", out)
	}
	st := h.stack(num(out, "stack_id"))
	if st.Stack.SupportRelativePath == nil || !*st.Stack.SupportRelativePath {
		t.Errorf("the stack has no relative paths: %+v", st.Stack)
	}
}

// TestEdgeIntervalNoteFrom244: from 2.44, where polling lives on GitOps Sources, a Git edge
// stack's view says its own interval may not be the one that polls; before, it says nothing.
func TestEdgeIntervalNoteFrom244(t *testing.T) {
	for version, want := range map[string]bool{"2.39.0": false, "2.45.0": true} {
		h := beHarness(t, version)
		out := h.ok("create_edge_stack", map[string]any{"name": "shop", "edge_group_ids": []int{1}, "repository_url": repoA,
			"gitops": "polling", "interval": "5m"})
		read := h.ok("get_edge_stack", map[string]any{"edge_stack_id": num(out, "id")})
		for what, v := range map[string]map[string]any{"create": out, "get": read} {
			note, _ := v["note"].(string)
			if got := strings.Contains(note, "list_gitops_sources"); got != want {
				t.Errorf("%s on %s: note %q, want the Source note %v", what, version, note, want)
			}
		}
	}
}
