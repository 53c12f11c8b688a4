package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSavedGitCredentialOnStacks: on the Business Edition before GitOps Sources a saved Git
// credential is used by id, with no password at hand, to check a repository, create a Git
// stack, change its GitOps settings and reference (kept through Portainer's full-replace
// endpoint) and redeploy it; the password never shows.
func TestSavedGitCredentialOnStacks(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.39.0", Edition: "BE"})
	cred := num(h.ok("create_git_credential", map[string]any{"name": "ci", "username": gitUser, "password": sentinel}), "id")
	h.sim.Commit(private, "refs/heads/release", map[string]string{"docker-compose.yml": composeA})

	if v := h.ok("validate_git_repository", map[string]any{"repository_url": private, "git_credential_id": cred}); v["readable"] != true {
		t.Errorf("validate with the credential: %v", v)
	}
	out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "app", "repository_url": private, "git_credential_id": cred,
		"env": []map[string]any{{"name": "MODE", "value": "prod"}}})
	id := int(out["stack_id"].(float64))
	usesCred := func(step string) {
		t.Helper()
		a := h.stack(id).Stack.GitConfig.Authentication
		if a == nil || deref(a.GitCredentialID) != cred || deref(a.Password) != sentinel {
			t.Fatalf("%s: the stack does not use credential %d: %+v", step, cred, a)
		}
	}
	usesCred("create")
	if !strings.Contains(fmt.Sprint(out["note"]), fmt.Sprintf("saved Git credential %d", cred)) {
		t.Errorf("the answer does not name the credential: %v", out["note"])
	}

	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling", "interval": "5m"})
	usesCred("GitOps on")
	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "reference": "release"}) // checked with the credential
	usesCred("new reference")
	commit := h.sim.Commit(private, "refs/heads/release", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:1.29\n"})
	h.ok("redeploy_stack", map[string]any{"stack_id": id})
	if got := deref(h.stack(id).Stack.GitConfig.ConfigHash); got != commit {
		t.Errorf("redeploy: commit %s, want %s", got, commit)
	}
	usesCred("redeploy")
	h.ok("disable_stack_gitops", map[string]any{"stack_id": id})
	usesCred("GitOps off")

	// Another stack's own credentials can be swapped for the saved one.
	other := h.gitStack("other", nil)
	h.ok("update_stack_gitops", map[string]any{"stack_id": other, "git_credential_id": cred})
	if a := h.stack(other).Stack.GitConfig.Authentication; a == nil || deref(a.GitCredentialID) != cred {
		t.Errorf("switch to the saved credential: %+v", a)
	}
	h.noLeak()
}

// TestSavedGitCredentialRefused: where Portainer takes no saved credential on a stack (CE; from
// 2.43, where credentials live on GitOps Sources), or mixed with a username and password, the
// argument is refused before anything is written.
func TestSavedGitCredentialRefused(t *testing.T) {
	for _, c := range []struct {
		name     string
		o        harnessOpts
		args     map[string]any
		want     []string
		validate bool
	}{
		{"CE", harnessOpts{Version: "2.39.0"}, nil, []string{"Business Edition", "username and password"}, true},
		{"BE with Sources", harnessOpts{Version: "2.45.0", Edition: "BE"}, nil, []string{"GitOps Source", "username and password"}, true},
		{"with a password", harnessOpts{Version: "2.39.0", Edition: "BE"}, map[string]any{"username": gitUser, "password": sentinel}, []string{"not both"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessFor(t, c.o)
			id := h.gitStack("app", nil)
			before := h.state()
			nreq := len(h.sim.Requests())
			with := func(base map[string]any) map[string]any {
				base["git_credential_id"] = 1
				for k, v := range c.args {
					base[k] = v
				}
				return base
			}
			h.fails("create_stack_from_git", with(map[string]any{"environment_id": 1, "name": "new", "repository_url": private}), append(c.want, "Nothing was changed")...)
			h.fails("update_stack_gitops", with(map[string]any{"stack_id": id}), append(c.want, "Nothing was changed")...)
			h.fails("validate_git_repository", with(map[string]any{"repository_url": private}), c.want...)
			if h.state() != before {
				t.Error("a refused credential changed a stack")
			}
			for _, r := range h.sim.Requests()[nreq:] {
				if !strings.HasPrefix(r, "GET ") {
					t.Errorf("a refused credential reached Portainer: %s", r)
				}
			}
			h.noLeak()
		})
	}
}
