package main

import (
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// brokenCompose is a commit that cannot deploy: Docker creates the container and cannot start
// its command, so compose up fails (and Portainer 2.23 then runs compose down).
const brokenCompose = "services:\n  app:\n    image: local/tiny:latest\n    pull_policy: never\n    command: /does-not-exist\n"

// TestRealPortainerFailedDeploys: on a real 2.23, a commit that cannot deploy, pushed and
// delivered by the webhook, is reported as a failed deploy that left the stack down (never as
// "no new commit"); a failed redeploy_stack says the stack now runs no containers and how to
// get it back; force_update says it does nothing on this release; git_credential_id is refused
// on CE; a short tag reference is taken as the tag.
func TestRealPortainerFailedDeploys(t *testing.T) {
	p := realtest.Load(t)
	t.Parallel()
	s := realSession(t, p)
	name := realtest.Name("broken")
	p.RemoveStacksNamed(t, name, name+"-cred")
	id, repo, good := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "webhook"})

	if out := s.ok("update_stack_gitops", map[string]any{"stack_id": id, "force_update": true}); !strings.Contains(at(out, "note"), "ignores force_update") {
		t.Errorf("force_update on 2.23: %v", out["note"])
	}

	repo.Commit("main", map[string]string{"docker-compose.yml": brokenCompose})
	begin := time.Now()
	res := s.call("trigger_stack_webhook", map[string]any{"stack_id": id, "wait": true})
	wantError(t, res, "FAILED", "runs no containers", "redeploy_stack")
	if txt := text(res); strings.Contains(txt, "no new commit") {
		t.Errorf("a failed webhook deploy reported as no new commit: %s", txt)
	}
	t.Logf("the failed webhook deploy was reported after %s", time.Since(begin).Round(time.Second))
	if st, _ := restStack(t, p, id); deref(deref(st.GitConfig).ConfigHash) != good {
		t.Errorf("Portainer recorded commit %s; it keeps %s after a failed webhook deploy", deref(deref(st.GitConfig).ConfigHash), good)
	}
	if running := p.Containers(t, p.EnvID, name); len(running) != 0 {
		t.Errorf("containers run after the failed deploy: %v", running)
	}

	// Back to a good commit, then a redeploy of a broken one.
	repo.Commit("main", composeFile("fixed"))
	s.ok("redeploy_stack", map[string]any{"stack_id": id})
	repo.Commit("main", map[string]string{"docker-compose.yml": brokenCompose})
	wantError(t, s.call("redeploy_stack", map[string]any{"stack_id": id}), "/does-not-exist", "runs no containers", "revert", "redeploy_stack")

	// CE has no saved Git credentials: the argument is refused, nothing is created.
	wantError(t, s.call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": name + "-cred", "repository_url": repo.URL, "git_credential_id": 1}),
		"Business Edition", "username and password", "Nothing was changed")
	if _, found := restStackNamed(t, p, name+"-cred"); found {
		t.Error("a refused git_credential_id created a stack")
	}

	repo.Commit("main", composeFile("tagged"))
	repo.Tag("main", "v1.0.0")
	if v := s.ok("validate_git_repository", map[string]any{"repository_url": repo.URL, "reference": "v1.0.0"}); v["readable"] != true || v["reference"] != "refs/tags/v1.0.0" {
		t.Errorf("validate of a short tag = %v", v)
	}
}
