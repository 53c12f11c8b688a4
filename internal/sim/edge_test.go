package sim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// Edge rules, each from edge-be.md (beside this file), most measured on a real CE 2.23.

const edgeCompose = "services:\n  kiosk:\n    image: nginx:alpine\n"

// edgeHarness is an empty simulator with Edge Compute on, Docker edge environments 2 and 3
// (tag 1), a Docker environment 1, and edge groups 1 (static: 2, 3) and 2 (dynamic: tag 1).
func edgeHarness(t *testing.T, o sim.Options) *harness {
	t.Helper()
	o.Empty = true
	h := newHarness(t, o)
	h.sim.AddEnvironment(papi.Endpoint{Id: ptr(1), Name: ptr("local")}, "")
	h.sim.AddEnvironment(papi.Endpoint{Id: ptr(2), Name: ptr("edge1"), Type: ptr(papi.EndpointTypeEdgeDocker), TagIds: &[]int{1}}, "")
	h.sim.AddEnvironment(papi.Endpoint{Id: ptr(3), Name: ptr("edge2"), Type: ptr(papi.EndpointTypeEdgeDocker), TagIds: &[]int{1}}, "")
	h.sim.SetEdgeCompute(true)
	h.sim.AddEdgeGroup("static", false, nil, []int{2, 3}, false)
	h.sim.AddEdgeGroup("tagged", true, []int{1}, nil, true)
	return h
}

func (h *harness) edgeCreate(t *testing.T, name string, groups ...int) *papi.EdgeStackCreateStringResponse {
	t.Helper()
	resp, err := h.c.EdgeStackCreateStringWithResponse(h.ctx, papi.EdgeStackFromStringPayload{Name: name, StackFileContent: edgeCompose, EdgeGroups: groups})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestEdgeComputeOff: every edge route answers 503 while Edge Compute is off, after the
// authentication check; PUT /settings turns it on (edge-be.md §1.1, §1.5).
func TestEdgeComputeOff(t *testing.T) {
	h := newHarness(t, sim.Options{Empty: true})
	resp, err := h.c.EdgeStackListWithResponse(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode(), resp.Body, http.StatusServiceUnavailable, "Edge compute features are disabled", "Edge compute features are disabled")
	groups, _ := h.c.EdgeGroupListWithResponse(h.ctx)
	wantError(t, groups.StatusCode(), groups.Body, http.StatusServiceUnavailable, "Edge compute features are disabled")
	anon, _ := http.Get(h.url + "/api/edge_stacks")
	if anon.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401 before the Edge Compute check", anon.StatusCode)
	}
	set, err := h.c.SettingsUpdateWithResponse(h.ctx, papi.SettingsUpdatePayload{EnableEdgeComputeFeatures: ptr(true)})
	if err != nil || set.JSON200 == nil || !deref(set.JSON200.EnableEdgeComputeFeatures) {
		t.Fatalf("PUT /settings: %v %s", err, set.Body)
	}
	if resp, _ = h.c.EdgeStackListWithResponse(h.ctx); resp.StatusCode() != http.StatusOK || string(resp.Body) != "[]\n" {
		t.Errorf("with Edge Compute on: %d %s", resp.StatusCode(), resp.Body)
	}
	// A partial update: a body without the field leaves it on.
	if set, _ = h.c.SettingsUpdateWithResponse(h.ctx, papi.SettingsUpdatePayload{}); !deref(set.JSON200.EnableEdgeComputeFeatures) {
		t.Error("an empty settings update turned Edge Compute off")
	}
}

