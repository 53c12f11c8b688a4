package sim_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

const hook1 = "0b3c2d4e-5f60-4718-8293-a4b5c6d7e8f9"

func TestCreateFromRepository(t *testing.T) {
	h := newHarness(t, sim.Options{})
	mainHash := deref(h.state(t, 2).Stack.GitConfig.ConfigHash)

	t.Run("public repository, defaults", func(t *testing.T) {
		resp := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "demo", RepositoryURL: sim.DemoRepoURL})
		wantStatus(t, resp.StatusCode(), resp.Body, 200)
		g := resp.JSON200.GitConfig
		if g == nil || deref(g.ConfigFilePath) != "docker-compose.yml" || deref(g.ConfigHash) != mainHash ||
			deref(g.ReferenceName) != "" || g.Authentication != nil || deref(g.URL) != sim.DemoRepoURL {
			t.Errorf("GitConfig = %s", resp.Body)
		}
		if resp.JSON200.AutoUpdate != nil || h.state(t, deref(resp.JSON200.Id)).JobRunning {
			t.Error("a stack without AutoUpdate has a job")
		}
	})

	t.Run("additional files and a branch", func(t *testing.T) {
		resp := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "demo-prod", RepositoryURL: sim.DemoRepoURL,
			RepositoryReferenceName: ptr("refs/heads/main"), AdditionalFiles: &[]string{"docker-compose.prod.yml"},
			TLSSkipVerify: ptr(true), AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("1h30m")}})
		wantStatus(t, resp.StatusCode(), resp.Body, 200)
		st := h.state(t, deref(resp.JSON200.Id))
		if !st.JobRunning || deref(st.Stack.AutoUpdate.JobID) == "" || len(deref(st.Stack.AdditionalFiles)) != 1 ||
			!deref(st.Stack.GitConfig.TLSSkipVerify) {
			t.Errorf("state = %+v", st.Stack)
		}
	})

	t.Run("private repository: password stored, blanked in the answer", func(t *testing.T) {
		id := h.createPrivate(t, "billing", hook1)
		get, err := h.c.StackInspectWithResponse(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		auth := get.JSON200.GitConfig.Authentication
		if auth == nil || deref(auth.Username) != sim.PrivateRepoUser || deref(auth.Password) != "" {
			t.Errorf("answer authentication = %s", get.Body)
		}
		if strings.Contains(string(get.Body), sim.PrivateRepoPassword) {
			t.Error("the password is in the answer")
		}
		stored := h.state(t, id).Stack.GitConfig.Authentication
		if deref(stored.Password) != sim.PrivateRepoPassword {
			t.Errorf("stored password = %q", deref(stored.Password))
		}
	})

	tests := []struct {
		name    string
		p       papi.ComposeStackFromGitPayload
		status  int
		message string
	}{
		{"private without credentials", papi.ComposeStackFromGitPayload{RepositoryURL: sim.PrivateRepoURL}, 500, "Invalid git credential"},
		{"private with a wrong password", papi.ComposeStackFromGitPayload{RepositoryURL: sim.PrivateRepoURL,
			RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr("nope")}, 500, "Invalid git credential"},
		{"authentication without password", papi.ComposeStackFromGitPayload{RepositoryURL: sim.PrivateRepoURL,
			RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)}, 400, "Invalid request payload"},
		{"unknown repository", papi.ComposeStackFromGitPayload{RepositoryURL: "https://git.example.com/acme/nothing.git"}, 500, "unable to clone git repository: failed to clone git repository: repository not found"},
		{"not a URL", papi.ComposeStackFromGitPayload{RepositoryURL: "not a url"}, 400, "Invalid request payload"},
		{"missing reference", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, RepositoryReferenceName: ptr("refs/heads/nope")}, 500, "reference not found"},
		{"short reference name", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, RepositoryReferenceName: ptr("main")}, 500, "reference not found"},
		{"missing compose file", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, ComposeFile: ptr("deploy/compose.yml")}, 500, "deploy/compose.yml: no such file or directory"},
		{"missing additional file", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AdditionalFiles: &[]string{"extra.yml"}}, 500, "extra.yml: no such file or directory"},
		{"GitOps without interval or webhook", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AutoUpdate: &papi.AutoUpdateSettings{ForceUpdate: ptr(true)}}, 400, "Invalid request payload"},
		{"bad interval", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5 minutes")}}, 400, "Invalid request payload"},
		{"bad webhook", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr("hook")}}, 400, "Invalid request payload"},
		{"webhook in use", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook1)}}, 409, "Webhook ID: " + hook1 + " already exists"},
		{"upper-case webhook", papi.ComposeStackFromGitPayload{RepositoryURL: sim.DemoRepoURL, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(strings.ToUpper(hook1))}}, 400, "Invalid request payload"},
		{"name in use", papi.ComposeStackFromGitPayload{Name: "Monitoring", RepositoryURL: sim.DemoRepoURL}, 409, "normalized name 'monitoring'"},
	}
	details := map[string]string{
		"authentication without password":    "Password must be specified",
		"not a URL":                          "Invalid repository URL",
		"GitOps without interval or webhook": "Webhook or Interval must be provided",
		"bad interval":                       "Invalid Interval format",
		"bad webhook":                        "Invalid Webhook format",
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Name == "" {
				tt.p.Name = "failing" + string(rune('a'+i))
			}
			before := len(h.sim.Stacks())
			resp := h.createFromGit(t, 1, tt.p)
			var want []string
			if d, ok := details[tt.name]; ok {
				want = append(want, d)
			}
			wantError(t, resp.StatusCode(), resp.Body, tt.status, tt.message, want...)
			if len(h.sim.Stacks()) != before {
				t.Error("a failed create left a stack behind")
			}
		})
	}

	t.Run("swarm stack from a repository", func(t *testing.T) {
		resp, err := h.c.StackCreateDockerSwarmRepositoryWithResponse(h.ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: 2},
			papi.SwarmStackFromGitPayload{Name: "edge", SwarmID: sim.SeedSwarmID, RepositoryURL: sim.DemoRepoURL,
				RepositoryReferenceName: ptr("refs/tags/v1.0.0")})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, resp.StatusCode(), resp.Body, 200)
		if deref(resp.JSON200.Type) != papi.StackTypeSwarm || deref(resp.JSON200.GitConfig.ReferenceName) != "refs/tags/v1.0.0" {
			t.Errorf("swarm stack = %s", resp.Body)
		}
	})
}

