package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/portainer-mcp/portainer-mcp/tools/toolset"
)

// Toolset is a group of tools (see package toolset, which holds the list).
type Toolset = toolset.Set

// Toolsets lists the groups tools belong to, in order: the one list of them.
var Toolsets = toolset.All

// ToolsetChoices describes the toolsets for --help and errors: every name, the default ones
// marked.
func ToolsetChoices() string {
	var names, defaults []string
	for _, t := range Toolsets {
		names = append(names, t.Name)
		if !t.OptIn {
			defaults = append(defaults, t.Name)
		}
	}
	return "all, " + strings.Join(names, ", ") + " (default " + strings.Join(defaults, ",") + ")"
}

func toolsetNamed(name string) bool {
	return slices.ContainsFunc(Toolsets, func(t Toolset) bool { return t.Name == name })
}

// Select keeps the tools of the named toolsets ("all": every toolset; none named: every
// toolset that is not opt-in) and, in read-only mode, only the tools annotated read-only.
func Select(defs []Def, toolsets []string, readOnly bool) ([]Def, error) {
	want := map[string]bool{}
	named := false
	for _, t := range toolsets {
		t = strings.TrimSpace(strings.ToLower(t))
		if t == "" {
			continue
		}
		named = true
		switch {
		case t == "all":
			for _, ts := range Toolsets {
				want[ts.Name] = true
			}
		case toolsetNamed(t):
			want[t] = true
		default:
			return nil, fmt.Errorf("unknown toolset %q: choose from %s", t, ToolsetChoices())
		}
	}
	if !named {
		for _, ts := range Toolsets {
			want[ts.Name] = !ts.OptIn
		}
	}
	var out []Def
	for _, d := range defs {
		if want[d.Toolset] && (!readOnly || d.ReadOnly) {
			out = append(out, d)
		}
	}
	return out, nil
}

// MCPTool is the mcp-go tool of a Def. It is built as a struct literal with raw schemas
// only: mcp.NewTool presets a structured input schema, and a tool with both cannot be
// marshalled, which makes tools/list never answer.
func MCPTool(def Def) mcp.Tool {
	t := mcp.Tool{
		Name:           def.Name,
		Title:          def.Title,
		Description:    def.Description,
		RawInputSchema: json.RawMessage(def.InputSchema),
		Annotations: mcp.ToolAnnotation{
			Title:           def.Title,
			ReadOnlyHint:    mcp.ToBoolPtr(def.ReadOnly),
			DestructiveHint: mcp.ToBoolPtr(def.Destructive),
			IdempotentHint:  mcp.ToBoolPtr(def.Idempotent),
			OpenWorldHint:   mcp.ToBoolPtr(def.OpenWorld),
		},
	}
	if def.OutputSchema != "" {
		t.RawOutputSchema = json.RawMessage(def.OutputSchema)
	}
	return t
}

// Instructions are sent to the client at initialize: what every tool shares, said once
// instead of in each description.
const Instructions = `Manages Docker stacks and their GitOps through Portainer. Environment ids come from list_environments, stack ids from list_stacks.
Lists page: limit (default 50, max 500) and offset; answers give total and next_offset.
Deploying tools (create, update, start, redeploy, recreate) wait until Portainer finished and the containers run; wait=false returns at once, verify=false skips the container check. get_stack_status says whether a stack runs, get_stack_logs why a service fails.
Git stacks: never update_stack them (Portainer would detach them from Git). Change settings with update_stack_gitops, pull new commits with redeploy_stack, and use recreate_stack (dry_run first) for a new repository, compose path or name.
Passwords and env values are never shown; a change to a GitOps Source other stacks share needs apply_to_shared_source=true. Deletes ask the user where the client can; otherwise pass confirm_name, the name, once the user agreed.
Edge stacks (the edge tools) are not stacks: edge agents deploy them on edge groups when they poll, so they are pending until an agent reports.`

// NewServer builds the MCP server with the given tools; those of the Business Edition are
// added when Portainer turns out to be one. Every handler runs with panics
// recovered, its arguments checked against its input schema, its result scrubbed of
// secrets, and one log line (no arguments, no values).
func NewServer(version string, defs []Def, d *Deps, secrets []string, opts ...server.ServerOption) *server.MCPServer {
	base := []server.ServerOption{
		server.WithInstructions(Instructions),
		server.WithToolCapabilities(true),
		server.WithLogging(),
		server.WithRecovery(),
		server.WithResourceRecovery(),
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(completer{d}),
		server.WithResourceCompletionProvider(completer{d}),
		server.WithHooks(d.resourceHooks()),
	}
	s := server.NewMCPServer("portainer-mcp", version, append(base, opts...)...)
	d.Secrets = append(d.Secrets, secrets...)
	var tools, be []server.ServerTool
	names := make([]string, 0, len(defs))
	for _, def := range defs {
		t := server.ServerTool{Tool: MCPTool(def), Handler: wrap(def, d)}
		names = append(names, def.Name)
		if def.Edition == "BE" {
			be = append(be, t)
			continue
		}
		tools = append(tools, t)
	}
	s.AddTools(tools...)
	// Business Edition tools come once Portainer says it is one (edition.go).
	d.holdEditionTools(s, be)
	if subset([]string{"get_stack", "get_stack_file"}, names) { // the stacks toolset is offered
		s.AddResourceTemplates(d.resourceTemplates()...)
	}
	s.AddPrompts(serverPrompts(defs)...)
	return s
}