// TestEdgeAdminOnly: edge groups, edge stacks and the settings are for administrators: a
// standard user gets 403 before the Edge Compute check, an administrator's key goes through;
// the agents' status report is not behind the check (PB "Edge stacks, git credentials,
// settings"; edge-be.md §1.1, §2.2).
func TestEdgeAdminOnly(t *testing.T) {
	users := []sim.User{{ID: 2, Username: "bob", Key: "bob-key"}, {ID: 3, Username: "carol", Key: "carol-key", Admin: true}}
	bob, carol := map[string]string{"X-API-Key": "bob-key"}, map[string]string{"X-API-Key": "carol-key"}
	routes := []struct{ method, path, body string }{
		{"GET", "/api/edge_stacks", ""},
		{"GET", "/api/edge_stacks/1", ""},
		{"GET", "/api/edge_groups", ""},
		{"POST", "/api/edge_groups", `{"Name":"g"}`},
		{"PUT", "/api/settings", `{"EnableEdgeComputeFeatures":true}`},
	}
	off := newHarness(t, sim.Options{Empty: true, Users: users})
	for _, r := range routes {
		status, body := off.do(t, r.method, r.path, r.body, bob)
		wantExactError(t, status, body, http.StatusForbidden, "Access denied", "Unauthorized")
	}
	if status, body := off.do(t, "GET", "/api/edge_stacks", "", carol); status != http.StatusServiceUnavailable {
		t.Errorf("an administrator with Edge Compute off: %d %s, want 503", status, body)
	}
	on := edgeHarness(t, sim.Options{Users: users})
	for _, r := range routes {
		status, body := on.do(t, r.method, r.path, r.body, bob)
		wantExactError(t, status, body, http.StatusForbidden, "Access denied", "Unauthorized")
	}
	if status, body := on.do(t, "GET", "/api/edge_stacks", "", carol); status != http.StatusOK {
		t.Errorf("an administrator with Edge Compute on: %d %s", status, body)
	}
	created, err := on.c.EdgeStackCreateStringWithResponse(on.ctx, papi.EdgeStackFromStringPayload{Name: "kiosk", StackFileContent: composeOK, EdgeGroups: []int{1}})
	if err != nil || created.JSON200 == nil {
		t.Fatalf("edge stack: %v %s", err, created.Body)
	}
	status, body := on.do(t, "PUT", "/api/edge_stacks/"+itoa(deref(created.JSON200.Id))+"/status", `{"EndpointID":2,"Status":7}`,
		map[string]string{"X-API-Key": "bob-key", "X-PortainerAgent-EdgeID": "x"})
	wantStatus(t, status, body, http.StatusOK)
}

// TestEdgeGroups: 200 on create, duplicate names 400, non-edge environments dropped from a
// static group, a dynamic group's members from its tags, delete refused while an edge stack
// uses the group (edge-be.md §1.2-1.4).
func TestEdgeGroups(t *testing.T) {
	h := edgeHarness(t, sim.Options{})
	resp, err := h.c.EdgeGroupCreateWithResponse(h.ctx, papi.EdgeGroupPayload{Name: "mixed", Endpoints: &[]int{1, 2}})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("create: %v %s", err, resp.Body)
	}
	if got := deref(resp.JSON200.Endpoints); len(got) != 1 || got[0] != 2 {
		t.Errorf("static group endpoints %v, want [2]: the Docker environment is dropped", got)
	}
	dup, _ := h.c.EdgeGroupCreateWithResponse(h.ctx, papi.EdgeGroupPayload{Name: "mixed"})
	wantError(t, dup.StatusCode(), dup.Body, http.StatusBadRequest, "Edge group name must be unique")
	dyn, _ := h.c.EdgeGroupCreateWithResponse(h.ctx, papi.EdgeGroupPayload{Name: "d", Dynamic: ptr(true)})
	wantError(t, dyn.StatusCode(), dyn.Body, http.StatusBadRequest, "Invalid request payload", "TagIDs is mandatory")
	unknown, _ := h.c.EdgeGroupCreateWithResponse(h.ctx, papi.EdgeGroupPayload{Name: "u", Endpoints: &[]int{99}})
	wantError(t, unknown.StatusCode(), unknown.Body, http.StatusInternalServerError, "Unable to retrieve environment", "key=99")

	list, _ := h.c.EdgeGroupListWithResponse(h.ctx)
	tagged := false
	for _, g := range *list.JSON200 {
		if deref(g.Name) == "tagged" {
			tagged = true
			if len(deref(g.Endpoints)) != 2 {
				t.Errorf("dynamic group members %v, want the two tagged edge environments", deref(g.Endpoints))
			}
		}
	}
	if !tagged {
		t.Errorf("the dynamic group is not listed: %s", list.Body)
	}
	if c := h.edgeCreate(t, "uses-static", 1); c.JSON200 == nil {
		t.Fatalf("create edge stack: %s", c.Body)
	}
	del, _ := h.c.EdgeGroupDeleteWithResponse(h.ctx, 1)
	wantError(t, del.StatusCode(), del.Body, http.StatusConflict, "Edge group is used by an Edge stack")
	list, _ = h.c.EdgeGroupListWithResponse(h.ctx)
	if !deref((*list.JSON200)[0].HasEdgeStack) {
		t.Error("HasEdgeStack is false for a group an edge stack uses")
	}
	gone, _ := h.c.EdgeGroupInspectWithResponse(h.ctx, 99)
	wantError(t, gone.StatusCode(), gone.Body, http.StatusNotFound, "Unable to find an Edge group", "bucket=edgegroups, key=99")
}

