package sim

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// dockerSync makes what Docker runs for stack r match the stack as now stored, after any
// operation that deploys, starts, stops, moves or deletes it (r may be the record before the
// operation: its environment and name say where its containers were). An active stack runs
// its deployed file (compose up / stack deploy: changed services re-created, unchanged ones
// left running); a stopped or deleted one runs nothing (compose down / stack rm); a deploying
// one is left as it is until its deploy ends, and a failed one as its failed deploy left it
// (checkDeploy runs compose down after a failed compose up). Callers hold s.mu.
func (s *Sim) dockerSync(r *stackRec) {
	cur := s.stacks[r.ID]
	if cur == nil || cur.EndpointID != r.EndpointID || cur.Name != r.Name {
		s.host(r.EndpointID).remove(r.Name)
	}
	if cur == nil {
		return
	}
	switch cur.Status {
	case papi.StackStatusActive:
		s.dockerUp(cur, s.clock())
	case papi.StackStatusDeploying, papi.StackStatusError:
	default:
		s.host(cur.EndpointID).remove(cur.Name)
	}
}

// dockerUp runs a stack's file on its environment, as started at time at.
func (s *Sim) dockerUp(r *stackRec, at time.Time) {
	h := s.host(r.EndpointID)
	if r.Type == papi.StackTypeSwarm {
		s.stackDeploy(h, r, at)
		return
	}
	s.composeUp(h, r, at)
}

// remove takes away every container and service of a stack (compose project or swarm
// namespace).
func (h *dockerHost) remove(stack string) {
	h.removeContainers(stack)
	for id, svc := range h.services {
		if svc.stack == stack {
			delete(h.services, id)
		}
	}
}

// removeContainers is compose down of a project.
func (h *dockerHost) removeContainers(project string) {
	for id, c := range h.containers {
		if c.project == project {
			delete(h.containers, id)
		}
	}
}

func (s *Sim) clock() time.Time { return s.opts.Now() }

// ContainerState is what a test may want to know of a simulated container or swarm task.
type ContainerState struct {
	Name     string // container name; for a task <service>.<slot>
	Stack    string
	Service  string
	State    string
	Health   string
	Restarts int
	ExitCode int
}

// Containers lists the containers of an environment and the current tasks of its swarm
// services, by name.
func (s *Sim) Containers(envID int) []ContainerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	h := s.host(envID)
	var out []ContainerState
	for _, c := range h.containers {
		l := c.life(now)
		out = append(out, ContainerState{Name: c.name, Stack: c.project, Service: c.w.service, State: l.state,
			Health: l.health, Restarts: l.restarts, ExitCode: l.exitCode})
	}
	for _, svc := range h.services {
		for _, t := range svc.tasks(now) {
			if t.desired == "shutdown" {
				continue
			}
			out = append(out, ContainerState{Name: svc.name + "." + itoa(t.slot), Stack: svc.stack, Service: svc.w.service,
				State: t.state, ExitCode: t.exitCode})
		}
	}
	slices.SortFunc(out, func(a, b ContainerState) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WriteLog appends lines to the log of a container (by name or id) or, by name, a swarm
// service of an environment, at the simulator's current time; stderr chooses the stream.
func (s *Sim) WriteLog(envID int, name string, stderr bool, lines ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	var entries []logEntry
	for _, l := range lines {
		entries = append(entries, logEntry{at: now, stderr: stderr, text: l})
	}
	h := s.host(envID)
	if c := h.findContainer(name); c != nil {
		c.extra = append(c.extra, entries...)
		return nil
	}
	if svc := h.findService(name); svc != nil {
		svc.extra = append(svc.extra, entries...)
		return nil
	}
	return errors.New("no container or service " + name + " on environment " + itoa(envID))
}

// Clock is a clock for Options.Now that moves only when told: tests move it to make
// containers start, crash, turn healthy or restart, with no sleep.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock showing start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Faster is a clock for Options.Now that runs speed times faster than real time from now on:
// with speed 20 a 5-second healthcheck interval passes in a quarter of a second, for tests
// that cannot move a Clock (a server in another process waits in real time).
func Faster(speed float64) func() time.Time {
	start := time.Now()
	return func() time.Time {
		return start.Add(time.Duration(float64(time.Since(start)) * speed))
	}
}
