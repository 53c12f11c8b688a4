package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

func realGitPolling(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("poll")
	p.RemoveStacksNamed(t, name)
	id, repo, h1 := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "1m"})
	g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
	if at(g, "git", "deployed_commit") != h1 || at(g, "gitops", "mechanism") != "polling" || at(g, "gitops", "interval") != "1m" {
		t.Fatalf("get_stack_gitops after create = %v", g)
	}
	before := p.Containers(t, p.EnvID, name)

	h2 := repo.Commit("main", composeFile("c2"))
	took := eventually(t, 2*time.Minute, 5*time.Second, "the pushed commit deployed by polling", func() bool {
		return at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit") == h2
	})
	t.Logf("polling deployed the push after %s", took.Round(time.Second))
	if f := s.ok("get_stack_file", map[string]any{"stack_id": id}); f["compose"] != realtest.Compose("app", "c2") {
		t.Errorf("get_stack_file after the poll = %v", f)
	}
	if after := p.Containers(t, p.EnvID, name); after["app"] == "" || after["app"] == before["app"] {
		t.Errorf("the poll did not redeploy the container: before %v, after %v", before, after)
	}
}

func realWebhook(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("hook")
	p.RemoveStacksNamed(t, name)
	id, repo, h1 := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "webhook"})
	g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
	webhookID := at(g, "gitops", "webhook_id")
	if webhookID == "" || at(g, "gitops", "webhook_url") != p.URL+"/api/stacks/webhooks/"+webhookID {
		t.Fatalf("get_stack_gitops = %v", g)
	}
	if st, _ := restStack(t, p, id); deref(deref(st.AutoUpdate).Webhook) != webhookID || deref(deref(st.GitConfig).ConfigHash) != h1 {
		t.Fatalf("Portainer holds webhook %v and commit %v", deref(deref(st.AutoUpdate).Webhook), deref(deref(st.GitConfig).ConfigHash))
	}
	deployed := func() string {
		return at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit")
	}

	for i, args := range []map[string]any{{"stack_id": id}, {"webhook_id": webhookID}} {
		h := repo.Commit("main", composeFile(fmt.Sprintf("w%d", i+2)))
		if res := s.ok("trigger_stack_webhook", args); res["ok"] != true {
			t.Fatalf("trigger_stack_webhook %v = %v", args, res)
		}
		eventually(t, time.Minute, time.Second, fmt.Sprintf("commit %d deployed by the webhook (%v)", i+2, args), func() bool { return deployed() == h })
	}
}

func realPrivateGitOps(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("priv")
	p.RemoveStacksNamed(t, name)
	id, repo, _ := gitStack(t, p, s, "priv", name, map[string]any{"reference": "main", "username": p.GitUser, "password": p.GitPass,
		"env":    []map[string]any{{"name": "A", "value": "alpha"}, {"name": "B", "value": "beta"}},
		"gitops": "polling", "interval": "5m"})
	want := map[string]string{"A": "alpha", "B": "beta"}

	steps := []struct {
		label string
		args  map[string]any
		check func(g map[string]any) bool
	}{
		{"interval 10m", map[string]any{"interval": "10m"}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "polling" && at(g, "gitops", "interval") == "10m"
		}},
		{"mechanism webhook", map[string]any{"mechanism": "webhook"}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "webhook" && at(g, "gitops", "webhook_url") != "" && at(g, "gitops", "interval") == ""
		}},
		{"set_env C", map[string]any{"set_env": []map[string]any{{"name": "C", "value": "gamma"}}}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "webhook"
		}},
	}
	for i, step := range steps {
		args := map[string]any{"stack_id": id}
		for k, v := range step.args {
			args[k] = v
		}
		s.ok("update_stack_gitops", args)
		if step.label == "set_env C" {
			want["C"] = "gamma"
		}
		g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
		if !step.check(g) {
			t.Errorf("%s: the change did not take: %v", step.label, g)
		}
		if at(g, "git", "reference") != "refs/heads/main" || at(g, "git", "credentials_stored") != "true" ||
			at(g, "git", "username") != p.GitUser || at(g, "git", "repository_url") != repo.URL {
			t.Errorf("%s: reference, credentials or repository lost: %v", step.label, g)
		}
		st, _ := restStack(t, p, id)
		if got := envValues(st); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: env is %v, want %v", step.label, got, want)
		}
		// The stored password still clones the private repository.
		h := repo.Commit("main", composeFile(fmt.Sprintf("p%d", i+2)))
		s.ok("redeploy_stack", map[string]any{"stack_id": id})
		if got := at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit"); got != h {
			t.Errorf("%s: redeploy_stack with the stored credentials deployed %q, want the new commit %q", step.label, got, h)
		}
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the private stack does not run: %v", c)
	}
}

