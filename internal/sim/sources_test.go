package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// privateGit is an inline create from the private seed repository.
func privateGit(name string, tls bool) papi.ComposeStackFromGitPayload {
	return papi.ComposeStackFromGitPayload{Name: name, RepositoryURL: sim.PrivateRepoURL, RepositoryAuthentication: ptr(true),
		RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr(sim.PrivateRepoPassword), TLSSkipVerify: ptr(tls)}
}

func (h *harness) created(t *testing.T, p papi.ComposeStackFromGitPayload) int {
	t.Helper()
	r := h.createFromGit(t, 1, p)
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	h.sim.Wait()
	return deref(r.JSON200.Id)
}

// TestInlineCreateFindsOrCreatesSource: on 2.45 an inline create reuses the Source with the
// same normalized URL, username and password (TLS is not part of it) and otherwise creates one
// named after the repository; every stack gets its own Workflow (PC §1). 2.39 has no Sources.
func TestInlineCreateFindsOrCreatesSource(t *testing.T) {
	h := onVersion(t, v245)
	a := h.created(t, privateGit("a", false))
	b := h.created(t, privateGit("b", true))
	upper := privateGit("c", false)
	upper.RepositoryURL = strings.Replace(strings.TrimSuffix(sim.PrivateRepoURL, ".git"), "git.example.com", "GIT.Example.com", 1) + "/"
	c := h.created(t, upper)
	h.sim.AddRepo(sim.PrivateRepoURL, sim.PrivateRepoUser, "another")
	other := privateGit("d", false)
	other.RepositoryPassword = ptr("another")
	d := h.created(t, other)

	sa, sb, sc, sd := h.state(t, a), h.state(t, b), h.state(t, c), h.state(t, d)
	if sa.SourceID == 0 || sb.SourceID != sa.SourceID || sc.SourceID != sa.SourceID || sd.SourceID == sa.SourceID || sd.SourceID == 0 {
		t.Fatalf("sources: a %d b %d c %d d %d; want a=b=c, d another", sa.SourceID, sb.SourceID, sc.SourceID, sd.SourceID)
	}
	src, _ := h.sim.Source(sa.SourceID)
	if src.Name != "private" || src.TLSSkipVerify || !slices.Equal(src.Stacks, []int{a, b, c}) {
		t.Errorf("source %+v: want named private, TLS of its first stack, stacks a b c", src)
	}
	ids := map[int]bool{}
	for _, st := range []sim.StackState{sa, sb, sc, sd} {
		ids[deref(st.Stack.WorkflowID)] = true
	}
	if len(ids) != 4 || ids[0] {
		t.Errorf("workflow ids %v: want four distinct ones", ids)
	}
	// GitConfig is computed from the Source: b asked for TLS skip-verify but shares a's Source.
	if g := sb.Stack.GitConfig; deref(g.URL) != sim.PrivateRepoURL || deref(g.TLSSkipVerify) || deref(g.Authentication.Username) != sim.PrivateRepoUser {
		t.Errorf("b's GitConfig = %+v", g)
	}
	if info := sa.Stack.CurrentDeploymentInfo; info == nil || deref(info.SourceID) != sa.SourceID || deref(info.ConfigHash) == "" ||
		deref(info.RepositoryURL) != sim.PrivateRepoURL {
		t.Errorf("CurrentDeploymentInfo = %+v", info)
	}

	old := onVersion(t, v239)
	id := old.created(t, privateGit("a", true))
	if st := old.state(t, id); st.SourceID != 0 || st.Stack.WorkflowID != nil || !deref(st.Stack.GitConfig.TLSSkipVerify) || len(old.sim.Sources()) != 0 {
		t.Errorf("2.39 made a Source or Workflow: %+v", st.Stack)
	}
}

// TestGitSourceIdOnlyOnInspectAndGitUpdate: GitSourceId is on GET /stacks/{id} and POST
// /stacks/{id}/git answers only (PC §2).
func TestGitSourceIdOnlyOnInspectAndGitUpdate(t *testing.T) {
	h := onVersion(t, v245)
	r := h.createFromGit(t, 1, privateGit("a", false))
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	id := deref(r.JSON200.Id)
	h.sim.Wait()
	srcID := h.state(t, id).SourceID
	if r.JSON200.GitSourceId != nil {
		t.Error("create answered GitSourceId")
	}
	if got := deref(h.inspect(t, id).JSON200.GitSourceId); got != srcID {
		t.Errorf("inspect GitSourceId = %d, want %d", got, srcID)
	}
	list, err := h.c.StackListWithResponse(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range *list.JSON200 {
		if st.GitSourceId != nil {
			t.Errorf("list answered GitSourceId for stack %d", deref(st.Id))
		}
	}
	u := h.updateGit(t, id, papi.StackGitUpdatePayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser)})
	wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
	if deref(u.JSON200.GitSourceId) != srcID {
		t.Errorf("POST /git GitSourceId = %d, want %d", deref(u.JSON200.GitSourceId), srcID)
	}
	rd := h.redeploy(t, id, papi.StackGitRedeployPayload{})
	wantStatus(t, rd.StatusCode(), rd.Body, http.StatusOK)
	if rd.JSON200.GitSourceId != nil {
		t.Error("redeploy answered GitSourceId")
	}
}

