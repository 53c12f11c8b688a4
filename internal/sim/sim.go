// Package sim is a stateful, in-memory Portainer CE 2.23 for tests and demos. It implements the
// server interface generated from api/portainer.yaml and reproduces the behaviour described in
// portainer-behaviour.md: Portainer's error messages and status codes, the Git detach on PUT, the
// full replacement done by POST /stacks/{id}/git, blanked passwords, webhooks and polling.
//
// Deployments are simulated: a compose file is checked (YAML, a services mapping, an image or a
// build for every service) and an image whose name contains "does-not-exist" fails to pull, as
// Docker would answer. Git repositories live in memory (AddRepo, Commit, DeleteRef).
package sim

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Options configure a simulator. The zero value gives the defaults.
type Options struct {
	APIKey   string // accepted X-API-Key; default "sim-api-key"
	JWT      string // accepted bearer token; default "sim-jwt"
	Version  string // reported version, default "2.23.0"
	Edition  string // default "CE"
	Username string // the caller, default "admin" (Role 1)
	Empty    bool   // no seed data
	Now      func() time.Time
	// SwarmRestartDelay reproduces Docker removing a swarm stack's network asynchronously: a
	// swarm stack started again within this (real) time after a stop fails with 500
	// "network <name>_default not found". Zero means the default of 3 seconds, as Portainer
	// behaves; a negative value turns it off.
	SwarmRestartDelay time.Duration
}

// Sim is the simulated Portainer. All methods are safe for concurrent use.
type Sim struct {
	mu sync.Mutex

	opts       Options
	instanceID string

	envs      map[int]*environment
	nextEnvID int

	repos map[string]*repo

	stacks      map[int]*stackRec
	nextStackID int
	volumes     map[int]map[string]bool // environment -> compose project names with named volumes

	faults   []*faultState
	requests []string

	background sync.WaitGroup // webhook redeploys
	handler    http.Handler
}

// New returns a simulator, seeded with environments, repositories and stacks unless o.Empty.
func New(o Options) *Sim {
	if o.APIKey == "" {
		o.APIKey = "sim-api-key"
	}
	if o.JWT == "" {
		o.JWT = "sim-jwt"
	}
	if o.Version == "" {
		o.Version = "2.23.0"
	}
	if o.Edition == "" {
		o.Edition = "CE"
	}
	if o.SwarmRestartDelay == 0 {
		o.SwarmRestartDelay = 3 * time.Second
	}
	if o.Username == "" {
		o.Username = "admin"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sim{
		opts:        o,
		instanceID:  uuid.NewString(),
		envs:        map[int]*environment{},
		nextEnvID:   1,
		repos:       map[string]*repo{},
		stacks:      map[int]*stackRec{},
		nextStackID: 1,
		volumes:     map[int]map[string]bool{},
	}
	s.handler = s.buildHandler()
	if !o.Empty {
		s.seed()
	}
	return s
}

// Handler serves the API under /api: authentication, Portainer-style JSON errors and injected
// faults included.
func (s *Sim) Handler() http.Handler { return s.handler }

// Stack returns the full stored state of a stack, Git password and env values included.
func (s *Sim) Stack(id int) (StackState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.stacks[id]
	if !ok {
		return StackState{}, false
	}
	return r.state(), true
}

// StackByName finds a stack by environment and name (case-insensitive).
func (s *Sim) StackByName(envID int, name string) (StackState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.stackNamed(envID, name, 0); r != nil {
		return r.state(), true
	}
	return StackState{}, false
}

// Stacks returns every stack, by id.
func (s *Sim) Stacks() []StackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StackState, 0, len(s.stacks))
	for _, r := range s.sortedStacks() {
		out = append(out, r.state())
	}
	return out
}

// Volumes lists the compose project names on an environment that own named volumes: those of
// its stacks and those left behind by deleted stacks (Portainer removes stacks without -v).
func (s *Sim) Volumes(envID int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name := range s.volumes[envID] {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Wait waits for the background redeploys started by webhooks.
func (s *Sim) Wait() { s.background.Wait() }

// Requests returns "METHOD /api/path?query" of every request received, in order. Credentials
// passed in the query are masked.
func (s *Sim) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// PollNow runs every running auto-update job once: a stack is redeployed when its reference has
// a new commit, or always with ForceUpdate.
func (s *Sim) PollNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.sortedStacks() {
		if r.jobRunning {
			s.autoRedeploy(r)
		}
	}
}

// StartPolling runs the auto-update jobs on real timers until ctx ends. speed scales time: with
// speed 60 a "5m" interval polls every 5 seconds.
func (s *Sim) StartPolling(ctx context.Context, speed float64) {
	if speed <= 0 {
		speed = 1
	}
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				s.pollDue(now, speed)
			}
		}
	}()
}

func (s *Sim) pollDue(now time.Time, speed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.sortedStacks() {
		if !r.jobRunning || r.AutoUpdate == nil {
			continue
		}
		every, err := time.ParseDuration(r.AutoUpdate.Interval)
		if err != nil || every <= 0 {
			continue
		}
		step := time.Duration(float64(every) / speed)
		if r.jobNext.IsZero() {
			r.jobNext = now.Add(step)
			continue
		}
		if now.Before(r.jobNext) {
			continue
		}
		r.jobNext = now.Add(step)
		s.autoRedeploy(r)
	}
}

func (s *Sim) sortedStacks() []*stackRec {
	out := make([]*stackRec, 0, len(s.stacks))
	for _, r := range s.stacks {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *stackRec) int { return a.ID - b.ID })
	return out
}

func (s *Sim) now() int64 { return s.opts.Now().Unix() }

// startJob (re)starts the polling job of a stack when its GitOps settings have an interval.
func (s *Sim) startJob(r *stackRec) {
	r.jobRunning = false
	if r.AutoUpdate == nil || r.AutoUpdate.Interval == "" {
		return
	}
	r.AutoUpdate.JobID = uuid.NewString()
	r.jobRunning = true
	r.jobNext = time.Time{}
}

func itoa(i int) string { return strconv.Itoa(i) }

var _ papi.StrictServerInterface = (*Sim)(nil)
