package tools_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Safety regressions: each test drives a way a write could go wrong (a question that is
// never answered, a Portainer that acts then fails, stacks the caller cannot see, output
// that escapes its bounds) and checks what the server did and said.

// viaProxy points the harness at Portainer through front, which may change or break what
// the simulator answers; next serves a request as the simulator would.
func (h *harness) viaProxy(front func(w http.ResponseWriter, r *http.Request, next http.Handler)) {
	h.t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { front(w, r, h.sim.Handler()) }))
	h.t.Cleanup(srv.Close)
	c, err := papi.NewClientWithResponses(srv.URL+"/api", papi.WithHTTPClient(&http.Client{
		Transport: &tools.Transport{APIKey: "sim-api-key", Read: 5 * time.Second, Write: 30 * time.Second}}))
	if err != nil {
		h.t.Fatal(err)
	}
	h.deps.Client = c
	h.deps.PortainerURL = srv.URL
	h.connect()
}

// blockAsker is a user who is asked and never answers: the question stays open until the
// client gives up on the call.
type blockAsker struct{ asked chan struct{} }

func (b *blockAsker) Elicit(ctx context.Context, _ mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	close(b.asked)
	<-ctx.Done()
	return nil, ctx.Err()
}

// cancelWhileAsking calls tool, cancels the call once the user is being asked, and waits
// until the server has finished handling it (its "tool call" log line).
func (h *harness) cancelWhileAsking(tool string, args map[string]any) {
	h.t.Helper()
	b := &blockAsker{asked: make(chan struct{})}
	h.connect(client.WithElicitationHandler(b))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		var req mcp.CallToolRequest
		req.Params.Name = tool
		req.Params.Arguments = args
		_, _ = h.c.CallTool(ctx, req)
	}()
	select {
	case <-b.asked:
	case <-time.After(10 * time.Second):
		h.t.Fatalf("%s never asked the user", tool)
	}
	cancel()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(h.log.String(), "tool="+tool); {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s did not finish after the cancel; log:\n%s", tool, h.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCancelWhileAskingChangesNothing(t *testing.T) {
	t.Run("delete_stack", func(t *testing.T) {
		h := newHarness(t)
		id := h.gitStack("shop", nil)
		before := h.state()
		h.cancelWhileAsking("delete_stack", map[string]any{"stack_id": id})
		if got := h.state(); got != before {
			t.Errorf("the stack changed although the user never answered and the client cancelled:\n%s\n%s", before, got)
		}
	})
	t.Run("detach", func(t *testing.T) {
		h := newHarness(t)
		id := h.gitStack("shop", nil)
		before := h.state()
		h.cancelWhileAsking("update_stack", map[string]any{"stack_id": id, "compose": composeA, "detach_from_git": true})
		if got := h.state(); got != before || h.stack(id).Stack.GitConfig == nil {
			t.Errorf("stack detached from Git although the user never answered and the client cancelled")
		}
	})
	t.Run("delete_edge_stack", func(t *testing.T) {
		h := newHarnessFor(t, harnessOpts{Edge: true})
		id := int(h.ok("create_edge_stack", map[string]any{"name": "sig", "edge_group_ids": []int{1}, "compose": composeA})["id"].(float64))
		h.cancelWhileAsking("delete_edge_stack", map[string]any{"edge_stack_id": id})
		if _, ok := h.sim.EdgeStack(id); !ok {
			t.Errorf("edge stack %d deleted although the client cancelled while the user was being asked", id)
		}
	})
}

// A DELETE that Portainer carried out before the connection dropped: the answer must not
// say Portainer could not be reached (which reads as "nothing happened").
func TestWriteCutOffAfterPortainerActed(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("shop", nil)
	h.viaProxy(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != http.MethodDelete {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(httptest.NewRecorder(), r)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			h.t.Error(err)
			return
		}
		_ = conn.(*net.TCPConn).SetLinger(0) // a reset, not a clean close
		_ = conn.Close()
	})
	res := h.call("delete_stack", map[string]any{"stack_id": id, "confirm_name": "shop"})
	if _, exists := h.sim.Stack(id); exists {
		t.Fatal("the proxy did not let the delete through")
	}
	text := textOf(res)
	if !res.IsError || strings.Contains(text, "cannot reach") || !strings.Contains(text, "may or may not have been made") {
		t.Errorf("a delete that happened before the connection dropped is reported as: %s", text)
	}
}

// Portainer removes the stack, then answers 500: the re-create must see the stack is gone
// and carry on (creating the new stack), not report the old one as unchanged.
func TestRecreateWhenDeleteFailsAfterActing(t *testing.T) {
	h := newHarness(t)
	id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
	h.sim.InjectFault(sim.Fault{Method: "DELETE", PathPrefix: "/api/stacks/", After: true, Status: 500, Message: "Unable to remove the stack from the database"})
	res := h.call("recreate_stack", map[string]any{"stack_id": id, "repository_url": repoA, "dry_run": false})
	st, ok := h.sim.StackByName(1, "web")
	if !ok {
		t.Fatalf("stack web is gone and was not created again: %s", textOf(res))
	}
	if st.Stack.GitConfig == nil || res.IsError {
		t.Errorf("stack web is not on Git after the re-create (error=%v): %s", res.IsError, textOf(res))
	}
}

// A rename that differs only in capitals is refused before anything is deleted: Portainer
// keeps stack names lower-case.
func TestRecreateRefusesCaseOnlyRename(t *testing.T) {
	h := newHarness(t)
	id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
	before := h.state()
	for _, dry := range []bool{true, false} {
		res := h.call("recreate_stack", map[string]any{"stack_id": id, "name": "Web", "dry_run": dry})
		if !res.IsError {
			t.Errorf("dry_run=%v: a rename to \"Web\" was accepted: %s", dry, textOf(res))
		}
	}
	if h.state() != before {
		t.Error("the refused rename changed the simulator")
	}
}

