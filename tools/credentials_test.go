package tools_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Per-user saved credentials (EE before 2.44) live under the caller's id: a caller the HTTP
// transport already knows is not looked up again; one it does not is asked of /users/me.
func TestCredentialsOfTheKnownCaller(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.31.2", Edition: "BE"})
	count := func() int {
		n := 0
		for _, r := range h.sim.Requests() {
			if strings.HasPrefix(r, "GET /api/users/me") {
				n++
			}
		}
		return n
	}
	before := count()
	h.ok("list_git_credentials", nil)
	if count() != before+1 {
		t.Fatalf("a caller the transport does not know: /users/me asked %d times", count()-before)
	}
	var req mcp.CallToolRequest
	req.Params.Name = "create_git_credential"
	req.Params.Arguments = map[string]any{"name": "ci", "username": "bot", "password": sentinel}
	before = count()
	res, err := h.c.CallTool(tools.WithCaller(context.Background(), tools.Caller{ID: 1, Username: "admin"}), req)
	if err != nil || res.IsError {
		t.Fatalf("create_git_credential: %v %s", err, textOf(res))
	}
	if count() != before {
		t.Errorf("the known caller was asked of /users/me %d times", count()-before)
	}
	found := false
	for _, r := range h.sim.Requests() {
		found = found || strings.HasPrefix(r, "POST /api/users/1/gitcredentials")
	}
	if !found {
		t.Errorf("the credential was not saved under user 1: %v", h.sim.Requests())
	}
}
