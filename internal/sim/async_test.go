package sim_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

const composeMissingImage = "services:\n  app:\n    image: ghcr.io/acme/does-not-exist:1\n"

var (
	active    = papi.StackStatusActive
	inactive  = papi.StackStatusInactive
	deploying = papi.StackStatusDeploying
	failed    = papi.StackStatusError
)

// createKind creates a stack one of the four ways (compose or swarm, text or repository) and
// returns the answer's status, body and stack.
type createKind struct {
	name   string
	create func(h *harness, t *testing.T, name string, good bool) (int, []byte, *papi.Stack)
}

var createKinds = []createKind{
	{"compose from text", func(h *harness, t *testing.T, name string, good bool) (int, []byte, *papi.Stack) {
		content := composeOK
		if !good {
			content = composeMissingImage
		}
		r, err := h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: 1},
			papi.ComposeStackFromStringPayload{Name: name, StackFileContent: content})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body, r.JSON200
	}},
	{"swarm from text", func(h *harness, t *testing.T, name string, good bool) (int, []byte, *papi.Stack) {
		content := composeOK
		if !good {
			content = composeMissingImage
		}
		r, err := h.c.StackCreateDockerSwarmStringWithResponse(h.ctx, &papi.StackCreateDockerSwarmStringParams{EndpointId: 2},
			papi.SwarmStackFromStringPayload{Name: name, SwarmID: sim.SeedSwarmID, StackFileContent: content})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body, r.JSON200
	}},
	{"compose from a repository", func(h *harness, t *testing.T, name string, good bool) (int, []byte, *papi.Stack) {
		ref := "refs/heads/main"
		if !good {
			ref = "refs/heads/broken"
		}
		r := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: name, RepositoryURL: sim.DemoRepoURL, RepositoryReferenceName: &ref})
		return r.StatusCode(), r.Body, r.JSON200
	}},
	{"swarm from a repository", func(h *harness, t *testing.T, name string, good bool) (int, []byte, *papi.Stack) {
		ref := "refs/heads/main"
		if !good {
			ref = "refs/heads/broken"
		}
		r, err := h.c.StackCreateDockerSwarmRepositoryWithResponse(h.ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: 2},
			papi.SwarmStackFromGitPayload{Name: name, SwarmID: sim.SeedSwarmID, RepositoryURL: sim.DemoRepoURL, RepositoryReferenceName: &ref})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body, r.JSON200
	}},
}

// TestCreateFinishesAfterTheAnswer: 2.23 and 2.39 deploy before answering (a failure is the
// 500 of the create); 2.45 answers Status 3 and ends as 1, or as 4 with compose's error in
// DeploymentStatus (PC §1 "Async create").
func TestCreateFinishesAfterTheAnswer(t *testing.T) {
	for _, version := range []string{v223, v239, v245} {
		for _, kind := range createKinds {
			t.Run(version+" "+kind.name, func(t *testing.T) {
				h := onVersion(t, version)
				h.sim.Commit(sim.DemoRepoURL, "refs/heads/broken", map[string]string{"docker-compose.yml": composeMissingImage})
				async := version == v245

				status, body, st := kind.create(h, t, "good", true)
				wantStatus(t, status, body, http.StatusOK)
				want, wantSteps := active, []papi.StackStatus(nil)
				if async {
					want, wantSteps = deploying, []papi.StackStatus{deploying}
				}
				if deref(st.Status) != want || !slices.Equal(steps(*st), wantSteps) {
					t.Fatalf("answer: Status %d steps %v, want %d %v", deref(st.Status), steps(*st), want, wantSteps)
				}
				h.sim.Wait()
				done := h.state(t, deref(st.Id))
				if async {
					wantSteps = []papi.StackStatus{deploying, active}
				}
				if deref(done.Stack.Status) != active || !slices.Equal(steps(done.Stack), wantSteps) || done.Deploys != 1 {
					t.Errorf("after the deploy: Status %d steps %v deploys %d", deref(done.Stack.Status), steps(done.Stack), done.Deploys)
				}

				stacks := len(h.sim.Stacks())
				status, body, st = kind.create(h, t, "bad", false)
				if !async {
					wantError(t, status, body, http.StatusInternalServerError, "pull access denied")
					if len(h.sim.Stacks()) != stacks {
						t.Error("a failed create left a stack behind")
					}
					return
				}
				wantStatus(t, status, body, http.StatusOK)
				if deref(st.Status) != deploying {
					t.Fatalf("a create that will fail answered Status %d", deref(st.Status))
				}
				h.sim.Wait()
				bad := h.state(t, deref(st.Id)).Stack
				if deref(bad.Status) != failed || !slices.Equal(steps(bad), []papi.StackStatus{deploying, failed}) ||
					!strings.Contains(lastMessage(bad), "pull access denied for ghcr.io/acme/does-not-exist") {
					t.Errorf("failed deploy: Status %d steps %v message %q", deref(bad.Status), steps(bad), lastMessage(bad))
				}
			})
		}
	}
}

