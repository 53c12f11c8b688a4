package tools_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// invariant is what no GitOps change may touch unless asked.
type invariant struct {
	URL, Ref, Path, User, Password string
	Env                            map[string]string
	TLS                            bool
}

func invariantOf(t *testing.T, st sim.StackState) invariant {
	t.Helper()
	g := st.Stack.GitConfig
	if g == nil {
		t.Fatalf("stack %d is no longer a Git stack", *st.Stack.Id)
	}
	inv := invariant{URL: deref(g.URL), Ref: deref(g.ReferenceName), Path: deref(g.ConfigFilePath), TLS: deref(g.TLSSkipVerify), Env: map[string]string{}}
	if g.Authentication != nil {
		inv.User, inv.Password = deref(g.Authentication.Username), deref(g.Authentication.Password)
	}
	for _, p := range deref(st.Stack.Env) {
		inv.Env[p.Name] = deref(p.Value)
	}
	return inv
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func TestGitopsLifecycleKeepsEverythingElse(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", nil)
		before := invariantOf(t, h.stack(id))
		if before.Password != sentinel || before.User != gitUser || len(before.Env) != 2 {
			t.Fatalf("setup: %+v", before)
		}
		check := func(step string, wantMech string, wantInterval string, wantHook bool) *papi.AutoUpdateSettings {
			t.Helper()
			st := h.stack(id)
			if got := invariantOf(t, st); !reflect.DeepEqual(got, before) {
				t.Fatalf("%s changed what it was not asked to:\nbefore %+v\nafter  %+v", step, before, got)
			}
			au := st.Stack.AutoUpdate
			switch wantMech {
			case "none":
				if au != nil || st.JobRunning {
					t.Fatalf("%s: GitOps still on: %+v", step, au)
				}
				return nil
			default:
				if au == nil || deref(au.Interval) != wantInterval || (deref(au.Webhook) != "") != wantHook {
					t.Fatalf("%s: AutoUpdate = %+v, want interval %q webhook %v", step, au, wantInterval, wantHook)
				}
			}
			return au
		}

		check("create without gitops", "none", "", false)
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling", "interval": "5m"})
		check("enable polling", "polling", "5m", false)
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "interval": "10m"})
		check("change interval", "polling", "10m", false)
		out := h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "webhook"})
		au := check("switch to webhook", "webhook", "", true)
		gitops := out["gitops"].(map[string]any)
		if gitops["webhook_url"] != h.deps.WebhookURL(deref(au.Webhook)) {
			t.Errorf("webhook URL in result = %v", gitops["webhook_url"])
		}
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "force_pull_image": true})
		au2 := check("force pull", "webhook", "", true)
		if deref(au2.Webhook) != deref(au.Webhook) || !deref(au2.ForcePullImage) {
			t.Errorf("force option changed the webhook or did not take: %+v", au2)
		}
		h.ok("disable_stack_gitops", map[string]any{"stack_id": id})
		check("disable", "none", "", false)
		h.noLeak()
	})
}

func TestGitopsEnvAndReferenceChanges(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"})
		before := h.state()
		h.fails("update_stack_gitops", map[string]any{"stack_id": id, "set_env": []map[string]any{{"name": "MODE", "value": "x"}}, "unset_env": []string{"MODE"}}, "both set_env and unset_env", "Nothing was changed")
		if h.state() != before {
			t.Fatal("a contradictory set_env/unset_env changed the stack")
		}
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "set_env": []map[string]any{{"name": "MODE", "value": "staging"}, {"name": "NEW", "value": "1"}}, "unset_env": []string{"DB_PASSWORD"}})
		inv := invariantOf(t, h.stack(id))
		if !reflect.DeepEqual(inv.Env, map[string]string{"MODE": "staging", "NEW": "1"}) {
			t.Errorf("env after set/unset = %v", inv.Env)
		}
		if inv.Password != sentinel || h.mechanism(id) != "polling" {
			t.Errorf("an env change dropped credentials or GitOps (mechanism %s)", h.mechanism(id))
		}
		release := h.sim.Commit(private, "refs/heads/release", map[string]string{"docker-compose.yml": composeA})
		deploys := h.stack(id).Deploys
		// Portainer never returns the stored password; checking the new reference of a private
		// repository needs it, unless Portainer previews with the credentials of the stack's Source.
		if h.caps().PreviewBySource {
			h.ok("update_stack_gitops", map[string]any{"stack_id": id, "reference": "release", "redeploy": true})
		} else {
			h.fails("update_stack_gitops", map[string]any{"stack_id": id, "reference": "release"}, "pass password")
			h.ok("update_stack_gitops", map[string]any{"stack_id": id, "reference": "release", "redeploy": true, "password": sentinel})
		}
		st := h.stack(id)
		if ref := deref(st.Stack.GitConfig.ReferenceName); ref != "refs/heads/release" {
			t.Errorf("reference = %q", ref)
		}
		if st.Deploys != deploys+1 || deref(st.Stack.GitConfig.ConfigHash) != release {
			t.Errorf("redeploy=true: deploys %d (was %d), commit %s, want %s", st.Deploys, deploys, deref(st.Stack.GitConfig.ConfigHash), release)
		}
		if inv := invariantOf(t, st); inv.Password != sentinel || inv.Env["MODE"] != "staging" {
			t.Errorf("the reference change lost credentials or env: %+v", inv)
		}
		h.noLeak()
	})
}