// TestSharedSourceCredentialChange: on 2.45 POST /stacks/{id}/git without SourceID and with
// the same URL writes credentials and TLS onto the shared Source, so the other stack changes
// too; RepositoryAuthentication=false removes them for both. On 2.39 only that stack changes
// (PC §3 "New side effect").
func TestSharedSourceCredentialChange(t *testing.T) {
	for _, version := range []string{v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			a := h.created(t, privateGit("a", false))
			b := h.created(t, privateGit("b", false))
			h.sim.AddRepo(sim.PrivateRepoURL, sim.PrivateRepoUser, "rotated")
			u := h.updateGit(t, a, papi.StackGitUpdatePayload{RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser),
				RepositoryPassword: ptr("rotated"), TLSSkipVerify: ptr(true)})
			wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
			shared := version == v245
			gb := h.state(t, b).Stack.GitConfig
			if got := deref(gb.Authentication.Password) == "rotated" && deref(gb.TLSSkipVerify); got != shared {
				t.Errorf("b's credentials changed with a's: %v, want %v (password %q TLS %v)", got, shared, deref(gb.Authentication.Password), deref(gb.TLSSkipVerify))
			}
			if strings.Contains(string(u.Body), "rotated") {
				t.Error("the answer carries the password")
			}

			u = h.updateGit(t, a, papi.StackGitUpdatePayload{RepositoryAuthentication: ptr(false)})
			wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
			if got := h.state(t, b).Stack.GitConfig.Authentication == nil; got != shared {
				t.Errorf("b lost its credentials with a's: %v, want %v", got, shared)
			}
			if h.state(t, a).Stack.GitConfig.Authentication != nil {
				t.Error("a kept its credentials")
			}
		})
	}
}

// TestInPlaceGitChange: from 2.40 POST /stacks/{id}/git takes RepositoryURL, ConfigFilePath
// (when non-empty, also the EntryPoint) and AdditionalFiles (when sent); the stack keeps its
// id, env and webhook. On 2.45 a new URL finds or creates a Source and repoints only this
// stack. 2.39 ignores the three fields (PC §3).
func TestInPlaceGitChange(t *testing.T) {
	const other = "https://git.example.com/acme/other.git"
	for _, version := range []string{v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			h.sim.Commit(other, "refs/heads/main", map[string]string{"deploy/compose.yml": composeOK, "extra.yml": "services: {}\n"})
			id := h.created(t, papi.ComposeStackFromGitPayload{Name: "moving", RepositoryURL: sim.DemoRepoURL,
				Env: &[]papi.Pair{{Name: "A", Value: ptr("1")}}, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook1)}})
			stay := h.created(t, papi.ComposeStackFromGitPayload{Name: "staying", RepositoryURL: sim.DemoRepoURL})
			before := h.state(t, id)

			u := h.updateGit(t, id, papi.StackGitUpdatePayload{RepositoryURL: ptr(other), ConfigFilePath: ptr("deploy/compose.yml"),
				AdditionalFiles: &[]string{"extra.yml"}, Env: before.Stack.Env, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook1)}})
			wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
			st := h.state(t, id).Stack
			moved := version == v245
			g := st.GitConfig
			if got := deref(g.URL) == other && deref(g.ConfigFilePath) == "deploy/compose.yml" && deref(st.EntryPoint) == "deploy/compose.yml" &&
				slices.Equal(deref(st.AdditionalFiles), []string{"extra.yml"}); got != moved {
				t.Fatalf("changed in place: %v, want %v (%+v)", got, moved, g)
			}
			if !moved {
				if deref(g.URL) != sim.DemoRepoURL || deref(g.ConfigFilePath) != "docker-compose.yml" {
					t.Errorf("2.39 changed the repository: %+v", g)
				}
				return
			}
			if deref(st.AutoUpdate.Webhook) != hook1 || len(deref(st.Env)) != 1 {
				t.Errorf("webhook %q env %v lost", deref(st.AutoUpdate.Webhook), deref(st.Env))
			}
			if ss := h.state(t, stay); deref(ss.Stack.GitConfig.URL) != sim.DemoRepoURL || ss.SourceID == h.state(t, id).SourceID {
				t.Errorf("the other stack moved with it: %+v", ss.Stack.GitConfig)
			}
			rd := h.redeploy(t, id, papi.StackGitRedeployPayload{})
			wantStatus(t, rd.StatusCode(), rd.Body, http.StatusOK)
			h.sim.Wait()
			if st := h.state(t, id); deref(st.Stack.Status) != active || st.File != composeOK {
				t.Errorf("redeploy from the new place: Status %d file %q", deref(st.Stack.Status), st.File)
			}

			// Partial: empty ConfigFilePath and omitted AdditionalFiles keep both.
			u = h.updateGit(t, id, papi.StackGitUpdatePayload{ConfigFilePath: ptr("")})
			wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
			if st := h.state(t, id).Stack; deref(st.GitConfig.ConfigFilePath) != "deploy/compose.yml" || len(deref(st.AdditionalFiles)) != 1 {
				t.Errorf("partial fields were replaced: %+v %v", st.GitConfig, deref(st.AdditionalFiles))
			}
		})
	}
}