// TestAsyncCreatePrepareFailure: on 2.45 a clone failure is still answered at once, as the
// prepare step's 500, and a missing compose file is the deploy's error (PC §1 "Async create").
func TestAsyncCreatePrepareFailure(t *testing.T) {
	h := onVersion(t, v245)
	r := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "nocreds", RepositoryURL: sim.PrivateRepoURL})
	wantExactError(t, r.StatusCode(), r.Body, http.StatusInternalServerError, "Failed to prepare stack", "Invalid git credential")

	r = h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "nofile", RepositoryURL: sim.DemoRepoURL, ComposeFile: ptr("deploy/compose.yml")})
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	h.sim.Wait()
	st := h.state(t, deref(r.JSON200.Id)).Stack
	if deref(st.Status) != failed || !strings.Contains(lastMessage(st), "deploy/compose.yml: no such file or directory") {
		t.Errorf("missing file: Status %d message %q", deref(st.Status), lastMessage(st))
	}
}

// TestConflictsWhileDeploying: while a 2.45 stack deploys, update, Git redeploy, the webhook
// and start answer 409 "Unable to update stack"/"Unable to start stack" with details "Stack
// deployment is already in progress", and stop answers 409 "Stack deployment is in progress"
// (PC §1, §4, §5, §6, §8). Nothing changes; once released the deploy ends as 1.
func TestConflictsWhileDeploying(t *testing.T) {
	h := onVersion(t, v245)
	id := h.createPrivate(t, "billing", hook1)
	h.sim.Wait()
	before := h.state(t, id)
	release := h.sim.HoldDeploys()
	defer release()

	first := h.redeploy(t, id, papi.StackGitRedeployPayload{})
	wantStatus(t, first.StatusCode(), first.Body, http.StatusOK)
	if deref(first.JSON200.Status) != deploying || deref(first.JSON200.DeploymentStartStatus) != active {
		t.Fatalf("redeploy answered Status %d, start status %d", deref(first.JSON200.Status), deref(first.JSON200.DeploymentStartStatus))
	}
	during := h.state(t, id)

	u := h.update(t, id, 1, composeOK)
	wantExactError(t, u.StatusCode(), u.Body, http.StatusConflict, "Unable to update stack", "Stack deployment is already in progress")
	rd := h.redeploy(t, id, papi.StackGitRedeployPayload{})
	wantExactError(t, rd.StatusCode(), rd.Body, http.StatusConflict, "Unable to update stack", "Stack deployment is already in progress")
	status, body := h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
	wantExactError(t, status, body, http.StatusConflict, "Unable to update stack", "Stack deployment is already in progress")
	status, body = h.start(t, id, 1)
	wantExactError(t, status, body, http.StatusConflict, "Unable to start stack", "Stack deployment is already in progress")
	status, body = h.stop(t, id, 1)
	wantExactError(t, status, body, http.StatusConflict, "Stack deployment is in progress", "Stack deployment is in progress")

	if after := h.state(t, id); after.File != during.File || deref(after.Stack.Status) != deploying || after.Stack.GitConfig == nil {
		t.Errorf("a refused call changed the stack: %+v", after.Stack)
	}
	release()
	h.sim.Wait()
	done := h.state(t, id)
	if deref(done.Stack.Status) != active || done.Deploys != before.Deploys+1 {
		t.Errorf("after release: Status %d deploys %d (before %d)", deref(done.Stack.Status), done.Deploys, before.Deploys)
	}
}

// TestAsyncUpdateRollsBackTheFile: a 2.45 PUT /stacks/{id} whose deploy fails ends as Status 4
// with compose's error, and the previous file is back (PC §4).
func TestAsyncUpdateRollsBackTheFile(t *testing.T) {
	h := onVersion(t, v245)
	const web = 1
	before := h.state(t, web)
	r := h.update(t, web, 1, composeMissingImage)
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	if deref(r.JSON200.Status) != deploying {
		t.Fatalf("update answered Status %d", deref(r.JSON200.Status))
	}
	h.sim.Wait()
	after := h.state(t, web)
	if deref(after.Stack.Status) != failed || after.File != before.File || after.Deploys != before.Deploys ||
		!strings.Contains(lastMessage(after.Stack), "failed to deploy a stack: Error response from daemon: pull access denied") ||
		deref(after.Stack.DeploymentStartStatus) != active {
		t.Errorf("after a failed update: Status %d file changed %v message %q start %d", deref(after.Stack.Status),
			after.File != before.File, lastMessage(after.Stack), deref(after.Stack.DeploymentStartStatus))
	}

	// A stack in error is fixed by another update, which starts a new history.
	r = h.update(t, web, 1, composeOK)
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	h.sim.Wait()
	fixed := h.state(t, web)
	if deref(fixed.Stack.Status) != active || fixed.File != composeOK || !slices.Equal(steps(fixed.Stack), []papi.StackStatus{deploying, active}) ||
		deref(fixed.Stack.DeploymentStartStatus) != failed {
		t.Errorf("after the fix: Status %d steps %v start %d", deref(fixed.Stack.Status), steps(fixed.Stack), deref(fixed.Stack.DeploymentStartStatus))
	}
}

