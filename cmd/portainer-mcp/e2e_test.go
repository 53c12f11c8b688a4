package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

var updateSnaps = flag.Bool("update", false, "rewrite testdata/toolsnaps")

// profiles are the Portainer releases the binary's end-to-end tests run against (the
// simulator's profiles): 2.23, 2.39 LTS and 2.45 LTS.
var profiles = []string{"2.23.0", "2.39.0", "2.45.0"}

// binary is the portainer-mcp built once for all tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "portainer-mcp-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "portainer-mcp")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building portainer-mcp:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuf is a stderr sink safe for concurrent use.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type session struct {
	t       *testing.T
	c       *client.Client
	stderr  *syncBuf
	notes   *syncBuf // every notification the server sent (progress, log messages), as JSON lines
	tools   map[string]mcp.Tool
	timeout time.Duration // of one tool call; 20s when zero
}

// start runs the binary with env and initializes an MCP session.
func start(t *testing.T, env ...string) *session {
	t.Helper()
	errBuf := &syncBuf{}
	env = append(env, "PORTAINER_MCP_STATE_DIR="+t.TempDir())
	c, err := client.NewStdioMCPClientWithOptions(binary, env, nil, transport.WithCommandStderrWriter(errBuf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	notes := &syncBuf{}
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		raw, _ := json.Marshal(n)
		notes.Write(append(raw, '\n'))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Start hands the transport's notifications to the handlers above (the constructor
	// starts the transport only).
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatalf("initialize: %v\nstderr:\n%s", err, errBuf.String())
	}
	if res.ServerInfo.Name != "portainer-mcp" || res.Capabilities.Tools == nil {
		t.Fatalf("unexpected initialize answer: %+v", res)
	}
	s := &session{t: t, c: c, stderr: errBuf, notes: notes, tools: map[string]mcp.Tool{}}
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v\nstderr:\n%s", err, errBuf.String())
	}
	for _, tl := range list.Tools {
		s.tools[tl.Name] = tl
	}
	return s
}

// wireTools speaks JSON-RPC to the binary by hand and returns each tool of tools/list as
// sent: the mcp-go client drops schema keys it does not model. With listChanged it first waits
// for notifications/tools/list_changed (a Business Edition's tools come after detection),
// calling release once the session is initialized.
func wireTools(t *testing.T, env []string, release func()) map[string]json.RawMessage {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), env...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// next reads lines until one satisfies match.
	next := func(what string, match func(id int, method string) bool) string {
		deadline := time.After(10 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("the server ended before %s", what)
				}
				var msg struct {
					ID     int    `json:"id"`
					Method string `json:"method"`
				}
				if json.Unmarshal([]byte(line), &msg) == nil && match(msg.ID, msg.Method) {
					return line
				}
			case <-deadline:
				t.Fatalf("no %s within 10s", what)
			}
		}
	}
	send := func(line string) {
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wire","version":"1"}}}`)
	next("initialize answer", func(id int, _ string) bool { return id == 1 })
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if release != nil {
		release()
		next("notifications/tools/list_changed", func(_ int, m string) bool { return m == "notifications/tools/list_changed" })
	}
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	line := next("tools/list answer", func(id int, _ string) bool { return id == 2 })
	var msg struct {
		Result struct {
			Tools []json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(line), &msg); err != nil {
		t.Fatalf("tools/list answer %q: %v", line, err)
	}
	byName := map[string]json.RawMessage{}
	for _, raw := range msg.Result.Tools {
		var named struct{ Name string }
		_ = json.Unmarshal(raw, &named)
		byName[named.Name] = raw
	}
	return byName
}

// waitTools lists the tools again until there are want of them (the Business Edition's come
// once the server learned the edition) or 10 seconds passed; a negative want lists them once.
func (s *session) waitTools(want int) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := s.c.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			s.t.Fatal(err)
		}
		s.tools = map[string]mcp.Tool{}
		for _, tl := range list.Tools {
			s.tools[tl.Name] = tl
		}
		if want < 0 || len(s.tools) == want || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func simEnv(t *testing.T, s *sim.Sim) []string {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return []string{"PORTAINER_URL=" + srv.URL, "PORTAINER_API_KEY=sim-api-key"}
}

