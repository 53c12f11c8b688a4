package main

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

func realSentinel(t *testing.T, p *realtest.Portainer) {
	core := strings.TrimPrefix(realtest.Name("x"), "x-") + strings.TrimPrefix(realtest.Name("x"), "x-")
	sentinel := "Snt" + core + `&<>"%+/=`
	wrong := "Wrg" + core + `&<>`
	const user = "sentinel-user"
	git := realtest.NewGitServer(t, user, sentinel)
	s := realSession(t, p)
	name, other := realtest.Name("sentinel"), realtest.Name("sentinel-b")
	p.RemoveStacksNamed(t, name, other)
	repo := git.NewRepo(t, "team/"+name)
	repo.Commit("main", composeFile("s1"))

	var outputs []string
	call := func(tool string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res := s.call(tool, args)
		raw, _ := json.Marshal(res)
		outputs = append(outputs, tool+": "+string(raw))
		return res
	}
	if res := call("validate_git_repository", map[string]any{"repository_url": repo.URL, "username": user, "password": sentinel}); res.IsError || structured(t, res)["readable"] != true {
		t.Fatalf("validate_git_repository with the right password: %s", text(res))
	}
	if res := call("validate_git_repository", map[string]any{"repository_url": repo.URL, "username": user, "password": wrong}); !res.IsError && structured(t, res)["readable"] != false {
		t.Errorf("validate_git_repository with a wrong password: %s", text(res))
	}
	wantError(t, call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other,
		"repository_url": repo.URL, "username": user, "password": wrong}))
	u, _ := url.Parse(repo.URL)
	u.User = url.UserPassword(user, sentinel)
	wantError(t, call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other, "repository_url": u.String()}))
	wantError(t, call("validate_git_repository", map[string]any{"repository_url": u.String()}))

	res := call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": name,
		"repository_url": repo.URL, "username": user, "password": sentinel, "gitops": "webhook",
		"env": []map[string]any{{"name": "E", "value": "e"}}})
	id := idOf(t, structured(t, res), "stack_id")
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"get_stack", map[string]any{"stack_id": id, "show_env_values": true}},
		{"get_stack_gitops", map[string]any{"stack_id": id}},
		{"list_gitops_stacks", map[string]any{"environment_id": p.EnvID}},
		{"list_stacks", map[string]any{"name": name}},
		{"get_stack_file", map[string]any{"stack_id": id}},
		{"update_stack_gitops", map[string]any{"stack_id": id, "interval": "10m", "mechanism": "polling+webhook", "username": user, "password": sentinel}},
		{"redeploy_stack", map[string]any{"stack_id": id}},
		{"redeploy_stack", map[string]any{"stack_id": id, "password": sentinel}},
		{"trigger_stack_webhook", map[string]any{"stack_id": id}},
		{"recreate_stack", map[string]any{"stack_id": id, "name": other, "password": sentinel}},
	} {
		if res := call(c.tool, c.args); res.IsError {
			t.Errorf("%s: %s", c.tool, text(res))
		}
	}
	// Wrong passwords make Portainer's errors, which must not carry them either.
	wantError(t, call("redeploy_stack", map[string]any{"stack_id": id, "password": wrong}))
	wantError(t, call("update_stack_gitops", map[string]any{"stack_id": id, "username": user, "password": wrong}))
	if g := structured(t, call("get_stack_gitops", map[string]any{"stack_id": id})); at(g, "git", "credentials_stored") != "true" {
		t.Errorf("credentials lost: %v", g)
	}

	forms := sentinelForms(user, sentinel, wrong, core)
	check := func(where, s string) {
		for _, f := range forms {
			if strings.Contains(s, f) {
				t.Errorf("the Git password (as %q) is in %s", f, where)
			}
		}
	}
	for _, o := range outputs {
		check("a tool result", o)
	}
	check("a notification", s.notes.String())
	check("the server's stderr", s.stderr.String())
	if len(outputs) < 15 {
		t.Errorf("only %d outputs checked", len(outputs))
	}
}

// sentinelForms are the ways a password can show: as is, its random core, escaped for JSON,
// URL queries and paths, and inside basic-auth base64.
func sentinelForms(user string, passwords ...string) []string {
	var forms []string
	for _, pw := range passwords {
		js, _ := json.Marshal(pw)
		forms = append(forms, pw, strings.Trim(string(js), `"`), url.QueryEscape(pw), url.PathEscape(pw),
			base64.StdEncoding.EncodeToString([]byte(user+":"+pw)), base64.StdEncoding.EncodeToString([]byte(pw)))
	}
	return slices.Compact(forms)
}
