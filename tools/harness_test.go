package tools_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Repositories the tests deploy from (the simulator's own seed is left out).
const (
	repoA   = "https://git.example.com/team/app.git"
	repoB   = "https://git.example.com/team/app-v2.git"
	private = "https://git.example.com/team/private.git"
	gitUser = "deploy"
	// sentinel is a Git password that must never leave the server.
	sentinel = "pw-SENTINEL-7f3a"
)

const composeA = "services:\n  app:\n    image: nginx:1.27\n"

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type harness struct {
	t    testing.TB
	sim  *sim.Sim
	deps *tools.Deps
	c    *client.Client
	log  *lockedBuf
	seen []string // every tool result and error text, for leak checks
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessOn(t, "")
}

// profiles are the Portainer releases the end-to-end tests run against: 2.23, on which the
// server was first proven against a real Portainer; 2.39 LTS; and 2.45 LTS, with deploys that
// finish after the answer, GitOps Sources and polling per Source.
var profiles = []string{"2.23.0", "2.39.0", "2.45.0"}

// eachProfile runs body once per profile, each on a fresh simulator.
func eachProfile(t *testing.T, body func(t *testing.T, h *harness)) {
	t.Helper()
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) { body(t, newHarnessOn(t, v)) })
	}
}

// newHarnessOn is newHarness on a simulator playing a Portainer release ("2.45.0"; "" is the
// simulator's default, 2.23.0). Deploys that finish after the answer finish when the next
// request arrives, so call sequences do not depend on timing; hold them with h.sim.HoldDeploys.
func newHarnessOn(t testing.TB, version string) *harness {
	t.Helper()
	return newHarnessWith(t, sim.Options{Version: version, DeployOnNextRequest: true})
}