// TestGitUpdateWithSourceID: on 2.45 POST /stacks/{id}/git with SourceID moves the stack onto
// that Source and changes no Source; an unknown one is 404 (PC §3 "With SourceID").
func TestGitUpdateWithSourceID(t *testing.T) {
	h := onVersion(t, v245)
	pub := h.created(t, papi.ComposeStackFromGitPayload{Name: "pub", RepositoryURL: sim.DemoRepoURL})
	priv := h.created(t, privateGit("priv", false))
	privSrc := h.state(t, priv).SourceID
	before, _ := h.sim.Source(privSrc)
	u := h.updateGit(t, pub, papi.StackGitUpdatePayload{SourceID: ptr(privSrc), TLSSkipVerify: ptr(true)})
	wantStatus(t, u.StatusCode(), u.Body, http.StatusOK)
	if st := h.state(t, pub); st.SourceID != privSrc || deref(st.Stack.GitConfig.URL) != sim.PrivateRepoURL {
		t.Errorf("pub is on source %d (%s), want %d", st.SourceID, deref(st.Stack.GitConfig.URL), privSrc)
	}
	after, _ := h.sim.Source(privSrc)
	if after.TLSSkipVerify != before.TLSSkipVerify || after.Password != before.Password {
		t.Errorf("the Source changed: %+v", after)
	}
	u = h.updateGit(t, pub, papi.StackGitUpdatePayload{SourceID: ptr(999)})
	wantError(t, u.StatusCode(), u.Body, http.StatusNotFound, "Unable to find a source with the specified identifier")
}

// TestDetachAndDeleteDropTheWorkflow: on 2.45 PUT /stacks/{id} on a Git stack and deleting a
// stack delete its Workflow; the Source stays (PC §4, §8).
func TestDetachAndDeleteDropTheWorkflow(t *testing.T) {
	h := onVersion(t, v245)
	a := h.created(t, privateGit("a", false))
	b := h.created(t, privateGit("b", false))
	src := h.state(t, a).SourceID
	r := h.update(t, a, 1, composeOK)
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	h.sim.Wait()
	if st := h.state(t, a); st.Stack.WorkflowID != nil || st.Stack.GitConfig != nil || st.SourceID != 0 {
		t.Errorf("detached stack still on Git: %+v", st.Stack)
	}
	del, err := h.c.StackDeleteWithResponse(h.ctx, b, &papi.StackDeleteParams{})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
	s, ok := h.sim.Source(src)
	if !ok || len(s.Stacks) != 0 {
		t.Errorf("source after detach and delete: %+v (exists %v)", s, ok)
	}
}

func sourcesList(t *testing.T, h *harness) []papi.SourceListItem {
	t.Helper()
	r, err := h.c.GitOpsSourcesListWithResponse(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r.StatusCode(), r.Body, http.StatusOK)
	return *r.JSON200
}