// TestAsyncRedeployRevertsTheCommit: a 2.45 Git redeploy whose deploy fails ends as Status 4
// and ConfigHash is the previous commit again (PC §5); during the deploy it is the new one.
func TestAsyncRedeployRevertsTheCommit(t *testing.T) {
	h := onVersion(t, v245)
	r := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "demo", RepositoryURL: sim.DemoRepoURL})
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	id := deref(r.JSON200.Id)
	h.sim.Wait()
	old := deref(h.state(t, id).Stack.GitConfig.ConfigHash)
	bad := h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeMissingImage})

	release := h.sim.HoldDeploys()
	rd := h.redeploy(t, id, papi.StackGitRedeployPayload{})
	wantStatus(t, rd.StatusCode(), rd.Body, http.StatusOK)
	if got := deref(h.state(t, id).Stack.GitConfig.ConfigHash); got != bad {
		t.Errorf("during the deploy ConfigHash = %s, want the new commit %s", got, bad)
	}
	release()
	h.sim.Wait()
	st := h.state(t, id).Stack
	if deref(st.Status) != failed || deref(st.GitConfig.ConfigHash) != old || deref(st.CurrentDeploymentInfo.ConfigHash) != old ||
		!strings.Contains(lastMessage(st), "pull access denied") {
		t.Errorf("after a failed redeploy: Status %d hash %s (want %s) info %s message %q", deref(st.Status),
			deref(st.GitConfig.ConfigHash), old, deref(st.CurrentDeploymentInfo.ConfigHash), lastMessage(st))
	}
}

// TestAsyncWebhook: on 2.45 a webhook with a new commit shows the stack deploying once it
// answered 204, a second call meanwhile is 409, and the deploy ends as 1 (PC §6).
func TestAsyncWebhook(t *testing.T) {
	h := onVersion(t, v245)
	id := h.createPrivate(t, "billing", hook1)
	h.sim.Wait()
	commit := h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK})
	release := h.sim.HoldDeploys()
	defer release()
	status, body := h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
	wantStatus(t, status, body, http.StatusNoContent)
	if st := h.state(t, id).Stack; deref(st.Status) != deploying {
		t.Fatalf("after the webhook: Status %d", deref(st.Status))
	}
	status, body = h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
	wantExactError(t, status, body, http.StatusConflict, "Unable to update stack", "Stack deployment is already in progress")
	release()
	h.sim.Wait()
	if st := h.state(t, id); deref(st.Stack.Status) != active || deref(st.Stack.GitConfig.ConfigHash) != commit || st.File != composeOK {
		t.Errorf("after the webhook deploy: Status %d hash %s", deref(st.Stack.Status), deref(st.Stack.GitConfig.ConfigHash))
	}
}

// TestStartAndStopRules: starting an active stack is 409 on every release, worded "A stack
// with the name ... is already running" on 2.23 and 2.39 (PB, measured) and "Unable to
// start stack"/"Stack is already active" on 2.45; a 2.45 stack in error cannot be started (409
// with its last message); 2.45 start is synchronous and records DeploymentStatus; stop appends
// {2} (PC §8).
func TestStartAndStopRules(t *testing.T) {
	for _, version := range []string{v223, v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			const web = 1
			status, body := h.start(t, web, 1)
			if version == v245 {
				wantExactError(t, status, body, http.StatusConflict, "Unable to start stack", "Stack is already active")
			} else {
				wantExactError(t, status, body, http.StatusConflict, "A stack with the name 'web' is already running", "A stack with the name 'web' is already running")
			}

			status, body = h.stop(t, web, 1)
			wantStatus(t, status, body, http.StatusOK)
			status, body = h.start(t, web, 1)
			wantStatus(t, status, body, http.StatusOK)
			st := h.state(t, web).Stack
			var want []papi.StackStatus
			if version == v245 {
				want = []papi.StackStatus{active}
			}
			if deref(st.Status) != active || !slices.Equal(steps(st), want) {
				t.Errorf("after start: Status %d steps %v, want 1 %v", deref(st.Status), steps(st), want)
			}
			if version != v245 {
				return
			}
			status, body = h.stop(t, web, 1)
			wantStatus(t, status, body, http.StatusOK)
			if got := steps(h.state(t, web).Stack); !slices.Equal(got, []papi.StackStatus{active, inactive}) {
				t.Errorf("after stop: steps %v, want [1 2]", got)
			}

			r := h.update(t, web, 1, composeMissingImage)
			wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
			h.sim.Wait()
			msg := lastMessage(h.state(t, web).Stack)
			if msg == "" {
				t.Fatal("the failed deploy left no message")
			}
			status, body = h.start(t, web, 1)
			wantExactError(t, status, body, http.StatusConflict, "Unable to start stack", strings.ToUpper(msg[:1])+msg[1:])
		})
	}
}