// hideStacks makes GET /api/stacks leave out the named stacks, as Portainer does for stacks
// of another user the caller may not see.
func (h *harness) hideStacks(hide map[string]bool) {
	h.rewriteList("/api/stacks", func(list []map[string]any) []map[string]any {
		out := []map[string]any{}
		for _, s := range list {
			if !hide[s["Name"].(string)] {
				out = append(out, s)
			}
		}
		return out
	})
}

// A Source shared with a stack the caller cannot see is still shared: changing it needs
// consent, and creating a stack on it does not turn the other stack's polling off.
func TestSharedSourceWithHiddenStacks(t *testing.T) {
	t.Run("credentials change needs consent", func(t *testing.T) {
		h := newHarnessOn(t, "2.45.0")
		a := h.gitStack("alpha", nil)
		b := h.gitStack("beta", nil)
		if h.stack(a).SourceID != h.stack(b).SourceID {
			t.Fatal("alpha and beta are not on one Source")
		}
		h.hideStacks(map[string]bool{"beta": true})
		res := h.call("update_stack_gitops", map[string]any{"stack_id": a, "tls_skip_verify": true})
		src, _ := h.sim.Source(h.stack(b).SourceID)
		if !res.IsError || src.TLSSkipVerify {
			t.Errorf("Source %d, shared with a stack the caller cannot see, changed without consent: %s", src.ID, textOf(res))
		}
		if !strings.Contains(textOf(res), "apply_to_shared_source") {
			t.Errorf("the refusal does not say how to go ahead: %s", textOf(res))
		}
	})
	t.Run("create keeps the hidden stack's polling", func(t *testing.T) {
		h := newHarnessOn(t, "2.45.0")
		a := h.gitStack("alpha", map[string]any{"gitops": "polling", "interval": "5m"})
		h.hideStacks(map[string]bool{"alpha": true})
		b := h.gitStack("beta", nil)
		src, _ := h.sim.Source(h.stack(b).SourceID)
		if src.ID != h.stack(a).SourceID {
			t.Skip("beta got its own Source; nothing is shared")
		}
		if src.Interval != "5m" {
			t.Errorf("creating beta without GitOps changed the polling of a hidden stack's Source to %q", src.Interval)
		}
	})
}

// A grep on the logs runs on the redacted lines: whether a line comes back must not tell a
// caller the characters of a secret one at a time.
func TestLogGrepDoesNotRevealSecrets(t *testing.T) {
	h, _ := clockHarness(t)
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": "services:\n  app:\n    image: a\n",
		"env": []map[string]any{{"name": "DB_PASSWORD", "value": "hunter2-db"}}})
	h.write("app-app-1", false, "connecting with password hunter2-db")
	probe := func(grep string) bool {
		res := h.call("get_stack_logs", map[string]any{"stack_id": out["id"], "grep": grep})
		if res.IsError {
			t.Fatalf("grep %q: %s", grep, textOf(res))
		}
		return strings.Contains(textOf(res), "connecting")
	}
	if !probe("password") {
		t.Fatal("the line is not found by a plain grep")
	}
	if probe("password h") || probe("hunter2") {
		t.Error("a grep for the secret's characters finds the line: the secret can be read back one character at a time")
	}
	if !probe("REDACTED") {
		t.Error("a grep for the redaction mark does not find the redacted line")
	}
}

// A compose file that grows when JSON-escaped (quotes, backslashes) still gives an answer
// whose text and structured content both fit, with a note that it was cut.
func TestStackFileFitsWhenEscaped(t *testing.T) {
	body := "services:\n  app:\n    image: nginx\n    environment:\n" + strings.Repeat("      - \"KEY=\\\"v\\\"\" # \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\n", 900)
	check := func(t *testing.T, res *mcp.CallToolResult) {
		t.Helper()
		if res.IsError {
			t.Fatalf("error: %s", textOf(res))
		}
		raw, err := json.Marshal(res.StructuredContent)
		if res.StructuredContent == nil {
			raw = res.RawStructuredContent
		}
		if err != nil || len(raw) > tools.MaxText || len(textOf(res)) > tools.MaxText {
			t.Errorf("structured %d, text %d characters: over %d (%v)", len(raw), len(textOf(res)), tools.MaxText, err)
		}
		if !strings.Contains(string(raw), "was cut") {
			t.Errorf("no note that the file was cut: %.300s", raw)
		}
	}
	t.Run("stack", func(t *testing.T) {
		h := newHarness(t)
		id := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "big", "compose": body, "verify": false})["id"]
		check(t, h.call("get_stack_file", map[string]any{"stack_id": id}))
	})
	t.Run("edge stack", func(t *testing.T) {
		h := newHarnessFor(t, harnessOpts{Edge: true})
		id := h.ok("create_edge_stack", map[string]any{"name": "sig", "edge_group_ids": []int{1}, "compose": body})["id"]
		check(t, h.call("get_edge_stack_file", map[string]any{"edge_stack_id": id}))
	})
}

// Spaces around an interval are dropped before it is stored: Portainer would keep " 5m".
func TestIntervalIsTrimmed(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("shop", nil)
	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling", "interval": " 5m\t"})
	if au := h.stack(id).Stack.AutoUpdate; au == nil || deref(au.Interval) != "5m" {
		t.Errorf("stored interval: %+v", au)
	}
	out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "shop2", "repository_url": repoA, "gitops": "polling", "interval": "10m "})
	if au := h.stack(int(out["stack_id"].(float64))).Stack.AutoUpdate; au == nil || deref(au.Interval) != "10m" {
		t.Errorf("stored interval on create: %+v", au)
	}
}
