package tools_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// Every change that reaches a GitOps Source shared by other stacks (2.43 and later) is refused
// without apply_to_shared_source, changing nothing, and done with it. Each case starts from
// two stacks, alpha and beta, on one Source (same repository and credentials), alpha created
// with the GitOps settings given.
func TestSharedSourceConsentPerChange(t *testing.T) {
	polling := map[string]any{"gitops": "polling", "interval": "5m"}
	cases := []struct {
		name  string
		alpha map[string]any // alpha's GitOps at create
		tool  string
		args  func(alpha, source int) map[string]any
		// done says what is wrong with the Source after the consented call ("" when right).
		done func(src sim.SourceState) string
	}{
		{"credentials through a stack", nil, "update_stack_gitops",
			func(a, _ int) map[string]any { return map[string]any{"stack_id": a, "tls_skip_verify": true} },
			func(src sim.SourceState) string { return wantTrue("TLS skip-verify", src.TLSSkipVerify) }},
		{"interval through a stack", polling, "update_stack_gitops",
			func(a, _ int) map[string]any { return map[string]any{"stack_id": a, "interval": "10m"} },
			func(src sim.SourceState) string { return wantEqual("interval", src.Interval, "10m") }},
		{"disable a stack's GitOps", polling, "disable_stack_gitops",
			func(a, _ int) map[string]any { return map[string]any{"stack_id": a} },
			func(src sim.SourceState) string { return wantEqual("interval", src.Interval, "") }},
		{"the Source's credentials", nil, "update_gitops_source",
			func(_, s int) map[string]any { return map[string]any{"source_id": s, "tls_skip_verify": true} },
			func(src sim.SourceState) string { return wantTrue("TLS skip-verify", src.TLSSkipVerify) }},
		{"the Source's interval", polling, "update_gitops_source",
			func(_, s int) map[string]any { return map[string]any{"source_id": s, "interval": "15m"} },
			func(src sim.SourceState) string { return wantEqual("interval", src.Interval, "15m") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarnessOn(t, "2.45.0")
			a := h.gitStack("alpha", c.alpha)
			b := h.gitStack("beta", nil)
			srcID := h.stack(a).SourceID
			if srcID == 0 || h.stack(b).SourceID != srcID {
				t.Fatalf("alpha and beta are not on one Source: %d, %d", srcID, h.stack(b).SourceID)
			}
			args := c.args(a, srcID)
			before := h.state()
			h.fails(c.tool, args, "beta", "apply_to_shared_source=true", "Nothing was changed")
			if h.state() != before {
				t.Fatalf("the refused %s changed the simulator", c.tool)
			}
			args["apply_to_shared_source"] = true
			out := h.ok(c.tool, args)
			src, _ := h.sim.Source(srcID)
			if problem := c.done(src); problem != "" {
				t.Errorf("with apply_to_shared_source=true: %s", problem)
			}
			if note, _ := out["note"].(string); !strings.Contains(note, "beta") {
				t.Errorf("the answer does not name the other stack on the Source: %v", out["note"])
			}
			h.noLeak()
		})
	}
}

func wantTrue(what string, got bool) string {
	if !got {
		return what + " is still off"
	}
	return ""
}

func wantEqual(what, got, want string) string {
	if got != want {
		return fmt.Sprintf("%s is %q, want %q", what, got, want)
	}
	return ""
}

// A stack created with an interval on a Source another stack uses does not change that
// Source's polling: the answer says so and names the way to change it for all of them, which
// in turn needs consent.
func TestCreateWithIntervalOnSharedSource(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	a := h.gitStack("alpha", nil)
	srcID := h.stack(a).SourceID
	out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "beta", "repository_url": private,
		"username": gitUser, "password": sentinel, "gitops": "polling", "interval": "5m"})
	b := int(out["stack_id"].(float64))
	if h.stack(b).SourceID != srcID {
		t.Fatalf("beta is not on alpha's Source %d", srcID)
	}
	if src, _ := h.sim.Source(srcID); src.Interval != "" || src.JobRunning {
		t.Errorf("creating beta set the polling of the Source alpha uses: interval %q", src.Interval)
	}
	note, _ := out["note"].(string)
	for _, part := range []string{"alpha", "does not poll", "update_gitops_source"} {
		if !strings.Contains(note, part) {
			t.Errorf("the note lacks %q: %s", part, note)
		}
	}
	before := h.state()
	h.fails("update_gitops_source", map[string]any{"source_id": srcID, "interval": "5m"}, "alpha", "beta", "apply_to_shared_source=true")
	if h.state() != before {
		t.Fatal("the refused Source change changed the simulator")
	}
	h.ok("update_gitops_source", map[string]any{"source_id": srcID, "interval": "5m", "apply_to_shared_source": true})
	if src, _ := h.sim.Source(srcID); src.Interval != "5m" {
		t.Errorf("the consented interval is %q", src.Interval)
	}
	h.noLeak()
}

