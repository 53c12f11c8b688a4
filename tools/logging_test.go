package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestLogMessagesSayWhatIsDoneOnTheUsersBehalf: at the level the client chose, every call to
// Portainer is told (reads at debug, changes at info), under the tool's logger; at the
// default level nothing is.
func TestLogMessagesSayWhatIsDoneOnTheUsersBehalf(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var got []mcp.LoggingMessageNotification
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method != "notifications/message" {
			return
		}
		raw, _ := json.Marshal(n)
		var m mcp.LoggingMessageNotification
		_ = json.Unmarshal(raw, &m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	})
	messages := func() string {
		mu.Lock()
		defer mu.Unlock()
		var lines []string
		for _, m := range got {
			lines = append(lines, string(m.Params.Level)+" "+m.Params.Logger+" "+m.Params.Data.(string))
		}
		got = nil
		return strings.Join(lines, "\n")
	}
	h.ok("list_stacks", nil)
	time.Sleep(100 * time.Millisecond)
	if m := messages(); m != "" {
		t.Fatalf("messages at the default level: %s", m)
	}
	for _, tt := range []struct {
		level mcp.LoggingLevel
		tool  string
		args  map[string]any
		want  []string
		not   string
	}{
		{mcp.LoggingLevelDebug, "list_stacks", nil, []string{"debug portainer-mcp/list_stacks GET /api/stacks: Portainer answered 200 OK"}, ""},
		{mcp.LoggingLevelInfo, "create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA},
			[]string{"info portainer-mcp/create_stack POST /api/stacks/create/standalone/string: Portainer answered 200 OK"}, "GET"},
	} {
		if err := h.c.SetLevel(context.Background(), mcp.SetLevelRequest{Params: mcp.SetLevelParams{Level: tt.level}}); err != nil {
			t.Fatal(err)
		}
		h.ok(tt.tool, tt.args)
		// Notifications may arrive just after the answer.
		m := ""
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end) && !strings.Contains(m, tt.want[0]); time.Sleep(10 * time.Millisecond) {
			m += messages()
		}
		time.Sleep(50 * time.Millisecond)
		m += messages()
		for _, w := range tt.want {
			if !strings.Contains(m, w) {
				t.Errorf("%s at %s: messages lack %q:\n%s", tt.tool, tt.level, w, m)
			}
		}
		if tt.not != "" && strings.Contains(m, tt.not) {
			t.Errorf("%s at %s: reads told above debug:\n%s", tt.tool, tt.level, m)
		}
	}
}
