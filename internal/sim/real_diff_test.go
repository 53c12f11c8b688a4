package sim_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// What the real Portainer taught, beyond portainer-behaviour.md (measured on a real CE 2.23 with
// docker compose v2.29.2 by this test; `go test -v -run TestRealPortainerDiff` logs every answer):
//   - Every error's details begin with a capital letter (libhttp's capitalize), the message stays as
//     the handler wrote it, so one error can read {"message":"failed to deploy a stack: X\n",
//     "details":"Failed to deploy a stack: X\n"}. Answers end without a newline.
//   - Compose's errors keep compose's trailing newline: invalid YAML is 500 "failed to deploy a
//     stack: yaml: line 1: ...\n"; a missing compose or additional file of a Git stack is 500 "failed
//     to deploy a stack: stat <project path>/<file>: no such file or directory\n".
//   - A stack or environment read by an id that does not exist (also a create on an unknown
//     environment): 404, details "Object not found inside the database (bucket=stacks, key=N)"
//     (bucket=endpoints); an unknown webhook: 404, details without bucket or key.
//   - Git create from a private repository without or with wrong credentials: 500 "Invalid git
//     credential" (message and details); with RepositoryAuthentication and no password: 400 "Invalid
//     repository credentials. Password must be specified when authentication is enabled".
//   - A Git redeploy whose clone is refused: 500 "Unable to clone git repository directory", details
//     "Invalid git credential: authentication failed, please ensure that the git credentials are
//     correct". POST /stacks/{id}/git with a wrong password: 500 "Unable to fetch git repository",
//     details "Authentication failed, ..."; on a file-based stack: 500 "No Git config in the found
//     stack". A redeploy of a file-based or detached stack: 400 "Stack is not created from git".
//   - A webhook id already in use, on create: 409, message "Webhook ID: <uuid> already exists",
//     details "A webhook ID already exists". A malformed one on POST /stacks/webhooks/{id}: 400
//     "Invalid webhook identifier route variable", details in gofrs/uuid's words ("Uuid: incorrect
//     UUID length 10 in string \"not-a-uuid\"").
//   - A Git create without a reference stores ReferenceName "" (the default branch). POST
//     /stacks/{id}/git with AutoUpdate alone leaves Env [], ReferenceName "" and no Authentication.
//   - PUT /stacks/{id} on a Git stack also sets FromAppTemplate=true; Portainer's auto-update never
//     redeploys a stack so marked (api/stacks/deployments/deploy.go).
//   - The file preview of a missing file: 500 "Unable to retrieve custom template file from disk",
//     details "Could not get the contents of the file 'nope.yml'"; of an unknown repository or
//     reference: 500 "unable to clone git repository, error: failed to clone git repository:
//     repository not found" ("reference not found"); of a private one without or with wrong
//     credentials: 400 "Invalid git credential", details "Authentication failed, ...".
//   - Environments added through POST /endpoints on the same Docker socket are each Type 1, Status 1,
//     and page in id order.

// TestRealPortainerDiff runs one script of REST calls through the generated client against the
// simulator (profile 2.23) and against a real Portainer CE 2.23 (shared/real-portainer/up.sh;
// `make test-real`), and requires the same status codes, the same messages and the same value of
// every field the tools read, once ids, dates, commit hashes and names are replaced by symbols.
// It is skipped when the REAL_* variables are absent.
func TestRealPortainerDiff(t *testing.T) {
	p := realtest.Load(t)
	simSide, realSide := simTarget(t), realTarget(t, p)
	diffScript(simSide)
	diffScript(realSide)
	if len(simSide.obs) != len(realSide.obs) {
		t.Fatalf("the simulator made %d observations, the real Portainer %d", len(simSide.obs), len(realSide.obs))
	}
	for i, s := range simSide.obs {
		r := realSide.obs[i]
		sj, _ := json.Marshal(s)
		rj, _ := json.Marshal(r)
		if string(sj) != string(rj) {
			t.Errorf("step %q differs:\n  simulator: %s\n  real:      %s", s.Step, sj, rj)
		}
	}
	if testing.Verbose() {
		for _, o := range realSide.obs {
			raw, _ := json.Marshal(o)
			t.Logf("real: %s", raw)
		}
	}
	t.Logf("%d steps compared", len(simSide.obs))
}