// newHarnessWith is newHarness with a simulator made with o (Empty is set).
func newHarnessWith(t testing.TB, o sim.Options) *harness {
	t.Helper()
	o.Empty = true
	s := sim.New(o)
	s.AddEnvironment(papi.Endpoint{Id: ptr(1), Name: ptr("local"), Type: ptr(papi.EndpointTypeDocker), Status: ptr(papi.EndpointStatusUp)}, "")
	s.AddEnvironment(papi.Endpoint{Id: ptr(2), Name: ptr("swarm"), Type: ptr(papi.EndpointTypeAgentDocker), Status: ptr(papi.EndpointStatusUp)}, "swarm-test-1")
	s.AddRepo(repoA, "", "")
	s.Commit(repoA, "refs/heads/main", map[string]string{"docker-compose.yml": composeA, "deploy/prod.yml": composeA, "extra.yml": "services: {}\n"})
	s.Commit(repoA, "refs/heads/release", map[string]string{"docker-compose.yml": composeA})
	s.AddRepo(repoB, "", "")
	s.Commit(repoB, "refs/heads/main", map[string]string{"docker-compose.yml": composeA, "stack/compose.yml": composeA})
	s.AddRepo(private, gitUser, sentinel)
	s.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": composeA})

	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	// The server's own transport: writes finish when a call is cancelled, ids are checked.
	c, err := papi.NewClientWithResponses(srv.URL+"/api", papi.WithHTTPClient(&http.Client{
		Transport: &tools.Transport{APIKey: "sim-api-key", Read: 5 * time.Second, Write: 30 * time.Second}}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuf{}
	deps := &tools.Deps{Client: c, PortainerURL: srv.URL, StateDir: t.TempDir(), Timeout: 5 * time.Second,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Sleep: func(time.Duration) { time.Sleep(time.Millisecond) },
		Settle: 500 * time.Millisecond} // containers need not stay up 5 s here; health_test.go checks that
	mc, err := client.NewInProcessClient(tools.NewServer("test", mcptools.Tools, deps, []string{"sim-api-key"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	if _, err := mc.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, sim: s, deps: deps, c: mc, log: logs}
}

func ptr[T any](v T) *T { return &v }

func (h *harness) call(name string, args map[string]any) *mcp.CallToolResult {
	h.t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	var before string
	if name == "recreate_stack" {
		before = h.state()
	}
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil {
		h.t.Fatalf("%s: protocol error %v", name, err)
	}
	raw, _ := json.Marshal(res)
	h.seen = append(h.seen, string(raw))
	if name == "recreate_stack" {
		h.checkRecreate(textOf(res), before != h.state())
	}
	return res
}

// checkRecreate checks every recreate_stack answer, whatever the test: it reads well
// (readsBadly), and it does not say that nothing was changed when something was.
func (h *harness) checkRecreate(msg string, changed bool) {
	h.t.Helper()
	for _, p := range readsBadly(msg) {
		h.t.Errorf("recreate_stack answer: %s:\n%s", p, msg)
	}
	if changed && strings.Contains(strings.ToLower(msg), "nothing was changed") {
		h.t.Errorf("recreate_stack changed the simulator's stacks or Sources, but its answer says nothing was changed:\n%s", msg)
	}
}

func textOf(res *mcp.CallToolResult) string { return tools.ResultText(res) }

// ok calls a tool that must succeed and returns its structured result.
func (h *harness) ok(name string, args map[string]any) map[string]any {
	h.t.Helper()
	res := h.call(name, args)
	if res.IsError {
		h.t.Fatalf("%s(%v): unexpected tool error: %s", name, args, textOf(res))
	}
	m, _ := res.StructuredContent.(map[string]any)
	return m
}

// fails calls a tool that must answer a tool error containing every part.
func (h *harness) fails(name string, args map[string]any, parts ...string) string {
	h.t.Helper()
	res := h.call(name, args)
	if !res.IsError {
		h.t.Fatalf("%s(%v): want a tool error, got %s", name, args, textOf(res))
	}
	txt := textOf(res)
	for _, p := range parts {
		if !strings.Contains(txt, p) {
			h.t.Errorf("%s: error lacks %q:\n%s", name, p, txt)
		}
	}
	return txt
}

// state is what the simulator holds that a tool can change, for "nothing changed" checks:
// its stacks and its GitOps Sources (credentials, TLS, interval, poll job).
func (h *harness) state() string {
	h.t.Helper()
	raw, err := json.Marshal(struct {
		Stacks  []sim.StackState
		Sources []sim.SourceState
	}{h.sim.Stacks(), h.sim.Sources()})
	if err != nil {
		h.t.Fatal(err)
	}
	return string(raw)
}

func (h *harness) stack(id int) sim.StackState {
	h.t.Helper()
	st, ok := h.sim.Stack(id)
	if !ok {
		h.t.Fatalf("stack %d does not exist", id)
	}
	return st
}

// gitStack creates the usual Git stack of these tests: private repository, credentials,
// env with values, release-like reference, and GitOps as given.
func (h *harness) gitStack(name string, extra map[string]any) int {
	h.t.Helper()
	args := map[string]any{
		"environment_id": 1, "name": name, "repository_url": private, "reference": "refs/heads/main",
		"username": gitUser, "password": sentinel,
		"env": []map[string]any{{"name": "DB_PASSWORD", "value": "db-secret-value"}, {"name": "MODE", "value": "prod"}},
	}
	for k, v := range extra {
		args[k] = v
	}
	out := h.ok("create_stack_from_git", args)
	return int(out["stack_id"].(float64))
}

// noLeak fails when the sentinel appears in any result, error or log line so far.
func (h *harness) noLeak() {
	h.t.Helper()
	for _, s := range h.seen {
		if strings.Contains(s, sentinel) {
			h.t.Fatalf("the Git password appears in a tool answer: %s", s)
		}
	}
	if strings.Contains(h.log.String(), sentinel) {
		h.t.Fatal("the Git password appears in the log")
	}
}

// TestHarnessOnRelease: the harness plays the release asked for, and the server learns it.
func TestHarnessOnRelease(t *testing.T) {
	for _, tt := range []struct {
		version string
		async   bool
	}{{"", false}, {"2.39.0", false}, {"2.45.0", true}} {
		h := newHarnessOn(t, tt.version)
		c := h.deps.Caps(context.Background())
		want := tt.version
		if want == "" {
			want = "2.23.0"
		}
		if c.Version != want || c.AsyncDeploy != tt.async || c.Edition != "CE" {
			t.Errorf("harness on %q: caps %+v", tt.version, c)
		}
	}
}

// caps is what the server learned of the simulated Portainer.
func (h *harness) caps() tools.Caps {
	return h.deps.Caps(context.Background())
}

// mechanism is a stack's GitOps mechanism as get_stack_gitops reports it (on 2.44 and later
// polling lives on the Source).
func (h *harness) mechanism(id int) string {
	h.t.Helper()
	out := h.ok("get_stack_gitops", map[string]any{"stack_id": id})
	g, _ := out["gitops"].(map[string]any)
	m, _ := g["mechanism"].(string)
	return m
}

// harnessOpts choose the simulated Portainer for newHarnessFor: its release, its edition ("BE"
// for the Business Edition, default CE) and, with Edge, Edge Compute on with edge
// environments and groups (see edgeFixture). A Business Edition harness has learned the
// edition, so its tools are listed, unless Undetected.
type harnessOpts struct {
	Version, Edition string
	Edge             bool
	Undetected       bool
}

func newHarnessFor(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	h := newHarnessWith(t, sim.Options{Version: o.Version, Edition: o.Edition, DeployOnNextRequest: true})
	if o.Edge {
		edgeFixture(h.sim)
	}
	if o.Edition != "" && !o.Undetected {
		if _, err := h.deps.DetectCaps(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// Edge fixture: environments 3 and 4 are Docker edge environments tagged 1 whose agents never
// polled, 5 an edge Kubernetes one tagged 2; edge groups 1 "kiosks" (static: 3, 4), 2 "tagged"
// (dynamic: tag 1), 3 "empty" (static, no environment), 4 "k8s" (static: 5).
func edgeFixture(s *sim.Sim) {
	s.SetEdgeCompute(true)
	for _, e := range []struct {
		id   int
		name string
		typ  papi.EndpointType
		tag  int
	}{{3, "edge-a", papi.EndpointTypeEdgeDocker, 1}, {4, "edge-b", papi.EndpointTypeEdgeDocker, 1}, {5, "edge-k8s", papi.EndpointTypeEdgeKubernetes, 2}} {
		s.AddEnvironment(papi.Endpoint{Id: ptr(e.id), Name: ptr(e.name), Type: ptr(e.typ), TagIds: &[]int{e.tag}, LastCheckInDate: ptr(0)}, "")
	}
	s.AddEdgeGroup("kiosks", false, nil, []int{3, 4}, false)
	s.AddEdgeGroup("tagged", true, []int{1}, nil, true)
	s.AddEdgeGroup("empty", false, nil, nil, false)
	s.AddEdgeGroup("k8s", false, nil, []int{5}, false)
}

// rewriteList points the harness at the simulator through a proxy that passes the JSON list
// GET path answers through edit, as a Portainer with other data would answer it.
func (h *harness) rewriteList(path string, edit func([]map[string]any) []map[string]any) {
	h.viaProxy(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != http.MethodGet || r.URL.Path != path {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var list []map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			h.t.Errorf("%s: %v", path, err)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(edit(list))
	})
}