// TestSourcesAPI: the GitOps Sources endpoints of 2.45 (PC §7): list with usedBy, detail with
// the username only, partial update (omitted password kept, `authentication: {}` clears,
// uniqueness 409), workflows, connection test. Before 2.43 they are unknown routes.
func TestSourcesAPI(t *testing.T) {
	h := onVersion(t, v245)
	a := h.created(t, privateGit("a", false))
	h.created(t, privateGit("b", false))
	h.created(t, papi.ComposeStackFromGitPayload{Name: "pub", RepositoryURL: sim.DemoRepoURL})
	priv := h.state(t, a).SourceID

	list := sourcesList(t, h)
	used := map[string]int{}
	for _, s := range list {
		used[deref(s.Url)] = deref(s.UsedBy)
	}
	// The seed stack "monitoring" was migrated onto the demo Source.
	if used[sim.PrivateRepoURL] != 2 || used[sim.DemoRepoURL] != 2 || len(list) != 2 {
		t.Errorf("usedBy = %v", used)
	}

	get, err := h.c.GitOpsSourceGetWithResponse(h.ctx, priv)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, get.StatusCode(), get.Body, http.StatusOK)
	if strings.Contains(string(get.Body), sim.PrivateRepoPassword) || deref(get.JSON200.Connection.Authentication.Username) != sim.PrivateRepoUser ||
		deref(get.JSON200.Status) != "healthy" {
		t.Errorf("detail = %s", get.Body)
	}
	missing, err := h.c.GitOpsSourceGetWithResponse(h.ctx, 99)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, missing.StatusCode(), missing.Body, http.StatusNotFound, "Unable to find a source with the specified identifier")

	put := func(id int, body string) (int, []byte) {
		return h.do(t, "PUT", "/api/gitops/sources/"+itoa(id), body, map[string]string{"X-API-Key": "sim-api-key", "Content-Type": "application/json"})
	}
	status, body := put(priv, `{"interval":"10m","tlsSkipVerify":true,"authentication":{"username":"`+sim.PrivateRepoUser+`"}}`)
	wantStatus(t, status, body, http.StatusOK)
	s, _ := h.sim.Source(priv)
	if s.Interval != "10m" || !s.TLSSkipVerify || s.Password != sim.PrivateRepoPassword || strings.Contains(string(body), sim.PrivateRepoPassword) {
		t.Errorf("after a partial update: %+v, answer %s", s, body)
	}
	if !deref(h.state(t, a).Stack.GitConfig.TLSSkipVerify) {
		t.Error("the stack on the Source does not see its TLS setting")
	}
	status, body = put(priv, `{"interval":"30s"}`)
	wantExactError(t, status, body, http.StatusBadRequest, "Invalid request payload", "Interval must be at least 1 minute")
	status, body = put(priv, `{"interval":"often"}`)
	wantExactError(t, status, body, http.StatusBadRequest, "Invalid request payload", "Invalid interval format")

	// Uniqueness: with the demo Source moved to the private URL (no credentials), clearing
	// the private Source's credentials would make two identical Sources.
	var demoID int
	for _, s := range list {
		if deref(s.Url) == sim.DemoRepoURL {
			demoID = deref(s.Id)
		}
	}
	status, body = put(demoID, `{"url":"`+sim.PrivateRepoURL+`"}`)
	wantStatus(t, status, body, http.StatusOK)
	status, body = put(priv, `{"authentication":{}}`)
	wantExactError(t, status, body, http.StatusConflict, "A source with this URL and credentials already exists", "Source already exists")
	if s, _ := h.sim.Source(priv); !s.HasAuth {
		t.Error("a refused update removed the credentials")
	}
	status, body = put(demoID, `{"url":"`+sim.DemoRepoURL+`"}`)
	wantStatus(t, status, body, http.StatusOK)
	status, body = put(priv, `{"authentication":{}}`)
	wantStatus(t, status, body, http.StatusOK)
	if s, _ := h.sim.Source(priv); s.HasAuth || h.state(t, a).Stack.GitConfig.Authentication != nil {
		t.Errorf("authentication {} kept the credentials: %+v", s)
	}

	test := func(id int, body string) papi.ConnectionTestResult {
		status, raw := h.do(t, "POST", "/api/gitops/sources/"+itoa(id)+"/test", body, map[string]string{"X-API-Key": "sim-api-key"})
		wantStatus(t, status, raw, http.StatusOK)
		var res papi.ConnectionTestResult
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := test(priv, ""); deref(res.Success) || !strings.Contains(deref(res.Error), "authentication failed") {
		t.Errorf("test without credentials = %+v", res)
	}
	if res := test(priv, `{"authentication":{"username":"`+sim.PrivateRepoUser+`","password":"`+sim.PrivateRepoPassword+`"}}`); !deref(res.Success) {
		t.Errorf("test with credentials = %+v", res)
	}
	if s, _ := h.sim.Source(priv); s.HasAuth {
		t.Error("a test changed the Source")
	}

	wf, err := h.c.GitOpsSourceWorkflowsWithResponse(h.ctx, priv)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, wf.StatusCode(), wf.Body, http.StatusOK)
	if n := len(*wf.JSON200); n != 2 || deref((*wf.JSON200)[0].Id) != deref(h.state(t, a).Stack.WorkflowID) ||
		deref((*wf.JSON200)[0].Target.EndpointId) != 1 {
		t.Errorf("workflows = %s", wf.Body)
	}

	old := onVersion(t, v239)
	for _, path := range []string{"/api/gitops/sources", "/api/gitops/sources/1", "/api/gitops/sources/1/workflows"} {
		status, body := old.do(t, "GET", path, "", apiKey)
		wantExactError(t, status, body, http.StatusNotFound, "404 page not found", "No route for GET "+path)
	}
}