// files of the test repositories: a compose file and an additional file.
func repoFiles(marker string) map[string]string {
	return map[string]string{
		"docker-compose.yml": realtest.Compose("app", marker),
		"extra.yml":          "services:\n  app:\n    environment:\n      EXTRA: \"1\"\n",
	}
}

// diffScript is the sequence of calls; each step records what came back on tg.
func diffScript(tg *target) {
	t, c, ctx := tg.t, tg.c, tg.ctx
	env := tg.env
	tg.sym("env", fmt.Sprint(env))
	stackSeen := func(step string) func(int, []byte) {
		return func(status int, body []byte) { tg.see(step, status, body, tg.stackView) }
	}

	// Compose stacks from text.
	name := tg.stackName("diff-compose")
	v1, v2 := realtest.Compose("app", "v1"), realtest.Compose("app", "v2")
	cr, err := c.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: env},
		papi.ComposeStackFromStringPayload{Name: name, StackFileContent: v1, Env: &[]papi.Pair{{Name: "X", Value: ptr("1")}}})
	must(t, err)
	id := tg.created(cr.StatusCode(), cr.JSON200)
	stackSeen("create compose")(cr.StatusCode(), cr.Body)

	for _, bad := range []struct{ step, name, content string }{
		{"create: same name in upper case", strings.ToUpper(name), v1},
		{"create: invalid YAML", tg.stackName("diff-bad-yaml"), "services: [oops"},
		{"create: empty name", "", v1},
		{"create: empty file", tg.stackName("diff-empty"), ""},
	} {
		r, err := c.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: env},
			papi.ComposeStackFromStringPayload{Name: bad.name, StackFileContent: bad.content})
		must(t, err)
		tg.created(r.StatusCode(), r.JSON200)
		stackSeen(bad.step)(r.StatusCode(), r.Body)
	}
	r404, err := c.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: 999999},
		papi.ComposeStackFromStringPayload{Name: tg.stackName("diff-noenv"), StackFileContent: v1})
	must(t, err)
	stackSeen("create: unknown environment")(r404.StatusCode(), r404.Body)

	in, err := c.StackInspectWithResponse(ctx, id)
	must(t, err)
	stackSeen("inspect")(in.StatusCode(), in.Body)
	filters := fmt.Sprintf(`{"EndpointID":%d}`, env)
	ls, err := c.StackListWithResponse(ctx, &papi.StackListParams{Filters: &filters})
	must(t, err)
	tg.see("list by environment", ls.StatusCode(), ls.Body, tg.ours)
	fileSeen := func(step string) {
		f, err := c.StackFileInspectWithResponse(ctx, id)
		must(t, err)
		tg.see(step, f.StatusCode(), f.Body, decoded)
	}
	fileSeen("file")

	up, err := c.StackUpdateWithResponse(ctx, id, &papi.StackUpdateParams{EndpointId: env},
		papi.StackUpdatePayload{StackFileContent: &v2, Env: &[]papi.Pair{{Name: "Y", Value: ptr("2")}}, PullImage: ptr(false)})
	must(t, err)
	stackSeen("update")(up.StatusCode(), up.Body)
	fileSeen("file after update")
	upBad, err := c.StackUpdateWithResponse(ctx, id, &papi.StackUpdateParams{EndpointId: env}, papi.StackUpdatePayload{Env: &[]papi.Pair{}})
	must(t, err)
	stackSeen("update without file")(upBad.StatusCode(), upBad.Body)

	for _, step := range []string{"stop", "stop again", "start", "start again"} {
		var status int
		var body []byte
		if strings.HasPrefix(step, "stop") {
			r, err := c.StackStopWithResponse(ctx, id, &papi.StackStopParams{EndpointId: env})
			must(t, err)
			status, body = r.StatusCode(), r.Body
		} else {
			r, err := c.StackStartWithResponse(ctx, id, &papi.StackStartParams{EndpointId: env})
			must(t, err)
			status, body = r.StatusCode(), r.Body
		}
		stackSeen(step)(status, body)
	}
	for _, step := range []string{"delete", "delete again"} {
		d, err := c.StackDeleteWithResponse(ctx, id, &papi.StackDeleteParams{EndpointId: &env})
		must(t, err)
		tg.see(step, d.StatusCode(), d.Body, nil)
	}
	gone, err := c.StackInspectWithResponse(ctx, id)
	must(t, err)
	stackSeen("inspect deleted")(gone.StatusCode(), gone.Body)

	pub, hook := gitScript(tg)
	webhookScript(tg, pub, hook)
	previewScript(tg)
	endpointScript(tg)
}

