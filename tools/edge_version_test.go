package tools_test

import (
	"strings"
	"testing"
)

// An agent that still reports on the previous version of an edge stack (EE 2.44's reports name
// the version, edge-be.md §2.2) has not deployed the new one: the environment is pending, and
// the detail says which version it reported.
func TestEdgeReportOnOlderVersionIsPending(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.44.0", Edition: "BE", Edge: true})
	out := h.ok("create_edge_stack", map[string]any{"name": "kiosk", "edge_group_ids": []int{1}, "compose": edgeComposeA})
	id := num(out, "id")
	h.sim.AgentReport(id, 3, 1, 7, "")
	if row := edgeStatusOf(h.ok("get_edge_stack", map[string]any{"edge_stack_id": id}), 3); row["status"] != "deployed" {
		t.Fatalf("a report on the current version: %v", row)
	}
	out = h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "compose": strings.ReplaceAll(edgeComposeA, "1.27", "1.28")})
	if num(out, "version") != 2 {
		t.Fatalf("update_edge_stack: %v", out)
	}
	h.sim.AgentReport(id, 3, 1, 7, "")
	h.sim.AgentReport(id, 4, 2, 7, "")
	out = h.ok("get_edge_stack", map[string]any{"edge_stack_id": id})
	if row := edgeStatusOf(out, 3); row["status"] != "pending" || row["detail"] != "its agent last reported version 1; version 2 not yet" {
		t.Errorf("an agent reporting running for version 1 of version 2: %v", row)
	}
	if row := edgeStatusOf(out, 4); row["status"] != "deployed" {
		t.Errorf("an agent reporting version 2: %v", row)
	}
	if num(out, "pending") != 1 || num(out, "deployed") != 1 {
		t.Errorf("counts: %v", out)
	}
}
