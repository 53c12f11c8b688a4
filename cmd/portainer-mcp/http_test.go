package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// Keys of the simulator's users in these tests; each is a secret that must never be logged.
const (
	bobKey   = "ptr_BOB-KEY-sentinel-1f2e"
	carolKey = "ptr_CAROL-KEY-sentinel-9a8b"
	gate     = "gate-token-0123456789abcdef"
)

// httpRig is the HTTP server in process, against a simulator with two users besides admin.
type httpRig struct {
	t     testing.TB
	sim   *sim.Sim
	url   string // the MCP endpoint
	log   *syncBuf
	audit *syncBuf
}

func newHTTPRig(t testing.TB, o sim.Options, edit func(*config)) *httpRig {
	t.Helper()
	o.Users = []sim.User{{ID: 2, Username: "bob", Key: bobKey}, {ID: 3, Username: "carol", Key: carolKey}}
	s := sim.New(o)
	ps := httptest.NewServer(s.Handler())
	t.Cleanup(ps.Close)
	cfg := config{URL: ps.URL, HTTP: "127.0.0.1:0", AllowedHosts: []string{"localhost", "127.0.0.1", "::1"},
		MaxBody: 4 << 20, Timeout: 5 * time.Second, DeployTimeout: 30 * time.Second, StateDir: t.TempDir()}
	if edit != nil {
		edit(&cfg)
	}
	c, err := papi.NewClientWithResponses(ps.URL+"/api", papi.WithHTTPClient(&http.Client{Transport: &tools.Transport{APIKey: cfg.APIKey, Read: cfg.Timeout, Write: cfg.DeployTimeout}}))
	if err != nil {
		t.Fatal(err)
	}
	logs, audit := &syncBuf{}, &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	deps := &tools.Deps{Client: c, PortainerURL: ps.URL, StateDir: cfg.StateDir, Timeout: cfg.Timeout, DeployTimeout: cfg.DeployTimeout, Log: log, Audit: tools.NewAuditor(audit)}
	h := newHTTPServer(cfg, tools.NewServer(version, mcptools.Tools, deps, []string{cfg.APIKey}), c, log, deps.Audit)
	ts := httptest.NewServer(h.handler())
	t.Cleanup(ts.Close)
	r := &httpRig{t: t, sim: s, url: ts.URL + "/mcp", log: logs, audit: audit}
	t.Cleanup(func() {
		for _, k := range []string{bobKey, carolKey, gate, "wrong-key-sentinel"} {
			if strings.Contains(logs.String(), k) || strings.Contains(audit.String(), k) {
				t.Errorf("a key or token reached the log")
			}
		}
	})
	return r
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// post sends body with headers and returns the status, headers and body.
func (r *httpRig) post(body string, headers map[string]string) (int, http.Header, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// client is an MCP client sending key (none when empty) and the extra headers.
func (r *httpRig) client(key string, headers map[string]string, opts ...client.ClientOption) *client.Client {
	r.t.Helper()
	h := map[string]string{}
	for k, v := range headers {
		h[k] = v
	}
	if key != "" {
		h[keyHeader] = key
	}
	tr, err := transport.NewStreamableHTTP(r.url, transport.WithHTTPHeaders(h))
	if err != nil {
		r.t.Fatal(err)
	}
	c := client.NewClient(tr, opts...)
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		r.t.Fatalf("initialize: %v", err)
	}
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = name, args
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// TestHTTPRefusals: every check answers with the status and a message that says what to do,
// before anything reaches MCP.
func TestHTTPRefusals(t *testing.T) {
	big := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_stack","arguments":{"compose":"` + strings.Repeat("x", 2048) + `"}}}`
	tests := []struct {
		name    string
		edit    func(*config)
		body    string
		headers map[string]string
		status  int
		says    string
	}{
		{"another Host (DNS rebinding)", nil, initBody, map[string]string{keyHeader: bobKey, "Host": "evil.example.com"}, 403, "--http-allowed-hosts"},
		{"a foreign Origin", nil, initBody, map[string]string{keyHeader: bobKey, "Origin": "https://evil.example.com"}, 403, "--http-allowed-origins"},
		{"a loopback Origin", nil, initBody, map[string]string{keyHeader: bobKey, "Origin": "http://localhost:6274"}, 200, ""},
		{"a named Host", func(c *config) { c.AllowedHosts = []string{"mcp.example.com"} }, initBody, map[string]string{keyHeader: bobKey, "Host": "mcp.example.com:443"}, 200, ""},
		{"a named Origin", func(c *config) { c.AllowedOrigins = []string{"https://app.example.com"} }, initBody, map[string]string{keyHeader: bobKey, "Origin": "https://app.example.com"}, 200, ""},
		{"no key and no server key", nil, initBody, nil, 401, "X-Portainer-API-Key"},
		{"a wrong key", nil, initBody, map[string]string{keyHeader: "wrong-key-sentinel"}, 401, "Portainer refused this API key"},
		{"no key, the server's", func(c *config) { c.APIKey = "sim-api-key" }, initBody, nil, 200, ""},
		{"no gate token", func(c *config) { c.HTTPToken = gate }, initBody, map[string]string{keyHeader: bobKey}, 401, "Authorization: Bearer"},
		{"a wrong gate token", func(c *config) { c.HTTPToken = gate }, initBody, map[string]string{keyHeader: bobKey, "Authorization": "Bearer nope"}, 401, "wrong token"},
		{"the gate token", func(c *config) { c.HTTPToken = gate }, initBody, map[string]string{keyHeader: bobKey, "Authorization": "Bearer " + gate}, 200, ""},
		{"a body over the limit", func(c *config) { c.MaxBody = 1024 }, big, map[string]string{keyHeader: bobKey}, 413, "--http-max-body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newHTTPRig(t, sim.Options{}, tt.edit)
			status, hdr, body := r.post(tt.body, tt.headers)
			if status != tt.status || !strings.Contains(body, tt.says) {
				t.Fatalf("got %d %s, want %d with %q", status, body, tt.status, tt.says)
			}
			if status == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if status == 200 && !strings.Contains(body, `"serverInfo"`) {
				t.Errorf("not an initialize answer: %s", body)
			}
			for _, k := range []string{bobKey, "wrong-key-sentinel", gate} {
				if strings.Contains(body, k) {
					t.Errorf("the answer shows a key: %s", body)
				}
			}
		})
	}
}

// TestHTTPRateLimit: past its burst a key waits; another key does not; unknown keys share
// their address's bucket, so guessing keys gets no free tries.
func TestHTTPRateLimit(t *testing.T) {
	r := newHTTPRig(t, sim.Options{}, func(c *config) { c.Rate = 0.5 }) // bursts of 2.5
	// bob's first request is checked as an unknown key, against the address's bucket; the
	// next two use bob's own bucket, and the one after waits.
	for i := 0; i < 3; i++ {
		if st, _, body := r.post(initBody, map[string]string{keyHeader: bobKey}); st != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, st, body)
		}
	}
	st, hdr, body := r.post(initBody, map[string]string{keyHeader: bobKey})
	if st != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body, "per API key") {
		t.Fatalf("past the burst: %d %v %s", st, hdr, body)
	}
	if st, _, body := r.post(initBody, map[string]string{keyHeader: carolKey}); st != 200 {
		t.Fatalf("another key was limited too: %d %s", st, body)
	}
	// The address's bucket is now empty: a guessed key gets no free try.
	if st, _, _ := r.post(initBody, map[string]string{keyHeader: "wrong-key-sentinel"}); st != 429 {
		t.Errorf("unknown keys are not limited by address: %d", st)
	}
}