// call runs a tool; it fails the test on protocol errors, not on tool errors.
func (s *session) call(name string, args map[string]any) *mcp.CallToolResult {
	s.t.Helper()
	timeout := s.timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := s.c.CallTool(ctx, req)
	if err != nil {
		s.t.Fatalf("%s: %v\nstderr:\n%s", name, err, s.stderr.String())
	}
	if !res.IsError {
		s.checkOutput(name, res)
	}
	return res
}

// checkOutput validates structured content against the tool's output schema.
func (s *session) checkOutput(name string, res *mcp.CallToolResult) {
	s.t.Helper()
	var def string
	for _, d := range mcptools.Tools {
		if d.Name == name {
			def = d.OutputSchema
		}
	}
	if def == "" {
		return
	}
	if res.StructuredContent == nil {
		s.t.Fatalf("%s: no structured content although the tool has an output schema", name)
	}
	schema, err := jsonschema.UnmarshalJSON(strings.NewReader(def))
	if err != nil {
		s.t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("out.json", schema); err != nil {
		s.t.Fatal(err)
	}
	sch, err := comp.Compile("out.json")
	if err != nil {
		s.t.Fatalf("%s: output schema does not compile: %v", name, err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err := sch.Validate(inst); err != nil {
		s.t.Fatalf("%s: result does not match its output schema: %v\n%s", name, err, raw)
	}
}

func text(res *mcp.CallToolResult) string { return tools.ResultText(res) }

func structured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("unexpected tool error: %s", text(res))
	}
	m, ok := res.StructuredContent.(map[string]any)
	if !ok {
		t.Fatalf("no structured object: %s", text(res))
	}
	return m
}

func wantError(t *testing.T, res *mcp.CallToolResult, parts ...string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("want a tool error containing %q, got success: %s", parts, text(res))
	}
	for _, p := range parts {
		if !strings.Contains(text(res), p) {
			t.Errorf("tool error lacks %q:\n%s", p, text(res))
		}
	}
}

