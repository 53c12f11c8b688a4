// Package tools holds the hand-written half of the MCP server: the runtime that the generated
// tool table (gen/mcptools) calls into, the overlays that implement tools one Portainer call
// cannot do safely, toolset and read-only selection, result shaping and secret redaction.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Handler implements one tool. It returns a tool error (IsError) for anything the caller can
// fix, and a Go error only for faults of the server itself.
type Handler func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error)

// Def is one MCP tool as the generator describes it.
type Def struct {
	Name        string
	Title       string
	Description string
	Toolset     string
	Operation   string // the Portainer operation it is annotated on
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool
	// Edition is "BE" for a tool that only the Business Edition can serve: it is offered once
	// Portainer says it is that edition (see edition.go); "" for every edition.
	Edition string
	// InputSchema and OutputSchema are JSON Schema documents.
	InputSchema  string
	OutputSchema string
	Handler      Handler
}

// Deps is what a handler needs: the Portainer client and the server's settings.
type Deps struct {
	Client *papi.ClientWithResponses
	// PortainerURL is the base URL users reach Portainer at (no /api), for webhook URLs.
	PortainerURL string
	// StateDir keeps recreate_stack's snapshots of deleted stacks.
	StateDir string
	// Timeout and DeployTimeout are the per-request timeouts of reads and of changes
	// (deploys pull images and clone repositories), quoted in error messages.
	Timeout       time.Duration
	DeployTimeout time.Duration
	Log           *slog.Logger
	// NewUUID makes webhook ids; tests replace it.
	NewUUID func() string
	// Sleep waits between verification reads; tests replace it.
	Sleep func(time.Duration)
	// Settle is how long the containers of a deploy must stay up before it counts as working
	// (see settle in health.go; 0: that default). Tests that deploy without looking at
	// containers shorten it.
	Settle time.Duration
	// Secrets are the values no answer, error or log line may show (the server's API key);
	// each call adds its own (the request's key, passwords among its arguments).
	Secrets []string
	// Audit, when set, records every write (AuditEntry).
	Audit *Auditor

	capsOnce sync.Once
	caps     *capsState

	editionOnce sync.Once
	edition     *editionTools
}

func (d *Deps) uuid() string {
	if d.NewUUID != nil {
		return d.NewUUID()
	}
	return uuid.NewString()
}

func (d *Deps) logger() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Args are a tool call's arguments.
type Args map[string]any

// Has tells whether the caller gave the argument (null counts as not given).
func (a Args) Has(name string) bool {
	v, ok := a[name]
	return ok && v != nil
}

// Int reads an integer argument. Arguments reach handlers already checked against the
// tool's input schema (see wrap), so this only converts.
func (a Args) Int(name string) (int, error) {
	switch n := a[name].(type) {
	case float64:
		if n == float64(int(n)) {
			return int(n), nil
		}
	case int:
		return n, nil
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
	case nil:
		return 0, fmt.Errorf("missing required argument %s", name)
	}
	return 0, fmt.Errorf("argument %s must be a whole number", name)
}

// String reads a string argument.
func (a Args) String(name string) (string, error) {
	s, ok := a[name].(string)
	if !ok {
		return "", fmt.Errorf("argument %s must be a string", name)
	}
	return s, nil
}

// Str reads an optional string argument ("" when absent).
func (a Args) Str(name string) string {
	s, _ := a[name].(string)
	return s
}

// Bool reads an optional boolean argument, with a default.
func (a Args) Bool(name string, def bool) bool {
	if b, ok := a[name].(bool); ok {
		return b
	}
	return def
}

// Decode fills target, a generated request type, from the arguments: names maps a tool
// argument to the wire name in target's JSON. Required arguments and types were checked
// against the input schema before the handler ran.
func (a Args) Decode(target any, names map[string]string) error {
	wire := make(map[string]any, len(names))
	for arg, w := range names {
		if a.Has(arg) {
			wire[w] = a[arg]
		}
	}
	return decodeInto(wire, target)
}

// Bind fills target, whose JSON names are the tool's argument names.
func (a Args) Bind(target any) error {
	return decodeInto(map[string]any(a), target)
}

func decodeInto(v, target any) error {
	if err := convert(v, target); err != nil {
		return fmt.Errorf("arguments cannot be decoded: %v", err)
	}
	return nil
}

// ArgError is the tool error for arguments the caller must fix.
func ArgError(tool string, err error) *mcp.CallToolResult {
	return mcp.NewToolResultError(joinSentences(fmt.Sprintf("%s: %v", tool, err), nothingChanged))
}

// StackEndpoint reads a stack's environment, for operations that need endpointId when the
// caller did not give one.
func StackEndpoint(ctx context.Context, d *Deps, tool string, stackID int) (int, *mcp.CallToolResult) {
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return 0, res
	}
	return deref(st.EndpointId), nil
}

func getStack(ctx context.Context, d *Deps, tool string, id int) (*papi.Stack, *mcp.CallToolResult) {
	resp, err := d.Client.StackInspectWithResponse(ctx, id)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	return stackOf(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// stackOf is the stack of a 200 answer, or the tool error of any other.
func stackOf(tool string, st *papi.Stack, r *http.Response, body []byte) (*papi.Stack, *mcp.CallToolResult) {
	if st == nil {
		return nil, APIError(tool, r, body)
	}
	return st, nil
}

// convert copies between generated types that share JSON field names.
func convert(from, to any) error {
	raw, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, to)
}

// optionalID reads an optional id argument; -1 when absent.
func (a Args) optionalID(name string) (int, error) {
	if !a.Has(name) {
		return -1, nil
	}
	return a.Int(name)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusOf is the HTTP status of an answer, 0 when there is none.
func statusOf(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}
