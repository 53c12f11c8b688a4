package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// TestEveryToolMarshals: a tool that cannot be marshalled makes tools/list never answer.
func TestEveryToolMarshals(t *testing.T) {
	for _, d := range mcptools.Tools {
		raw, err := json.Marshal(tools.MCPTool(d))
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		var back struct {
			InputSchema  map[string]any `json:"inputSchema"`
			OutputSchema map[string]any `json:"outputSchema"`
			Annotations  map[string]any `json:"annotations"`
		}
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if back.InputSchema["type"] != "object" || len(back.Annotations) != 5 {
			t.Errorf("%s: %s", d.Name, raw)
		}
		if d.OutputSchema != "" && back.OutputSchema["type"] != "object" {
			t.Errorf("%s: output schema lost: %s", d.Name, raw)
		}
	}
	// The trap this guards against: mcp.NewTool presets a structured schema.
	bad := mcp.NewTool("bad_tool")
	bad.RawInputSchema = json.RawMessage(`{"type":"object"}`)
	if _, err := json.Marshal(bad); err == nil {
		t.Error("mcp-go no longer rejects a tool with both schemas: revisit tools.MCPTool")
	}
}

// TestEveryToolDeclaresItsOutput: every tool answers structured content in one style, so every
// tool declares the schema of its answer.
func TestEveryToolDeclaresItsOutput(t *testing.T) {
	for _, d := range mcptools.Tools {
		if d.OutputSchema == "" {
			t.Errorf("%s has no output schema", d.Name)
			continue
		}
		var schema struct {
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal([]byte(d.OutputSchema), &schema); err != nil || len(schema.Properties) == 0 {
			t.Errorf("%s: output schema without properties: %s", d.Name, d.OutputSchema)
		}
		for name := range schema.Properties {
			if strings.ToLower(name) != name {
				t.Errorf("%s: output property %q is not snake_case (Portainer's raw objects are reshaped)", d.Name, name)
			}
		}
	}
}

// TestSchemasUseOnlyKnownKeywords: every input schema compiles with the server's validator,
// which understands only the keywords the generator emits.
func TestSchemasUseOnlyKnownKeywords(t *testing.T) {
	for _, d := range mcptools.Tools {
		if err := tools.CompileSchema(d.InputSchema); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
}

func TestSelect(t *testing.T) {
	count := func(defs []tools.Def, toolset string) int {
		n := 0
		for _, d := range defs {
			if d.Toolset == toolset {
				n++
			}
		}
		return n
	}
	every, err := tools.Select(mcptools.Tools, []string{"all"}, false)
	if err != nil || len(every) != len(mcptools.Tools) {
		t.Fatalf("all: %d of %d, %v", len(every), len(mcptools.Tools), err)
	}
	// No toolset named: the default ones, which leave out the opt-in edge and admin toolsets.
	def, err := tools.Select(mcptools.Tools, nil, false)
	optIn := count(every, "edge") + count(every, "admin")
	if err != nil || count(def, "edge")+count(def, "admin") != 0 || count(every, "edge") == 0 || count(every, "admin") == 0 || len(def)+optIn != len(every) {
		t.Fatalf("default: %d tools (%d edge, %d admin) of %d (%d opt-in), %v", len(def), count(def, "edge"), count(def, "admin"), len(every), optIn, err)
	}
	if blank, _ := tools.Select(mcptools.Tools, []string{" ", ""}, false); len(blank) != len(def) {
		t.Errorf("blank names select %d tools, the default %d", len(blank), len(def))
	}
	edge, _ := tools.Select(mcptools.Tools, []string{"Edge"}, false)
	if len(edge) != count(every, "edge") || count(edge, "edge") != len(edge) {
		t.Errorf("--toolsets edge: %d tools, %d of them edge", len(edge), count(edge, "edge"))
	}
	ro, _ := tools.Select(mcptools.Tools, []string{"all"}, true)
	for _, d := range ro {
		if !d.ReadOnly {
			t.Errorf("read-only selection has %s", d.Name)
		}
	}
	if len(ro) == 0 || len(ro) == len(every) || count(ro, "edge") == 0 {
		t.Errorf("read-only selection has %d of %d tools (%d edge)", len(ro), len(every), count(ro, "edge"))
	}
	st, _ := tools.Select(mcptools.Tools, []string{" Stacks ", "system"}, false)
	for _, d := range st {
		if d.Toolset != "stacks" && d.Toolset != "system" {
			t.Errorf("toolset selection has %s (%s)", d.Name, d.Toolset)
		}
	}
	if _, err := tools.Select(mcptools.Tools, []string{"stacks", "edges"}, false); err == nil || !strings.Contains(err.Error(), `"edges"`) || !strings.Contains(err.Error(), "edge") {
		t.Errorf("unknown toolset: %v", err)
	}
}

// TestToolsetsAgree: every generated tool belongs to a toolset of tools.Toolsets, and the
// generator orders the table as that list does (the generator keeps its own copy).
func TestToolsetsAgree(t *testing.T) {
	rank := map[string]int{}
	for i, ts := range tools.Toolsets {
		rank[ts.Name] = i + 1
	}
	last := 0
	for _, d := range mcptools.Tools {
		r := rank[d.Toolset]
		if r == 0 {
			t.Fatalf("%s is in toolset %q, which tools.Toolsets does not list", d.Name, d.Toolset)
		}
		if r < last {
			t.Errorf("%s (%s) comes after a later toolset: the generator's order differs from tools.Toolsets", d.Name, d.Toolset)
		}
		last = r
		if d.Edition != "" && d.Edition != "BE" {
			t.Errorf("%s: edition %q", d.Name, d.Edition)
		}
	}
}

func TestArgumentValidation(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_stacks", map[string]any{"type": 5}, "argument type: got integer, want string"},
		{"get_stack", map[string]any{"stack_id": "x"}, "argument stack_id: got string, want integer"},
		{"update_stack_gitops", map[string]any{"stack_id": 1, "set_env": []map[string]any{{"name": "A", "val": "x"}}}, "'val' not allowed"},
		{"create_stack", map[string]any{"name": "x"}, "missing properties 'compose', 'environment_id'"},
		{"get_stack", map[string]any{"stack_id": 1, "bogus": true}, `unknown argument "bogus"`},
		{"validate_git_repository", map[string]any{"repository_url": 7, "password": sentinel}, "argument repository_url"},
	}
	for _, c := range cases {
		want := []string{c.want}
		if !readOnlyTool(c.tool) { // only a change says it did not happen
			want = append(want, "Nothing was changed")
		}
		h.fails(c.tool, c.args, want...)
	}
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("invalid arguments reached Portainer: %v", h.sim.Requests())
	}
	h.noLeak()
}