// gitScript: Git stacks with and without credentials, POST /stacks/{id}/git, redeploy.
// It returns the public Git stack and its webhook.
func gitScript(tg *target) (int, string) {
	t, c, ctx, env := tg.t, tg.c, tg.ctx, tg.env
	stackSeen := func(step string, status int, body []byte) { tg.see(step, status, body, tg.stackView) }
	tg.commit("pub", repoFiles("pub-1"))
	tg.commit("priv", repoFiles("priv-1"))
	hook := uuid.NewString()
	tg.sym("webhook", hook)

	create := func(step string, p papi.ComposeStackFromGitPayload) int {
		r, err := c.StackCreateDockerStandaloneRepositoryWithResponse(ctx, &papi.StackCreateDockerStandaloneRepositoryParams{EndpointId: env}, p)
		must(t, err)
		id := tg.created(r.StatusCode(), r.JSON200)
		stackSeen(step, r.StatusCode(), r.Body)
		return id
	}
	pub := create("git create: public, webhook and interval", papi.ComposeStackFromGitPayload{
		Name: tg.stackName("diff-pub"), RepositoryURL: tg.pubURL, RepositoryReferenceName: ptr("refs/heads/main"),
		ComposeFile: ptr("docker-compose.yml"), AdditionalFiles: &[]string{"extra.yml"},
		AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5m"), Webhook: ptr(hook)},
		Env:        &[]papi.Pair{{Name: "E", Value: ptr("1")}},
	})
	priv := create("git create: private with credentials", papi.ComposeStackFromGitPayload{
		Name: tg.stackName("diff-priv"), RepositoryURL: tg.privURL,
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user), RepositoryPassword: ptr(tg.pass),
		AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("1h")},
		Env:        &[]papi.Pair{{Name: "P", Value: ptr("1")}},
	})
	for _, bad := range []struct {
		step string
		p    papi.ComposeStackFromGitPayload
	}{
		{"git create: private without credentials", papi.ComposeStackFromGitPayload{RepositoryURL: tg.privURL}},
		{"git create: private with a wrong password", papi.ComposeStackFromGitPayload{RepositoryURL: tg.privURL,
			RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user), RepositoryPassword: ptr("wrong-password")}},
		{"git create: authentication without password", papi.ComposeStackFromGitPayload{RepositoryURL: tg.privURL,
			RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user)}},
		{"git create: missing compose file", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, ComposeFile: ptr("nope.yml")}},
		{"git create: missing additional file", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, AdditionalFiles: &[]string{"nope.yml"}}},
		{"git create: unknown reference", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, RepositoryReferenceName: ptr("refs/heads/nope")}},
		{"git create: webhook in use", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr(hook)}}},
		{"git create: interval 5x", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5x")}}},
		{"git create: neither interval nor webhook", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, AutoUpdate: &papi.AutoUpdateSettings{}}},
		{"git create: webhook not a UUID", papi.ComposeStackFromGitPayload{RepositoryURL: tg.pubURL, AutoUpdate: &papi.AutoUpdateSettings{Webhook: ptr("not-a-uuid")}}},
		{"git create: not a URL", papi.ComposeStackFromGitPayload{RepositoryURL: "not a url"}},
	} {
		bad.p.Name = tg.stackName("diff-bad")
		create(bad.step, bad.p)
	}

	gitUpdate := func(step string, id int, p papi.StackGitUpdatePayload) {
		r, err := c.StackUpdateGitWithResponse(ctx, id, &papi.StackUpdateGitParams{EndpointId: &env}, p)
		must(t, err)
		stackSeen(step, r.StatusCode(), r.Body)
	}
	redeploy := func(step string, id int, p papi.StackGitRedeployPayload) {
		r, err := c.StackGitRedeployWithResponse(ctx, id, &papi.StackGitRedeployParams{EndpointId: &env}, p)
		must(t, err)
		stackSeen(step, r.StatusCode(), r.Body)
	}
	privEnv := &[]papi.Pair{{Name: "P", Value: ptr("1")}}
	gitUpdate("git settings: credentials kept by an empty password", priv, papi.StackGitUpdatePayload{
		AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("2h")}, Env: privEnv, RepositoryReferenceName: ptr("refs/heads/main"),
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user), RepositoryPassword: ptr(""),
	})
	tg.commit("priv", repoFiles("priv-2"))
	redeploy("redeploy: stored credentials", priv, papi.StackGitRedeployPayload{
		RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user), Env: privEnv,
	})
	gitUpdate("git settings: a wrong password", priv, papi.StackGitUpdatePayload{
		AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("2h")}, Env: privEnv, RepositoryReferenceName: ptr("refs/heads/main"),
		RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(tg.user), RepositoryPassword: ptr("wrong-password"),
	})
	gitUpdate("git settings: interval 5x", priv, papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5x")}})
	gitUpdate("git settings: full replacement", priv, papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("10m")}})
	redeploy("redeploy: private without credentials", priv, papi.StackGitRedeployPayload{})

	tg.commit("pub", repoFiles("pub-2"))
	redeploy("redeploy: public after a push", pub, papi.StackGitRedeployPayload{RepositoryReferenceName: ptr("refs/heads/main"), Env: &[]papi.Pair{{Name: "E", Value: ptr("2")}}})

	// A file-based stack has no Git settings to change or redeploy.
	fr, err := c.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: env},
		papi.ComposeStackFromStringPayload{Name: tg.stackName("diff-file"), StackFileContent: realtest.Compose("app", "file")})
	must(t, err)
	file := tg.created(fr.StatusCode(), fr.JSON200)
	stackSeen("create file-based", fr.StatusCode(), fr.Body)
	gitUpdate("git settings: file-based stack", file, papi.StackGitUpdatePayload{AutoUpdate: &papi.AutoUpdateSettings{Interval: ptr("5m")}})
	redeploy("redeploy: file-based stack", file, papi.StackGitRedeployPayload{})

	// PUT on a Git stack detaches it.
	up, err := c.StackUpdateWithResponse(ctx, priv, &papi.StackUpdateParams{EndpointId: env}, papi.StackUpdatePayload{StackFileContent: ptr(realtest.Compose("app", "detached"))})
	must(t, err)
	stackSeen("update detaches a Git stack", up.StatusCode(), up.Body)
	redeploy("redeploy: detached stack", priv, papi.StackGitRedeployPayload{})
	return pub, hook
}

