// Package sim is a stateful, in-memory Portainer for tests and demos. It implements the server
// interface generated from api/portainer.yaml and reproduces the behaviour described in
// portainer-behaviour.md (PB, CE 2.23): Portainer's error messages and status codes, the Git
// detach on PUT, the full replacement done by POST /stacks/{id}/git, blanked passwords, webhooks
// and polling. Options.Version selects a release; what differs from 2.23 is decided by the
// project's capability table (tools.CapsFor) and follows portainer-current.md (PC): deploys that
// finish after the answer (Status 3, then 1 or 4), GitOps Sources and Workflows, polling per
// Source, in-place Git changes, the one-minute minimum interval, the redeploy payload rules.
// The simulator never compares version numbers itself: it asks that table for the behaviours
// of Options.Version once (New) and branches on them, so the server and its simulator cannot
// disagree on where a release boundary lies (tools' TestOneTable checks both).
//
// Deployments are simulated: a compose file is checked (YAML, a services mapping, an image or a
// build for every service) and an image whose name contains "does-not-exist" fails to pull, as
// Docker would answer. Git repositories live in memory (AddRepo, Commit, DeleteRef).
//
// # Containers
//
// A deployed stack runs on a simulated Docker engine, served under Portainer's proxied paths
// (/api/endpoints/{id}/docker/containers/..., /services/..., /tasks) with Docker's answers, its
// Date header and its log stream format (8-byte frame headers; raw text for tty: true). A
// compose stack gets containers named <stack>-<service>-<n> with compose's labels, one per
// replica (deploy.replicas or scale); a swarm stack gets services <stack>_<service> labelled
// com.docker.stack.namespace and one task per replica. They appear when a stack is deployed
// (create, update, Git redeploy, polling or webhook redeploy, start, migrate: a changed service
// is re-created, an unchanged one keeps running, as compose up does) and go when it is stopped
// or deleted. Services with profiles are not started.
//
// What a container does follows a convention in the compose text, so that tests can make one
// fail:
//
//   - command: exit CODE [DURATION] [MESSAGE...] makes the process run for DURATION (a Go
//     duration, default 1s), write MESSAGE (default "exiting with code CODE") to stderr and exit
//     with CODE. The restart policy decides what follows: compose's restart (no, always,
//     on-failure[:N], unless-stopped) with Docker's back-off (100 ms, doubling, at most a
//     minute), so "exit 3" with restart: always is a crash loop; in swarm,
//     deploy.restart_policy (condition any by default, delay 5s, max_attempts).
//   - a command whose first word contains "does-not-exist" (command: /does-not-exist) cannot be
//     started: a compose deploy fails with Docker's OCI error, as Portainer answers it; a swarm
//     task is rejected over and over.
//   - a healthcheck whose test has the word false or a word starting with fail (test: ["CMD",
//     "false"]) never passes: the container turns unhealthy after retries (default 3) probes,
//     one every interval (default 30s), those within start_period not counted (a swarm task is
//     then killed and replaced). Any other healthcheck passes at its first probe, one interval
//     after the start; until then the container is "health: starting" (a swarm task "starting").
//   - anything else runs until it is stopped, and writes "<service> started (<image>)" to stdout
//     at every start. WriteLog adds lines to a container's log.
//
// Time is the simulator's clock (Options.Now): the state of every container is computed from
// it, so a test that moves its clock moves the containers, with no sleep.
package sim

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Options configure a simulator. The zero value gives the defaults.
type Options struct {
	APIKey   string // accepted X-API-Key; default "sim-api-key"
	JWT      string // accepted bearer token; default "sim-jwt"
	Version  string // the Portainer release to behave as, default "2.23.0"
	Edition  string // CE (default) or BE: what /system/version says
	Username string // the caller, default "admin" (Role 1)
	// Users are more accounts, each with its own API key: /users/me answers the key's owner.
	// The simulator gives every user the administrator's view of environments and stacks.
	Users []User
	Empty bool // no seed data
	Now   func() time.Time
	// SwarmRestartDelay reproduces Docker removing a swarm stack's network asynchronously: a
	// swarm stack started again within this (real) time after a stop fails with 500
	// "network <name>_default not found". Zero means the default of 3 seconds, as Portainer
	// behaves; a negative value turns it off.
	SwarmRestartDelay time.Duration
	// DeployDelay is how long (real time) a deploy runs after Portainer answered, on releases
	// that deploy in the background (PC §1 "Async create": measured 3 s for compose). Zero
	// means 3 seconds; a negative value finishes as soon as the answer is out. HoldDeploys
	// holds them longer.
	DeployDelay time.Duration
	// DeployOnNextRequest makes a background deploy finish when the next request arrives,
	// instead of after DeployDelay: the first read after a deploy sees its outcome, so a
	// test's sequence of calls does not depend on timing. HoldDeploys still holds them.
	DeployOnNextRequest bool
}

