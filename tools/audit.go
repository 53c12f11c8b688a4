package tools

import (
	"context"
	"encoding/json"
	"io"
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
	SourceID    int       `json:"source_id,omitempty"`
	Args        []string  `json:"args"`
	// Outcome is ok, error (Portainer or a check refused it; the answer says which) or
	// declined (the user said no when asked).
	Outcome string `json:"outcome"`
	// Confirmed is how a change that needs consent got it: user (asked through the client)
	// or argument (the caller's explicit argument).
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

// Record writes e as one line.
func (a *Auditor) Record(e AuditEntry) {
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
		return
	}
	_, _ = a.w.Write(append(line, '\n'))
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
	// Writes whose answer's id is not a stack's: an edge stack's, a credential's, an environment's.
	other := def.Toolset == "edge" || def.Edition == "BE"
	if name, ok := args["name"].(string); ok {
		e.Stack = name
	}
	switch {
	case c.declined:
		e.Outcome = "declined"
	case res.IsError:
		e.Outcome = "error"
	case def.Name == "create_edge_stack":
		var made struct {
			ID int `json:"id"`
		}
		if json.Unmarshal(res.RawStructuredContent, &made) == nil {
			e.EdgeStackID = made.ID
		}
	case e.StackID == 0 && !other:
		// A create answers the new stack's id.
		var made struct {
			ID      int    `json:"id"`
			StackID int    `json:"stack_id"`
			Name    string `json:"name"`
		}
		if json.Unmarshal(res.RawStructuredContent, &made) == nil {
			e.StackID = max(made.ID, made.StackID)
			if e.Stack == "" {
				e.Stack = made.Name
			}
		}
	}
	d.Audit.Record(e)
}
