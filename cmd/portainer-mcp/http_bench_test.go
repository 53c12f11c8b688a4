package main

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// BenchmarkHTTPCall measures one tools/call (get_stack) over streamable HTTP with a per-user
// key, through every check of the HTTP server, against the simulator; the median is reported.
func BenchmarkHTTPCall(b *testing.B) {
	r := newHTTPRig(b, sim.Options{}, nil)
	c := r.client(bobKey, nil)
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = "get_stack", map[string]any{"stack_id": 1}
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := c.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms/call")
}