// TestHTTPPerUserKeys: each request acts with its caller's key: Portainer sees that key,
// answers as that user, and the audit log names them; /users/me is asked once per key.
func TestHTTPPerUserKeys(t *testing.T) {
	r := newHTTPRig(t, sim.Options{Empty: true}, nil)
	r.sim.AddEnvironment(papi.Endpoint{Id: ptrTo(1), Name: ptrTo("local"), Type: ptrTo(papi.EndpointTypeDocker), Status: ptrTo(papi.EndpointStatusUp)}, "")
	for _, u := range []struct{ key, name string }{{bobKey, "bob"}, {carolKey, "carol"}} {
		c := r.client(u.key, nil)
		info := callTool(t, c, "get_portainer_info", nil)
		if !strings.Contains(tools.ResultText(info), `"username":"`+u.name+`"`) {
			t.Errorf("get_portainer_info with %s's key: %s", u.name, tools.ResultText(info))
		}
		res := callTool(t, c, "create_stack", map[string]any{"environment_id": 1, "name": "web-" + u.name, "compose": "services:\n  app:\n    image: nginx\n"})
		if res.IsError {
			t.Fatalf("create_stack: %s", tools.ResultText(res))
		}
		callTool(t, c, "list_stacks", nil)
	}
	var lines []tools.AuditEntry
	for _, l := range strings.Split(strings.TrimSpace(r.audit.String()), "\n") {
		var e tools.AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		lines = append(lines, e)
	}
	if len(lines) != 2 || lines[0].User != "bob" || lines[0].UserID != 2 || lines[1].User != "carol" || lines[1].Stack != "web-carol" || lines[1].StackID == 0 {
		t.Errorf("audit: %+v", lines)
	}
	me := 0
	for _, req := range r.sim.Requests() {
		if req == "GET /api/users/me" {
			me++
		}
	}
	if me != 4 { // one key check per user, and get_portainer_info's own per user
		t.Errorf("/users/me asked %d times, want 4 (the check is cached)", me)
	}
}