func TestToolsListAndSnapshots(t *testing.T) {
	// Every tool: all toolsets, and a Business Edition.
	be := func() ([]string, func()) {
		s, release := heldEdition(sim.Options{Edition: "BE", Version: "2.45.0"})
		return append(simEnv(t, s), "PORTAINER_TOOLSETS=all"), release
	}
	env, release := be()
	s := start(t, env...)
	release()
	s.waitTools(len(mcptools.Tools))
	if len(s.tools) != len(mcptools.Tools) {
		t.Fatalf("tools/list gave %d tools, the table has %d", len(s.tools), len(mcptools.Tools))
	}
	names := make([]string, 0, len(s.tools))
	for name, tl := range s.tools {
		names = append(names, name)
		a := tl.Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil || a.Title == "" {
			t.Errorf("%s: incomplete annotations %+v", name, a)
		}
		if tl.InputSchema.Type != "object" {
			t.Errorf("%s: input schema type %q", name, tl.InputSchema.Type)
		}
		if tl.Description == "" || len(tl.Description) > 600 {
			t.Errorf("%s: description of %d bytes (want 1..600)", name, len(tl.Description))
		}
	}
	sort.Strings(names)
	// Snapshots of each tool exactly as served: a changed schema is a reviewed diff.
	env, release = be()
	wire := wireTools(t, env, release)
	if len(wire) != len(names) {
		t.Fatalf("raw tools/list has %d tools, the client saw %d", len(wire), len(names))
	}
	dir := filepath.Join("testdata", "toolsnaps")
	for _, name := range names {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, wire[name], "", "  ")
		pretty.WriteByte('\n')
		path := filepath.Join(dir, name+".json")
		if *updateSnaps {
			_ = os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no snapshot (run go test ./cmd/portainer-mcp -run Snapshots -update): %v", name, err)
			continue
		}
		if !bytes.Equal(want, pretty.Bytes()) {
			t.Errorf("%s: schema differs from %s; review, then update with -update", name, path)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(names) {
		t.Errorf("%d snapshot files for %d tools: remove snapshots of tools that are gone", len(entries), len(names))
	}
}

func TestReadOnlyAndToolsets(t *testing.T) {
	env := simEnv(t, newSim(sim.Options{}))
	ro := start(t, append(env, "PORTAINER_READ_ONLY=true")...)
	if len(ro.tools) == 0 {
		t.Fatal("read-only mode lists no tool")
	}
	for name, tl := range ro.tools {
		if !*tl.Annotations.ReadOnlyHint {
			t.Errorf("read-only mode lists %s", name)
		}
	}
	for _, must := range []string{"list_stacks", "get_stack", "get_stack_gitops"} {
		if _, ok := ro.tools[must]; !ok {
			t.Errorf("read-only mode lacks %s", must)
		}
	}
	// On a Community Edition the Business Edition's tools are never listed.
	for _, c := range []struct {
		toolsets string
		in       func(d tools.Def) bool
	}{
		{"gitops", func(d tools.Def) bool { return d.Toolset == "gitops" }},
		{"", func(d tools.Def) bool { return !optIn(d.Toolset) }},
		{"edge", func(d tools.Def) bool { return d.Toolset == "edge" }},
		{"all", func(tools.Def) bool { return true }},
	} {
		gs := start(t, append(env, "PORTAINER_TOOLSETS="+c.toolsets)...)
		gs.waitDetected()
		gs.waitTools(-1)
		want := 0
		for _, d := range mcptools.Tools {
			_, listed := gs.tools[d.Name]
			if listed != (c.in(d) && d.Edition == "") {
				t.Errorf("--toolsets %q on CE: %s (toolset %s, edition %q) listed=%v", c.toolsets, d.Name, d.Toolset, d.Edition, listed)
			}
			if c.in(d) && d.Edition == "" {
				want++
			}
		}
		if len(gs.tools) != want || want == 0 {
			t.Errorf("--toolsets %q lists %d tools, want %d", c.toolsets, len(gs.tools), want)
		}
	}
}

// optIn tells a toolset offered only when named (tools.Toolsets), not by default.
func optIn(toolset string) bool {
	for _, ts := range tools.Toolsets {
		if ts.Name == toolset {
			return ts.OptIn
		}
	}
	return false
}

func TestStackLifecycle(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			sm := newSim(sim.Options{Version: v, DeployOnNextRequest: true})
			s := start(t, simEnv(t, sm)...)

			info := structured(t, s.call("get_portainer_info", nil))
			want := map[string][2]string{"2.23.0": {"STS", "deploys finish before Portainer answers"}, "2.39.0": {"LTS", "Git settings are stored per stack"},
				"2.45.0": {"LTS", "deploys finish after Portainer answers"}}[v]
			if info["version"] != v || info["edition"] != "CE" || info["support"] != want[0] || info["warning"] != nil ||
				!strings.Contains(fmt.Sprint(info["behaviours"]), want[1]) {
				t.Errorf("get_portainer_info = %v", info)
			}
			envs := structured(t, s.call("list_environments", map[string]any{"limit": 2}))
			if envs["total"].(float64) < 3 || len(envs["environments"].([]any)) != 2 {
				t.Errorf("list_environments paging: %v", envs)
			}

			compose := "services:\n  web:\n    image: nginx:1.27\n"
			created := structured(t, s.call("create_stack", map[string]any{
				"environment_id": 1, "name": "shop", "compose": compose,
				"env": []map[string]any{{"name": "DB_PASSWORD", "value": "hunter2-sentinel"}, {"name": "MODE", "value": "prod"}},
			}))
			id := int(created["id"].(float64))
			if created["status"] != "active" || created["type"] != "compose" {
				t.Errorf("create_stack = %v", created)
			}
			if strings.Contains(fmt.Sprint(created), "hunter2-sentinel") {
				t.Error("env values shown without show_env_values")
			}

			list := structured(t, s.call("list_stacks", map[string]any{"environment_id": 1, "name": "SHO"}))
			if list["count"].(float64) != 1 {
				t.Fatalf("list_stacks by name: %v", list)
			}
			row := list["stacks"].([]any)[0].(map[string]any)
			if len(row) > 8 || row["name"] != "shop" {
				t.Errorf("list row not compact: %v", row)
			}

			file := structured(t, s.call("get_stack_file", map[string]any{"stack_id": id}))
			if file["compose"] != compose || file["name"] != "shop" || file["stack_id"] != float64(id) || text(s.call("get_stack_file", map[string]any{"stack_id": id})) != compose {
				t.Errorf("get_stack_file = %v", file)
			}
			withValues := structured(t, s.call("get_stack", map[string]any{"stack_id": id, "show_env_values": true}))
			if !strings.Contains(fmt.Sprint(withValues["env"]), "prod") {
				t.Errorf("show_env_values did not show values: %v", withValues["env"])
			}

			compose2 := "services:\n  web:\n    image: nginx:1.28\n"
			upd := structured(t, s.call("update_stack", map[string]any{"stack_id": id, "compose": compose2}))
			if upd["id"].(float64) != float64(id) {
				t.Errorf("update_stack = %v", upd)
			}
			st, _ := sm.Stack(id)
			if st.File != compose2 || len(*st.Stack.Env) != 2 {
				t.Errorf("after update: file %q, env %v (env must be kept when omitted)", st.File, st.Stack.Env)
			}

			stopped := structured(t, s.call("stop_stack", map[string]any{"stack_id": id}))
			if stopped["status"] != "inactive" {
				t.Errorf("stop_stack = %v", stopped)
			}
			before := len(sm.Requests())
			wantError(t, s.call("stop_stack", map[string]any{"stack_id": id}), "already stopped", "Nothing was changed")
			for _, r := range sm.Requests()[before:] {
				if strings.HasSuffix(strings.SplitN(r, "?", 2)[0], "/stop") {
					t.Errorf("stop_stack on a stopped stack sent %s", r)
				}
			}
			started := structured(t, s.call("start_stack", map[string]any{"stack_id": id}))
			if started["status"] != "active" {
				t.Errorf("start_stack = %v", started)
			}
			mid := len(sm.Requests())
			// Starting a running stack: the answer fits the tool (not a name-taken hint), and no
			// start reaches Portainer.
			res := s.call("start_stack", map[string]any{"stack_id": id})
			wantError(t, res, "already running", "Nothing was changed")
			if strings.Contains(text(res), "pick another name") {
				t.Errorf("start_stack on a running stack gives a name hint: %s", text(res))
			}
			for _, r := range sm.Requests()[mid:] {
				if strings.HasSuffix(strings.SplitN(r, "?", 2)[0], "/start") {
					t.Errorf("start_stack on a running stack sent %s", r)
				}
			}

			del := structured(t, s.call("delete_stack", map[string]any{"stack_id": id, "confirm_name": "shop"}))
			if msg := del["message"].(string); del["ok"] != true || !strings.HasPrefix(msg, "Deleted stack shop (id ") || strings.Contains(msg, "volumes") { // it has none
				t.Errorf("delete_stack = %v", del)
			}
			if _, ok := sm.Stack(id); ok {
				t.Error("stack still exists after delete_stack")
			}
			wantError(t, s.call("get_stack", map[string]any{"stack_id": id}), "404", "list_stacks")
			if strings.Contains(s.stderr.String(), "hunter2-sentinel") || strings.Contains(s.stderr.String(), "sim-api-key") {
				t.Error("a secret reached the log")
			}
		})
	}
}