// TestPreviewBySource: from 2.43 the file preview takes sourceId and reads the repository with
// the Source's URL and credentials ([243] git_repo_file_preview.go); 2.39 ignores it. CE's
// preview has no stackId: one sent is ignored, so a private repository is read without
// credentials.
func TestPreviewBySource(t *testing.T) {
	for _, version := range []string{v239, v245} {
		t.Run(version, func(t *testing.T) {
			h := onVersion(t, version)
			id := h.created(t, privateGit("billing", false))
			status, body := h.do(t, "POST", "/api/gitops/repo/file/preview",
				fmt.Sprintf(`{"repository":%q,"targetFile":"docker-compose.yml","stackId":%d}`, sim.PrivateRepoURL, id), apiKey)
			wantError(t, status, body, http.StatusBadRequest, "Invalid git credential")
			bySource, err := h.c.GitOperationRepoFilePreviewWithResponse(h.ctx, papi.RepositoryFilePreviewPayload{Repository: "", TargetFile: ptr("docker-compose.yml"), SourceId: ptr(h.state(t, id).SourceID)})
			if err != nil {
				t.Fatal(err)
			}
			if version == v239 {
				wantError(t, bySource.StatusCode(), bySource.Body, http.StatusBadRequest, "Invalid request payload", "Invalid repository URL")
				return
			}
			wantStatus(t, bySource.StatusCode(), bySource.Body, http.StatusOK)
			if !strings.Contains(deref(bySource.JSON200.FileContent), "billing") {
				t.Errorf("preview = %s", bySource.Body)
			}
			missing, err := h.c.GitOperationRepoFilePreviewWithResponse(h.ctx, papi.RepositoryFilePreviewPayload{Repository: sim.PrivateRepoURL, TargetFile: ptr("docker-compose.yml"), SourceId: ptr(99)})
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, missing.StatusCode(), missing.Body, http.StatusNotFound, "Unable to find a source with the specified identifier")
		})
	}
}

// TestRepositoriesListedBefore243: 2.41.1 and 2.42 answer GET /gitops/sources, for
// administrators, with one item per repository in use, its id a hash of the URL; the routes of
// a Source by id come with 2.43; 2.41.0 and older have none (PC §7 "Version history").
func TestRepositoriesListedBefore243(t *testing.T) {
	h := newHarness(t, sim.Options{Version: "2.42.0", DeployDelay: 5 * time.Millisecond,
		Users: []sim.User{{ID: 2, Username: "bob", Key: "bob-key"}}})
	a := h.created(t, privateGit("billing", false))
	b := h.created(t, privateGit("ledger", false))
	status, body := h.do(t, "GET", "/api/gitops/sources", "", apiKey)
	wantStatus(t, status, body, http.StatusOK)
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var private map[string]any
	for _, item := range list {
		if item["url"] == sim.PrivateRepoURL {
			private = item
		}
	}
	if id, _ := private["id"].(string); len(id) != 16 || private["usedBy"] != float64(2) || private["type"] != "git" {
		t.Errorf("the repository of stacks %d and %d: %v", a, b, private)
	}
	if h.state(t, a).SourceID != 0 {
		t.Error("a 2.42 stack is on a Source")
	}
	status, body = h.do(t, "GET", "/api/gitops/sources", "", map[string]string{"X-API-Key": "bob-key"})
	wantExactError(t, status, body, http.StatusForbidden, "Access denied", "Access denied")
	status, body = h.do(t, "GET", "/api/gitops/sources/1", "", apiKey)
	wantStatus(t, status, body, http.StatusNotFound)

	old := newHarness(t, sim.Options{Version: "2.41.0"})
	status, body = old.do(t, "GET", "/api/gitops/sources", "", apiKey)
	wantStatus(t, status, body, http.StatusNotFound)
}