// TestEdgeStackCreate: the create's order of checks and their answers (edge-be.md §2.4).
func TestEdgeStackCreate(t *testing.T) {
	h := edgeHarness(t, sim.Options{})
	ok := h.edgeCreate(t, "kiosk", 1)
	if ok.JSON200 == nil {
		t.Fatalf("create: %s", ok.Body)
	}
	st := ok.JSON200
	if deref(st.NumDeployments) != 2 || len(deref(st.Status)) != 0 || deref(st.Version) != 1 || st.GitConfig != nil {
		t.Errorf("new edge stack: NumDeployments %d, Status %v, Version %d, GitConfig %v; want 2, {} (2.23: no entry until a report), 1, none",
			deref(st.NumDeployments), deref(st.Status), deref(st.Version), st.GitConfig)
	}
	for _, c := range []struct {
		name   string
		groups []int
		status int
		msg    string
		detail string
	}{
		{"", []int{1}, 400, "Invalid payload", "Invalid stack name"},
		{"x", nil, 400, "Invalid payload", "Edge Groups are mandatory"},
		{"KIOSK", []int{1}, 409, "Edge stack name must be unique", ""},
		{"y", []int{7}, 400, "Invalid payload", "Edge group was not found"},
	} {
		r := h.edgeCreate(t, c.name, c.groups...)
		wantError(t, r.StatusCode(), r.Body, c.status, c.msg, c.detail)
	}
	// A Kubernetes stack on Docker edge environments.
	k, _ := h.c.EdgeStackCreateStringWithResponse(h.ctx, papi.EdgeStackFromStringPayload{Name: "k", StackFileContent: edgeCompose, EdgeGroups: []int{1}, DeploymentType: 1})
	wantError(t, k.StatusCode(), k.Body, http.StatusInternalServerError, "Unable to create Edge stack", "do not match the environment type")
}

