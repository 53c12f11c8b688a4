package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// noEnv is an empty environment, but for a home of the test's own.
func noEnv(t *testing.T) func(string) string {
	home := t.TempDir()
	return func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
}

// TestDemoFlags: --demo-version takes only the releases the demo plays and --demo-edition only
// CE or BE; anything else is a one-line configuration error (exit 2) naming what is accepted.
func TestDemoFlags(t *testing.T) {
	refused := []struct {
		args []string
		want string
	}{
		{[]string{"--demo", "--demo-version", "1.0"}, "use 2.23.0, 2.39.0 or 2.45.0"},
		{[]string{"--demo", "--demo-version", "2.30.0"}, "use 2.23.0, 2.39.0 or 2.45.0"},
		{[]string{"--demo", "--demo-version", "latest"}, "use 2.23.0, 2.39.0 or 2.45.0"},
		{[]string{"--demo-version", "2.46.0"}, "use 2.23.0, 2.39.0 or 2.45.0"},
		{[]string{"--demo", "--demo-edition", "EE"}, "use CE (Community Edition) or BE (Business Edition)"},
	}
	for _, c := range refused {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(c.args, noEnv(t), strings.NewReader(""), &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr.String(), c.want)
			}
		})
	}
	accepted := []struct {
		args             []string
		version, edition string
	}{
		{[]string{"--demo"}, "2.45.0", "CE"},
		{[]string{"--demo", "--demo-version", "2.39"}, "2.39.0", "CE"},
		{[]string{"--demo", "--demo-version", "v2.23.0", "--demo-edition", "be"}, "2.23.0", "BE"},
	}
	for _, c := range accepted {
		cfg, err := parseConfig(c.args, noEnv(t), &bytes.Buffer{})
		if err != nil || cfg.DemoVersion != c.version || cfg.DemoEdition != c.edition {
			t.Errorf("%v: %v, version %q edition %q; want %s %s", c.args, err, cfg.DemoVersion, cfg.DemoEdition, c.version, c.edition)
		}
	}
}

// TestDemoBusinessEdition: --demo-edition BE serves a Business Edition, whose tools come with
// --toolsets all, and the demo's edge stack is there to try the README's examples on.
func TestDemoBusinessEdition(t *testing.T) {
	var stderr syncBuf
	c, err := client.NewStdioMCPClientWithOptions(binary, []string{"PORTAINER_MCP_STATE_DIR=" + t.TempDir()},
		[]string{"--demo", "--demo-edition", "BE", "--toolsets", "all"}, transport.WithCommandStderrWriter(&stderr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v\n%s", err, stderr.String())
	}
	callOK := func(name string) string {
		t.Helper()
		var req mcp.CallToolRequest
		req.Params.Name = name
		res, err := c.CallTool(ctx, req)
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %s\n%s", name, err, text(res), stderr.String())
		}
		return text(res)
	}
	if info := callOK("get_portainer_info"); !strings.Contains(info, `"edition":"BE"`) {
		t.Errorf("get_portainer_info: %s", info)
	}
	// The Business Edition's tools are offered once the server has learned the edition.
	for {
		list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, tl := range list.Tools {
			found = found || tl.Name == "update_edge_stack_gitops"
		}
		if found {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no Business Edition tools:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if edge := callOK("list_edge_stacks"); !strings.Contains(edge, "signage") {
		t.Errorf("list_edge_stacks: %s", edge)
	}
	callOK("list_git_credentials")
}

// TestStartupPrunesSnapshots: at start-up the server removes the recreate_stack snapshots
// older than a week and logs their names, never their content.
func TestStartupPrunesSnapshots(t *testing.T) {
	state := t.TempDir()
	dir := filepath.Join(state, "snapshots")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, age := range map[string]time.Duration{"stack-1-old-20240101T000000.000.json": 8 * 24 * time.Hour, "stack-2-new-20240102T000000.000.json": time.Hour} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(`{"env":"db-secret-value"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	env := func(k string) string {
		if k == "PORTAINER_MCP_STATE_DIR" {
			return state
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--demo"}, env, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "stack-1-old-20240101T000000.000.json")); !os.IsNotExist(err) {
		t.Errorf("the old snapshot is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stack-2-new-20240102T000000.000.json")); err != nil {
		t.Errorf("the recent snapshot is gone: %v", err)
	}
	log := stderr.String()
	if !strings.Contains(log, "stack-1-old-20240101T000000.000.json") || strings.Contains(log, "db-secret-value") {
		t.Errorf("the log does not name the pruned snapshot, or shows its content:\n%s", log)
	}
}

// TestDemoMore: the demo's tour names the flags that show more, and none once they are used.
func TestDemoMore(t *testing.T) {
	more := demoMore(config{DemoVersion: "2.45.0", DemoEdition: "CE"})
	for _, want := range []string{"--toolsets all", "--demo-edition BE", "--demo-version 2.23.0", `DEMO_FLAGS="--toolsets all --demo-edition BE"`} {
		if !strings.Contains(more, want) {
			t.Errorf("the tour's hint lacks %q: %s", want, more)
		}
	}
	if got := demoMore(config{DemoVersion: "2.23.0", DemoEdition: "BE", Toolsets: []string{"all"}}); got != "" {
		t.Errorf("hint with everything on: %q", got)
	}
}

// lateWriter records what is written to it after it is closed.
type lateWriter struct {
	mu     sync.Mutex
	b      bytes.Buffer
	closed bool
	late   string
}

func (w *lateWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		w.late += string(p)
	}
	return w.b.Write(p)
}

func (w *lateWriter) close() (string, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return w.b.String(), w.late
}

// TestDemoTourStopsWithTheServer: a server stopped while the demo's tour runs returns only once
// the tour ended (it writes to stderr, which the caller reads then), and the tour cut short
// prints no error.
func TestDemoTourStopsWithTheServer(t *testing.T) {
	url, key, shutdown, err := startDemo(context.Background(), "2.45.0", "CE")
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown()
	c, err := papi.NewClientWithResponses(url+"/api", papi.WithHTTPClient(&http.Client{Transport: &tools.Transport{APIKey: key, Read: 5 * time.Second, Write: 5 * time.Second}}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := tools.NewServer(version, mcptools.Tools, &tools.Deps{Client: c, PortainerURL: url, Log: log}, []string{key})
	cfg := config{Demo: true, URL: url, APIKey: key, HTTP: "127.0.0.1:0", AllowedHosts: []string{"127.0.0.1"}, MaxBody: 4 << 20,
		Timeout: 5 * time.Second, DeployTimeout: 5 * time.Second, DemoVersion: "2.45.0", DemoEdition: "CE"}
	out := &lateWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- serveHTTP(ctx, cfg, srv, c, log, nil, out) }()
	waitFor(t, func() bool { return strings.Contains(logs.String(), "serving streamable HTTP") }) // the tour starts now
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
	all, late := out.close()
	if late != "" {
		t.Errorf("the tour wrote after the server returned: %q", late)
	}
	if strings.Contains("\n"+all, "\ndemo: ") { // an error line (a tour that ended first is fine)
		t.Errorf("the tour cut short printed an error: %q", all)
	}
}