// TestReferenceCheckedBeforeSaving: a reference where the compose file or an additional file
// is missing is refused before it is saved, so the stack stays deployable.
func TestReferenceCheckedBeforeSaving(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "app", "repository_url": repoA, "additional_files": []string{"extra.yml"}})
		id := int(out["stack_id"].(float64))
		// refs/heads/release has docker-compose.yml but not extra.yml.
		before := h.state()
		h.fails("update_stack_gitops", map[string]any{"stack_id": id, "reference": "release"}, "extra.yml", "Nothing was")
		h.fails("update_stack_gitops", map[string]any{"stack_id": id, "reference": "no-such-branch"}, "docker-compose.yml")
		if h.state() != before {
			t.Error("a refused reference changed the stack")
		}
		for _, r := range h.sim.Requests() {
			if strings.HasSuffix(strings.SplitN(r, "?", 2)[0], "/git") {
				t.Errorf("a refused reference reached Portainer: %s", r)
			}
		}
		// The stack still redeploys.
		h.ok("redeploy_stack", map[string]any{"stack_id": id})
	})
}

func TestBadGitopsInputChangesNothing(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"})
		file := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "plain", "compose": composeA})
		fileID := int(file["id"].(float64))
		cases := []struct {
			name string
			tool string
			args map[string]any
			want []string
		}{
			{"interval 5x", "update_stack_gitops", map[string]any{"stack_id": id, "interval": "5x"}, []string{"not a duration"}},
			{"interval 0s", "update_stack_gitops", map[string]any{"stack_id": id, "interval": "0s"}, []string{"too short"}},
			{"negative interval", "update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling", "interval": "-5m"}, []string{"too short"}},
			{"webhook with an interval only", "update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "webhook", "interval": "5m"}, []string{"webhook does not poll"}},
			{"create: webhook with interval", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "gitops": "webhook", "interval": "5m"}, []string{"does not poll"}},
			{"create: interval without gitops", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "interval": "5m"}, []string{"gitops=polling"}},
			{"unknown stack", "update_stack_gitops", map[string]any{"stack_id": 4242, "interval": "5m"}, []string{"404"}},
			{"git tool on file stack", "update_stack_gitops", map[string]any{"stack_id": fileID, "mechanism": "polling", "interval": "5m"}, []string{"file-based", "recreate_stack"}},
			{"redeploy file stack", "redeploy_stack", map[string]any{"stack_id": fileID}, []string{"file-based", "update_stack"}},
			{"gitops of file stack", "get_stack_gitops", map[string]any{"stack_id": fileID}, []string{"file-based"}},
			{"missing repository", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": "https://git.example.com/nope/nope.git"}, []string{"cannot read", "Nothing was created"}},
			{"missing compose path", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "compose_path": "nope.yml"}, []string{"nope.yml", "Nothing was created"}},
			{"missing additional file", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "additional_files": []string{"gone.yml"}}, []string{"gone.yml"}},
			{"missing reference", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "reference": "refs/heads/nope"}, []string{"cannot read"}},
			{"wrong password", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": private, "username": gitUser, "password": "wrong-" + sentinel}, []string{"cannot read"}},
			{"bad name", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "My App", "repository_url": repoA}, []string{"not valid"}},
			{"username without password", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": private, "username": gitUser}, []string{"without a password"}},
			{"credentials in the URL", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": "https://deploy:" + sentinel + "@git.example.com/team/private.git"}, []string{"never in the URL"}},
			{"validate with credentials in the URL", "validate_git_repository", map[string]any{"repository_url": "https://deploy:" + sentinel + "@git.example.com/x.git"}, []string{"never in the URL"}},
			{"interval with gitops none", "create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "gitops": "none", "interval": "5m"}, []string{"without polling"}},
			{"recreate: username without password", "recreate_stack", map[string]any{"stack_id": id, "repository_url": repoB, "username": "someone", "old_password": sentinel, "dry_run": false}, []string{"without a password", "Nothing was changed"}},
			{"regenerate without webhook", "regenerate_stack_webhook", map[string]any{"stack_id": id}, []string{"no webhook"}},
		}
		if !h.caps().GitSources {
			// Before Sources, re-creating a stack with stored credentials needs the password
			// (from 2.43 the Source keeps it).
			cases = append(cases, struct {
				name string
				tool string
				args map[string]any
				want []string
			}{"recreate without stored password", "recreate_stack", map[string]any{"stack_id": id, "repository_url": repoB, "dry_run": false}, []string{"stored Git credentials", "password"}})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := h.state()
				nreq := len(h.sim.Requests())
				h.fails(c.tool, c.args, c.want...)
				if after := h.state(); after != before {
					t.Errorf("Portainer changed:\nbefore %s\nafter  %s", before, after)
				}
				for _, r := range h.sim.Requests()[nreq:] {
					if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "POST /api/gitops/repo/file/preview") {
						t.Errorf("a bad input reached Portainer as a write: %s", r)
					}
				}
			})
		}
		h.noLeak()
	})
}

