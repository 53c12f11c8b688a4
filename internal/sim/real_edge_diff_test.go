package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestRealPortainerEdgeDiff runs one script of edge calls (edge groups, edge stacks, the agents'
// status route) against the simulator (2.23) and a real CE 2.23, and requires the same statuses,
// messages, details and the fields the edge tools read, once ids and names are replaced by
// symbols. Skipped without the REAL_* variables.
func TestRealPortainerEdgeDiff(t *testing.T) {
	p := realtest.Load(t)
	suffix := strings.TrimPrefix(realtest.Name("x"), "x-")
	simSide := edgeSimTarget(t, suffix)
	realSide := edgeRealTarget(t, p, suffix)
	sims, reals := edgeScript(t, simSide), edgeScript(t, realSide)
	if len(sims) != len(reals) {
		t.Fatalf("%d steps on the simulator, %d on the real Portainer", len(sims), len(reals))
	}
	for i := range sims {
		if sims[i] != reals[i] {
			t.Errorf("step differs:\n  simulator: %s\n  real:      %s", sims[i], reals[i])
		}
	}
	t.Logf("%d edge steps compared", len(sims))
}

// edgeTarget is one side of the edge script.
type edgeTarget struct {
	c        *papi.ClientWithResponses
	env      int // an edge environment no agent polls
	envName  string
	suffix   string
	repoURL  string // a public repository with sub/compose.yml
	privURL  string // a private one, same file
	user     string
	cleanups []func()
}

func edgeSimTarget(t *testing.T, suffix string) *edgeTarget {
	s := sim.New(sim.Options{Version: "2.23.0", Empty: true})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	name := "diff-edge-" + suffix
	env := s.AddEnvironment(papi.Endpoint{Name: ptr(name), Type: ptr(papi.EndpointTypeEdgeDocker)}, "")
	tg := &edgeTarget{c: realtest.NewClient(t, srv.URL, "sim-api-key"), env: env, envName: name, suffix: suffix,
		repoURL: "http://127.0.0.1:19418/pub/edge-" + suffix + ".git", privURL: "http://127.0.0.1:19418/priv/edge-" + suffix + ".git", user: "gituser"}
	s.AddRepo(tg.repoURL, "", "")
	s.Commit(tg.repoURL, "refs/heads/main", map[string]string{"sub/compose.yml": realtest.Compose("kiosk", "git")})
	s.AddRepo(tg.privURL, tg.user, "sim-git-password")
	s.Commit(tg.privURL, "refs/heads/main", map[string]string{"sub/compose.yml": realtest.Compose("kiosk", "git")})
	return tg
}

func edgeRealTarget(t *testing.T, p *realtest.Portainer, suffix string) *edgeTarget {
	// Edge Compute is turned on by the script and left on: the edge test of cmd/portainer-mcp may
	// run at the same time, and CE 2.23 turns it off again at its next start (edge-be.md §1.5).
	name := "diff-edge-" + suffix
	env := p.AddEdgeEnvironment(t, name)
	tg := &edgeTarget{c: p.Client, env: env, envName: name, suffix: suffix, user: p.GitUser}
	pubRepo, privRepo := p.Git().NewRepo(t, "pub/edge-"+suffix), p.Git().NewRepo(t, "priv/edge-"+suffix)
	pubRepo.Commit("main", map[string]string{"sub/compose.yml": realtest.Compose("kiosk", "git")})
	privRepo.Commit("main", map[string]string{"sub/compose.yml": realtest.Compose("kiosk", "git")})
	tg.repoURL, tg.privURL = pubRepo.URL, privRepo.URL
	// Edge stacks and groups go before the environment (cleanups run last registered first).
	t.Cleanup(func() {
		for i := len(tg.cleanups) - 1; i >= 0; i-- {
			tg.cleanups[i]()
		}
	})
	return tg
}

// edgeScript runs the steps and returns one line per step: its name, the status, and what was
// read, with the side's own ids and names replaced by symbols.
func edgeScript(t *testing.T, tg *edgeTarget) []string {
	ctx, c := context.Background(), tg.c
	var out []string
	stackID := -1
	clean := func(s string) string {
		s = strings.ReplaceAll(s, fmt.Sprintf("key=%d)", stackID), "key=STACK)")
		s = strings.ReplaceAll(s, tg.suffix, "SFX")
		s = strings.ReplaceAll(s, "Environment ID: "+strconv.Itoa(tg.env), "Environment ID: ENV")
		return s
	}
	see := func(step string, status int, body []byte, fields func(map[string]any) string) {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		line := fmt.Sprintf("%s: %d", step, status)
		if status >= 400 {
			line += fmt.Sprintf(" %v | %v", m["message"], m["details"])
		} else if fields != nil {
			line += " " + fields(m)
		}
		out = append(out, clean(line))
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	stackFields := func(m map[string]any) string {
		status, _ := m["Status"].(map[string]any)
		entries := []string{}
		for k, v := range status {
			reports, _ := v.(map[string]any)["Status"].([]any)
			key := "other"
			if k == strconv.Itoa(tg.env) {
				key = "ENV"
			}
			entries = append(entries, fmt.Sprintf("%s:%d", key, len(reports)))
		}
		return fmt.Sprintf("Name=%v Version=%v NumDeployments=%v DeploymentType=%v EntryPoint=%v Status=%v GitConfig=%v",
			m["Name"], m["Version"], m["NumDeployments"], m["DeploymentType"], m["EntryPoint"], entries, m["GitConfig"])
	}

	on := true
	set, err := c.SettingsUpdateWithResponse(ctx, papi.SettingsUpdatePayload{EnableEdgeComputeFeatures: &on})
	must(err)
	see("edge compute on", set.StatusCode(), set.Body, func(m map[string]any) string { return fmt.Sprint(m["EnableEdgeComputeFeatures"]) })

	groupName := "diff-group-" + tg.suffix
	groupFields := func(m map[string]any) string {
		eps := fmt.Sprint(m["Endpoints"])
		return fmt.Sprintf("Name=%v Dynamic=%v Endpoints=%s", m["Name"], m["Dynamic"], strings.ReplaceAll(eps, strconv.Itoa(tg.env), "ENV"))
	}
	g, err := c.EdgeGroupCreateWithResponse(ctx, papi.EdgeGroupPayload{Name: groupName, Endpoints: &[]int{tg.env}})
	must(err)
	see("group create", g.StatusCode(), g.Body, groupFields)
	group := 0
	if g.JSON200 != nil {
		group = deref(g.JSON200.Id)
		tg.cleanups = append(tg.cleanups, func() { _, _ = c.EdgeGroupDeleteWithResponse(context.Background(), group) })
	}
	for _, bad := range []struct {
		step string
		p    papi.EdgeGroupPayload
	}{
		{"group create: same name", papi.EdgeGroupPayload{Name: groupName}},
		{"group create: dynamic without tags", papi.EdgeGroupPayload{Name: groupName + "-d", Dynamic: ptr(true)}},
		{"group create: unknown environment", papi.EdgeGroupPayload{Name: groupName + "-u", Endpoints: &[]int{999999}}},
		{"group create: no name", papi.EdgeGroupPayload{}},
	} {
		r, err := c.EdgeGroupCreateWithResponse(ctx, bad.p)
		must(err)
		see(bad.step, r.StatusCode(), r.Body, groupFields)
	}
	gi, err := c.EdgeGroupInspectWithResponse(ctx, 999999)
	must(err)
	see("group inspect: unknown", gi.StatusCode(), gi.Body, nil)

	name := "diff-edge-stack-" + tg.suffix
	compose := realtest.Compose("kiosk", "v1")
	create := func(step, name, content string, groups []int, kind papi.EdgeStackDeploymentType) int {
		r, err := c.EdgeStackCreateStringWithResponse(ctx, papi.EdgeStackFromStringPayload{Name: name, StackFileContent: content, EdgeGroups: groups, DeploymentType: kind})
		must(err)
		see(step, r.StatusCode(), r.Body, stackFields)
		if r.JSON200 == nil {
			return 0
		}
		id := deref(r.JSON200.Id)
		tg.cleanups = append(tg.cleanups, func() { _, _ = c.EdgeStackDeleteWithResponse(context.Background(), id) })
		return id
	}
	id := create("stack create", name, compose, []int{group}, 0)
	stackID = id
	create("stack create: same name in upper case", strings.ToUpper(name), compose, []int{group}, 0)
	create("stack create: no name", "", compose, []int{group}, 0)
	create("stack create: no file", name+"-nofile", "", []int{group}, 0)
	create("stack create: no group", name+"-nogroup", compose, nil, 0)
	create("stack create: unknown group", name+"-unknown", compose, []int{999999}, 0)
	create("stack create: kubernetes on docker", name+"-k8s", compose, []int{group}, 1)

	in, err := c.EdgeStackInspectWithResponse(ctx, id)
	must(err)
	see("stack inspect", in.StatusCode(), in.Body, stackFields)
	f, err := c.EdgeStackFileWithResponse(ctx, id)
	must(err)
	see("stack file", f.StatusCode(), f.Body, func(m map[string]any) string { return fmt.Sprint(m["StackFileContent"] == compose) })

	update := func(step string, p papi.EdgeStackUpdatePayload) {
		r, err := c.EdgeStackUpdateWithResponse(ctx, id, p)
		must(err)
		see(step, r.StatusCode(), r.Body, stackFields)
	}
	v2 := realtest.Compose("kiosk", "v2")
	update("stack update: no file", papi.EdgeStackUpdatePayload{EdgeGroups: []int{group}})
	update("stack update: no group", papi.EdgeStackUpdatePayload{StackFileContent: v2})
	update("stack update: unknown group", papi.EdgeStackUpdatePayload{StackFileContent: v2, EdgeGroups: []int{999999}})
	update("stack update: kubernetes on docker", papi.EdgeStackUpdatePayload{StackFileContent: v2, EdgeGroups: []int{group}, DeploymentType: ptr(papi.EdgeStackDeploymentKubernetes)})
	update("stack update: without UpdateVersion", papi.EdgeStackUpdatePayload{StackFileContent: v2, EdgeGroups: []int{group}})
	f, err = c.EdgeStackFileWithResponse(ctx, id)
	must(err)
	see("stack file: still v1", f.StatusCode(), f.Body, func(m map[string]any) string { return fmt.Sprint(m["StackFileContent"] == compose) })
	update("stack update: UpdateVersion", papi.EdgeStackUpdatePayload{StackFileContent: v2, EdgeGroups: []int{group}, UpdateVersion: ptr(true)})

	report := func(step string, stack, env int, status *int, errText, edgeID string) {
		var params papi.EdgeStackStatusUpdateParams
		if edgeID != "" {
			params.XPortainerAgentEdgeID = &edgeID
		}
		r, err := c.EdgeStackStatusUpdateWithResponse(ctx, stack, &params, papi.EdgeStackStatusPayload{EndpointID: env, Status: status, Error: &errText})
		must(err)
		see(step, r.StatusCode(), r.Body, func(m map[string]any) string {
			if m == nil {
				return strings.TrimSpace(string(r.Body))
			}
			return stackFields(m)
		})
	}
	report("report: no edge id", id, tg.env, ptr(7), "", "")
	report("report: error without message", id, tg.env, ptr(2), "", "x")
	report("report: no status", id, tg.env, nil, "", "x")
	report("report: running", id, tg.env, ptr(7), "", "x")
	report("report: error", id, tg.env, ptr(2), "pull access denied", "x")
	report("report: deleted stack", 999999, tg.env, ptr(7), "", "x")

	del, err := c.EdgeGroupDeleteWithResponse(ctx, group)
	must(err)
	see("group delete: in use", del.StatusCode(), del.Body, nil)

	gits := 0
	gitCreate := func(step, url, path string, auth bool, pass string) int {
		gits++
		p := papi.EdgeStackFromGitPayload{Name: fmt.Sprintf("%s-git-%d", name, gits), RepositoryURL: url,
			RepositoryReferenceName: ptr("refs/heads/main"), FilePathInRepository: ptr(path), EdgeGroups: []int{group}}
		if auth {
			p.RepositoryAuthentication, p.RepositoryUsername, p.RepositoryPassword = ptr(true), ptr(tg.user), ptr(pass)
		}
		r, err := c.EdgeStackCreateRepositoryWithResponse(ctx, p)
		must(err)
		see("git "+step, r.StatusCode(), r.Body, stackFields)
		if r.JSON200 == nil {
			return 0
		}
		gid := deref(r.JSON200.Id)
		tg.cleanups = append(tg.cleanups, func() { _, _ = c.EdgeStackDeleteWithResponse(context.Background(), gid) })
		return gid
	}
	gid := gitCreate("create", tg.repoURL, "sub/compose.yml", false, "")
	missing := gitCreate("create: missing path", tg.repoURL, "docker-compose.yml", false, "")
	gitCreate("create: wrong password", tg.privURL, "sub/compose.yml", true, "wrong")
	gitCreate("create: no password", tg.privURL, "sub/compose.yml", true, "")
	for _, s := range []struct {
		step string
		id   int
	}{{"git file", gid}, {"git file: missing path", missing}} {
		r, err := c.EdgeStackFileWithResponse(ctx, s.id)
		must(err)
		see(s.step, r.StatusCode(), r.Body, func(m map[string]any) string {
			return fmt.Sprint(m["StackFileContent"] == realtest.Compose("kiosk", "git"))
		})
	}

	for _, step := range []string{"stack delete", "stack delete again"} {
		r, err := c.EdgeStackDeleteWithResponse(ctx, id)
		must(err)
		see(step, r.StatusCode(), r.Body, nil)
	}
	gone, err := c.EdgeStackInspectWithResponse(ctx, id)
	must(err)
	see("stack inspect: deleted", gone.StatusCode(), gone.Body, nil)
	return out
}