// webhookScript: invoking webhooks, a push deployed by one, and ForceUpdate without a push.
func webhookScript(tg *target, pub int, hook string) {
	t, c, ctx, env := tg.t, tg.c, tg.ctx, tg.env
	for _, w := range []struct{ step, id string }{
		{"webhook: not a UUID", "not-a-uuid"},
		{"webhook: unknown", uuid.NewString()},
	} {
		r, err := c.WebhookInvokeWithResponse(ctx, w.id)
		must(t, err)
		tg.see(w.step, r.StatusCode(), r.Body, nil)
	}
	pushed := tg.commit("pub", repoFiles("pub-3"))
	r, err := c.WebhookInvokeWithResponse(ctx, hook)
	must(t, err)
	tg.see("webhook: after a push", r.StatusCode(), r.Body, nil)
	st := tg.awaitStack(pub, time.Minute, func(st papi.Stack) bool { return deref(deref(st.GitConfig).ConfigHash) == pushed })
	if got := deref(deref(st.GitConfig).ConfigHash); got != pushed {
		t.Errorf("%s: the webhook did not deploy the pushed commit %s within a minute (deployed: %s)", tg.name, pushed, got)
	}
	tg.seeStack("stack after the webhook", st)

	// PB: 2.23 stores ForceUpdate and ignores it; a webhook without a new commit redeploys nothing.
	g, err := c.StackUpdateGitWithResponse(ctx, pub, &papi.StackUpdateGitParams{EndpointId: &env}, papi.StackGitUpdatePayload{
		AutoUpdate:              &papi.AutoUpdateSettings{Interval: ptr("5m"), Webhook: ptr(hook), ForceUpdate: ptr(true)},
		RepositoryReferenceName: ptr("refs/heads/main"), Env: &[]papi.Pair{{Name: "E", Value: ptr("2")}},
	})
	must(t, err)
	tg.see("git settings: ForceUpdate", g.StatusCode(), g.Body, tg.stackView)
	before := deref(deref(g.JSON200).UpdateDate)
	time.Sleep(1100 * time.Millisecond) // UpdateDate counts seconds
	r, err = c.WebhookInvokeWithResponse(ctx, hook)
	must(t, err)
	tg.see("webhook: ForceUpdate, no push", r.StatusCode(), r.Body, nil)
	st = tg.awaitStack(pub, 3*time.Second, func(st papi.Stack) bool { return deref(st.UpdateDate) != before })
	tg.obs = append(tg.obs, observation{Step: "ForceUpdate redeployed without a push", Status: 200, View: deref(st.UpdateDate) != before})
}