// TestEdgeStackFromGit: CE clones once and keeps no Git settings; a path that is not in the
// repository is noticed only by /file (500); clone failures are 500 (edge-be.md §2.3, §2.4).
func TestEdgeStackFromGit(t *testing.T) {
	h := edgeHarness(t, sim.Options{})
	const repo = "https://git.example.com/edge/app.git"
	h.sim.AddRepo(repo, "u", "p")
	h.sim.Commit(repo, "refs/heads/main", map[string]string{"sub/compose.yml": edgeCompose})
	create := func(name, path, pass string) *papi.EdgeStackCreateRepositoryResponse {
		r, err := h.c.EdgeStackCreateRepositoryWithResponse(h.ctx, papi.EdgeStackFromGitPayload{Name: name, RepositoryURL: repo,
			RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true), RepositoryUsername: ptr("u"),
			RepositoryPassword: ptr(pass), FilePathInRepository: ptr(path), EdgeGroups: []int{1},
			AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5m")}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	good := create("git", "sub/compose.yml", "p")
	if good.JSON200 == nil || good.JSON200.GitConfig != nil || good.JSON200.AutoUpdate != nil || deref(good.JSON200.EntryPoint) != "sub/compose.yml" {
		t.Fatalf("CE keeps no Git settings and ignores AutoUpdate: %s", good.Body)
	}
	file, _ := h.c.EdgeStackFileWithResponse(h.ctx, deref(good.JSON200.Id))
	if deref(file.JSON200.StackFileContent) != edgeCompose {
		t.Errorf("file %q", deref(file.JSON200.StackFileContent))
	}
	missing := create("nofile", "docker-compose.yml", "p")
	if missing.JSON200 == nil {
		t.Fatalf("a missing path is not checked at create: %s", missing.Body)
	}
	gone, _ := h.c.EdgeStackFileWithResponse(h.ctx, deref(missing.JSON200.Id))
	wantError(t, gone.StatusCode(), gone.Body, http.StatusInternalServerError, "Unable to retrieve stack file from disk", "Could not get the contents of the file 'docker-compose.yml'")
	bad := create("badpw", "sub/compose.yml", "wrong")
	wantError(t, bad.StatusCode(), bad.Body, http.StatusInternalServerError, "Unable to create Edge stack", "authentication failed")
	nopw := create("nopw", "sub/compose.yml", "")
	wantError(t, nopw.StatusCode(), nopw.Body, http.StatusBadRequest, "Invalid payload", "Password must be specified")
}

// TestEdgeStackUpdate: StackFileContent and EdgeGroups always required; without UpdateVersion
// only the groups change; with it the file, the version and a fresh status per environment;
// an unknown group is a 500 here (edge-be.md §2.5).
func TestEdgeStackUpdate(t *testing.T) {
	h := edgeHarness(t, sim.Options{})
	id := deref(h.edgeCreate(t, "kiosk", 1).JSON200.Id)
	h.sim.AgentReport(id, 2, 0, 7, "")
	up := func(p papi.EdgeStackUpdatePayload) *papi.EdgeStackUpdateResponse {
		r, err := h.c.EdgeStackUpdateWithResponse(h.ctx, id, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := up(papi.EdgeStackUpdatePayload{EdgeGroups: []int{1}})
	wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, "Invalid request payload", "Invalid stack file content")
	r = up(papi.EdgeStackUpdatePayload{StackFileContent: "services: {}\n"})
	wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, "Invalid request payload", "Edge Groups are mandatory")
	r = up(papi.EdgeStackUpdatePayload{StackFileContent: "services: {}\n", EdgeGroups: []int{9}})
	wantError(t, r.StatusCode(), r.Body, http.StatusInternalServerError, "Unable to handle edge groups change")

	r = up(papi.EdgeStackUpdatePayload{StackFileContent: "services: {}\n", EdgeGroups: []int{2}})
	if r.JSON200 == nil || deref(r.JSON200.Version) != 1 || deref(r.JSON200.EdgeGroups)[0] != 2 {
		t.Fatalf("groups only: %s", r.Body)
	}
	if st, _ := h.sim.EdgeStack(id); st.File != edgeCompose || len(deref(deref(st.Stack.Status)["2"].Status)) != 1 {
		t.Errorf("without UpdateVersion the file was written or the reports reset: %q %v", st.File, deref(st.Stack.Status))
	}
	r = up(papi.EdgeStackUpdatePayload{StackFileContent: "services: {}\n", EdgeGroups: []int{2}, UpdateVersion: ptr(true)})
	st, _ := h.sim.EdgeStack(id)
	if r.JSON200 == nil || deref(r.JSON200.Version) != 2 || st.File != "services: {}\n" {
		t.Fatalf("UpdateVersion: %s, file %q", r.Body, st.File)
	}
	for env, s := range deref(st.Stack.Status) {
		if len(deref(s.Status)) != 0 {
			t.Errorf("environment %s kept its reports after a new version: %v", env, deref(s.Status))
		}
	}
	if len(deref(st.Stack.Status)) != 2 {
		t.Errorf("a new version gives every environment an empty entry: %v", deref(st.Stack.Status))
	}
}

// TestEdgeStackStatusReports: the agents' route is public but needs the edge id header and an
// edge environment; an error needs its message; Removed deletes the entry (edge-be.md §2.2).
func TestEdgeStackStatusReports(t *testing.T) {
	h := edgeHarness(t, sim.Options{})
	id := deref(h.edgeCreate(t, "kiosk", 1).JSON200.Id)
	report := func(env, status int, errText, edgeID string) (int, []byte) {
		var params papi.EdgeStackStatusUpdateParams
		if edgeID != "" {
			params.XPortainerAgentEdgeID = &edgeID
		}
		r, err := h.c.EdgeStackStatusUpdateWithResponse(h.ctx, id, &params, papi.EdgeStackStatusPayload{EndpointID: env, Status: ptr(status), Error: ptr(errText)})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body
	}
	status, body := report(2, 7, "", "")
	wantError(t, status, body, http.StatusForbidden, "Permission denied to access environment", "missing Edge identifier. Environment name: edge1")
	status, body = report(1, 7, "", "x")
	wantError(t, status, body, http.StatusForbidden, "Permission denied", "Invalid environment type")
	status, body = report(3, 2, "", "x")
	wantError(t, status, body, http.StatusBadRequest, "Invalid request payload", "error message is mandatory when status is error. Environment ID: 3")
	if status, body = report(2, 7, "", "any"); status != http.StatusOK || !strings.Contains(string(body), `"Type":7`) {
		t.Fatalf("report: %d %s", status, body)
	}
	if status, _ = report(3, 2, "pull access denied", "any"); status != http.StatusOK {
		t.Fatal(status)
	}
	st, _ := h.sim.EdgeStack(id)
	if rs := deref(deref(st.Stack.Status)["3"].Status); len(rs) != 1 || deref(rs[0].Error) != "pull access denied" {
		t.Errorf("error report: %v", rs)
	}
	report(2, 4, "", "any")
	if st, _ = h.sim.EdgeStack(id); len(deref(st.Stack.Status)) != 1 {
		t.Errorf("Removed keeps the entry: %v", deref(st.Stack.Status))
	}
	anon, _ := http.NewRequest(http.MethodPut, h.url+"/api/edge_stacks/99/status", strings.NewReader(`{"EndpointID":2,"Status":7}`))
	anon.Header.Set("Content-Type", "application/json")
	anon.Header.Set("X-PortainerAgent-EdgeID", "x")
	if resp, err := http.DefaultClient.Do(anon); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("a report on a deleted stack without credentials: %v %v, want 200 null", err, resp)
	}
}

// TestEdgeStatusPerEnvironment: 2.45 has an empty entry per environment from the start
// (edge-be.md §2.2, CE 2.45 source).
func TestEdgeStatusPerEnvironment(t *testing.T) {
	h := edgeHarness(t, sim.Options{Version: "2.45.0"})
	st := h.edgeCreate(t, "kiosk", 1).JSON200
	if s := deref(st.Status); len(s) != 2 || s["2"].Status == nil || len(*s["2"].Status) != 0 {
		t.Errorf("2.45 status after create: %v", s)
	}
}

// TestBusinessEditionRoutes: the Business Edition's routes answer 404 on CE; each credential
// API exists in its era only (edge-be.md §4.3).
func TestBusinessEditionRoutes(t *testing.T) {
	for _, c := range []struct {
		edition, version string
		method, path     string
		want             int
	}{
		{"CE", "2.45.0", http.MethodPut, "/api/edge_stacks/1/git", 404},
		{"CE", "2.45.0", http.MethodPost, "/api/edge_stacks/webhooks/3f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c", 404},
		{"CE", "2.45.0", http.MethodGet, "/api/cloud/gitcredentials", 404},
		{"CE", "2.23.0", http.MethodGet, "/api/users/1/gitcredentials", 404},
		{"BE", "2.45.0", http.MethodGet, "/api/cloud/gitcredentials", 200},
		{"BE", "2.45.0", http.MethodGet, "/api/users/1/gitcredentials", 404},
		{"BE", "2.39.0", http.MethodGet, "/api/users/1/gitcredentials", 200},
		{"BE", "2.39.0", http.MethodGet, "/api/cloud/gitcredentials", 404},
		{"BE", "2.39.0", http.MethodGet, "/api/users/2/gitcredentials", 403},
		{"BE", "2.45.0", http.MethodPost, "/api/edge_stacks/webhooks/3f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c", 404},
	} {
		h := edgeHarness(t, sim.Options{Edition: c.edition, Version: c.version})
		req, _ := http.NewRequest(c.method, h.url+c.path, strings.NewReader("{}"))
		req.Header.Set("X-API-Key", "sim-api-key")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %s %s answered %d, want %d", c.edition, c.version, c.method, c.path, resp.StatusCode, c.want)
		}
	}
}

