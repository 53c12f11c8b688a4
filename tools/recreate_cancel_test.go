package tools_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestRecreateCancelledAtEachCall: the client cancels recreate_stack while each Portainer call
// of the flow is in flight. Cancelled before the delete, nothing changes and the answer says
// so. From the first write on, the flow finishes on its own and the new stack exists as asked; the
// log says what became of the call. Never a lost stack, never a report of the opposite.
func TestRecreateCancelledAtEachCall(t *testing.T) {
	for _, version := range profiles {
		for _, fl := range flows {
			calls := fl.calls(t, version)
			// The point of no return is the first write: the DELETE of a delete-and-create, the
			// POST /stacks/{id}/git of an in-place change.
			deleteAt := -1
			for k, c := range calls {
				if !strings.HasPrefix(c, "GET ") && !strings.Contains(c, "/file/preview") {
					deleteAt = k
					break
				}
			}
			if deleteAt < 0 {
				t.Fatalf("%s sends no write: %v", fl.name, calls)
			}
			for k, call := range calls {
				method, target, _ := strings.Cut(call, " ")
				path, _, _ := strings.Cut(target, "?")
				t.Run(fmt.Sprintf("%s/%s/%02d %s %s", version, fl.name, k, method, path), func(t *testing.T) {
					h, id, orig, _ := fl.start(t, version)
					// Faults count the requests they see from now on: the flow's own.
					nth := 0
					for _, r := range calls[:k+1] {
						rm, rt, _ := strings.Cut(r, " ")
						if rp, _, _ := strings.Cut(rt, "?"); rm == method && strings.HasPrefix(rp, path) {
							nth++
						}
					}
					hold, arrived := make(chan struct{}), make(chan string, 1)
					h.sim.InjectFault(sim.Fault{Method: method, PathPrefix: path, Nth: nth, Hold: hold, Arrived: arrived})

					ctx, cancel := context.WithCancel(context.Background())
					answer := make(chan *mcp.CallToolResult, 1)
					go func() {
						var req mcp.CallToolRequest
						req.Params.Name = "recreate_stack"
						args := map[string]any{"stack_id": id}
						for k, v := range fl.args {
							args[k] = v
						}
						req.Params.Arguments = args
						res, _ := h.c.CallTool(ctx, req)
						answer <- res
					}()
					select {
					case <-arrived:
					case <-time.After(10 * time.Second):
						t.Fatal("the held call never came")
					}
					cancel()
					close(hold)
					var res *mcp.CallToolResult
					select {
					case res = <-answer:
					case <-time.After(30 * time.Second):
						t.Fatal("the flow did not end after the cancel")
					}

					newSt, newOK := h.byName(fl.newName)
					oldSt, oldOK := h.byName(orig.Name)
					asNew := newOK && fl.isNew(describeStack(newSt), orig)
					asOld := oldOK && reflect.DeepEqual(describeStack(oldSt), orig)
					if k < deleteAt {
						if !asOld || (fl.newName != orig.Name && newOK) {
							t.Fatalf("cancelled before the delete, yet the stacks changed: old %v (%+v), new %v", oldOK, describeStack(oldSt), newOK)
						}
						if res != nil && !res.IsError {
							t.Errorf("cancelled before the delete, yet success: %s", textOf(res))
						}
					} else {
						if !asNew || (fl.newName != orig.Name && oldOK) {
							t.Fatalf("cancelled at or after the delete, the flow did not finish: new %v (%+v), old %v\nlog:\n%s", newOK, describeStack(newSt), oldOK, h.log.String())
						}
						if res != nil && res.IsError {
							t.Errorf("the new stack exists, yet the answer says it failed: %s", textOf(res))
						}
					}
					if !strings.Contains(h.log.String(), "cancelled by the client") {
						t.Errorf("the log does not record the cancelled call:\n%s", h.log.String())
					}
					h.noLeak()
				})
			}
		}
	}
}

// TestRecreateRefusesContradictions: contradictory arguments, and changes other tools make in
// place, are refused before anything is read or deleted.
func TestRecreateRefusesContradictions(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"})
	before, sent := h.state(), len(h.sim.Requests())
	h.fails("recreate_stack", map[string]any{"stack_id": id, "gitops": "none", "interval": "5m", "dry_run": false}, "contradicts", "Nothing was changed")
	h.fails("recreate_stack", map[string]any{"stack_id": id, "gitops": "none", "password": sentinel, "dry_run": false}, "update_stack_gitops", "disable_stack_gitops", "Nothing was changed")
	h.fails("recreate_stack", map[string]any{"stack_id": id, "reference": "release", "password": sentinel, "dry_run": false}, "update_stack_gitops")
	h.fails("recreate_stack", map[string]any{"stack_id": id, "compose_path": "../x.yml", "password": sentinel}, "leaves the repository")
	if h.state() != before {
		t.Error("Portainer changed")
	}
	for _, r := range h.sim.Requests()[sent:] {
		if strings.HasPrefix(r, "DELETE") || strings.Contains(r, "/create/") || strings.Contains(r, "/git") {
			t.Errorf("a refused re-create sent %s", r)
		}
	}
	h.noLeak()
}
