package tools_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// TestHostileInputRefused: ids, names, paths and URLs that would make Portainer do something
// else than asked are refused before anything is sent, with the reason.
func TestHostileInputRefused(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		git := func(extra map[string]any) map[string]any {
			args := map[string]any{"environment_id": 1, "name": "app", "repository_url": repoA}
			for k, v := range extra {
				args[k] = v
			}
			return args
		}
		cases := []struct {
			name string
			tool string
			args map[string]any
			want []string
		}{
			{"webhook id ..", "trigger_stack_webhook", map[string]any{"webhook_id": ".."}, []string{"is not a webhook id", "lower-case UUID"}},
			{"webhook id path", "trigger_stack_webhook", map[string]any{"webhook_id": "../../../api/stacks"}, []string{"is not a webhook id"}},
			{"webhook id upper case", "trigger_stack_webhook", map[string]any{"webhook_id": "3F6C1A2E-8B4D-4E1F-9A7C-0D5E6F7A8B9C"}, []string{"is not a webhook id"}},
			{"webhook wait without stack", "trigger_stack_webhook", map[string]any{"webhook_id": "3f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c", "wait": true}, []string{"wait needs stack_id"}},
			{"compose path ..", "create_stack_from_git", git(map[string]any{"compose_path": "../other/compose.yml"}), []string{"leaves the repository"}},
			{"compose path absolute", "create_stack_from_git", git(map[string]any{"compose_path": "/etc/passwd"}), []string{"is absolute"}},
			{"additional file ..", "create_stack_from_git", git(map[string]any{"additional_files": []string{"ok.yml", "a/../../x.yml"}}), []string{"additional file", "leaves the repository"}},
			{"ssh URL", "create_stack_from_git", git(map[string]any{"repository_url": "ssh://git@git.example.com/team/app.git"}), []string{"HTTP(S) only", "https URL"}},
			{"scp-like URL", "create_stack_from_git", git(map[string]any{"repository_url": "git@git.example.com:team/app.git"}), []string{"SSH address", "HTTP(S) only"}},
			{"git URL", "create_stack_from_git", git(map[string]any{"repository_url": "git://git.example.com/team/app.git"}), []string{"HTTP(S) only"}},
			{"file URL", "create_stack_from_git", git(map[string]any{"repository_url": "file:///etc"}), []string{"cannot clone"}},
			{"credentials in URL", "create_stack_from_git", git(map[string]any{"repository_url": "https://deploy:" + sentinel + "@git.example.com/x.git"}), []string{"carries credentials"}},
			{"not a URL, with a password in it", "validate_git_repository", map[string]any{"repository_url": "https//deploy:" + sentinel + "@x"}, []string{"is not a URL"}},
			{"accented name", "create_stack", map[string]any{"environment_id": 1, "name": "wéb-ü", "compose": composeA}, []string{`would silently turn it into "wb-"`}},
			{"slash in name", "create_stack", map[string]any{"environment_id": 1, "name": "a/b", "compose": composeA}, []string{`would silently turn it into "ab"`}},
			{"upper case name from Git", "create_stack_from_git", git(map[string]any{"name": "My Stack!"}), []string{`"mystack"`}},
			{"env name with space", "create_stack", map[string]any{"environment_id": 1, "name": "e", "compose": composeA, "env": []map[string]any{{"name": "MY VAR", "value": "1"}}}, []string{`env name "MY VAR" is not valid`}},
			{"env value on two lines", "create_stack", map[string]any{"environment_id": 1, "name": "e", "compose": composeA, "env": []map[string]any{{"name": "A", "value": "1\nB=2"}}}, []string{"line break"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := len(h.sim.Requests())
				want := c.want
				if !readOnlyTool(c.tool) { // only a change says it did not happen
					want = append(want, "Nothing was changed")
				}
				txt := h.fails(c.tool, c.args, want...)
				if got := h.sim.Requests()[before:]; len(got) > 0 {
					t.Errorf("refused input still reached Portainer: %v", got)
				}
				if strings.Contains(txt, "deploy:") {
					t.Errorf("a URL's userinfo is echoed: %s", txt)
				}
			})
		}
		if len(h.sim.Stacks()) != 0 {
			t.Errorf("stacks were created: %v", h.sim.Stacks())
		}
		h.noLeak()
	})
}

// TestTransportRefusesDotSegments: whatever a tool builds, no request leaves with a path
// segment that climbs out of its resource.
func TestTransportRefusesDotSegments(t *testing.T) {
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit++ }))
	defer srv.Close()
	c := &http.Client{Transport: &tools.Transport{}}
	for _, p := range []string{"/api/stacks/webhooks/..", "/api/stacks/webhooks/%2e%2e", "/api/endpoints/1/docker/containers/a%2fb/json", "/api/x/./y"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+p, nil)
		req.URL.RawPath = p
		if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "not a plain name") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if hit != 0 {
		t.Errorf("%d requests reached the server", hit)
	}
	if _, err := c.Get(srv.URL + "/api/stacks/3"); err != nil || hit != 1 {
		t.Errorf("a plain request failed: %v", err)
	}
}
