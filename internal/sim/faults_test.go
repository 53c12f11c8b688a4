package sim_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// list lists stacks and returns the status.
func list(h *harness) (int, []byte, error) {
	r, err := h.c.StackListWithResponse(h.ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	return r.StatusCode(), r.Body, nil
}

// statuses lists stacks n times and returns the statuses.
func statuses(t *testing.T, h *harness, n int) []int {
	t.Helper()
	var got []int
	for range n {
		status, _, err := list(h)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, status)
	}
	return got
}

func TestFaultInjection(t *testing.T) {

	t.Run("Nth fires on the Nth matching request only", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{Method: "GET", PathPrefix: "/api/stacks", Nth: 2, Status: 503, Message: "busy"})
		if got := statuses(t, h, 3); !slices.Equal(got, []int{200, 503, 200}) {
			t.Errorf("statuses = %v", got)
		}
	})

	t.Run("method and prefix must match", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks"})
		h.sim.InjectFault(sim.Fault{PathPrefix: "/api/endpoints"})
		status, _, err := list(h)
		if err != nil || status != 200 {
			t.Fatalf("GET /api/stacks hit a POST fault: %d %v", status, err)
		}
		r, err := h.c.EndpointInspectWithResponse(h.ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r.StatusCode(), r.Body, 500, "injected fault")
	})

	t.Run("Times", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{PathPrefix: "/api/stacks", Times: 2, Status: 502})
		if got := statuses(t, h, 3); !slices.Equal(got, []int{502, 502, 200}) {
			t.Errorf("statuses = %v", got)
		}
		h.sim.ClearFaults()
		h.sim.InjectFault(sim.Fault{PathPrefix: "/api/stacks", Times: -1})
		for range 3 {
			if status, _, _ := list(h); status != 500 {
				t.Errorf("Times -1 stopped firing: %d", status)
			}
		}
		h.sim.ClearFaults()
		if status, _, _ := list(h); status != 200 {
			t.Errorf("after ClearFaults: %d", status)
		}
	})

	t.Run("Drop closes the connection", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{PathPrefix: "/api/stacks", Drop: true})
		if _, _, err := list(h); err == nil {
			t.Fatal("want a transport error")
		}
		if status, _, err := list(h); err != nil || status != 200 {
			t.Errorf("the next request: %d %v", status, err)
		}
	})

	t.Run("After applies the change, then fails the answer", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", After: true, Status: 504, Message: "gateway timeout"})
		r, err := h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: 1},
			papi.ComposeStackFromStringPayload{Name: "ghost", StackFileContent: composeOK})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r.StatusCode(), r.Body, 504, "gateway timeout")
		if _, ok := h.sim.StackByName(1, "GHOST"); !ok {
			t.Error("the stack was not created")
		}
	})

	t.Run("After with Drop", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks/1/stop", After: true, Drop: true})
		if _, err := h.c.StackStopWithResponse(h.ctx, 1, &papi.StackStopParams{EndpointId: 1}); err == nil {
			t.Fatal("want a transport error")
		}
		if st := h.state(t, 1); deref(st.Stack.Status) != papi.StackStatusInactive {
			t.Error("the stop did not happen")
		}
	})

	t.Run("requests are logged in order, faults included", func(t *testing.T) {
		h := newHarness(t, sim.Options{})
		h.sim.InjectFault(sim.Fault{PathPrefix: "/api/endpoints", Status: http.StatusTeapot})
		_, _ = h.c.EndpointListWithResponse(h.ctx, &papi.EndpointListParams{Limit: ptr(1)})
		_, _ = h.c.StackInspectWithResponse(h.ctx, 2)
		want := []string{"GET /api/endpoints?limit=1", "GET /api/stacks/2"}
		if got := h.sim.Requests(); !slices.Equal(got, want) {
			t.Errorf("requests = %q, want %q", got, want)
		}
	})
}