// TestPasswordBlankedEverywhere checks every answer that carries a Git stack.
func TestPasswordBlankedEverywhere(t *testing.T) {
	h := newHarness(t, sim.Options{})
	create := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "secretive", RepositoryURL: sim.PrivateRepoURL,
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr(sim.PrivateRepoPassword)})
	wantStatus(t, create.StatusCode(), create.Body, 200)
	id := deref(create.JSON200.Id)
	bodies := map[string][]byte{"create": create.Body}
	list, err := h.c.StackListWithResponse(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	bodies["list"] = list.Body
	get, err := h.c.StackInspectWithResponse(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	bodies["get"] = get.Body
	upd, err := h.c.StackUpdateGitWithResponse(h.ctx, id, &papi.StackUpdateGitParams{}, papi.StackGitUpdatePayload{
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)})
	if err != nil {
		t.Fatal(err)
	}
	bodies["update git"] = upd.Body
	red, err := h.c.StackGitRedeployWithResponse(h.ctx, id, &papi.StackGitRedeployParams{}, papi.StackGitRedeployPayload{
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)})
	if err != nil {
		t.Fatal(err)
	}
	bodies["redeploy"] = red.Body
	stop, err := h.c.StackStopWithResponse(h.ctx, id, &papi.StackStopParams{EndpointId: 1})
	if err != nil {
		t.Fatal(err)
	}
	bodies["stop"] = stop.Body
	start, err := h.c.StackStartWithResponse(h.ctx, id, &papi.StackStartParams{EndpointId: 1})
	if err != nil {
		t.Fatal(err)
	}
	bodies["start"] = start.Body
	for name, body := range bodies {
		if !strings.Contains(string(body), `"Username":"deploy"`) || !strings.Contains(string(body), `"Password":""`) {
			t.Errorf("%s: answer lacks the username or a blank password: %s", name, body)
		}
		if strings.Contains(string(body), sim.PrivateRepoPassword) {
			t.Errorf("%s: the password leaked", name)
		}
	}
	if pw := deref(h.state(t, id).Stack.GitConfig.Authentication.Password); pw != sim.PrivateRepoPassword {
		t.Errorf("stored password = %q", pw)
	}
}