func TestSwarmStack(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			sm := newSim(sim.Options{Version: v, DeployOnNextRequest: true})
			s := start(t, simEnv(t, sm)...)
			res := structured(t, s.call("create_stack", map[string]any{"environment_id": 2, "name": "queue", "type": "swarm", "compose": "services:\n  q:\n    image: redis:7\n"}))
			if res["type"] != "swarm" || res["swarm_id"] == nil {
				t.Errorf("swarm create = %v", res)
			}
			wantError(t, s.call("create_stack", map[string]any{"environment_id": 1, "name": "q2", "type": "swarm", "compose": "services:\n  q:\n    image: redis:7\n"}), "swarm")
		})
	}
}

func TestErrorPaths(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			sm := newSim(sim.Options{Version: v, DeployOnNextRequest: true})
			s := start(t, simEnv(t, sm)...)
			compose := "services:\n  web:\n    image: nginx\n"
			cases := []struct {
				name string
				tool string
				args map[string]any
				want []string
			}{
				{"unknown stack", "get_stack", map[string]any{"stack_id": 999}, []string{"404", "list_stacks"}},
				{"unknown stack for stop", "stop_stack", map[string]any{"stack_id": 999}, []string{"404"}},
				{"unknown environment", "get_environment", map[string]any{"environment_id": 999}, []string{"404", "list_environments"}},
				{"duplicate name", "create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": compose}, []string{"409", "already", "pick another name"}},
				{"name Portainer would rewrite", "create_stack", map[string]any{"environment_id": 1, "name": "My Stack!", "compose": compose}, []string{"would silently turn it into \"mystack\"", "Nothing was changed"}},
				{"name too long", "create_stack", map[string]any{"environment_id": 1, "name": strings.Repeat("a", 300), "compose": compose}, []string{"300 characters", "at most 63"}},
				{"env name with =", "create_stack", map[string]any{"environment_id": 1, "name": "envtest", "compose": compose, "env": []map[string]any{{"name": "A=B", "value": "x"}}}, []string{"env name \"A=B\" is not valid"}},
				{"swarm on a non-swarm environment", "create_stack", map[string]any{"environment_id": 1, "name": "sw", "compose": compose, "type": "swarm"}, []string{"environment 1 is not a swarm manager", "type=compose"}},
				{"bad compose", "create_stack", map[string]any{"environment_id": 1, "name": "broken", "compose": "services: [oops"}, []string{"yaml", "did not find"}},
				{"missing argument", "create_stack", map[string]any{"environment_id": 1, "name": "x"}, []string{"compose"}},
				{"wrong type", "get_stack", map[string]any{"stack_id": "seven"}, []string{"stack_id"}},
				{"unknown argument", "get_stack", map[string]any{"stack_id": 1, "stackid": 2}, []string{`unknown argument "stackid"`, "stack_id"}},
				{"bad list filter", "list_stacks", map[string]any{"status": "running"}, []string{"status", "'active', 'inactive'"}},
				{"unknown argument to a tool without arguments", "get_portainer_info", map[string]any{"x": 1}, []string{"takes no arguments"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					wantError(t, s.call(c.tool, c.args), c.want...)
				})
			}
			// Before 2.41 a failed deploy leaves no stack; from 2.41 Portainer keeps it in error
			// (Status 4), and the tool's answer says to fix and redeploy it.
			broken, ok := sm.StackByName(1, "broken")
			if async := tools.CapsFor(v, "CE", "").AsyncDeploy; ok != async || (ok && deref(broken.Stack.Status) != 4) {
				t.Errorf("after a failed create on %s: stack kept %v (want %v)", v, ok, async)
			}
		})
	}
}

