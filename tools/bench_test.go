package tools_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Budgets, held by `make bench` (never by unit tests). What a model is given of each tool (name,
// description, input schema) is paid in every conversation.
const (
	catalogBudget          = 20000 // every toolset, every edition
	defaultCatalogBudget   = 12000 // the toolsets offered when none are named, to a Community Edition
	defaultBECatalogBudget = 12000 // the same to a Business Edition
	readOnlyBudget         = 8000  // --read-only, every toolset
	toolsListBudget        = 64 * 1024
	stackRowBudget         = 100   // one list_stacks row, JSON
	firstPageWireBudget    = 16000 // the JSON-RPC line of list_stacks' first page, any number of stacks
)

func catalogBytes(b *testing.B, toolsets []string, readOnly, ce bool) (model, whole, n int) {
	defs, err := tools.Select(mcptools.Tools, toolsets, readOnly)
	if err != nil {
		b.Fatal(err)
	}
	var list []any
	for _, d := range defs {
		if ce && d.Edition != "" {
			continue // never offered to a Community Edition
		}
		n++
		list = append(list, tools.MCPTool(d))
		model += len(d.Name) + len(d.Description) + len(d.InputSchema)
	}
	raw, err := json.Marshal(map[string]any{"tools": list})
	if err != nil {
		b.Fatal(err)
	}
	return model, len(raw), n
}

// BenchmarkCatalog measures what tools/list gives a model and fails when it is over budget.
func BenchmarkCatalog(b *testing.B) {
	for _, c := range []struct {
		name     string
		toolsets []string
		readOnly bool
		ce       bool
		budget   int
	}{
		{"all", []string{"all"}, false, false, catalogBudget},
		{"default", nil, false, true, defaultCatalogBudget},
		{"default-be", nil, false, false, defaultBECatalogBudget},
		{"read-only", []string{"all"}, true, false, readOnlyBudget},
	} {
		b.Run(c.name, func(b *testing.B) {
			var model, whole, n int
			for b.Loop() {
				model, whole, n = catalogBytes(b, c.toolsets, c.readOnly, c.ce)
			}
			b.ReportMetric(float64(model), "catalog-bytes")
			b.ReportMetric(float64(whole), "tools/list-bytes")
			b.ReportMetric(float64(n), "tools")
			if model > c.budget {
				b.Fatalf("names, descriptions and input schemas of %d tools take %d bytes, over the %d-byte budget: shorten them", n, model, c.budget)
			}
			if whole > toolsListBudget {
				b.Fatalf("tools/list is %d bytes, over the %d-byte budget", whole, toolsListBudget)
			}
		})
	}
}

// fill puts n compose stacks (a third of them Git stacks polling a repository) on the
// harness's simulator.
func fill(b *testing.B, h *harness, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": fmt.Sprintf("g%04d", i), "repository_url": repoA,
				"gitops": "polling", "interval": "5m", "env": []map[string]any{{"name": "A", "value": "1"}}, "verify": false})
			continue
		}
		h.ok("create_stack", map[string]any{"environment_id": 1 + i%2, "name": fmt.Sprintf("s%04d", i), "compose": composeA,
			"type": []string{"compose", "swarm"}[i%2], "env": []map[string]any{{"name": "A", "value": "1"}}, "verify": false})
	}
}

// wireBytes is the size of the JSON-RPC line that carries a result.
func wireBytes(res *mcp.CallToolResult) int {
	raw, _ := json.Marshal(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(1), res))
	return len(raw) + 1
}

