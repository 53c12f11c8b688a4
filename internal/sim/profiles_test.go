package sim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestSystemVersionPerProfile: ServerEdition is the edition asked for; VersionSupport is
// answered from 2.45 on (PC §9).
func TestSystemVersionPerProfile(t *testing.T) {
	tests := []struct {
		version, edition, support string
	}{
		{v223, "CE", ""},
		{v239, "BE", ""},
		{"2.44.0", "CE", ""},
		{v245, "CE", "LTS"},
		{v245, "BE", "LTS"},
		{"2.46.0", "CE", "STS"},
	}
	for _, tt := range tests {
		t.Run(tt.version+" "+tt.edition, func(t *testing.T) {
			h := newHarness(t, sim.Options{Version: tt.version, Edition: tt.edition})
			r, err := h.c.SystemVersionWithResponse(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
			v := r.JSON200
			if deref(v.ServerVersion) != tt.version || deref(v.ServerEdition) != tt.edition || deref(v.VersionSupport) != tt.support {
				t.Errorf("version %s", r.Body)
			}
		})
	}
}

// TestMinimumInterval: 2.23 accepts any Go duration; 2.39 and 2.45 refuse intervals under one
// minute on create and POST /stacks/{id}/git (PC §1 "AutoUpdate", §3).
func TestMinimumInterval(t *testing.T) {
	for _, version := range []string{v223, v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			r := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "fast", RepositoryURL: sim.DemoRepoURL,
				AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("30s")}})
			const monitoring = 2
			u := h.updateGit(t, monitoring, papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("59s")}})
			if version == v223 {
				wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
				wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
				return
			}
			wantExactError(t, r.StatusCode(), r.Body, http.StatusBadRequest, "Invalid request payload", "Interval must be at least 1 minute")
			wantExactError(t, u.StatusCode(), u.Body, http.StatusBadRequest, "Invalid request payload", "Interval must be at least 1 minute")
			if _, ok := h.sim.StackByName(1, "fast"); ok {
				t.Error("a refused create made a stack")
			}
			ok := h.updateGit(t, monitoring, papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("1m")}})
			wantStatus(t, ok.StatusCode(), ok.Body, http.StatusOK)
		})
	}
}

// TestPollingPerRelease: 2.23 and 2.39 poll per stack on AutoUpdate.Interval and ignore
// ForceUpdate (PB, measured on 2.23). 2.45 polls per Source: an interval sent on the stack
// polls nothing (the UNVERIFIED reading safe for clients, PC §1), the Source's interval
// redeploys every stack on it with a new commit, and ForceUpdate makes polling redeploy
// without one (PC §7 "Fixed the forced polling usage").
func TestPollingPerRelease(t *testing.T) {
	const repo = "https://git.example.com/acme/polled.git"
	for _, version := range []string{v223, v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			h.sim.Commit(repo, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK})
			mk := func(name string, force bool) int {
				return h.created(t, papi.ComposeStackFromGitPayload{Name: name, RepositoryURL: repo,
					AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5m"), ForceUpdate: ptr(force)}})
			}
			plain, forced := mk("plain", false), mk("forced", true)
			deploys := func() (int, int) { return h.state(t, plain).Deploys, h.state(t, forced).Deploys }
			poll := func() {
				h.sim.PollNow()
				h.sim.Wait()
			}

			poll() // no new commit
			p, f := deploys()
			if p != 1 || f != 1 {
				t.Fatalf("a poll without a new commit redeployed: plain %d forced %d", p, f)
			}
			h.sim.Commit(repo, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK, "n": "2"})
			poll()
			p, f = deploys()
			if version != v245 {
				if p != 2 || f != 2 {
					t.Errorf("per-stack polling: plain %d forced %d deploys, want 2 and 2", p, f)
				}
				return
			}
			if p != 1 || f != 1 || h.state(t, plain).JobRunning {
				t.Fatalf("2.45 polled on the stack's interval: plain %d forced %d, job %v", p, f, h.state(t, plain).JobRunning)
			}
			src := h.state(t, plain).SourceID
			status, body := h.do(t, "PUT", "/api/gitops/sources/"+itoa(src), `{"interval":"5m"}`, apiKey)
			wantStatus(t, status, body, http.StatusOK)
			poll()
			p, f = deploys()
			if p != 2 || f != 2 {
				t.Errorf("the Source's poll: plain %d forced %d deploys, want 2 and 2", p, f)
			}
			poll() // no new commit: only the forced stack
			p, f = deploys()
			if p != 2 || f != 3 {
				t.Errorf("ForceUpdate on 2.45: plain %d forced %d deploys, want 2 and 3", p, f)
			}
		})
	}
}