// withEdgeWorkflow makes GitOps Source srcID list one more workflow, of an edge stack (as
// Portainer's Business Edition lists edge stacks deployed from the Source; the simulator keeps
// edge stacks off Sources).
func (h *harness) withEdgeWorkflow(srcID int) {
	h.rewriteList(fmt.Sprintf("/api/gitops/sources/%d/workflows", srcID), func(list []map[string]any) []map[string]any {
		return append(list, map[string]any{"id": 900, "name": "signage", "type": "edgeStack", "sourceId": srcID,
			"target": map[string]any{"edgeGroupIds": []int{1}}})
	})
}

// A Source one stack shares with an edge stack is shared: a change to it needs consent, and
// the Source's view counts the edge stack.
func TestSourceSharedWithEdgeStack(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	a := h.gitStack("alpha", map[string]any{"gitops": "polling", "interval": "5m"})
	srcID := h.stack(a).SourceID
	h.withEdgeWorkflow(srcID)
	if got := h.ok("get_gitops_source", map[string]any{"source_id": srcID})["edge_stacks"]; got != float64(1) {
		t.Errorf("get_gitops_source edge_stacks = %v, want 1", got)
	}
	before := h.state()
	h.fails("update_stack_gitops", map[string]any{"stack_id": a, "tls_skip_verify": true}, "1 edge stack(s)", "apply_to_shared_source=true")
	h.fails("update_stack_gitops", map[string]any{"stack_id": a, "interval": "10m"}, "1 edge stack(s)", "apply_to_shared_source=true")
	h.fails("disable_stack_gitops", map[string]any{"stack_id": a}, "1 edge stack(s)", "apply_to_shared_source=true")
	h.fails("update_gitops_source", map[string]any{"source_id": srcID, "interval": "10m"}, "1 edge stack(s)", "apply_to_shared_source=true")
	if h.state() != before {
		t.Fatal("a refused change to a Source shared with an edge stack changed the simulator")
	}
	h.ok("update_gitops_source", map[string]any{"source_id": srcID, "interval": "10m", "apply_to_shared_source": true})
	if src, _ := h.sim.Source(srcID); src.Interval != "10m" {
		t.Errorf("the consented interval is %q", src.Interval)
	}
}

// list_gitops_sources lists each Source with how many stacks use it, filtered by name or URL
// and paged; before 2.43 stacks are not on Sources and the tool says what the release has.
func TestListGitopsSources(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	a := h.gitStack("alpha", nil)
	h.gitStack("beta", nil)
	h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "gamma", "repository_url": repoA})
	out := h.ok("list_gitops_sources", nil)
	rows, _ := out["sources"].([]any)
	if len(rows) != 2 || out["total"] != float64(2) {
		t.Fatalf("want the two Sources: %v", out)
	}
	byURL := map[string]map[string]any{}
	for _, r := range rows {
		m := r.(map[string]any)
		byURL[m["url"].(string)] = m
	}
	if p := byURL[private]; p == nil || p["used_by"] != float64(2) || p["id"] != float64(h.stack(a).SourceID) {
		t.Errorf("the shared Source: %v", p)
	}
	if p := byURL[repoA]; p == nil || p["used_by"] != float64(1) {
		t.Errorf("gamma's Source: %v", p)
	}
	if found := h.ok("list_gitops_sources", map[string]any{"search": "PRIVATE"})["sources"].([]any); len(found) != 1 || found[0].(map[string]any)["url"] != private {
		t.Errorf("search by URL: %v", found)
	}
	paged := h.ok("list_gitops_sources", map[string]any{"limit": 1})
	if len(paged["sources"].([]any)) != 1 || paged["next_offset"] != float64(1) {
		t.Errorf("paging: %v", paged)
	}
	h.noLeak()
	newHarnessOn(t, "2.39.0").fails("list_gitops_sources", nil, "2.39.0 has no GitOps Sources", "update_stack_gitops")
	newHarnessOn(t, "2.42.0").fails("list_gitops_sources", nil, "2.42.0 only lists the repositories", "stacks are not on GitOps Sources", "from 2.43")
}