// previewScript: the file preview of repositories, and its errors.
func previewScript(tg *target) {
	t, c, ctx := tg.t, tg.c, tg.ctx
	unknown := strings.Replace(tg.pubURL, "/diff-", "/nope-", 1)
	for _, pv := range []struct {
		step string
		p    papi.RepositoryFilePreviewPayload
	}{
		{"preview: public, default reference", papi.RepositoryFilePreviewPayload{Repository: tg.pubURL, TargetFile: ptr("docker-compose.yml")}},
		{"preview: public, main, additional file", papi.RepositoryFilePreviewPayload{Repository: tg.pubURL, Reference: ptr("refs/heads/main"), TargetFile: ptr("extra.yml")}},
		{"preview: private with credentials", papi.RepositoryFilePreviewPayload{Repository: tg.privURL, TargetFile: ptr("docker-compose.yml"), Username: ptr(tg.user), Password: ptr(tg.pass)}},
		{"preview: missing file", papi.RepositoryFilePreviewPayload{Repository: tg.pubURL, TargetFile: ptr("nope.yml")}},
		{"preview: unknown reference", papi.RepositoryFilePreviewPayload{Repository: tg.pubURL, Reference: ptr("refs/heads/nope"), TargetFile: ptr("docker-compose.yml")}},
		{"preview: unknown repository", papi.RepositoryFilePreviewPayload{Repository: unknown, TargetFile: ptr("docker-compose.yml")}},
		{"preview: private without credentials", papi.RepositoryFilePreviewPayload{Repository: tg.privURL, TargetFile: ptr("docker-compose.yml")}},
		{"preview: private, wrong password", papi.RepositoryFilePreviewPayload{Repository: tg.privURL, TargetFile: ptr("docker-compose.yml"), Username: ptr(tg.user), Password: ptr("wrong-password")}},
		{"preview: no file named", papi.RepositoryFilePreviewPayload{Repository: tg.pubURL}},
		{"preview: not a URL", papi.RepositoryFilePreviewPayload{Repository: "not a url", TargetFile: ptr("docker-compose.yml")}},
	} {
		r, err := c.GitOperationRepoFilePreviewWithResponse(ctx, pv.p)
		must(t, err)
		tg.see(pv.step, r.StatusCode(), r.Body, decoded)
	}
}

// endpointScript: GET /endpoints pages, start counted from 1.
func endpointScript(tg *target) {
	t, c, ctx := tg.t, tg.c, tg.ctx
	tag := "diffenv-" + tg.suffix
	for _, s := range []string{"a", "b", "c"} {
		tg.addEnvironment(tag + "-" + s)
	}
	for _, q := range []struct{ start, limit int }{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {0, 0}, {2, 2}, {3, 5}} {
		r, err := c.EndpointListWithResponse(ctx, &papi.EndpointListParams{Search: ptr(tag), Start: ptr(q.start), Limit: ptr(q.limit)})
		must(t, err)
		tg.see(fmt.Sprintf("endpoints: start %d limit %d", q.start, q.limit), r.StatusCode(), r.Body, func(b []byte) any {
			var list []papi.Endpoint
			_ = json.Unmarshal(b, &list)
			names := []string{}
			for _, e := range list {
				names = append(names, tg.norm(deref(e.Name))+fmt.Sprintf(" type %d status %d", deref(e.Type), deref(e.Status)))
			}
			return map[string]any{"names": names, "X-Total-Count": r.HTTPResponse.Header.Get("X-Total-Count")}
		})
	}
	r, err := c.EndpointInspectWithResponse(ctx, 999999)
	must(t, err)
	tg.see("endpoint: unknown", r.StatusCode(), r.Body, nil)
}

// decoded is a JSON answer as data: the simulator ends its JSON with a newline, Portainer does
// not, which no client sees.
func decoded(body []byte) any {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "not JSON: " + string(body)
	}
	return v
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