// User is an account with an API key of its own (ids from 2 on; 1 is the administrator).
type User struct {
	ID       int
	Username string
	Key      string
	Admin    bool
}

// Sim is the simulated Portainer. All methods are safe for concurrent use.
type Sim struct {
	mu sync.Mutex

	opts       Options
	instanceID string
	b          tools.Caps // what the release and edition do, from the capability table

	sources        map[int]*source
	nextSourceID   int
	workflows      map[int]*workflow
	nextWorkflowID int
	gate           chan struct{}   // non-nil while HoldDeploys holds background deploys
	pending        []pendingDeploy // DeployOnNextRequest: deploys to finish on the next request

	envs      map[int]*environment
	nextEnvID int

	repos map[string]*repo

	stacks      map[int]*stackRec
	nextStackID int
	volumes     map[int]map[string]bool // environment -> compose project names with named volumes

	hosts     map[int]*dockerHost // what Docker runs, per environment
	dockerSeq int
	edge      edgeState // edge groups, edge stacks, Edge Compute, saved Git credentials

	faults   []*faultState
	requests []string

	background sync.WaitGroup // webhook redeploys and background deploys
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
	if o.DeployDelay == 0 {
		o.DeployDelay = 3 * time.Second
	}
	if o.Username == "" {
		o.Username = "admin"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sim{
		opts:           o,
		b:              tools.CapsFor(o.Version, o.Edition, ""),
		instanceID:     uuid.NewString(),
		envs:           map[int]*environment{},
		nextEnvID:      1,
		repos:          map[string]*repo{},
		stacks:         map[int]*stackRec{},
		nextStackID:    1,
		volumes:        map[int]map[string]bool{},
		sources:        map[int]*source{},
		nextSourceID:   1,
		workflows:      map[int]*workflow{},
		nextWorkflowID: 1,
		hosts:          map[int]*dockerHost{},
		edge:           newEdgeState(),
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
	return s.state(r), true
}

// StackByName finds a stack by environment and name (case-insensitive).
func (s *Sim) StackByName(envID int, name string) (StackState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.stackNamed(envID, name, 0); r != nil {
		return s.state(r), true
	}
	return StackState{}, false
}

// Stacks returns every stack, by id.
func (s *Sim) Stacks() []StackState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StackState, 0, len(s.stacks))
	for _, r := range s.sortedStacks() {
		out = append(out, s.state(r))
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

// Wait waits for the background work: webhook redeploys and deploys that finish after the
// answer. Release HoldDeploys first.
func (s *Sim) Wait() {
	s.finishPending()
	s.background.Wait()
	s.finishPending() // deploys that webhooks started in the background
}

// Requests returns "METHOD /api/path?query" of every request received, in order. Credentials
// passed in the query are masked.
func (s *Sim) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
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

func itoa(i int) string { return strconv.Itoa(i) }

var _ papi.StrictServerInterface = (*Sim)(nil)
