package sim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

func TestWebhook(t *testing.T) {
	h := newHarness(t, sim.Options{})
	id := h.createPrivate(t, "billing", hook1)
	call := func(webhook string) (int, []byte) {
		return h.do(t, "POST", "/api/stacks/webhooks/"+webhook, "", nil) // no credentials: public
	}

	status, body := call("not-a-uuid")
	wantError(t, status, body, 400, "Invalid webhook identifier route variable", "Uuid: incorrect UUID length")
	status, body = call("6a0f1a4e-0000-4000-8000-000000000000")
	wantError(t, status, body, 404, "Unable to find the stack by webhook ID")

	// No new commit: 204, nothing redeployed (the id is matched whatever its case).
	status, body = call(strings.ToUpper(hook1))
	wantStatus(t, status, body, http.StatusNoContent)
	h.sim.Wait()
	if st := h.state(t, id); st.Deploys != 1 {
		t.Errorf("deploys = %d without a new commit", st.Deploys)
	}

	// A new commit: redeployed in the background with the stored credentials.
	commit := h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  billing:\n    image: ghcr.io/acme/billing:2\n"})
	status, body = call(hook1)
	wantStatus(t, status, body, http.StatusNoContent)
	h.sim.Wait()
	st := h.state(t, id)
	if deref(st.Stack.GitConfig.ConfigHash) != commit || st.Deploys != 2 {
		t.Errorf("after webhook: hash %s deploys %d, want %s and 2", deref(st.Stack.GitConfig.ConfigHash), st.Deploys, commit)
	}

	// PB, measured on 2.23: ForceUpdate is stored but a webhook still redeploys only on a new
	// commit.
	force := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "forced", RepositoryURL: sim.DemoRepoURL,
		AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr("22222222-3333-4444-8555-666666666666"), ForceUpdate: ptr(true)}})
	wantStatus(t, force.StatusCode(), force.Body, 200)
	status, body = call("22222222-3333-4444-8555-666666666666")
	wantStatus(t, status, body, http.StatusNoContent)
	h.sim.Wait()
	st = h.state(t, deref(force.JSON200.Id))
	if st.Deploys != 1 || st.JobRunning || !deref(st.Stack.AutoUpdate.ForceUpdate) {
		t.Errorf("forced webhook stack: deploys %d, job %v, ForceUpdate %v", st.Deploys, st.JobRunning, deref(st.Stack.AutoUpdate.ForceUpdate))
	}
}

func TestPolling(t *testing.T) {
	h := newHarness(t, sim.Options{})
	const monitoring = 2
	before := h.state(t, monitoring)
	if !before.JobRunning || deref(before.Stack.AutoUpdate.Interval) != "5m" {
		t.Fatalf("seed stack monitoring should poll every 5m: %+v", before.Stack.AutoUpdate)
	}
	h.sim.PollNow()
	if h.state(t, monitoring).Deploys != before.Deploys {
		t.Error("polling redeployed without a new commit")
	}
	commit := h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:1.29\n"})
	h.sim.PollNow()
	after := h.state(t, monitoring)
	if deref(after.Stack.GitConfig.ConfigHash) != commit || after.Deploys != before.Deploys+1 || after.File == before.File {
		t.Errorf("polling did not redeploy the new commit: %+v", after)
	}

	// A deleted reference makes the job fail quietly.
	h.sim.DeleteRef(sim.DemoRepoURL, "refs/heads/main")
	h.sim.PollNow()
	if got := h.state(t, monitoring); got.Deploys != after.Deploys || !got.JobRunning {
		t.Errorf("a failing poll changed the stack: %+v", got)
	}
}

