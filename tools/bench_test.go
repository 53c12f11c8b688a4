package tools_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Budgets. What a model is given of each tool (name, description, input schema) is paid in
// every conversation; the whole tools/list (titles, annotations, output schemas) is read by
// the client. A list row must stay a handful of fields.
const (
	modelBudget       = 20 * 1024 // name + description + input schema, all tools
	modelROBudget     = 8 * 1024  // the same with --read-only
	toolsListBudget   = 48 * 1024 // the whole tools/list answer
	stackRowBudget    = 160       // one list_stacks row
	listStacksPerCall = 100       // stacks in the list benchmark
)

func toolsListBytes(b *testing.B, readOnly bool) (whole, model int) {
	defs, err := tools.Select(mcptools.Tools, nil, readOnly)
	if err != nil {
		b.Fatal(err)
	}
	var list []any
	for _, d := range defs {
		list = append(list, tools.MCPTool(d))
		model += len(d.Name) + len(d.Description) + len(d.InputSchema)
	}
	raw, err := json.Marshal(map[string]any{"tools": list})
	if err != nil {
		b.Fatal(err)
	}
	return len(raw), model
}

// BenchmarkToolsList measures the size of tools/list and fails when it is over budget.
func BenchmarkToolsList(b *testing.B) {
	for _, c := range []struct {
		name          string
		readOnly      bool
		model, budget int
	}{{"all", false, modelBudget, toolsListBudget}, {"read-only", true, modelROBudget, toolsListBudget}} {
		b.Run(c.name, func(b *testing.B) {
			var whole, model int
			for b.Loop() {
				whole, model = toolsListBytes(b, c.readOnly)
			}
			b.ReportMetric(float64(whole), "bytes/list")
			b.ReportMetric(float64(model), "model-bytes")
			if model > c.model {
				b.Fatalf("names, descriptions and input schemas take %d bytes, over the %d-byte budget: shorten them", model, c.model)
			}
			if whole > c.budget {
				b.Fatalf("tools/list is %d bytes, over the %d-byte budget", whole, c.budget)
			}
		})
	}
}

// BenchmarkListStacks measures one list_stacks call through the MCP server and the client
// against the simulator holding 100 stacks, and the size of a row.
func BenchmarkListStacks(b *testing.B) {
	h := newHarness(b)
	for i := 0; i < listStacksPerCall; i++ {
		h.ok("create_stack", map[string]any{"environment_id": 1, "name": fmt.Sprintf("s%03d", i), "compose": composeA,
			"env": []map[string]any{{"name": "A", "value": "1"}}})
	}
	var size int
	for b.Loop() {
		res := h.call("list_stacks", nil)
		if res.IsError {
			b.Fatal(textOf(res))
		}
		raw, _ := json.Marshal(res.StructuredContent)
		size = len(raw)
	}
	perRow := size / listStacksPerCall
	b.ReportMetric(float64(size), "bytes/result")
	b.ReportMetric(float64(perRow), "bytes/row")
	if perRow > stackRowBudget {
		b.Fatalf("a list_stacks row is %d bytes, over the %d-byte budget", perRow, stackRowBudget)
	}
}
