package tools

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// AuditEntry is one write as the audit log records it. It names arguments, never their
// values: no env value, password or compose text reaches the log.
type AuditEntry struct {
	Time        time.Time `json:"time"`
	User        string    `json:"user"`
	UserID      int       `json:"user_id,omitempty"`
	Tool        string    `json:"tool"`
	Environment int       `json:"environment_id,omitempty"`
	StackID     int       `json:"stack_id,omitempty"`
	EdgeStackID int       `json:"edge_stack_id,omitempty"`
	Stack       string    `json:"stack,omitempty"`
	EdgeStack   string    `json:"edge_stack,omitempty"`
	SourceID    int       `json:"source_id,omitempty"`
	// CredentialID and Credential name a saved Git credential (Business Edition).
	CredentialID int      `json:"credential_id,omitempty"`
	Credential   string   `json:"credential,omitempty"`
	Args         []string `json:"args"`
	// Outcome is ok, error (Portainer or a check refused it; the answer says which) or
	// declined (the user said no when asked).
	Outcome string `json:"outcome"`
	// Confirmed is how a change that needs consent got it: user (asked through the client),
	// or argument (the caller's explicit argument: detach_from_git, apply_to_shared_source,
	// dry_run=false, a delete's confirm_name).
	Confirmed string `json:"confirmed,omitempty"`
	// Cancelled: the client cancelled the call; the outcome is what became of the write.
	Cancelled bool  `json:"cancelled,omitempty"`
	MS        int64 `json:"ms"`
}

// Auditor writes one JSON line per write to w.
type Auditor struct {
	mu       sync.Mutex
	w        io.Writer
	fallback Caller
}

// NewAuditor writes the audit log to w (a file, or stderr).
func NewAuditor(w io.Writer) *Auditor { return &Auditor{w: w} }

// SetFallback names the user of calls whose request did not say (stdio, or HTTP with the
// server's own key): the owner of the server's API key.
func (a *Auditor) SetFallback(c Caller) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fallback = c
}

// Record writes e as one line; the error is the write's (a full disk, a closed file).
func (a *Auditor) Record(e AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e.User == "" {
		e.User, e.UserID = a.fallback.Username, a.fallback.ID
		if e.User == "" {
			e.User = "server API key"
		}
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = a.w.Write(append(line, '\n'))
	return err
}

// auditKind is what a write tool changes: "edge stack" (the edge toolset), "credential"
// (saved Git credentials), "environment" (other Business Edition tools: change windows) or
// "stack". Only a stack's id and name go in the stack fields.
func auditKind(def Def) string {
	switch {
	case def.Toolset == "edge":
		return "edge stack"
	case strings.Contains(def.Name, "git_credential"):
		return "credential"
	case def.Edition == "BE":
		return "environment"
	}
	return "stack"
}

// audit records a write's entry, when the server keeps an audit log.
func (d *Deps) audit(ctx context.Context, def Def, args Args, c *call, res *mcp.CallToolResult, took time.Duration) {
	if d.Audit == nil || def.ReadOnly || res.NeedsInput() {
		return
	}
	e := AuditEntry{Time: time.Now().UTC(), Tool: def.Name, Args: sortedKeys(args), MS: took.Milliseconds(),
		Confirmed: c.confirmed, Cancelled: ctx.Err() != nil, Outcome: "ok"}
	if who, ok := CallerFrom(ctx); ok {
		e.User, e.UserID = who.Username, who.ID
	}
	e.Environment, _ = args.Int("environment_id")
	e.StackID, _ = args.Int("stack_id")
	e.EdgeStackID, _ = args.Int("edge_stack_id")
	e.SourceID, _ = args.Int("source_id")
	e.CredentialID, _ = args.Int("credential_id")
	// A name argument names what the tool writes: a stack, an edge stack or a credential.
	kind := auditKind(def)
	name, _ := args["name"].(string)
	switch kind {
	case "stack":
		e.Stack = name
	case "edge stack":
		e.EdgeStack = name
	case "credential":
		e.Credential = name
	}
	// A create answers the new object's id.
	var made struct {
		ID      int    `json:"id"`
		StackID int    `json:"stack_id"`
		Name    string `json:"name"`
	}
	switch {
	case c.declined:
		e.Outcome = "declined"
	case res.IsError:
		e.Outcome = "error"
	case json.Unmarshal(res.RawStructuredContent, &made) != nil:
	case def.Name == "create_edge_stack":
		e.EdgeStackID = made.ID
	case kind == "credential" && e.CredentialID == 0:
		e.CredentialID = made.ID
	case kind == "stack" && e.StackID == 0:
		e.StackID = max(made.ID, made.StackID)
		if e.Stack == "" {
			e.Stack = made.Name
		}
	}
	if err := d.Audit.Record(e); err != nil {
		// The write itself is done; only its record is lost, and the operator must know.
		d.logger().Error("audit log: a write could not be recorded", "tool", def.Name, "outcome", e.Outcome, "error", err.Error())
	}
}