func TestRedeployUsesStoredCredentials(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", nil)
		old := deref(h.stack(id).Stack.GitConfig.ConfigHash)
		commit := h.sim.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:1.28\n"})
		out := h.ok("redeploy_stack", map[string]any{"stack_id": id, "pull_image": true})
		st := h.stack(id)
		if deref(st.Stack.GitConfig.ConfigHash) != commit || commit == old {
			t.Fatalf("deployed commit %s, want %s", deref(st.Stack.GitConfig.ConfigHash), commit)
		}
		if !strings.Contains(fmt.Sprint(out["note"]), commit[:12]) {
			t.Errorf("note does not name the new commit: %v", out["note"])
		}
		if inv := invariantOf(t, st); inv.Password != sentinel || len(inv.Env) != 2 {
			t.Errorf("redeploy lost credentials or env: %+v", inv)
		}
		h.noLeak()
	})
}

func TestWebhookFlow(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "hooked", "repository_url": repoA, "gitops": "webhook", "force_pull_image": true})
		id := int(out["stack_id"].(float64))
		url := out["gitops"].(map[string]any)["webhook_url"].(string)
		hook := out["gitops"].(map[string]any)["webhook_id"].(string)
		if !strings.HasSuffix(url, "/api/stacks/webhooks/"+hook) {
			t.Fatalf("webhook url %s", url)
		}
		if got := h.ok("get_stack_gitops", map[string]any{"stack_id": id}); got["gitops"].(map[string]any)["webhook_url"] != url {
			t.Errorf("get_stack_gitops webhook = %v", got)
		}
		commit := h.sim.Commit(repoA, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:1.29\n"})
		h.ok("trigger_stack_webhook", map[string]any{"stack_id": id})
		h.sim.Wait()
		if got := deref(h.stack(id).Stack.GitConfig.ConfigHash); got != commit {
			t.Errorf("after the webhook, commit %s, want %s", got, commit)
		}
		// Regenerate: new id, everything else kept, the old URL answers 404.
		before := h.stack(id)
		reg := h.ok("regenerate_stack_webhook", map[string]any{"stack_id": id})
		after := h.stack(id)
		newHook := deref(after.Stack.AutoUpdate.Webhook)
		if newHook == hook || newHook == "" || !strings.Contains(fmt.Sprint(reg["note"]), "stopped working") {
			t.Errorf("regenerate: new %q old %q, note %v", newHook, hook, reg["note"])
		}
		if !deref(after.Stack.AutoUpdate.ForcePullImage) || deref(after.Stack.GitConfig.URL) != deref(before.Stack.GitConfig.URL) {
			t.Error("regenerate changed other settings")
		}
		resp, err := http.Post(url, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("old webhook URL answers %d, want 404", resp.StatusCode)
		}
		h.fails("trigger_stack_webhook", map[string]any{"webhook_id": "not-a-uuid"}, "is not a webhook id")
		h.fails("trigger_stack_webhook", map[string]any{"webhook_id": hook}, "404")
		h.fails("trigger_stack_webhook", map[string]any{"stack_id": id, "webhook_id": hook}, "is not the webhook of stack", "leave webhook_id out", "Nothing was changed")
	})
}