func realDetach(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("detach")
	p.RemoveStacksNamed(t, name)
	id, _, _ := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "5m"})
	before, _ := restStack(t, p, id)
	fileBefore := restFile(t, p, id)

	newFile := realtest.Compose("app", "by-hand")
	wantError(t, s.call("update_stack", map[string]any{"stack_id": id, "compose": newFile}), "detach_from_git", "Nothing was changed")
	after, _ := restStack(t, p, id)
	if !sameJSON(before, after) || restFile(t, p, id) != fileBefore {
		t.Fatalf("the refused update changed the stack:\nbefore %s\nafter  %s", mustJSON(before), mustJSON(after))
	}

	out := s.ok("update_stack", map[string]any{"stack_id": id, "compose": newFile, "detach_from_git": true})
	if out["git"] != nil || !strings.Contains(at(out, "note"), "file-based") {
		t.Errorf("update_stack with detach_from_git = %v", out)
	}
	after, _ = restStack(t, p, id)
	if after.GitConfig != nil || after.AutoUpdate != nil || restFile(t, p, id) != newFile {
		t.Errorf("after the detach Portainer holds GitConfig %v, AutoUpdate %v, file %q", after.GitConfig, after.AutoUpdate, restFile(t, p, id))
	}
	if g := s.ok("get_stack", map[string]any{"stack_id": id}); g["git"] != nil {
		t.Errorf("get_stack still shows Git after the detach: %v", g)
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the detached stack does not run: %v", c)
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func realRecreate(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name, renamed := realtest.Name("recr"), realtest.Name("recr-renamed")
	p.RemoveStacksNamed(t, name, renamed)
	repo := p.Git().NewRepo(t, "pub/"+name)
	h1 := repo.Commit("main", map[string]string{"deploy/compose.yml": realtest.Compose("app", "from-git")})

	oldID := idOf(t, s.ok("create_stack", map[string]any{"environment_id": p.EnvID, "name": name,
		"compose": realtest.Compose("app", "file"), "env": []map[string]any{{"name": "K", "value": "kept-value"}}}), "id")
	args := map[string]any{"stack_id": oldID, "repository_url": repo.URL, "compose_path": "deploy/compose.yml"}
	plan := s.call("recreate_stack", args)
	if plan.IsError || !strings.Contains(text(plan), "dry_run") {
		t.Fatalf("recreate_stack dry run = %s", text(plan))
	}
	if st, ok := restStack(t, p, oldID); !ok || st.GitConfig != nil {
		t.Fatalf("the dry run changed the stack: %v %v", ok, st.GitConfig)
	}

	args["dry_run"] = false
	if res := s.call("recreate_stack", args); res.IsError {
		t.Fatalf("recreate_stack file-based -> Git: %s", text(res))
	}
	st, ok := restStackNamed(t, p, name)
	if !ok {
		t.Fatal("no stack after the re-create")
	}
	gitID := deref(st.Id)
	g := deref(st.GitConfig)
	if gitID == oldID || deref(g.URL) != repo.URL || deref(g.ConfigFilePath) != "deploy/compose.yml" || deref(g.ConfigHash) != h1 {
		t.Errorf("re-created stack %d: GitConfig %s", gitID, mustJSON(st.GitConfig))
	}
	if vals := envValues(st); vals["K"] != "kept-value" {
		t.Errorf("the env was not carried over: %v", vals)
	}
	if _, ok := restStack(t, p, oldID); ok {
		t.Errorf("the original stack %d still exists", oldID)
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the re-created stack does not run: %v", c)
	}

	if res := s.call("recreate_stack", map[string]any{"stack_id": gitID, "name": renamed, "dry_run": false}); res.IsError {
		t.Fatalf("recreate_stack rename: %s", text(res))
	}
	if _, ok := restStackNamed(t, p, name); ok {
		t.Errorf("a stack named %s is left after the rename", name)
	}
	st, ok = restStackNamed(t, p, renamed)
	if !ok || deref(deref(st.GitConfig).URL) != repo.URL || envValues(st)["K"] != "kept-value" {
		t.Fatalf("renamed stack: found %v, %s", ok, mustJSON(st))
	}
	if c := p.Containers(t, p.EnvID, renamed); c["app"] == "" {
		t.Errorf("the renamed stack does not run: %v", c)
	}
	if c := p.Containers(t, p.EnvID, name); len(c) != 0 {
		t.Errorf("containers of the old name still run: %v", c)
	}
}

func realBadInterval(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name, other := realtest.Name("interval"), realtest.Name("interval-new")
	p.RemoveStacksNamed(t, name, other)
	id, repo, _ := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "5m"})
	before, _ := restStack(t, p, id)

	for _, bad := range []string{"30s", "5x", "0s", "-5m"} {
		wantError(t, s.call("update_stack_gitops", map[string]any{"stack_id": id, "interval": bad}), "interval")
		wantError(t, s.call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other,
			"repository_url": repo.URL, "gitops": "polling", "interval": bad}), "interval")
		wantError(t, s.call("recreate_stack", map[string]any{"stack_id": id, "name": other, "gitops": "polling", "interval": bad, "dry_run": false}), "interval")
		after, ok := restStack(t, p, id)
		if !ok || !sameJSON(before, after) {
			t.Fatalf("interval %q changed the stack:\nbefore %s\nafter  %s", bad, mustJSON(before), mustJSON(after))
		}
		if _, ok := restStackNamed(t, p, other); ok {
			t.Fatalf("interval %q created a stack", bad)
		}
	}
}
