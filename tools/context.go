package tools

import (
	"context"
	"fmt"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

type ctxKey int

const (
	keyAPIKey ctxKey = iota
	keyCall
	keyCaller
)

// WithAPIKey gives a request's own Portainer API key to everything the call does (the HTTP
// transport's per-user keys). The client's request editor reads it with APIKeyFrom.
func WithAPIKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyAPIKey, key)
}

// APIKeyFrom is the request's own API key, or "".
func APIKeyFrom(ctx context.Context) string {
	k, _ := ctx.Value(keyAPIKey).(string)
	return k
}

// Caller is the Portainer user a request acts for: the owner of its API key.
type Caller struct {
	ID       int
	Username string
}

// WithCaller records who a request acts for (the audit log names them).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, keyCaller, c)
}

// CallerFrom is the request's caller, if the transport knows it.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(keyCaller).(Caller)
	return c, ok
}

// call is what the server knows of one tool call while it runs.
type call struct {
	tool     string
	progress mcp.ProgressToken
	mu       sync.Mutex
	step     float64
	scrub    *Scrubber
	// round is the client's answers to questions an earlier round of this call asked
	// (multi round-trip requests, protocol 2026-07-28 on).
	round mcp.MultiRoundTripParams
	// confirmed says how a change that needs consent got it (confirmedByUser or
	// confirmedByArgument); declined that the user said no.
	confirmed string
	declined  bool
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(keyCall).(*call)
	return c
}

// Progress tells the client what a long call is doing (notifications/progress), when the
// client gave a progressToken. total is 0 when unknown.
func Progress(ctx context.Context, message string) {
	c := callFrom(ctx)
	if c == nil || c.progress == nil {
		return
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	c.mu.Lock()
	c.step++
	step := c.step
	c.mu.Unlock()
	if c.scrub != nil {
		message = c.scrub.String(message)
	}
	_ = srv.SendNotificationToClient(ctx, "notifications/progress", map[string]any{
		"progressToken": c.progress,
		"progress":      step,
		"message":       message,
	})
}

// Tell sends a log message to the client (notifications/message) about what the server does
// on the user's behalf; the client chooses the level it wants with logging/setLevel.
func Tell(ctx context.Context, level mcp.LoggingLevel, format string, args ...any) {
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	c := callFrom(ctx)
	logger := "portainer-mcp"
	if c != nil {
		logger += "/" + c.tool
		if c.scrub != nil {
			msg = c.scrub.String(msg)
		}
	}
	_ = srv.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(level, logger, msg))
}
