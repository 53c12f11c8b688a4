package tools_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// Repositories whose compose file does not run: repoBroken's cannot start its command (the
// deploy fails), repoCrash's container exits with code 2 a second after it starts.
const (
	repoBroken = "https://git.example.com/team/broken.git"
	repoCrash  = "https://git.example.com/team/crash.git"
)

func addBadRepos(h *harness) {
	h.sim.AddRepo(repoBroken, "", "")
	h.sim.Commit(repoBroken, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  job:\n    image: j\n    command: /does-not-exist\n"})
	h.sim.AddRepo(repoCrash, "", "")
	h.sim.Commit(repoCrash, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  job:\n    image: j\n    command: exit 2 1s disk full\n"})
}

// clockHarnessOn is a harness on a release whose simulated containers follow a clock that
// the server's waits move forward (so that a container that exits after a second does so).
func clockHarnessOn(t *testing.T, version string) *harness {
	t.Helper()
	clock := sim.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	h := newHarnessWith(t, sim.Options{Version: version, DeployOnNextRequest: true, Now: clock.Now})
	h.deps.Sleep, h.deps.Settle = clock.Advance, 0
	return h
}

// TestRecreateKeepsStoppedState: a stopped stack is stopped again after the re-create (and
// after a rollback), a running one keeps running, and the plan and the answer say which.
func TestRecreateKeepsStoppedState(t *testing.T) {
	fileStack := func(h *harness) int {
		return int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "legacy", "compose": composeA})["id"].(float64))
	}
	cases := []struct {
		name    string
		setup   func(h *harness) int
		stop    bool
		args    map[string]any
		fault   *sim.Fault
		newName string // the stack that must exist afterwards
		failed  bool
	}{
		{"stopped file stack renamed", fileStack, true, map[string]any{"name": "legacy2"}, nil, "legacy2", false},
		{"running file stack renamed", fileStack, false, map[string]any{"name": "legacy2"}, nil, "legacy2", false},
		{"stopped file stack onto Git", fileStack, true, map[string]any{"repository_url": repoA}, nil, "legacy", false},
		{"stopped Git stack, new repository", func(h *harness) int { return h.gitStack("legacy", nil) }, true,
			map[string]any{"repository_url": repoB, "old_password": sentinel}, nil, "legacy", false},
		{"stopped stack, create refused, original restored", fileStack, true, map[string]any{"name": "legacy2"},
			&sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Nth: 1, Status: 500, Message: "injected"}, "legacy", true},
		{"stopped Git stack, new source does not run, original restored", func(h *harness) int { addBadRepos(h); return h.gitStack("legacy", nil) }, true,
			map[string]any{"repository_url": repoBroken, "old_password": sentinel}, nil, "legacy", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachProfile(t, func(t *testing.T, h *harness) {
				id := c.setup(h)
				want := papi.StackStatusActive
				if c.stop {
					h.ok("stop_stack", map[string]any{"stack_id": id})
					want = papi.StackStatusInactive
				}
				args := map[string]any{"stack_id": id}
				for k, v := range c.args {
					args[k] = v
				}
				plan := fmt.Sprint(h.ok("recreate_stack", args))
				if c.stop && !strings.Contains(plan, "stopped again") {
					t.Errorf("the plan does not say the stack stays stopped: %s", plan)
				}
				if !c.stop && strings.Contains(plan, "stopped") {
					t.Errorf("the plan of a running stack speaks of stopping: %s", plan)
				}
				if c.fault != nil {
					h.sim.InjectFault(*c.fault)
				}
				args["dry_run"] = false
				res := h.call("recreate_stack", args)
				msg := textOf(res)
				if res.IsError != c.failed {
					t.Fatalf("error %v, want %v: %s", res.IsError, c.failed, msg)
				}
				st, ok := h.byName(c.newName)
				if !ok {
					t.Fatalf("no stack %s afterwards: %s", c.newName, msg)
				}
				if got := deref(st.Stack.Status); got != want {
					t.Errorf("stack %s has status %d, want %d: %s", c.newName, got, want, msg)
				}
				if c.failed {
					if !strings.Contains(msg, "ORIGINAL RESTORED") || (c.stop && !strings.Contains(msg, "stopped")) {
						t.Errorf("the answer does not say the original is back, stopped: %s", msg)
					}
					return
				}
				out, _ := res.StructuredContent.(map[string]any)
				stack, _ := out["stack"].(map[string]any)
				wantName := map[bool]string{true: "inactive", false: "active"}[c.stop]
				if stack["status"] != wantName {
					t.Errorf("the answer gives status %v, want %s: %s", stack["status"], wantName, msg)
				}
				if c.stop && !strings.Contains(msg, "start_stack") {
					t.Errorf("the answer does not say how to start it: %s", msg)
				}
				h.noLeak()
			})
		})
	}
}