// TestHTTPCancelledCallIsNotAnswered: notifications/cancelled for a running call ends its
// stream without an answer; the write still finishes in Portainer and its fate is logged.
// Another user cannot cancel it by naming its id.
func TestHTTPCancelledCallIsNotAnswered(t *testing.T) {
	r := newHTTPRig(t, sim.Options{Version: "2.45.0"}, nil)
	release := r.sim.HoldDeploys()
	defer release()
	st, hdr, _ := r.post(initBody, map[string]string{keyHeader: bobKey})
	if st != 200 {
		t.Fatal(st)
	}
	session := map[string]string{keyHeader: bobKey, "Mcp-Session-Id": hdr.Get("Mcp-Session-Id"), "Mcp-Protocol-Version": "2025-11-25"}
	done := make(chan string, 1)
	go func() {
		_, _, body := r.post(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_stack","arguments":{"environment_id":1,"name":"slow","compose":"services:\n  a:\n    image: nginx\n"},"_meta":{"progressToken":"p7"}}}`, session)
		done <- body
	}()
	waitFor(t, func() bool {
		return strings.Contains(strings.Join(r.sim.Requests(), "\n"), "POST /api/stacks/create/standalone/string")
	})
	time.Sleep(100 * time.Millisecond) // the tool is now waiting for the deploy
	other := map[string]string{keyHeader: carolKey, "Mcp-Session-Id": session["Mcp-Session-Id"], "Mcp-Protocol-Version": "2025-11-25"}
	if st, _, _ := r.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`, other); st != 202 {
		t.Fatalf("cancel by another user: %d", st)
	}
	select {
	case body := <-done:
		t.Fatalf("another user's cancellation ended the call: %s", body)
	case <-time.After(200 * time.Millisecond):
	}
	if st, _, _ := r.post(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user pressed stop"}}`, session); st != 202 {
		t.Fatalf("cancel: %d", st)
	}
	var body string
	select {
	case body = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled call's stream did not end")
	}
	if strings.Contains(body, `"id":7`) {
		t.Errorf("the cancelled call was answered: %s", body)
	}
	waitFor(t, func() bool { return strings.Contains(r.log.String(), "tool call cancelled by the client") })
	if _, ok := findStack(r.sim, "slow"); !ok {
		t.Error("the create that was sent did not finish in Portainer")
	}
}

func findStack(s *sim.Sim, name string) (int, bool) {
	for _, st := range s.Stacks() {
		if valueOf(st.Stack.Name) == name {
			return valueOf(st.Stack.Id), true
		}
	}
	return 0, false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out waiting")
}

func ptrTo[T any](v T) *T { return &v }

// A known user keeps their own rate bucket after their key's check expires: keys that
// fail from the same address (a reverse proxy in front, NAT) cannot lock them out.
func TestRateLimitKnownUserNotLockedOutByBadKeys(t *testing.T) {
	s := sim.New(sim.Options{Users: []sim.User{{ID: 2, Username: "bob", Key: bobKey}}})
	ps := httptest.NewServer(s.Handler())
	defer ps.Close()
	cfg := config{URL: ps.URL, HTTP: "127.0.0.1:0", AllowedHosts: []string{"127.0.0.1", "localhost"}, MaxBody: 4 << 20,
		Timeout: 5 * time.Second, DeployTimeout: 30 * time.Second, Rate: 1}
	c, err := papi.NewClientWithResponses(ps.URL+"/api", papi.WithHTTPClient(&http.Client{Transport: &tools.Transport{Read: 5 * time.Second, Write: 5 * time.Second}}))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := &tools.Deps{Client: c, PortainerURL: ps.URL, Log: log}
	h := newHTTPServer(cfg, tools.NewServer(version, mcptools.Tools, deps, nil), c, log, nil)
	now := time.Now()
	h.keys.now = func() time.Time { return now }
	h.limits.now = func() time.Time { return now }
	do := func(key string) int {
		req := httptest.NewRequest("POST", "http://127.0.0.1/mcp", strings.NewReader(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set(keyHeader, key)
		req.RemoteAddr = "10.0.0.1:5555" // every caller comes through one proxy
		rec := httptest.NewRecorder()
		h.handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if st := do(bobKey); st != http.StatusOK {
		t.Fatalf("bob's first call: %d", st)
	}
	now = now.Add(61 * time.Second) // the check of bob's key has expired
	refused := 0
	for i := range 100 {
		now = now.Add(500 * time.Millisecond)
		for j := range 5 {
			if do(fmt.Sprintf("bad-key-%d-%d", i, j)) == http.StatusTooManyRequests {
				refused++
			}
		}
		if i%10 == 9 {
			if st := do(bobKey); st != http.StatusOK {
				t.Fatalf("bob, a known user, got %d after %d bad keys from his address", st, (i+1)*5)
			}
		}
	}
	if refused == 0 {
		t.Error("500 bad keys from one address in 50 s were never rate limited")
	}
}
