package tools_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// TestAuditLog: every write is one JSON line naming the user, the tool, the stack and the
// outcome; reads are not logged; no argument value (env, password, compose) is.
func TestAuditLog(t *testing.T) {
	h := newHarness(t)
	var buf lockedBuf
	h.deps.Audit = tools.NewAuditor(&buf)
	h.deps.Audit.SetFallback(tools.Caller{ID: 1, Username: "admin"})
	h.connect()
	id := h.gitStack("shop", nil) // create_stack_from_git: ok, with a password and env values
	h.ok("list_stacks", nil)      // a read: not logged
	h.fails("update_stack", map[string]any{"stack_id": id, "compose": composeA}, "detach_from_git")
	h.asking(decline)
	h.fails("delete_stack", map[string]any{"stack_id": id}, "declined")
	h.asking(accept(true))
	h.ok("delete_stack", map[string]any{"stack_id": id})

	var got []tools.AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e tools.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not one JSON object per line: %q", line)
		}
		got = append(got, e)
	}
	want := []struct{ tool, outcome, confirmed string }{
		{"create_stack_from_git", "ok", ""},
		{"update_stack", "error", ""},
		{"delete_stack", "declined", ""},
		{"delete_stack", "ok", "user"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(got), len(want), buf.String())
	}
	for i, w := range want {
		e := got[i]
		if e.Tool != w.tool || e.Outcome != w.outcome || e.Confirmed != w.confirmed || e.User != "admin" || e.StackID != id || e.Time.IsZero() {
			t.Errorf("line %d = %+v, want %s %s confirmed=%q by admin on stack %d", i, e, w.tool, w.outcome, w.confirmed, id)
		}
	}
	if got[0].Stack != "shop" || !strings.Contains(strings.Join(got[0].Args, ","), "password") {
		t.Errorf("the create's line lacks the stack name or the argument names: %+v", got[0])
	}
	for _, secret := range []string{sentinel, "db-secret-value", "nginx"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the audit log holds an argument value %q:\n%s", secret, buf.String())
		}
	}
}

// TestAuditNamesTheRequestsUser: a request carrying its own user (the HTTP transport's
// per-user keys) is logged under that user, not the server's.
func TestAuditNamesTheRequestsUser(t *testing.T) {
	h := newHarness(t)
	var buf lockedBuf
	h.deps.Audit = tools.NewAuditor(&buf)
	h.connect()
	ctx := tools.WithCaller(context.Background(), tools.Caller{ID: 7, Username: "bob"})
	var req mcp.CallToolRequest
	req.Params.Name = "create_stack"
	req.Params.Arguments = map[string]any{"environment_id": 1, "name": "web", "compose": composeA}
	if _, err := h.c.CallTool(ctx, req); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"user":"bob","user_id":7`) {
		t.Errorf("audit line not under the request's user: %s", buf.String())
	}
}

// TestAuditSaysWhatWasWrittenAndHowItWasConfirmed: a name goes into the field of what it
// names (a stack, an edge stack, a credential), and a delete from a client that cannot ask is
// recorded as confirmed by its argument (confirm_name).
func TestAuditSaysWhatWasWrittenAndHowItWasConfirmed(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE", Edge: true})
	var buf lockedBuf
	h.deps.Audit = tools.NewAuditor(&buf)
	h.connect() // a client that cannot ask
	edge := num(h.ok("create_edge_stack", map[string]any{"name": "kiosk", "edge_group_ids": []int{1}, "compose": edgeComposeA}), "id")
	cred := num(h.ok("create_git_credential", map[string]any{"name": "ci", "username": "bot", "password": sentinel}), "id")
	h.ok("delete_git_credential", map[string]any{"credential_id": cred, "confirm_name": "ci"})
	h.ok("delete_edge_stack", map[string]any{"edge_stack_id": edge, "confirm_name": "kiosk"})
	shop := h.gitStack("shop", nil)
	h.ok("update_stack", map[string]any{"stack_id": shop, "compose": composeA, "detach_from_git": true})
	h.ok("delete_stack", map[string]any{"stack_id": shop, "confirm_name": "shop"})

	want := []tools.AuditEntry{
		{Tool: "create_edge_stack", EdgeStackID: edge, EdgeStack: "kiosk"},
		{Tool: "create_git_credential", CredentialID: cred, Credential: "ci"},
		{Tool: "delete_git_credential", CredentialID: cred, Confirmed: "argument"},
		{Tool: "delete_edge_stack", EdgeStackID: edge, Confirmed: "argument"},
		{Tool: "create_stack_from_git", StackID: shop, Stack: "shop", Environment: 1},
		{Tool: "update_stack", StackID: shop, Confirmed: "argument"},
		{Tool: "delete_stack", StackID: shop, Confirmed: "argument"},
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		var e tools.AuditEntry
		if err := json.Unmarshal([]byte(lines[i]), &e); err != nil {
			t.Fatal(err)
		}
		got := tools.AuditEntry{Tool: e.Tool, StackID: e.StackID, Stack: e.Stack, EdgeStackID: e.EdgeStackID, EdgeStack: e.EdgeStack,
			CredentialID: e.CredentialID, Credential: e.Credential, Confirmed: e.Confirmed, Environment: e.Environment}
		if !reflect.DeepEqual(got, w) || e.Outcome != "ok" {
			t.Errorf("line %d: %s\nwant %+v", i, lines[i], w)
		}
	}
	if strings.Contains(buf.String(), sentinel) {
		t.Errorf("the password reached the audit log:\n%s", buf.String())
	}
}