// TestPanicIsAnInternalError: a handler that panics answers like one that failed: a tool
// error with the secrets of the call scrubbed, a log line and, for a write, an audit line.
// mcp-go's own recovery would send the panic's value to the client unscrubbed.
func TestPanicIsAnInternalError(t *testing.T) {
	const pw = "panic-password-sentinel-77"
	def := tools.Def{Name: "boom", Toolset: "stacks", InputSchema: `{"type":"object","properties":{"password":{"type":"string"}}}`,
		Handler: func(context.Context, *tools.Deps, tools.Args) (*mcp.CallToolResult, error) {
			panic("cannot use " + pw)
		}}
	logs, audit := &lockedBuf{}, &lockedBuf{}
	deps := &tools.Deps{Log: slog.New(slog.NewTextHandler(logs, nil)), Audit: tools.NewAuditor(audit)}
	mc, ctx := oneToolClient(t, def, deps)
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = "boom", map[string]any{"password": pw}
	res, err := mc.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("a panic became a protocol error: %v", err)
	}
	txt := tools.ResultText(res)
	if !res.IsError || !strings.Contains(txt, "boom: internal error: panic: cannot use "+tools.Redacted) {
		t.Errorf("answer: error=%v %s", res.IsError, txt)
	}
	if !strings.Contains(logs.String(), "tool failed") {
		t.Errorf("no log line:\n%s", logs.String())
	}
	if !strings.Contains(audit.String(), `"tool":"boom"`) || !strings.Contains(audit.String(), `"outcome":"error"`) {
		t.Errorf("no audit line for the write:\n%s", audit.String())
	}
	for _, s := range []string{txt, logs.String(), audit.String()} {
		if strings.Contains(s, pw) {
			t.Errorf("the password leaked: %s", s)
		}
	}
}

// TestNilAnswerIsAnInternalError: a handler that answers nothing and no error gives the client
// a tool error, not a crash of the server.
func TestNilAnswerIsAnInternalError(t *testing.T) {
	def := tools.Def{Name: "quiet", Toolset: "stacks", InputSchema: `{"type":"object"}`,
		Handler: func(context.Context, *tools.Deps, tools.Args) (*mcp.CallToolResult, error) { return nil, nil }}
	logs := &lockedBuf{}
	deps := &tools.Deps{Log: slog.New(slog.NewTextHandler(logs, nil)), Audit: tools.NewAuditor(&lockedBuf{})}
	mc, ctx := oneToolClient(t, def, deps)
	var req mcp.CallToolRequest
	req.Params.Name = "quiet"
	res, err := mc.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("a nil answer became a protocol error: %v", err)
	}
	if txt := tools.ResultText(res); !res.IsError || !strings.Contains(txt, "quiet: internal error: no answer") {
		t.Errorf("answer: error=%v %s", res.IsError, txt)
	}
	if !strings.Contains(logs.String(), "tool answered nothing") {
		t.Errorf("no log line:\n%s", logs.String())
	}
}

// oneToolClient is an initialized in-process client of a server offering def alone.
func oneToolClient(t *testing.T, def tools.Def, deps *tools.Deps) (*client.Client, context.Context) {
	t.Helper()
	mc, err := client.NewInProcessClient(tools.NewServer("test", []tools.Def{def}, deps, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	ctx := context.Background()
	if err := mc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "1"}
	if _, err := mc.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return mc, ctx
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestAuditFailureIsLogged: a write whose audit line cannot be written is logged as such, so
// an operator learns that records are being lost.
func TestAuditFailureIsLogged(t *testing.T) {
	def := tools.Def{Name: "touch", Toolset: "stacks", InputSchema: `{"type":"object"}`,
		Handler: func(context.Context, *tools.Deps, tools.Args) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("done"), nil
		}}
	logs := &lockedBuf{}
	deps := &tools.Deps{Log: slog.New(slog.NewTextHandler(logs, nil)), Audit: tools.NewAuditor(failingWriter{})}
	mc, ctx := oneToolClient(t, def, deps)
	var req mcp.CallToolRequest
	req.Params.Name = "touch"
	if res, err := mc.CallTool(ctx, req); err != nil || res.IsError {
		t.Fatalf("the write itself failed: %v %v", err, res)
	}
	if l := logs.String(); !strings.Contains(l, "audit log: a write could not be recorded") || !strings.Contains(l, "no space left on device") {
		t.Errorf("no log of the lost audit line:\n%s", l)
	}
}