func TestUpdateDetachesGitStack(t *testing.T) {
	h := newHarness(t, sim.Options{})
	update := func(id int, body string) (int, []byte) {
		return h.do(t, "PUT", "/api/stacks/"+strconv.Itoa(id)+"?endpointId=1", body, apiKey)
	}

	t.Run("an empty file is refused, but the job is stopped", func(t *testing.T) {
		status, body := update(2, `{"StackFileContent":""}`)
		wantError(t, status, body, 400, "Invalid request payload", "Invalid stack file content")
		st := h.state(t, 2)
		if st.JobRunning {
			t.Error("the polling job still runs")
		}
		if st.Stack.GitConfig == nil || st.Stack.AutoUpdate == nil {
			t.Error("a refused PUT changed the stored stack")
		}
	})

	t.Run("a body that is not JSON stops the job too", func(t *testing.T) {
		id := h.createPrivate(t, "billing", hook1)
		status, body := update(id, `{"StackFileContent":`)
		wantError(t, status, body, 400, "Invalid request payload")
		if h.state(t, id).JobRunning {
			t.Error("the polling job still runs")
		}
	})

	t.Run("a valid update detaches", func(t *testing.T) {
		status, body := update(2, `{"StackFileContent":"services:\n  app:\n    image: nginx:1.28\n","Env":[{"name":"K","value":"V"}]}`)
		wantStatus(t, status, body, 200)
		var answer papi.Stack
		if err := json.Unmarshal(body, &answer); err != nil {
			t.Fatal(err)
		}
		st := h.state(t, 2)
		if st.Stack.GitConfig != nil || st.Stack.AutoUpdate != nil || answer.GitConfig != nil || answer.AutoUpdate != nil {
			t.Errorf("the stack is still on Git: %s", body)
		}
		if st.JobRunning || !deref(st.Stack.FromAppTemplate) || !strings.Contains(st.File, "nginx:1.28") {
			t.Errorf("state after detach = %+v", st)
		}
		h.sim.Commit(sim.DemoRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": composeOK})
		h.sim.PollNow()
		if got := h.state(t, 2); got.Deploys != st.Deploys {
			t.Error("a detached stack was redeployed by polling")
		}
	})
}

func TestUpdateGitReplacesEverything(t *testing.T) {
	h := newHarness(t, sim.Options{})
	id := h.createPrivate(t, "billing", hook1)
	before := h.state(t, id)
	updateGit := func(p papi.StackGitUpdatePayload) *papi.StackUpdateGitResponse {
		r, err := h.c.StackUpdateGitWithResponse(h.ctx, id, &papi.StackUpdateGitParams{EndpointId: ptr(1)}, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Auth kept with an empty password: the stored password stays.
	r := updateGit(papi.StackGitUpdatePayload{
		RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true),
		RepositoryUsername: ptr(sim.PrivateRepoUser), Env: &[]papi.Pair{{Name: "DB_URL", Value: ptr("x")}},
		AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook1), Interval: ptr("2m")}, TLSSkipVerify: ptr(true)})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	st := h.state(t, id)
	if a := st.Stack.GitConfig.Authentication; a == nil || deref(a.Password) != sim.PrivateRepoPassword || deref(a.Username) != sim.PrivateRepoUser {
		t.Errorf("credentials after auth=true with empty password: %+v", a)
	}
	if deref(st.Stack.AutoUpdate.Interval) != "2m" || !st.JobRunning || !deref(st.Stack.GitConfig.TLSSkipVerify) {
		t.Errorf("settings not applied: %+v", st.Stack)
	}
	if deref(st.Stack.GitConfig.ConfigHash) != deref(before.Stack.GitConfig.ConfigHash) || st.Deploys != before.Deploys {
		t.Error("POST /git redeployed")
	}

	// A new password replaces the stored one, but only if it works.
	r = updateGit(papi.StackGitUpdatePayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr("wrong")})
	wantError(t, r.StatusCode(), r.Body, 500, "Unable to fetch git repository", "Authentication failed")
	if pw := deref(h.state(t, id).Stack.GitConfig.Authentication.Password); pw != sim.PrivateRepoPassword {
		t.Errorf("a failed update changed the password to %q", pw)
	}
	if h.state(t, id).JobRunning {
		t.Error("Portainer stops the job before checking the repository; the simulator did not")
	}
	h.sim.AddRepo(sim.PrivateRepoURL, sim.PrivateRepoUser, "rotated")
	r = updateGit(papi.StackGitUpdatePayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr("rotated"),
		AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook1)}})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	if pw := deref(h.state(t, id).Stack.GitConfig.Authentication.Password); pw != "rotated" {
		t.Errorf("password after replacing = %q", pw)
	}

	// Everything omitted: reference "", env wiped, GitOps off (job stopped), credentials deleted.
	r = updateGit(papi.StackGitUpdatePayload{})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	st = h.state(t, id)
	if deref(st.Stack.GitConfig.ReferenceName) != "" || len(deref(st.Stack.Env)) != 0 || st.Stack.AutoUpdate != nil ||
		st.Stack.GitConfig.Authentication != nil || st.JobRunning || deref(st.Stack.GitConfig.TLSSkipVerify) {
		t.Errorf("an empty payload did not reset every field: %+v / %+v", st.Stack, st.Stack.GitConfig)
	}

	// Errors.
	notGit, err := h.c.StackUpdateGitWithResponse(h.ctx, 1, &papi.StackUpdateGitParams{}, papi.StackGitUpdatePayload{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, notGit.StatusCode(), notGit.Body, 500, "No Git config in the found stack")
	bad := updateGit(papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{}})
	wantError(t, bad.StatusCode(), bad.Body, 400, "Invalid request payload", "Webhook or Interval must be provided")
	other := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "other", RepositoryURL: sim.DemoRepoURL,
		AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr("11111111-2222-4333-8444-555555555555")}})
	wantStatus(t, other.StatusCode(), other.Body, 200)
	taken := updateGit(papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr("11111111-2222-4333-8444-555555555555")}})
	wantError(t, taken.StatusCode(), taken.Body, 409, "Webhook ID already exists")
}