func TestStartPollingRealTimers(t *testing.T) {
	h := newHarness(t, sim.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.sim.StartPolling(ctx, 3000) // 5m every 100ms
	commit := h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:1.30\n"})
	deadline := time.Now().Add(3 * time.Second)
	for deref(h.state(t, 2).Stack.GitConfig.ConfigHash) != commit {
		if time.Now().After(deadline) {
			t.Fatal("the polling job did not pick up the new commit")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFilePreview(t *testing.T) {
	h := newHarness(t, sim.Options{})
	preview := func(p papi.RepositoryFilePreviewPayload) *papi.GitOperationRepoFilePreviewResponse {
		r, err := h.c.GitOperationRepoFilePreviewWithResponse(h.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name     string
		p        papi.RepositoryFilePreviewPayload
		contains string // expected file content part, or error message part
		status   int
		details  string
	}{
		{"default reference is refs/heads/main", papi.RepositoryFilePreviewPayload{Repository: sim.DemoRepoURL, TargetFile: ptr("docker-compose.yml")}, "8081:80", 200, ""},
		{"a branch", papi.RepositoryFilePreviewPayload{Repository: sim.DemoRepoURL, Reference: ptr("refs/heads/develop"), TargetFile: ptr("docker-compose.yml")}, "8082:80", 200, ""},
		{"private with credentials", papi.RepositoryFilePreviewPayload{Repository: sim.PrivateRepoURL, TargetFile: ptr("docker-compose.yml"),
			Username: ptr(sim.PrivateRepoUser), Password: ptr(sim.PrivateRepoPassword), TLSSkipVerify: ptr(true)}, "billing", 200, ""},
		{"private without credentials", papi.RepositoryFilePreviewPayload{Repository: sim.PrivateRepoURL, TargetFile: ptr("docker-compose.yml")}, "Invalid git credential", 400, "Authentication failed"},
		{"unknown repository", papi.RepositoryFilePreviewPayload{Repository: "https://git.example.com/x/y.git", TargetFile: ptr("a.yml")}, "unable to clone git repository", 500, "repository not found"},
		{"missing reference", papi.RepositoryFilePreviewPayload{Repository: sim.DemoRepoURL, Reference: ptr("refs/tags/v9"), TargetFile: ptr("docker-compose.yml")}, "unable to clone git repository", 500, "reference not found"},
		{"missing file", papi.RepositoryFilePreviewPayload{Repository: sim.DemoRepoURL, TargetFile: ptr("nope.yml")}, "Unable to retrieve custom template file from disk", 500, "Could not get the contents of the file 'nope.yml'"},
		{"no target file", papi.RepositoryFilePreviewPayload{Repository: sim.DemoRepoURL}, "Invalid request payload", 400, "Invalid target filename"},
		{"no repository", papi.RepositoryFilePreviewPayload{TargetFile: ptr("a.yml")}, "Invalid request payload", 400, "Invalid repository URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := preview(tt.p)
			if tt.status != 200 {
				wantError(t, r.StatusCode(), r.Body, tt.status, tt.contains, tt.details)
				return
			}
			wantStatus(t, r.StatusCode(), r.Body, 200)
			if got := deref(r.JSON200.FileContent); !strings.Contains(got, tt.contains) {
				t.Errorf("file = %q, want it to contain %q", got, tt.contains)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, sim.Options{})
	hooked := h.createPrivate(t, "hooked", hook1) // its webhook redeploys in the background
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.sim.StartPolling(ctx, 10000)
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			name := "c" + string(rune('a'+i))
			_, _ = h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: 1},
				papi.ComposeStackFromStringPayload{Name: name, StackFileContent: composeOK})
			_, _ = h.c.StackListWithResponse(h.ctx, nil)
			h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK, "n": name})
			if r, err := h.c.WebhookInvokeWithResponse(h.ctx, hook1); err != nil || r.StatusCode() != http.StatusNoContent {
				t.Errorf("webhook: %v %v", err, r)
			}
			h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK, "n": name})
			h.sim.PollNow()
		}()
	}
	for range 8 {
		<-done
	}
	h.sim.Wait()
	if got := len(h.sim.Stacks()); got != 13 {
		t.Errorf("%d stacks after 8 concurrent creates on 4 seeds and one Git stack", got)
	}
	if st := h.state(t, hooked); st.Deploys < 2 {
		t.Errorf("the webhook stack was never redeployed in the background (%d deploys)", st.Deploys)
	}
}