// BenchmarkListStacks measures list_stacks through the MCP server against the simulator with
// 100 and 1,000 stacks: the first page, and every page in turn.
func BenchmarkListStacks(b *testing.B) {
	for _, n := range []int{100, 1000} {
		h := newHarness(b)
		fill(b, h, n)
		b.Run(fmt.Sprintf("%d/first-page", n), func(b *testing.B) {
			var res *mcp.CallToolResult
			for b.Loop() {
				res = h.call("list_stacks", nil)
			}
			if res.IsError {
				b.Fatal(textOf(res))
			}
			var out struct {
				Total  int               `json:"total"`
				Stacks []json.RawMessage `json:"stacks"`
			}
			_ = json.Unmarshal(res.RawStructuredContent, &out)
			if out.Total != n {
				b.Fatalf("total %d, want %d", out.Total, n)
			}
			wire := wireBytes(res)
			perRow := len(res.RawStructuredContent) / max(len(out.Stacks), 1)
			b.ReportMetric(float64(wire), "wire-bytes")
			b.ReportMetric(float64(len(textOf(res))), "text-bytes")
			b.ReportMetric(float64(perRow), "bytes/row")
			if wire > firstPageWireBudget {
				b.Fatalf("the first page is %d bytes on the wire, over the %d-byte budget", wire, firstPageWireBudget)
			}
			if perRow > stackRowBudget {
				b.Fatalf("a list_stacks row is %d bytes, over the %d-byte budget", perRow, stackRowBudget)
			}
		})
		b.Run(fmt.Sprintf("%d/all-pages", n), func(b *testing.B) {
			var pages, wire int
			for b.Loop() {
				pages, wire = 0, 0
				args := map[string]any{"limit": tools.MaxLimit}
				for {
					res := h.call("list_stacks", args)
					pages++
					wire += wireBytes(res)
					var out struct {
						Next *int `json:"next_offset"`
					}
					_ = json.Unmarshal(res.RawStructuredContent, &out)
					if out.Next == nil {
						break
					}
					args = map[string]any{"limit": tools.MaxLimit, "offset": *out.Next}
				}
			}
			b.ReportMetric(float64(pages), "pages")
			b.ReportMetric(float64(wire), "wire-bytes")
		})
	}
}

// BenchmarkLargestAnswers fills a Portainer with far more than a model should read in one
// answer (1,000 stacks, 600 environments, a 200 KB compose file, 600 env variables) and asks
// every read tool for as much as it gives; no answer may pass tools.MaxText characters of text.
func BenchmarkLargestAnswers(b *testing.B) {
	h := newHarnessFor(b, harnessOpts{Edge: true})
	fill(b, h, 1000)
	for i := 0; i < 600; i++ {
		// Docker edge environments tagged 1: every one is in the dynamic edge group 2.
		h.sim.AddEnvironment(papi.Endpoint{Name: ptr(fmt.Sprintf("environment-with-a-long-name-%04d", i)), URL: ptr("tcp://10.0.0.1:9001"),
			Type: ptr(papi.EndpointTypeEdgeDocker), TagIds: &[]int{1}}, "")
	}
	for i := 0; i < 300; i++ {
		h.sim.AddEdgeGroup(fmt.Sprintf("edge-group-with-a-long-name-%04d", i), true, []int{1}, nil, true)
	}
	var big strings.Builder
	big.WriteString("services:\n")
	for i := 0; big.Len() < 200_000; i++ {
		fmt.Fprintf(&big, "  svc%05d:\n    image: nginx:1.27\n    environment:\n      - A_LONG_VARIABLE_NAME=with a fairly long value %d\n", i, i)
	}
	env := make([]map[string]any, 600)
	for i := range env {
		env[i] = map[string]any{"name": fmt.Sprintf("VARIABLE_%03d", i), "value": strings.Repeat("v", 40)}
	}
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "big", "compose": big.String(), "env": env, "verify": false})
	bigID := out["id"]
	edgeID := num(h.ok("create_edge_stack", map[string]any{"name": "big-edge", "edge_group_ids": []int{2}, "compose": big.String()}), "id")
	for i := 0; i < 300; i++ {
		h.ok("create_edge_stack", map[string]any{"name": fmt.Sprintf("edge-%04d", i), "edge_group_ids": []int{1, 2}, "compose": composeA})
	}
	calls := map[string]map[string]any{
		"list_stacks":         {"limit": tools.MaxLimit},
		"list_gitops_stacks":  {"limit": tools.MaxLimit},
		"list_environments":   {"limit": tools.MaxLimit},
		"get_stack":           {"stack_id": bigID, "show_env_values": true},
		"get_stack_file":      {"stack_id": bigID},
		"get_portainer_info":  nil,
		"get_environment":     {"environment_id": 1},
		"get_stack_gitops":    {"stack_id": 1},
		"list_edge_groups":    {"limit": tools.MaxLimit},
		"list_edge_stacks":    {"limit": tools.MaxLimit},
		"get_edge_stack":      {"edge_stack_id": edgeID},
		"get_edge_stack_file": {"edge_stack_id": edgeID},
	}
	sizes := map[string]int{}
	for b.Loop() {
		for tool, args := range calls {
			res := h.call(tool, args)
			if res.IsError {
				b.Fatalf("%s: %s", tool, textOf(res))
			}
			sizes[tool] = len(textOf(res))
		}
	}
	for tool, n := range sizes {
		b.ReportMetric(float64(n), tool+"-chars")
		if n > tools.MaxText {
			b.Errorf("%s answered %d characters of text, over %d", tool, n, tools.MaxText)
		}
	}
}