func TestPollingPicksUpCommits(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("polled", map[string]any{"gitops": "polling", "interval": "1m"})
		h.sim.PollNow()
		h.sim.Wait()
		deploys := h.stack(id).Deploys
		commit := h.sim.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:2\n"})
		h.sim.PollNow()
		h.sim.Wait()
		st := h.stack(id)
		if deref(st.Stack.GitConfig.ConfigHash) != commit || st.Deploys != deploys+1 {
			t.Errorf("polling: commit %s deploys %d, want %s and %d", deref(st.Stack.GitConfig.ConfigHash), st.Deploys, commit, deploys+1)
		}
	})
}

// TestNoToolDetaches runs every GitOps-touching tool on a Git stack and checks that it is
// still a Git stack with its GitOps settings afterwards.
func TestNoToolDetaches(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", map[string]any{"gitops": "polling+webhook", "interval": "5m"})
		calls := []struct {
			tool string
			args map[string]any
		}{
			{"get_stack", map[string]any{"stack_id": id}},
			{"get_stack_gitops", map[string]any{"stack_id": id}},
			{"get_stack_file", map[string]any{"stack_id": id}},
			{"update_stack_gitops", map[string]any{"stack_id": id, "interval": "15m"}},
			{"update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling+webhook", "interval": "15m"}},
			{"redeploy_stack", map[string]any{"stack_id": id}},
			{"regenerate_stack_webhook", map[string]any{"stack_id": id}},
			{"trigger_stack_webhook", map[string]any{"stack_id": id}},
			{"stop_stack", map[string]any{"stack_id": id}},
			{"start_stack", map[string]any{"stack_id": id}},
			{"update_stack", map[string]any{"stack_id": id, "compose": composeA}}, // refused without consent
		}
		for _, c := range calls {
			h.call(c.tool, c.args)
			h.sim.Wait()
			st := h.stack(id)
			if st.Stack.GitConfig == nil || st.Stack.AutoUpdate == nil {
				t.Fatalf("%s detached the stack or dropped GitOps", c.tool)
			}
		}
		if inv := invariantOf(t, h.stack(id)); inv.Password != sentinel {
			t.Error("credentials lost")
		}
		h.noLeak()
	})
}

func TestValidateGitRepository(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		ok := h.ok("validate_git_repository", map[string]any{"repository_url": private, "username": gitUser, "password": sentinel})
		if ok["readable"] != true || !strings.Contains(fmt.Sprint(ok["first_lines"]), "services:") {
			t.Errorf("validate = %v", ok)
		}
		bad := h.ok("validate_git_repository", map[string]any{"repository_url": private, "username": gitUser, "password": "nope" + sentinel})
		if bad["readable"] != false || bad["problem"] == "" {
			t.Errorf("validate with a wrong password = %v", bad)
		}
		missing := h.ok("validate_git_repository", map[string]any{"repository_url": repoA, "compose_path": "nope.yml"})
		if missing["readable"] != false {
			t.Errorf("validate of a missing file = %v", missing)
		}
		h.noLeak()
	})
}

