package tools_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// pollingStack is a Git stack that polls every 5m as Portainer runs it: by its own settings
// before 2.44; from 2.44 through its GitOps Source only, its own interval empty, as after
// Portainer's 2.44 migration or a change made on the Source.
func (h *harness) pollingStack(name string) int {
	h.t.Helper()
	if !h.caps().SourcePolling {
		return h.gitStack(name, map[string]any{"gitops": "polling", "interval": "5m"})
	}
	id := h.gitStack(name, nil)
	h.ok("update_gitops_source", map[string]any{"source_id": h.stack(id).SourceID, "interval": "5m"})
	if iv := deref(deref(h.stack(id).Stack.AutoUpdate).Interval); iv != "" {
		h.t.Fatalf("the stack's own interval is %q: the case needs polling on the Source alone", iv)
	}
	return id
}

// TestRecreateDescribesPollingAsItWorks: recreate_stack's plan and answer say how the stack
// is really kept up to date (from 2.44 by its Source's interval), the re-created or changed
// stack polls as the original did, and the Source is not turned off on the way.
func TestRecreateDescribesPollingAsItWorks(t *testing.T) {
	cases := []struct {
		name string
		args map[string]any
	}{
		{"rename", map[string]any{"name": "app2", "password": sentinel}},
		{"new repository", map[string]any{"repository_url": repoB, "old_password": sentinel}},
	}
	for _, version := range []string{"2.23.0", "2.45.0"} {
		for _, c := range cases {
			t.Run(version+"/"+c.name, func(t *testing.T) {
				h := newHarnessOn(t, version)
				id := h.pollingStack("app")
				args := map[string]any{"stack_id": id}
				for k, v := range c.args {
					args[k] = v
				}
				plan := fmt.Sprint(h.ok("recreate_stack", args))
				for _, want := range []string{"GitOps polling every 5m", "GitOps settings (polling)"} {
					if !strings.Contains(plan, want) {
						t.Errorf("plan lacks %q: %s", want, plan)
					}
				}
				if strings.Contains(plan, "GitOps none") {
					t.Errorf("plan says GitOps none: %s", plan)
				}
				args["dry_run"] = false
				out := h.ok("recreate_stack", args)
				txt := fmt.Sprint(out)
				if strings.Contains(txt, "GitOps none") || !strings.Contains(txt, "GitOps polling every 5m") {
					t.Errorf("answer: %s", txt)
				}
				now := id
				if n, ok := out["new_stack_id"].(float64); ok {
					now = int(n)
				}
				if g, _ := out["stack"].(map[string]any)["gitops"].(map[string]any); g["mechanism"] != "polling" || g["interval"] != "5m" {
					t.Errorf("answer's stack gitops: %v", g)
				}
				if got := h.gitopsEverywhere(now); !got.all("polling 5m") {
					t.Errorf("stack %d after the re-create: %+v, want polling 5m everywhere", now, got)
				}
				h.noLeak()
			})
		}
	}
}

// TestRecreatePlanOfSeededDemo: the demo's Git stack, whose Source polls it every 5m on 2.45
// (its own interval cleared by the migration), is planned as polling every 5m.
func TestRecreatePlanOfSeededDemo(t *testing.T) {
	for _, v := range []string{"2.23.0", "2.45.0"} {
		t.Run(v, func(t *testing.T) {
			d := seededDeps(t, v)
			res, err := tools.RecreateStack(context.Background(), d, tools.Args{"stack_id": 2, "name": "monitoring2"})
			if err != nil || res.IsError {
				t.Fatalf("recreate_stack: %v %s", err, tools.ResultText(res))
			}
			txt := tools.ResultText(res)
			if !strings.Contains(txt, "GitOps polling every 5m") || strings.Contains(txt, "GitOps none") {
				t.Errorf("plan: %s", txt)
			}
		})
	}
}

// TestGitopsAnswersShowSourcePolling: redeploy_stack and regenerate_stack_webhook answer with
// the polling that works, from 2.44 the Source's, not the stack's own empty interval.
func TestGitopsAnswersShowSourcePolling(t *testing.T) {
	for _, version := range []string{"2.23.0", "2.45.0"} {
		t.Run(version, func(t *testing.T) {
			h := newHarnessOn(t, version)
			var id int
			if h.caps().SourcePolling { // the stack's own settings: a webhook; its Source polls
				id = h.gitStack("app", map[string]any{"gitops": "webhook"})
				h.ok("update_gitops_source", map[string]any{"source_id": h.stack(id).SourceID, "interval": "5m"})
				if iv := deref(deref(h.stack(id).Stack.AutoUpdate).Interval); iv != "" {
					t.Fatalf("the stack's own interval is %q: the case needs polling on the Source alone", iv)
				}
			} else {
				id = h.gitStack("app", map[string]any{"gitops": "polling+webhook", "interval": "5m"})
			}
			for _, call := range []struct {
				tool string
				args map[string]any
			}{
				{"redeploy_stack", map[string]any{"stack_id": id}},
				{"regenerate_stack_webhook", map[string]any{"stack_id": id}},
			} {
				out := h.ok(call.tool, call.args)
				g, _ := out["gitops"].(map[string]any)
				if g["mechanism"] != "polling+webhook" || g["interval"] != "5m" {
					t.Errorf("%s answers gitops %v, want polling+webhook every 5m", call.tool, g)
				}
			}
		})
	}
}