// wrap is what runs around every tool handler.
func wrap(def Def, d *Deps) server.ToolHandlerFunc {
	var (
		once     sync.Once
		known    []string
		validate func(Args) error
	)
	// Compiled on first use: nothing at start that the first call can do.
	prepare := func() {
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		_ = json.Unmarshal([]byte(def.InputSchema), &schema)
		known = sortedKeys(schema.Properties)
		validate = inputValidator(def)
	}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		once.Do(prepare)
		args := Args(req.GetArguments())
		if args == nil {
			args = Args{}
		}
		for _, k := range sortedKeys(args) {
			if !slices.Contains(known, k) {
				takes := "no arguments"
				if len(known) > 0 {
					takes = strings.Join(known, ", ")
				}
				return forTool(def, ArgError(def.Name, fmt.Errorf("unknown argument %q; this tool takes %s", k, takes))), nil
			}
		}
		secrets := append(append([]string{APIKeyFrom(ctx)}, d.Secrets...), argSecrets(args)...)
		scrub := NewScrubber(secrets)
		if err := validate(args); err != nil {
			return forTool(def, ArgError(def.Name, errors.New(scrub.String(err.Error())))), nil
		}
		c := &call{tool: def.Name, scrub: scrub, round: req.Params.MultiRoundTripParams}
		if req.Params.Meta != nil {
			c.progress = req.Params.Meta.ProgressToken
		}
		ctx = context.WithValue(ctx, keyCall, c)
		res, err := runHandler(ctx, def, d, args)
		if err != nil {
			d.logger().Error("tool failed", "tool", def.Name, "error", scrub.String(err.Error()))
			res = mcp.NewToolResultError(def.Name + ": internal error: " + err.Error())
		}
		if res == nil { // a handler bug: answered nothing and no error
			d.logger().Error("tool answered nothing", "tool", def.Name)
			res = mcp.NewToolResultError(def.Name + ": internal error: no answer. Read the stack again (get_stack, list_stacks) before retrying.")
		}
		if res.NeedsInput() {
			// A question for the user (multi round-trip): the client calls again with the answer.
			return res, nil
		}
		res = forTool(def, capText(scrub.Result(res)))
		d.audit(ctx, def, args, c, res, time.Since(start))
		if ctx.Err() != nil && !def.ReadOnly {
			// The client will not see this answer (a cancelled request is not answered):
			// the write's fate goes to the log, with how to check it.
			d.logger().Warn("tool call cancelled by the client; its answer is not sent", "tool", def.Name,
				"outcome", firstLine(ResultText(res)), "check", "read the stack again (get_stack, list_stacks) before retrying")
		}
		d.logger().Info("tool call", "tool", def.Name, "operation", def.Operation, "error", res.IsError, "ms", time.Since(start).Milliseconds())
		return res, nil
	}
}

// runHandler runs the tool's handler and turns a panic into an error, so that it takes the
// path of every other failure: scrubbed, logged and audited. mcp-go's own recovery would send
// the panic's value to the client as it is.
func runHandler(ctx context.Context, def Def, d *Deps, args Args) (res *mcp.CallToolResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return def.Handler(ctx, d, args)
}

// capText cuts the text parts of an answer (errors included) to MaxText.
func capText(r *mcp.CallToolResult) *mcp.CallToolResult {
	for i, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok && len(t.Text) > MaxText {
			cut, _ := CutText(t.Text, MaxText-200, false)
			t.Text = cut + "\n[cut: the answer passed " + fmt.Sprint(MaxText) + " characters; ask for less (a filter, a smaller limit)]"
			r.Content[i] = t
		}
	}
	return r
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// inputValidator checks arguments against the tool's input schema, with messages a model
// can act on ("argument type: got number, want string").
func inputValidator(def Def) func(Args) error {
	node, err := compileSchema(def.InputSchema)
	if err != nil {
		panic(fmt.Sprintf("%s: input schema: %v", def.Name, err))
	}
	return func(a Args) error {
		var msgs []string
		node.validate("", map[string]any(a), &msgs)
		if len(msgs) == 0 {
			return nil
		}
		return errors.New(strings.Join(msgs, "; "))
	}
}