func TestListGitopsStacks(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		a := h.gitStack("app", map[string]any{"gitops": "webhook"})
		h.ok("create_stack", map[string]any{"environment_id": 1, "name": "plain", "compose": composeA})
		out := h.ok("list_gitops_stacks", map[string]any{"environment_id": 1})
		if out["count"] != float64(1) || out["total"] != float64(1) {
			t.Fatalf("list_gitops_stacks = %v", out)
		}
		row := out["stacks"].([]any)[0].(map[string]any)
		if row["stack_id"] != float64(a) || row["repository_url"] != private || row["credentials_stored"] != true || row["deployed_commit"] == "" ||
			row["gitops"] != "webhook" || row["webhook_url"] == nil {
			t.Errorf("row = %v", row)
		}
		if other := h.ok("list_gitops_stacks", map[string]any{"environment_id": 2}); other["count"] != float64(0) {
			t.Errorf("environment filter: %v", other)
		}
		h.noLeak()
	})
}

func TestBranchNamesBecomeFullReferences(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "rel", "repository_url": repoA, "reference": "release"})
		id := int(out["stack_id"].(float64))
		if got := deref(h.stack(id).Stack.GitConfig.ReferenceName); got != "refs/heads/release" {
			t.Errorf("reference stored as %q", got)
		}
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "reference": "main"})
		if got := deref(h.stack(id).Stack.GitConfig.ReferenceName); got != "refs/heads/main" {
			t.Errorf("reference after update %q", got)
		}
		def := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "def", "repository_url": repoA})
		if got := deref(h.stack(int(def["stack_id"].(float64))).Stack.GitConfig.ReferenceName); got != "refs/heads/main" {
			t.Errorf("default reference %q", got)
		}
	})
}

// TestTokenCredentialsKept: token credentials stored at creation survive turning GitOps on.
func TestTokenCredentialsKept(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		const tokenRepo = "https://git.example.com/team/token.git"
		h.sim.AddRepo(tokenRepo, "x-token", sentinel)
		h.sim.Commit(tokenRepo, "refs/heads/main", map[string]string{"docker-compose.yml": composeA})
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "tok", "repository_url": tokenRepo, "username": "x-token", "password": sentinel})
		id := int(out["stack_id"].(float64))
		h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling", "interval": "5m"})
		if inv := invariantOf(t, h.stack(id)); inv.Password != sentinel {
			t.Errorf("credentials lost: %+v", inv)
		}
		h.noLeak()
	})
}

// TestFailedGitChangeRestartsPolling: Portainer stops polling before it checks a Git
// settings change and leaves it stopped when the check fails; the tool starts it again.
func TestFailedGitChangeRestartsPolling(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"})
		before := invariantOf(t, h.stack(id))
		txt := h.fails("update_stack_gitops", map[string]any{"stack_id": id, "password": "wrong-" + sentinel}, "not changed")
		if !h.caps().SourcePolling && !strings.Contains(txt, "started again") {
			t.Errorf("the answer does not say polling was started again: %s", txt)
		}
		st := h.stack(id)
		if after := invariantOf(t, st); !reflect.DeepEqual(after, before) {
			t.Errorf("settings changed: %+v", after)
		}
		// Polling still works: a new commit is picked up.
		commit := h.sim.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:3\n"})
		h.sim.PollNow()
		h.sim.Wait()
		if got := deref(h.stack(id).Stack.GitConfig.ConfigHash); got != commit {
			t.Errorf("polling stopped after the failed change: deployed %s, want %s", got, commit)
		}
		h.noLeak()
	})
}

// TestGitArgumentNames: every Git tool names credentials username and password; the old names
// of update_stack_gitops and redeploy_stack are refused as unknown, changing nothing.
func TestGitArgumentNames(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("app", nil)
	h.ok("redeploy_stack", map[string]any{"stack_id": id, "password": sentinel})
	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "username": gitUser, "password": sentinel, "set_env": []map[string]any{{"name": "A", "value": "1"}}})
	if inv := invariantOf(t, h.stack(id)); inv.Password != sentinel || inv.User != gitUser || inv.Env["A"] != "1" {
		t.Errorf("after username/password: %+v", inv)
	}
	before := h.state()
	h.fails("update_stack_gitops", map[string]any{"stack_id": id, "repository_username": gitUser, "repository_password": sentinel}, "unknown argument", "username")
	h.fails("redeploy_stack", map[string]any{"stack_id": id, "repository_password": sentinel}, "unknown argument", "password")
	if h.state() != before {
		t.Error("a refused call changed the stack")
	}
	h.noLeak()
}