// TestSeedMigratedOnSources: on 2.45 the seed Git stack is on a Source that polls every 5m and
// its own interval was cleared, as the 2.43/2.44 migrations do (PC §1, §2).
func TestSeedMigratedOnSources(t *testing.T) {
	h := onVersion(t, v245)
	const monitoring = 2
	st := h.state(t, monitoring)
	src, ok := h.sim.Source(st.SourceID)
	if !ok || src.Interval != "5m" || !src.JobRunning || deref(st.Stack.AutoUpdate.Interval) != "" || st.JobRunning {
		t.Fatalf("source %+v, stack interval %q job %v", src, deref(st.Stack.AutoUpdate.Interval), st.JobRunning)
	}
	commit := h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK})
	h.sim.PollNow()
	h.sim.Wait()
	if got := deref(h.state(t, monitoring).Stack.GitConfig.ConfigHash); got != commit {
		t.Errorf("the Source's poll did not deploy the new commit: %s", got)
	}
}

// TestRedeployCredentials: up to 2.43 a redeploy clones with the stored credentials only when
// it says RepositoryAuthentication=true (portainer#13224); from 2.44 it starts from them and
// replaces them for the clone only with RepositoryAuthentication=true and a password (PC §5).
func TestRedeployCredentials(t *testing.T) {
	tests := []struct {
		name string
		p    papi.StackGitRedeployPayload
		ok   map[string]bool // by version
	}{
		{"{}", papi.StackGitRedeployPayload{}, map[string]bool{v223: false, v239: false, v245: true}},
		{"auth=true, empty password", papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)},
			map[string]bool{v223: true, v239: true, v245: true}},
		{"auth=true, wrong password", papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser),
			RepositoryPassword: ptr("wrong")}, map[string]bool{v223: false, v239: false, v245: false}},
		{"auth=false, a password", papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(false), RepositoryPassword: ptr("wrong")},
			map[string]bool{v223: false, v239: false, v245: true}},
	}
	for _, version := range []string{v223, v239, v245} {
		for _, tt := range tests {
			t.Run(version+" "+tt.name, func(t *testing.T) {
				h := onVersion(t, version)
				id := h.created(t, privateGit("billing", false))
				r := h.redeploy(t, id, tt.p)
				if !tt.ok[version] {
					wantError(t, r.StatusCode(), r.Body, http.StatusInternalServerError, "Unable to clone git repository directory", "authentication failed")
				} else {
					wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
				}
				if pw := deref(h.state(t, id).Stack.GitConfig.Authentication.Password); pw != sim.PrivateRepoPassword {
					t.Errorf("the stored password became %q", pw)
				}
			})
		}
	}
}

// TestRedeployPayloadRules: 2.23 and 2.39 replace the reference and env with what is sent (an
// omitted Env clears it) and set swarm Prune from the payload; 2.45 keeps the stored
// reference and env when omitted and applies Prune only when sent. An empty body is 400 EOF
// everywhere: send {} (PC §5).
func TestRedeployPayloadRules(t *testing.T) {
	for _, version := range []string{v223, v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			id := h.created(t, papi.ComposeStackFromGitPayload{Name: "dev", RepositoryURL: sim.DemoRepoURL,
				RepositoryReferenceName: ptr("refs/heads/develop"), Env: &[]papi.Pair{{Name: "A", Value: ptr("1")}}})
			status, body := h.do(t, "PUT", "/api/stacks/"+itoa(id)+"/git/redeploy", "", apiKey)
			wantExactError(t, status, body, http.StatusBadRequest, "Invalid request payload", "EOF")

			r := h.redeploy(t, id, papi.StackGitRedeployPayload{})
			wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
			h.sim.Wait()
			st := h.state(t, id)
			keeps := version == v245
			if got := deref(st.Stack.GitConfig.ReferenceName) == "refs/heads/develop" && len(deref(st.Stack.Env)) == 1; got != keeps {
				t.Errorf("reference %q env %v kept: %v, want %v", deref(st.Stack.GitConfig.ReferenceName), deref(st.Stack.Env), got, keeps)
			}
			if keeps != strings.Contains(st.File, "8082") {
				t.Errorf("deployed file %q: develop kept %v", st.File, keeps)
			}

			sw, err := h.c.StackCreateDockerSwarmRepositoryWithResponse(h.ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: 2},
				papi.SwarmStackFromGitPayload{Name: "sw", SwarmID: sim.SeedSwarmID, RepositoryURL: sim.DemoRepoURL})
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, sw.StatusCode(), sw.Body, http.StatusOK)
			sid := deref(sw.JSON200.Id)
			h.sim.Wait()
			r = h.redeploy(t, sid, papi.StackGitRedeployPayload{Prune: ptr(true)})
			wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
			h.sim.Wait()
			r = h.redeploy(t, sid, papi.StackGitRedeployPayload{})
			wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
			h.sim.Wait()
			if prune := deref(deref(h.state(t, sid).Stack.Option).Prune); prune != keeps {
				t.Errorf("swarm Prune after a redeploy without it = %v, want %v", prune, keeps)
			}
		})
	}
}
