package tools_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// The server's last line of defence: whatever a handler answers, the secrets the call carried
// leave in no form. Here Portainer's error quotes the Git password given to
// create_stack_from_git in every encoding it could come back in, and the tool passes
// Portainer's message on as it does for every error.
func TestServerScrubsWhatHandlersAnswer(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	const pw = `p<&>"\w0rd-SENTINEL`
	forms := encodings(pw)
	var quoted []string
	for name, form := range forms {
		quoted = append(quoted, name+"="+form)
	}
	h.sim.InjectFault(sim.Fault{Method: http.MethodPost, PathPrefix: "/api/gitops/repo/file/preview", Status: http.StatusInternalServerError,
		Message: "Unable to clone git repository: " + strings.Join(quoted, " ")})
	res := h.call("create_stack_from_git", map[string]any{"environment_id": 1, "name": "echo", "repository_url": private,
		"username": gitUser, "password": pw})
	txt := textOf(res)
	if !res.IsError || !strings.Contains(txt, "Unable to clone git repository") {
		t.Fatalf("want Portainer's error passed on: %s", txt)
	}
	wire, _ := json.Marshal(res)
	if got := strings.Count(txt, tools.Redacted); got < len(forms) {
		t.Errorf("%d of the %d quoted forms became %s: %s", got, len(forms), tools.Redacted, txt)
	}
	for name, form := range forms {
		if strings.Contains(txt, form) || strings.Contains(string(wire), form) {
			t.Errorf("the password's %s form is in the answer: %s", name, wire)
		}
	}
}