func TestWrongAPIKey(t *testing.T) {
	srv := httptest.NewServer(newSim(sim.Options{}).Handler())
	defer srv.Close()
	s := start(t, "PORTAINER_URL="+srv.URL, "PORTAINER_API_KEY=wrong-key-sentinel")
	res := s.call("list_stacks", nil)
	wantError(t, res, "401", "PORTAINER_API_KEY")
	if strings.Contains(text(res), "wrong-key-sentinel") {
		t.Error("the API key appears in the error")
	}
}

func TestPortainerUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	s := start(t, "PORTAINER_URL=http://"+addr, "PORTAINER_API_KEY=k")
	wantError(t, s.call("list_stacks", nil), "cannot reach Portainer", "PORTAINER_URL")
}

// TestNoWaitOnPortainer: initialize and tools/list answer while Portainer hangs.
func TestNoWaitOnPortainer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, never answer
		}
	}()
	s := start(t, "PORTAINER_URL=http://"+ln.Addr().String(), "PORTAINER_API_KEY=k", "PORTAINER_TIMEOUT=2s")
	if len(s.tools) == 0 {
		t.Fatal("no tools listed")
	}
	wantError(t, s.call("list_stacks", nil), "did not answer in time", "--timeout 2s")
}

func TestVersionWarning(t *testing.T) {
	s := start(t, simEnv(t, newSim(sim.Options{Version: "2.9.3"}))...)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.stderr.String(), "older than 2.19") {
		if time.Now().After(deadline) {
			t.Fatalf("no version warning on stderr:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	structured(t, s.call("list_stacks", nil)) // still serving
}

func TestConfigErrors(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	_ = os.WriteFile(keyFile, []byte("abc\n"), 0o600)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no url", []string{"PORTAINER_API_KEY=k"}, nil, "PORTAINER_URL"},
		{"no key", []string{"PORTAINER_URL=https://p.example"}, nil, "PORTAINER_API_KEY"},
		{"bad scheme", []string{"PORTAINER_URL=ftp://p.example", "PORTAINER_API_KEY=k"}, nil, "http or https"},
		{"both keys", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k", "PORTAINER_API_KEY_FILE=" + keyFile}, nil, "keep one"},
		{"missing key file", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY_FILE=/nonexistent/key"}, nil, "API key file"},
		{"bad bool", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k", "PORTAINER_READ_ONLY=maybe"}, nil, "PORTAINER_READ_ONLY"},
		{"bad timeout", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k", "PORTAINER_TIMEOUT=soon"}, nil, "PORTAINER_TIMEOUT"},
		{"bad toolset", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k"}, []string{"--toolsets", "stacks,nope"}, "unknown toolset"},
		{"flag typo does not print the key", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=key-SENTINEL-42"}, []string{"--read-onyl"}, "read-onyl"},
		{"bad CA file", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k", "PORTAINER_TLS_CA_FILE=" + keyFile}, nil, "no PEM certificate"},
		{"port out of range", []string{"PORTAINER_API_KEY=k"}, []string{"--url", "http://127.0.0.1:99999"}, "not between 1 and 65535"},
		{"password in a malformed url", []string{"PORTAINER_API_KEY=k"}, []string{"--url", "http://u:pw-SENTINEL-9@h:99x"}, "PORTAINER_URL"},
		{"password in a url", []string{"PORTAINER_API_KEY=k"}, []string{"--url", "https://u:pw-SENTINEL-9@h"}, "must not carry a user"},
		{"bad body size", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k"}, []string{"--http", "127.0.0.1:0", "--http-max-body", "4 megs"}, "like 4MiB"},
		{"body size that overflows", []string{"PORTAINER_URL=p.example", "PORTAINER_API_KEY=k"}, []string{"--http", "127.0.0.1:0", "--http-max-body", "99999999999GiB"}, "at most 1GiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(binary, c.args...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, c.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			cmd.Stdin = strings.NewReader("")
			err := cmd.Run()
			if err == nil {
				t.Fatalf("exit 0, want an error; stderr: %s", stderr.String())
			}
			if strings.Contains(stderr.String(), "SENTINEL") {
				t.Fatalf("the API key reached stderr: %s", stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if !strings.Contains(lines[len(lines)-1], c.want) && !strings.Contains(lines[0], c.want) {
				t.Errorf("stderr = %q, want a line containing %q", stderr.String(), c.want)
			}
			if len(lines) != 1 && !strings.HasPrefix(c.name, "flag typo") {
				t.Errorf("stderr has %d lines, want one: %q", len(lines), stderr.String())
			}
		})
	}
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{
		"portainer.example.com:9443":       "https://portainer.example.com:9443",
		"http://10.0.0.5:9000/":            "http://10.0.0.5:9000",
		"https://p.example/api":            "https://p.example",
		"https://p.example/portainer/api/": "https://p.example/portainer",
		" https://p.example/sub?x=1 ":      "https://p.example/sub",
	} {
		got, err := normalizeURL(in)
		if err != nil || got != want {
			t.Errorf("normalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := normalizeURL("https://user:pw@p.example"); err == nil {
		t.Error("a URL with a password was accepted")
	}
}

func TestGitDetachGuard(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			sm := newSim(sim.Options{Version: v, DeployOnNextRequest: true})
			s := start(t, simEnv(t, sm)...)
			git, ok := sm.StackByName(1, "monitoring")
			if !ok || git.Stack.GitConfig == nil || git.Stack.AutoUpdate == nil {
				t.Fatal("the seeded Git stack 'monitoring' with GitOps is missing")
			}
			id := *git.Stack.Id
			compose := "services:\n  grafana:\n    image: grafana/grafana\n"

			// Without consent: refused, nothing changed.
			before, _ := json.Marshal(git)
			res := s.call("update_stack", map[string]any{"stack_id": id, "compose": compose})
			wantError(t, res, "detach", "update_stack_gitops", "redeploy_stack", "detach_from_git=true", "Nothing was changed")
			after, _ := sm.Stack(id)
			if now, _ := json.Marshal(after); string(now) != string(before) {
				t.Fatalf("the refused update changed the Git stack:\nbefore %s\nafter  %s", before, now)
			}
			for _, r := range sm.Requests() {
				if strings.HasPrefix(r, "PUT /api/stacks/") {
					t.Fatalf("the guard let a PUT through: %s", r)
				}
			}

			// With consent: Portainer detaches it and the result says so.
			out := structured(t, s.call("update_stack", map[string]any{"stack_id": id, "compose": compose, "detach_from_git": true}))
			if !strings.Contains(fmt.Sprint(out["note"]), "now file-based") || out["git"] != nil {
				t.Errorf("update with detach_from_git = %v", out)
			}
			after, _ = sm.Stack(id)
			if after.Stack.GitConfig != nil || after.Stack.AutoUpdate != nil || after.File != compose {
				t.Errorf("after detach: GitConfig %v, AutoUpdate %v, file %q", after.Stack.GitConfig, after.Stack.AutoUpdate, after.File)
			}
		})
	}
}

func TestWrongEnvironmentRefused(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			sm := newSim(sim.Options{Version: v, DeployOnNextRequest: true})
			s := start(t, simEnv(t, sm)...)
			web, _ := sm.StackByName(1, "web")
			id := *web.Stack.Id
			// Given another environment, Portainer would move the stack there (update) or run
			// compose down on it (delete): the tools take none, and send the stack's own.
			for _, tool := range []string{"delete_stack", "update_stack"} {
				wantError(t, s.call(tool, map[string]any{"stack_id": id, "environment_id": 2}), `unknown argument "environment_id"`)
			}
			if _, ok := sm.Stack(id); !ok {
				t.Fatal("the stack is gone")
			}
			before := len(sm.Requests())
			structured(t, s.call("update_stack", map[string]any{"stack_id": id}))
			sent := false
			for _, r := range sm.Requests()[before:] {
				if strings.HasPrefix(r, fmt.Sprintf("PUT /api/stacks/%d?", id)) {
					sent = true
					if !strings.Contains(r, "endpointId=1") {
						t.Errorf("the update went to another environment: %s", r)
					}
				}
			}
			if !sent {
				t.Error("no update reached Portainer")
			}
		})
	}
}

// TestHelpAndFlagErrors: --help begins with what the program is; a bad flag is one line
// that points to --help, not the whole usage.
func TestHelpAndFlagErrors(t *testing.T) {
	out, err := exec.Command(binary, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	if first := strings.SplitN(string(out), "\n", 2)[0]; !strings.HasPrefix(first, "portainer-mcp: an MCP server") {
		t.Errorf("--help begins with %q", first)
	}
	if !strings.Contains(string(out), "-deploy-timeout") {
		t.Errorf("--help lists no flags:\n%s", out)
	}
	cmd := exec.Command(binary, "--bogus")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err = cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err == nil || len(lines) != 1 || !strings.Contains(lines[0], "--help") {
		t.Errorf("a bad flag printed %d lines: %q (err %v)", len(lines), out, err)
	}
}

// TestCancelledRequestNotAnswered: a request the client cancels gets no answer (the MCP
// specification: the receiver should not respond), and the server logs what became of the
// write with how to check it.
func TestCancelledRequestNotAnswered(t *testing.T) {
	sm := newSim(sim.Options{})
	hold, arrived := make(chan struct{}), make(chan string, 1)
	sm.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Hold: hold, Arrived: arrived})
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), append(simEnv(t, sm), "PORTAINER_MCP_STATE_DIR="+t.TempDir())...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &syncBuf{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	send := func(s string) { fmt.Fprintln(stdin, s) }
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"create_stack","arguments":{"environment_id":1,"name":"slow","compose":"services:\n  a:\n    image: nginx\n"}}}`)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the create never reached the simulator")
	}
	send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"user pressed stop"}}`)
	time.Sleep(100 * time.Millisecond)
	close(hold)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "cancelled by the client") {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the cancelled write:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "create_stack") || !strings.Contains(stderr.String(), "check=") {
		t.Errorf("the log does not say which write or how to check it:\n%s", stderr.String())
	}
	send(`{"jsonrpc":"2.0","id":6,"method":"ping"}`)
	for line := range lines {
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal([]byte(line), &msg)
		switch string(msg.ID) {
		case "5":
			t.Fatalf("the cancelled request was answered: %s", line)
		case "6":
			if _, ok := sm.StackByName(1, "slow"); !ok {
				t.Error("the write that was in flight did not finish")
			}
			return
		}
	}
	t.Fatal("no answer to the ping")
}

// TestBusinessEditionTools: a Community Edition never lists the Business Edition's tools; a
// Business Edition lists them once the server learned its edition, and says so with
// notifications/tools/list_changed.
func TestBusinessEditionTools(t *testing.T) {
	var be []string
	for _, d := range mcptools.Tools {
		if d.Edition == "BE" {
			be = append(be, d.Name)
		}
	}
	if len(be) == 0 {
		t.Fatal("no tool is annotated for the Business Edition")
	}
	ce := start(t, append(simEnv(t, newSim(sim.Options{Version: "2.45.0"})), "PORTAINER_TOOLSETS=all")...)
	ce.waitDetected()
	ce.waitTools(-1)
	for _, name := range be {
		if _, ok := ce.tools[name]; ok {
			t.Errorf("the Community Edition lists %s", name)
		}
	}
	if strings.Contains(ce.notes.String(), "tools/list_changed") {
		t.Error("the Community Edition sent tools/list_changed")
	}

	// The edition is held back until the session is initialized, so that the tools come after.
	held, release := heldEdition(sim.Options{Version: "2.45.0", Edition: "BE"})
	bs := start(t, append(simEnv(t, held), "PORTAINER_TOOLSETS=all")...)
	for _, name := range be {
		if _, ok := bs.tools[name]; ok {
			t.Errorf("%s is listed before the server knows the edition", name)
		}
	}
	release()
	bs.waitTools(len(mcptools.Tools))
	for _, name := range be {
		if _, ok := bs.tools[name]; !ok {
			t.Errorf("the Business Edition does not list %s", name)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(bs.notes.String(), "notifications/tools/list_changed") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(bs.notes.String(), "notifications/tools/list_changed") {
		t.Errorf("no tools/list_changed notification; notifications: %s", bs.notes.String())
	}
	if res := bs.call("list_git_credentials", nil); res.IsError {
		t.Errorf("list_git_credentials on the Business Edition: %s", text(res))
	}
	if !strings.Contains(bs.stderr.String(), "Business Edition") {
		t.Errorf("the log does not say that the Business Edition's tools were added:\n%s", bs.stderr.String())
	}
}

// heldEdition is a simulator whose /system/version waits until release is called: the server
// learns the edition only then.
func heldEdition(o sim.Options) (*sim.Sim, func()) {
	s := newSim(o)
	hold := make(chan struct{})
	s.InjectFault(sim.Fault{Method: "GET", PathPrefix: "/api/system/version", Times: -1, Hold: hold})
	var once sync.Once
	return s, func() { once.Do(func() { close(hold) }) }
}

// waitDetected waits until the server logged what Portainer it talks to.
func (s *session) waitDetected() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.stderr.String(), "connected to Portainer") {
		if time.Now().After(deadline) {
			s.t.Fatalf("the server did not detect Portainer:\n%s", s.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
