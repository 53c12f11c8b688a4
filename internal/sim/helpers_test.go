package sim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// harness is a simulator behind an httptest server and a generated client that sends the API key.
type harness struct {
	sim *sim.Sim
	url string // server URL, without /api
	c   *papi.ClientWithResponses
	ctx context.Context
}

func newHarness(t *testing.T, o sim.Options) *harness {
	t.Helper()
	s := sim.New(o)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	key := o.APIKey
	if key == "" {
		key = "sim-api-key"
	}
	c, err := papi.NewClientWithResponses(srv.URL+"/api", papi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-API-Key", key)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return &harness{sim: s, url: srv.URL, c: c, ctx: context.Background()}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// wantError checks an error answer: status, Portainer's JSON shape, and that the message (and
// details, when given) contain the expected text.
func wantError(t *testing.T, status int, body []byte, wantStatus int, msg string, details ...string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d (body %s)", status, wantStatus, body)
	}
	var e struct {
		Message *string `json:"message"`
		Details *string `json:"details"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Message == nil {
		t.Fatalf("error body is not Portainer's JSON: %s", body)
	}
	if !strings.Contains(*e.Message, msg) {
		t.Errorf("message %q, want it to contain %q", *e.Message, msg)
	}
	for _, d := range details {
		if !strings.Contains(deref(e.Details), d) {
			t.Errorf("details %q, want it to contain %q", deref(e.Details), d)
		}
	}
}

func wantStatus(t *testing.T, got int, body []byte, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d (body %s)", got, want, body)
	}
}

// state returns the simulator's truth about a stack, failing the test if it is missing.
func (h *harness) state(t *testing.T, id int) sim.StackState {
	t.Helper()
	st, ok := h.sim.Stack(id)
	if !ok {
		t.Fatalf("stack %d does not exist", id)
	}
	return st
}

const composeOK = "services:\n  app:\n    image: nginx:alpine\n"

// createCompose creates a compose stack from text and returns its id.
func (h *harness) createCompose(t *testing.T, env int, name, content string, vars ...papi.Pair) int {
	t.Helper()
	resp, err := h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx,
		&papi.StackCreateDockerStandaloneStringParams{EndpointId: env},
		papi.ComposeStackFromStringPayload{Name: name, StackFileContent: content, Env: &vars})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp.StatusCode(), resp.Body, http.StatusOK)
	return deref(resp.JSON200.Id)
}

// createFromGit creates a compose stack from a repository and returns the answer.
func (h *harness) createFromGit(t *testing.T, env int, p papi.ComposeStackFromGitPayload) *papi.StackCreateDockerStandaloneRepositoryResponse {
	t.Helper()
	resp, err := h.c.StackCreateDockerStandaloneRepositoryWithResponse(h.ctx,
		&papi.StackCreateDockerStandaloneRepositoryParams{EndpointId: env}, p)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// createPrivate creates a Git stack from the private seed repository with a webhook and env.
func (h *harness) createPrivate(t *testing.T, name, webhook string) int {
	t.Helper()
	resp := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{
		Name: name, RepositoryURL: sim.PrivateRepoURL,
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser),
		RepositoryPassword: ptr(sim.PrivateRepoPassword),
		AutoUpdate:         &papi.AutoUpdateSettings{Webhook: ptr(webhook), Interval: ptr("10m")},
		Env:                &[]papi.Pair{{Name: "DB_URL", Value: ptr("postgres://db")}},
	})
	wantStatus(t, resp.StatusCode(), resp.Body, http.StatusOK)
	return deref(resp.JSON200.Id)
}

// do sends a raw request with exactly the given headers.
func (h *harness) do(t *testing.T, method, path, body string, header map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

var apiKey = map[string]string{"X-API-Key": "sim-api-key"}

// The releases the simulator plays in these tests (cmd/portainer-sim --portainer-version).
const (
	v223 = "2.23.0"
	v239 = "2.39.0"
	v245 = "2.45.0"
)

// onVersion is a seeded simulator playing a release; background deploys take a few
// milliseconds.
func onVersion(t *testing.T, version string) *harness {
	t.Helper()
	return newHarness(t, sim.Options{Version: version, DeployDelay: 5 * time.Millisecond})
}

func (h *harness) inspect(t *testing.T, id int) *papi.StackInspectResponse {
	t.Helper()
	r, err := h.c.StackInspectWithResponse(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	return r
}

func (h *harness) updateGit(t *testing.T, id int, p papi.StackGitUpdatePayload) *papi.StackUpdateGitResponse {
	t.Helper()
	r, err := h.c.StackUpdateGitWithResponse(h.ctx, id, &papi.StackUpdateGitParams{}, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *harness) redeploy(t *testing.T, id int, p papi.StackGitRedeployPayload) *papi.StackGitRedeployResponse {
	t.Helper()
	r, err := h.c.StackGitRedeployWithResponse(h.ctx, id, &papi.StackGitRedeployParams{}, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *harness) update(t *testing.T, id, env int, content string) *papi.StackUpdateResponse {
	t.Helper()
	r, err := h.c.StackUpdateWithResponse(h.ctx, id, &papi.StackUpdateParams{EndpointId: env}, papi.StackUpdatePayload{StackFileContent: ptr(content)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *harness) start(t *testing.T, id, env int) (int, []byte) {
	t.Helper()
	r, err := h.c.StackStartWithResponse(h.ctx, id, &papi.StackStartParams{EndpointId: env})
	if err != nil {
		t.Fatal(err)
	}
	return r.StatusCode(), r.Body
}

func (h *harness) stop(t *testing.T, id, env int) (int, []byte) {
	t.Helper()
	r, err := h.c.StackStopWithResponse(h.ctx, id, &papi.StackStopParams{EndpointId: env})
	if err != nil {
		t.Fatal(err)
	}
	return r.StatusCode(), r.Body
}

// steps lists the statuses of a stack's DeploymentStatus, oldest first.
func steps(st papi.Stack) []papi.StackStatus {
	var out []papi.StackStatus
	for _, d := range deref(st.DeploymentStatus) {
		out = append(out, deref(d.Status))
	}
	return out
}

// lastMessage is the message of the last DeploymentStatus entry.
func lastMessage(st papi.Stack) string {
	d := deref(st.DeploymentStatus)
	if len(d) == 0 {
		return ""
	}
	return deref(d[len(d)-1].Message)
}

// wantExactError checks an error answer's status, message and details exactly.
func wantExactError(t *testing.T, status int, body []byte, wantStatus int, msg, details string) {
	t.Helper()
	var e struct{ Message, Details string }
	if err := json.Unmarshal(body, &e); err != nil || status != wantStatus || e.Message != msg || e.Details != details {
		t.Fatalf("answer %d %s, want %d {%q, %q}", status, body, wantStatus, msg, details)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
