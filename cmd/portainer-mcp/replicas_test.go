package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

var listening = regexp.MustCompile(`url=(https?://\S+)/mcp`)

// replica is the binary serving HTTP on a free loopback port.
type replica struct {
	base   string
	cmd    *exec.Cmd
	stderr *syncBuf
	exited chan error
}

func startReplica(t *testing.T, env ...string) *replica {
	t.Helper()
	cmd := exec.Command(binary, "--http", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), append(env, "PORTAINER_MCP_STATE_DIR="+t.TempDir())...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replica{cmd: cmd, stderr: &syncBuf{}, exited: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			r.stderr.Write([]byte(sc.Text() + "\n"))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		r.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case r.base = <-found:
	case <-time.After(10 * time.Second):
		t.Fatalf("the server did not start:\n%s", r.stderr.String())
	}
	return r
}

// alternate sends each request to the next replica in turn.
type alternate struct {
	mu    sync.Mutex
	hosts []string
	n     int
	seen  map[string]int
}

func (a *alternate) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	host := a.hosts[a.n%len(a.hosts)]
	a.n++
	a.seen[host]++
	a.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Host, r.Host = host, host
	return http.DefaultTransport.RoundTrip(r)
}

// TestReplicasShareNothing: one client's requests alternate between two server processes;
// every call works, with sessions (older clients) and without (the 2026-07-28 revision, where
// a confirmation asked by one replica is answered to the other).
func TestReplicasShareNothing(t *testing.T) {
	s := sim.New(sim.Options{Version: "2.45.0", DeployOnNextRequest: true, Users: []sim.User{{ID: 2, Username: "bob", Key: bobKey}}})
	ps := httptest.NewServer(s.Handler())
	t.Cleanup(ps.Close)
	a := startReplica(t, "PORTAINER_URL="+ps.URL)
	b := startReplica(t, "PORTAINER_URL="+ps.URL)
	for _, tt := range []struct {
		name    string
		version string // pinned protocol revision; "" lets the client pick the newest
		ask     bool
	}{
		{"sessions (2025-11-25)", mcp.ProtocolVersion20251125, false},
		{"stateless (2026-07-28)", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rt := &alternate{hosts: []string{strings.TrimPrefix(a.base, "http://"), strings.TrimPrefix(b.base, "http://")}, seen: map[string]int{}}
			tr, err := transport.NewStreamableHTTP(a.base+"/mcp", transport.WithHTTPHeaders(map[string]string{keyHeader: bobKey}),
				transport.WithHTTPBasicClient(&http.Client{Transport: rt}))
			if err != nil {
				t.Fatal(err)
			}
			asked := 0
			var opts []client.ClientOption
			if tt.version != "" {
				opts = append(opts, client.WithProtocolVersion(tt.version))
			}
			if tt.ask {
				opts = append(opts, client.WithElicitationHandler(elicitFunc(func(r mcp.ElicitationRequest) *mcp.ElicitationResult {
					asked++
					return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}
				})))
			}
			c := client.NewClient(tr, opts...)
			ctx := context.Background()
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var init mcp.InitializeRequest
			init.Params.ClientInfo = mcp.Implementation{Name: "replicas", Version: "1"}
			got, err := c.Initialize(ctx, init)
			if err != nil {
				t.Fatal(err)
			}
			if modern := mcp.IsModernProtocol(got.ProtocolVersion); modern != (tt.version == "") {
				t.Fatalf("negotiated %s", got.ProtocolVersion)
			}
			list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
			if err != nil || len(list.Tools) < 20 {
				t.Fatalf("tools/list: %v", err)
			}
			name := "rep-" + strings.Fields(tt.name)[0]
			created := callTool(t, c, "create_stack", map[string]any{"environment_id": 1, "name": name, "compose": "services:\n  a:\n    image: nginx\n"})
			id, ok := findStack(s, name)
			if created.IsError || !ok {
				t.Fatalf("create_stack: %s", tools.ResultText(created))
			}
			if res := callTool(t, c, "get_stack", map[string]any{"stack_id": id}); res.IsError || !strings.Contains(tools.ResultText(res), name) {
				t.Fatalf("get_stack: %s", tools.ResultText(res))
			}
			if res := callTool(t, c, "delete_stack", map[string]any{"stack_id": id, "confirm_name": name}); res.IsError {
				t.Fatalf("delete_stack: %s", tools.ResultText(res))
			}
			if _, ok := findStack(s, name); ok {
				t.Error("delete_stack answered but the stack is still there")
			}
			if tt.ask && asked != 1 {
				t.Errorf("the user was asked %d times before the delete, want once", asked)
			}
			if len(rt.seen) != 2 || rt.seen[rt.hosts[0]] < 3 || rt.seen[rt.hosts[1]] < 3 {
				t.Errorf("requests per replica: %v", rt.seen)
			}
		})
	}
}

type elicitFunc func(mcp.ElicitationRequest) *mcp.ElicitationResult

func (f elicitFunc) Elicit(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(r), nil
}

// TestShutdownLetsCallsFinish: on SIGTERM the server stops taking requests, answers the call in
// flight when its deploy ends, and exits 0.
func TestShutdownLetsCallsFinish(t *testing.T) {
	s := sim.New(sim.Options{Version: "2.45.0", DeployDelay: 1500 * time.Millisecond, Users: []sim.User{{ID: 2, Username: "bob", Key: bobKey}}})
	ps := httptest.NewServer(s.Handler())
	t.Cleanup(ps.Close)
	r := startReplica(t, "PORTAINER_URL="+ps.URL)
	tr, _ := transport.NewStreamableHTTP(r.base+"/mcp", transport.WithHTTPHeaders(map[string]string{keyHeader: bobKey}))
	c := client.NewClient(tr, client.WithProtocolVersion(mcp.ProtocolVersion20251125))
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "shutdown", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		done <- callTool(t, c, "create_stack", map[string]any{"environment_id": 1, "name": "inflight", "compose": "services:\n  a:\n    image: nginx\n"})
	}()
	waitFor(t, func() bool {
		return strings.Contains(strings.Join(s.Requests(), "\n"), "POST /api/stacks/create/standalone/string")
	})
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(r.stderr.String(), "shutting down") })
	if resp, err := http.Get(r.base + "/readyz"); err == nil {
		resp.Body.Close()
		t.Errorf("a new request was served during the shutdown: %s", resp.Status)
	}
	select {
	case res := <-done:
		if res.IsError || !strings.Contains(tools.ResultText(res), `"status":"active"`) {
			t.Errorf("the call in flight: %s", tools.ResultText(res))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the call in flight was not answered")
	}
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, r.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit")
	}
	if !strings.Contains(r.stderr.String(), "every call in flight finished") {
		t.Errorf("stderr:\n%s", r.stderr.String())
	}
}