func TestRedeploy(t *testing.T) {
	h := newHarness(t, sim.Options{})
	id := h.createPrivate(t, "billing", hook1)
	redeploy := func(p papi.StackGitRedeployPayload) *papi.StackGitRedeployResponse {
		r, err := h.c.StackGitRedeployWithResponse(h.ctx, id, &papi.StackGitRedeployParams{EndpointId: ptr(1)}, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	newCompose := "services:\n  billing:\n    image: ghcr.io/acme/billing:1.5\n"
	commit := h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": newCompose})

	tests := []struct {
		name    string
		p       papi.StackGitRedeployPayload
		status  int
		details string
	}{
		{"no authentication: no stored credentials either", papi.StackGitRedeployPayload{RepositoryReferenceName: ptr("refs/heads/main")}, 500, "authentication failed"},
		{"authentication with a wrong password", papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true),
			RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr("wrong")}, 500, "authentication failed"},
		{"authentication without the username", papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true)}, 500, "authentication failed"},
		{"missing reference", papi.StackGitRedeployPayload{RepositoryReferenceName: ptr("refs/heads/gone"), RepositoryAuthentication: ptr(true),
			RepositoryUsername: ptr(sim.PrivateRepoUser)}, 500, "reference not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.state(t, id)
			r := redeploy(tt.p)
			wantError(t, r.StatusCode(), r.Body, tt.status, "Unable to clone git repository directory", tt.details)
			after := h.state(t, id)
			if after.Deploys != before.Deploys || len(deref(after.Stack.Env)) != 1 {
				t.Error("a failed redeploy changed the stack")
			}
		})
	}

	t.Run("stored password with auth=true and an empty password", func(t *testing.T) {
		r := redeploy(papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser),
			RepositoryReferenceName: ptr("refs/heads/main"), Env: &[]papi.Pair{{Name: "DB_URL", Value: ptr("new")}}, PullImage: ptr(true)})
		wantStatus(t, r.StatusCode(), r.Body, 200)
		st := h.state(t, id)
		if deref(st.Stack.GitConfig.ConfigHash) != commit || st.File != newCompose || st.Deploys != 2 {
			t.Errorf("after redeploy: hash %s file %q deploys %d", deref(st.Stack.GitConfig.ConfigHash), st.File, st.Deploys)
		}
		if env := deref(st.Stack.Env); len(env) != 1 || deref(env[0].Value) != "new" {
			t.Errorf("env = %v", env)
		}
		if deref(st.Stack.GitConfig.Authentication.Password) != sim.PrivateRepoPassword {
			t.Error("redeploy changed the stored credentials")
		}
	})

	t.Run("omitted reference and env are replaced", func(t *testing.T) {
		r := redeploy(papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)})
		wantStatus(t, r.StatusCode(), r.Body, 200)
		st := h.state(t, id)
		if deref(st.Stack.GitConfig.ReferenceName) != "" || len(deref(st.Stack.Env)) != 0 {
			t.Errorf("reference %q env %v, want both emptied", deref(st.Stack.GitConfig.ReferenceName), deref(st.Stack.Env))
		}
	})

	t.Run("a bad compose file at the new commit", func(t *testing.T) {
		hash := deref(h.state(t, id).Stack.GitConfig.ConfigHash)
		h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": "services: ["})
		r := redeploy(papi.StackGitRedeployPayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)})
		wantError(t, r.StatusCode(), r.Body, 500, "failed to deploy a stack: yaml:")
		// The stack keeps its commit; its project folder holds the new clone (measured on a
		// real 2.23: see TestFailedGitRedeployOn223).
		if st := h.state(t, id); deref(st.Stack.GitConfig.ConfigHash) != hash || st.File != "services: [" {
			t.Errorf("after a failed deploy: commit %s (was %s), file %q", deref(st.Stack.GitConfig.ConfigHash), hash, st.File)
		}
	})

	t.Run("swarm: prune is stored", func(t *testing.T) {
		resp, err := h.c.StackCreateDockerSwarmRepositoryWithResponse(h.ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: 2},
			papi.SwarmStackFromGitPayload{Name: "swarmy", SwarmID: sim.SeedSwarmID, RepositoryURL: sim.DemoRepoURL})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, resp.StatusCode(), resp.Body, 200)
		sid := deref(resp.JSON200.Id)
		r, err := h.c.StackGitRedeployWithResponse(h.ctx, sid, &papi.StackGitRedeployParams{}, papi.StackGitRedeployPayload{Prune: ptr(true), RepositoryReferenceName: ptr("refs/heads/develop")})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, r.StatusCode(), r.Body, 200)
		st := h.state(t, sid)
		if st.Stack.Option == nil || !deref(st.Stack.Option.Prune) || !strings.Contains(st.File, "8082") {
			t.Errorf("swarm redeploy: %+v file %q", st.Stack.Option, st.File)
		}
	})

	t.Run("file-based stack", func(t *testing.T) {
		r, err := h.c.StackGitRedeployWithResponse(h.ctx, 1, &papi.StackGitRedeployParams{}, papi.StackGitRedeployPayload{})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, "Stack is not created from git")
	})
}