// TestEdgeGitBusinessEdition: PUT /edge_stacks/{id}/git replaces RefName, AutoUpdate, EnvVars
// and Authentication; credentials with neither password nor saved credential are refused; null
// drops them; UpdateVersion pulls (edge-be.md §4.1). The webhook pulls only a new commit (edge-be.md §4.2).
func TestEdgeGitBusinessEdition(t *testing.T) {
	h := edgeHarness(t, sim.Options{Edition: "BE", Version: "2.45.0"})
	const repo = "https://git.example.com/edge/private.git"
	h.sim.AddRepo(repo, "u", "p")
	h.sim.Commit(repo, "refs/heads/main", map[string]string{"docker-compose.yml": edgeCompose})
	hook := "3f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c"
	created, err := h.c.EdgeStackCreateRepositoryWithResponse(h.ctx, papi.EdgeStackFromGitPayload{Name: "g", RepositoryURL: repo,
		RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true), RepositoryUsername: ptr("u"), RepositoryPassword: ptr("p"),
		EdgeGroups: []int{1}, AutoUpdate: &papi.AutoUpdateSettings{Webhook: &hook}, EnvVars: &[]papi.Pair{{Name: "A", Value: ptr("1")}}})
	if err != nil || created.JSON200 == nil || created.JSON200.GitConfig == nil || deref(created.JSON200.GitConfig.Authentication.Password) != "" {
		t.Fatalf("BE create keeps GitConfig with a blanked password: %v %s", err, created.Body)
	}
	id := deref(created.JSON200.Id)
	put := func(p papi.EdgeStackGitUpdatePayload) (int, []byte) {
		r, err := h.c.EdgeStackUpdateFromGitWithResponse(h.ctx, id, p)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body
	}
	status, body := put(papi.EdgeStackGitUpdatePayload{RefName: ptr("refs/heads/main"), Authentication: &papi.GitAuthentication{Username: ptr("u"), Password: ptr("")}})
	wantError(t, status, body, http.StatusBadRequest, "Invalid request payload", "Password or GitCredentialID must be specified")
	status, body = put(papi.EdgeStackGitUpdatePayload{RefName: ptr("refs/heads/main"), GroupIds: &[]int{}})
	wantError(t, status, body, http.StatusBadRequest, "Invalid request payload", "Must contain at least one Edge group ID")

	// A payload with only the reference: GitOps off, env and credentials gone, groups kept.
	h.sim.AddRepo(repo, "", "") // public now, so the commit can be read without credentials
	if status, body = put(papi.EdgeStackGitUpdatePayload{RefName: ptr("refs/heads/main")}); status != http.StatusNoContent {
		t.Fatalf("PUT git: %d %s", status, body)
	}
	st, _ := h.sim.EdgeStack(id)
	if st.Stack.AutoUpdate != nil || len(deref(st.Stack.EnvVars)) != 0 || st.Stack.GitConfig.Authentication != nil || deref(st.Stack.EdgeGroups)[0] != 1 {
		t.Errorf("omitted fields are replaced, GroupIds kept: %+v", st.Stack)
	}
	v1 := deref(st.Stack.Version)
	h.sim.Commit(repo, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  kiosk:\n    image: nginx:1.27\n"})
	put(papi.EdgeStackGitUpdatePayload{RefName: ptr("refs/heads/main"), AutoUpdate: &papi.AutoUpdateSettings{Webhook: &hook}, UpdateVersion: ptr(true)})
	st, _ = h.sim.EdgeStack(id)
	if deref(st.Stack.Version) != v1+1 || !strings.Contains(st.File, "1.27") {
		t.Errorf("UpdateVersion pulls: version %d (was %d), file %q", deref(st.Stack.Version), v1, st.File)
	}
	invoke := func(id string) int {
		r, err := h.c.EdgeStackWebhookInvokeWithResponse(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode()
	}
	if got := invoke(hook); got != http.StatusNoContent {
		t.Fatalf("webhook: %d", got)
	}
	if st, _ = h.sim.EdgeStack(id); deref(st.Stack.Version) != v1+1 {
		t.Errorf("a webhook without a new commit made version %d", deref(st.Stack.Version))
	}
	h.sim.Commit(repo, "refs/heads/main", map[string]string{"docker-compose.yml": edgeCompose})
	invoke(strings.ToUpper(hook))
	if st, _ = h.sim.EdgeStack(id); deref(st.Stack.Version) != v1+2 {
		t.Errorf("a webhook after a commit (id in upper case) made version %d, want %d", deref(st.Stack.Version), v1+2)
	}
	if got := invoke("not-a-uuid"); got != http.StatusBadRequest {
		t.Errorf("bad webhook id: %d", got)
	}
	if got := invoke("0f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c"); got != http.StatusNotFound {
		t.Errorf("unknown webhook id: %d", got)
	}
	dup, _ := h.c.EdgeStackCreateStringWithResponse(h.ctx, papi.EdgeStackFromStringPayload{Name: "other", StackFileContent: edgeCompose, EdgeGroups: []int{1}, Webhook: &hook})
	wantError(t, dup.StatusCode(), dup.Body, http.StatusConflict, "Webhook ID already exists")
}

// TestChangeWindow: the Business Edition stores ChangeWindow on PUT /endpoints/{id} and
// refuses a time that is not HH:mm; CE ignores the field (edge-be.md §4.5).
func TestChangeWindow(t *testing.T) {
	for _, edition := range []string{"CE", "BE"} {
		h := edgeHarness(t, sim.Options{Edition: edition})
		r, err := h.c.EndpointUpdateWithResponse(h.ctx, 1, papi.EndpointUpdatePayload{ChangeWindow: &papi.ChangeWindow{Enabled: ptr(true), StartTime: ptr("22:00"), EndTime: ptr("02:00")}})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s: %v %s", edition, err, r.Body)
		}
		if got := r.JSON200.ChangeWindow; (got != nil) != (edition == "BE") || (got != nil && deref(got.EndTime) != "02:00") {
			t.Errorf("%s: ChangeWindow %+v", edition, got)
		}
		bad, _ := h.c.EndpointUpdateWithResponse(h.ctx, 1, papi.EndpointUpdatePayload{ChangeWindow: &papi.ChangeWindow{Enabled: ptr(true), StartTime: ptr("99:00"), EndTime: ptr("02:00")}})
		if want := map[string]int{"CE": 200, "BE": 400}[edition]; bad.StatusCode() != want {
			t.Errorf("%s: invalid time answered %d, want %d", edition, bad.StatusCode(), want)
		}
	}
}
