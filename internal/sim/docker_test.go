package sim_test

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clockHarness is a simulator with the seed data and a clock the test moves.
func clockHarness(t *testing.T) (*harness, *sim.Clock) {
	t.Helper()
	clock := sim.NewClock(start)
	return newHarness(t, sim.Options{Now: clock.Now, SwarmRestartDelay: -1}), clock
}

// project lists the containers of a compose project through the proxied API.
func (h *harness) project(t *testing.T, env int, name string) []papi.DockerContainerSummary {
	t.Helper()
	filters := `{"label":["com.docker.compose.project=` + name + `"]}`
	resp, err := h.c.DockerContainerListWithResponse(h.ctx, env, &papi.DockerContainerListParams{All: ptr(true), Filters: &filters})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp.StatusCode(), resp.Body, 200)
	out := *resp.JSON200
	slices.SortFunc(out, func(a, b papi.DockerContainerSummary) int { return strings.Compare((*a.Names)[0], (*b.Names)[0]) })
	return out
}

func (h *harness) inspectContainer(t *testing.T, env int, ref string) papi.DockerContainer {
	t.Helper()
	resp, err := h.c.DockerContainerInspectWithResponse(h.ctx, env, ref)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, resp.StatusCode(), resp.Body, 200)
	return *resp.JSON200
}

// frames reads a multiplexed log stream into "1:line" / "2:line" strings.
func frames(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	for len(body) > 0 {
		if len(body) < 8 {
			t.Fatalf("cut header %v", body)
		}
		size := int(binary.BigEndian.Uint32(body[4:8]))
		out = append(out, string(rune('0'+body[0]))+":"+strings.TrimSuffix(string(body[8:8+size]), "\n"))
		body = body[8+size:]
	}
	return out
}

func (h *harness) logs(t *testing.T, env int, ref string, p papi.DockerContainerLogsParams) []byte {
	t.Helper()
	resp, err := h.c.DockerContainerLogs(h.ctx, env, ref, &p)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	wantStatus(t, resp.StatusCode, body, 200)
	return body
}

func TestComposeContainersFollowTheStack(t *testing.T) {
	h, clock := clockHarness(t)
	id := h.createCompose(t, 1, "shop", "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    deploy: {replicas: 2}\n  db:\n    image: postgres:16\n")
	list := h.project(t, 1, "shop")
	var names []string
	for _, c := range list {
		names = append(names, (*c.Names)[0])
		labels := deref(c.Labels)
		if labels["com.docker.compose.project"] != "shop" || labels["com.docker.compose.service"] == "" || deref(c.State) != "running" {
			t.Errorf("container %v: labels %v state %s", c.Names, labels, deref(c.State))
		}
	}
	if strings.Join(names, " ") != "/shop-db-1 /shop-web-1 /shop-web-2" {
		t.Fatalf("containers %v", names)
	}
	if ports := deref(list[1].Ports); len(ports) != 2 || deref(ports[0].PublicPort) != 8080 || deref(ports[0].PrivatePort) != 80 || deref(ports[1].IP) != "::" {
		t.Errorf("published ports %+v", ports)
	}
	clock.Advance(3 * time.Minute)
	if got := deref(h.project(t, 1, "shop")[0].Status); got != "Up 3 minutes" {
		t.Errorf("status text %q", got)
	}
	webID := deref(list[1].Id)
	dbID := deref(list[0].Id)

	// An update that changes one service re-creates it only; compose keeps the other running.
	upd, err := h.c.StackUpdateWithResponse(h.ctx, id, &papi.StackUpdateParams{EndpointId: 1}, papi.StackUpdatePayload{
		StackFileContent: ptr("services:\n  web:\n    image: nginx:1.28\n    ports: [\"8080:80\"]\n    deploy: {replicas: 2}\n  db:\n    image: postgres:16\n")})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, upd.StatusCode(), upd.Body, 200)
	after := h.project(t, 1, "shop")
	if deref(after[0].Id) != dbID || deref(after[1].Id) == webID || deref(after[1].Image) != "nginx:1.28" {
		t.Errorf("after update: db %s (was %s), web %s (was %s) image %s", deref(after[0].Id), dbID, deref(after[1].Id), webID, deref(after[1].Image))
	}

	stop, _ := h.c.StackStopWithResponse(h.ctx, id, &papi.StackStopParams{EndpointId: 1})
	wantStatus(t, stop.StatusCode(), stop.Body, 200)
	if got := h.project(t, 1, "shop"); len(got) != 0 {
		t.Errorf("a stopped compose stack keeps %d containers (Portainer runs compose down)", len(got))
	}
	startResp, _ := h.c.StackStartWithResponse(h.ctx, id, &papi.StackStartParams{EndpointId: 1})
	wantStatus(t, startResp.StatusCode(), startResp.Body, 200)
	if got := h.project(t, 1, "shop"); len(got) != 3 || deref(got[0].Status) != "Up Less than a second" {
		t.Errorf("after start: %d containers, %q", len(got), deref(got[0].Status))
	}

	mig, _ := h.c.StackMigrateWithResponse(h.ctx, id, &papi.StackMigrateParams{EndpointId: ptr(1)}, papi.StackMigratePayload{EndpointID: 3, Name: ptr("shop2")})
	wantStatus(t, mig.StatusCode(), mig.Body, 200)
	if len(h.project(t, 1, "shop")) != 0 || len(h.project(t, 3, "shop2")) != 3 {
		t.Errorf("migrate: %d left behind, %d on the target", len(h.project(t, 1, "shop")), len(h.project(t, 3, "shop2")))
	}
	del, _ := h.c.StackDeleteWithResponse(h.ctx, id, &papi.StackDeleteParams{EndpointId: ptr(3)})
	wantStatus(t, del.StatusCode(), del.Body, 204)
	if got := h.project(t, 3, "shop2"); len(got) != 0 {
		t.Errorf("a deleted stack keeps %d containers", len(got))
	}
}

func TestCrashLoopOverHTTP(t *testing.T) {
	h, clock := clockHarness(t)
	h.createCompose(t, 1, "api", "services:\n  api:\n    image: acme/api:1\n    restart: always\n    command: exit 3 2s cannot reach db\n")
	clock.Advance(2050 * time.Millisecond) // exited at 2s, restarting for 100ms
	c := h.inspectContainer(t, 1, "api-api-1")
	st := c.State
	if deref(st.Status) != "restarting" || !deref(st.Restarting) || !deref(st.Running) || deref(st.ExitCode) != 3 || deref(c.RestartCount) != 1 {
		t.Errorf("state %+v restarts %d", st, deref(c.RestartCount))
	}
	if got := deref(h.project(t, 1, "api")[0].Status); got != "Restarting (3) Less than a second ago" {
		t.Errorf("status text %q", got)
	}
	if deref(c.HostConfig.RestartPolicy.Name) != "always" || deref(c.Config.Tty) {
		t.Errorf("config %+v %+v", c.HostConfig.RestartPolicy, c.Config)
	}
	// The date of the answer is the engine's clock.
	resp, _ := h.c.DockerContainerInspectWithResponse(h.ctx, 1, "api-api-1")
	if date := resp.HTTPResponse.Header.Get("Date"); date != clock.Now().UTC().Format(http.TimeFormat) {
		t.Errorf("Date %q, want the simulator's clock", date)
	}

	body := h.logs(t, 1, "api-api-1", papi.DockerContainerLogsParams{Stdout: ptr(true), Stderr: ptr(true)})
	if got := strings.Join(frames(t, body), "|"); got != "1:api started (acme/api:1)|2:cannot reach db" {
		t.Errorf("log frames %q", got)
	}
	if err := h.sim.WriteLog(1, "api-api-1", false, "extra line"); err != nil {
		t.Fatal(err)
	}
	body = h.logs(t, 1, "api-api-1", papi.DockerContainerLogsParams{Stderr: ptr(true), Timestamps: ptr(true)})
	if got := frames(t, body); len(got) != 1 || got[0] != "2:2026-03-01T09:00:02.000000000Z cannot reach db" {
		t.Errorf("stderr with timestamps %q", got)
	}

	// A restart through the API starts it now and resets RestartCount, as Docker does.
	clock.Advance(time.Minute)
	if n := deref(h.inspectContainer(t, 1, "api-api-1").RestartCount); n < 5 {
		t.Fatalf("restart count %d after a minute of crashing", n)
	}
	r, err := h.c.DockerContainerRestartWithResponse(h.ctx, 1, "api-api-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r.StatusCode(), r.Body, 204)
	c = h.inspectContainer(t, 1, "api-api-1")
	if deref(c.RestartCount) != 0 || deref(c.State.Status) != "running" || deref(c.State.StartedAt) != clock.Now().Format(time.RFC3339Nano) {
		t.Errorf("after restart: %d restarts, %+v", deref(c.RestartCount), c.State)
	}
}

func TestHealthOverHTTP(t *testing.T) {
	h, clock := clockHarness(t)
	h.createCompose(t, 1, "hc", "services:\n  good:\n    image: db\n    healthcheck: {test: [CMD, pg_isready], interval: 5s}\n  bad:\n    image: cache\n    tty: true\n    healthcheck: {test: [CMD, \"false\"], interval: 5s, retries: 2}\n")
	health := func(name string) (string, string) {
		c := h.inspectContainer(t, 1, name)
		list := h.project(t, 1, "hc")
		for _, s := range list {
			if (*s.Names)[0] == "/"+name {
				return deref(c.State.Health.Status), deref(s.Status)
			}
		}
		return "", ""
	}
	if got, text := health("hc-good-1"); got != "starting" || text != "Up Less than a second (health: starting)" {
		t.Errorf("good at start: %s %q", got, text)
	}
	clock.Advance(5 * time.Second)
	if got, text := health("hc-good-1"); got != "healthy" || text != "Up 5 seconds (healthy)" {
		t.Errorf("good after one interval: %s %q", got, text)
	}
	clock.Advance(5 * time.Second)
	c := h.inspectContainer(t, 1, "hc-bad-1")
	probes := deref(c.State.Health.Log)
	if deref(c.State.Health.Status) != "unhealthy" || deref(c.State.Health.FailingStreak) != 2 || len(probes) != 2 || deref(probes[1].ExitCode) != 1 {
		t.Errorf("bad after two intervals: %+v", c.State.Health)
	}
	if !deref(c.Config.Tty) || deref(c.Config.Healthcheck.Test)[0] != "CMD" {
		t.Errorf("config %+v", c.Config)
	}
	// A TTY container's log is the raw terminal output.
	body := h.logs(t, 1, "hc-bad-1", papi.DockerContainerLogsParams{Stdout: ptr(true), Stderr: ptr(true)})
	if string(body) != "bad started (cache)\r\n" {
		t.Errorf("tty log %q", body)
	}
}

func TestMissingCommandFailsTheDeploy(t *testing.T) {
	h, _ := clockHarness(t)
	resp, err := h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: 1},
		papi.ComposeStackFromStringPayload{Name: "nocmd", StackFileContent: "services:\n  app:\n    image: x\n    command: [\"/does-not-exist\"]\n"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode(), resp.Body, 500, `exec: "/does-not-exist": stat /does-not-exist: no such file or directory`)
	if _, ok := h.sim.StackByName(1, "nocmd"); ok || len(h.project(t, 1, "nocmd")) != 0 {
		t.Error("a failed create leaves a stack or containers behind")
	}
	// A failed update of a running stack: Portainer runs compose down; the stack stays active.
	id := h.createCompose(t, 1, "shop", "services:\n  web:\n    image: nginx\n  app:\n    image: x\n")
	upd, err := h.c.StackUpdateWithResponse(h.ctx, id, &papi.StackUpdateParams{EndpointId: 1}, papi.StackUpdatePayload{
		StackFileContent: ptr("services:\n  web:\n    image: nginx\n  app:\n    image: x\n    command: does-not-exist-cmd\n")})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, upd.StatusCode(), upd.Body, 500, `exec: "does-not-exist-cmd": executable file not found in $PATH`)
	if got := h.project(t, 1, "shop"); len(got) != 0 || deref(h.state(t, id).Stack.Status) != papi.StackStatusActive {
		t.Errorf("after a failed update: %d containers, status %d", len(got), deref(h.state(t, id).Stack.Status))
	}
}

func TestDockerErrors(t *testing.T) {
	h, _ := clockHarness(t)
	cases := []struct {
		path   string
		status int
		msg    string
	}{
		{"/api/endpoints/1/docker/containers/nope/json", 404, "No such container: nope"},
		{"/api/endpoints/1/docker/containers/json?filters=" + `%7B%22color%22%3A%5B%22red%22%5D%7D`, 400, "invalid filter 'color'"},
		{"/api/endpoints/99/docker/containers/json", 404, "Unable to find an endpoint"},
		{"/api/endpoints/1/docker/services", 503, "This node is not a swarm manager"},
		{"/api/endpoints/2/docker/services/nope", 404, "service nope not found"},
		{"/api/endpoints/1/docker/containers/web-web-1/logs", 400, "you must choose at least one stream"},
	}
	for _, c := range cases {
		status, body := h.do(t, "GET", c.path, "", apiKey)
		if status != c.status || !strings.Contains(string(body), c.msg) {
			t.Errorf("GET %s: %d %s, want %d %q", c.path, status, body, c.status, c.msg)
		}
	}
	// The seeded stacks run, long since.
	web := h.project(t, 1, "web")
	if len(web) != 1 || !strings.HasPrefix(deref(web[0].Status), "Up 2 days") || deref(deref(web[0].Ports)[0].PublicPort) != 8080 {
		t.Errorf("seeded web: %+v", web)
	}
}

func TestSwarmServicesAndTasks(t *testing.T) {
	h, clock := clockHarness(t)
	create, err := h.c.StackCreateDockerSwarmStringWithResponse(h.ctx, &papi.StackCreateDockerSwarmStringParams{EndpointId: 2},
		papi.SwarmStackFromStringPayload{Name: "q", SwarmID: sim.SeedSwarmID, StackFileContent: "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n    deploy: {replicas: 2}\n  worker:\n    image: w\n    command: exit 1\n"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, create.StatusCode(), create.Body, 200)
	filters := `{"label":["com.docker.stack.namespace=q"]}`
	list, _ := h.c.DockerServiceListWithResponse(h.ctx, 2, &papi.DockerServiceListParams{Filters: &filters})
	services := *list.JSON200
	if len(services) != 2 || (*services[0].Spec)["Name"] != "q_web" || deref(deref(services[0].Endpoint.Ports)[0].PublishedPort) != 80 {
		t.Fatalf("services %+v", services)
	}
	web := services[0]
	if reps := (*web.Spec)["Mode"].(map[string]any)["Replicated"].(map[string]any)["Replicas"]; reps != float64(2) {
		t.Errorf("replicas %v", reps)
	}
	clock.Advance(8 * time.Second) // the worker's first task failed at 1s, the next runs from 6s
	tf := `{"service":["q_worker"]}`
	tasks, _ := h.c.DockerTaskListWithResponse(h.ctx, 2, &papi.DockerTaskListParams{Filters: &tf})
	ts := *tasks.JSON200
	if len(ts) != 3 {
		t.Fatalf("worker tasks %d", len(ts))
	}
	if deref(ts[0].Status.State) != "failed" || deref(ts[0].Status.Err) != "task: non-zero exit (1)" || deref(ts[0].DesiredState) != "shutdown" ||
		deref(ts[1].Status.State) != "failed" || deref(ts[2].DesiredState) != "ready" {
		t.Errorf("tasks %s/%s %s/%s %s/%s", deref(ts[0].Status.State), deref(ts[0].DesiredState), deref(ts[1].Status.State), deref(ts[1].DesiredState), deref(ts[2].Status.State), deref(ts[2].DesiredState))
	}

	// A forced update: the whole spec back with the version read; a stale version is refused.
	spec := *web.Spec
	spec["TaskTemplate"].(map[string]any)["ForceUpdate"] = 1
	stale, _ := h.c.DockerServiceUpdateWithResponse(h.ctx, 2, deref(web.ID), &papi.DockerServiceUpdateParams{Version: deref(web.Version.Index) - 1}, spec)
	wantError(t, stale.StatusCode(), stale.Body, 500, "update out of sequence")
	up, _ := h.c.DockerServiceUpdateWithResponse(h.ctx, 2, deref(web.ID), &papi.DockerServiceUpdateParams{Version: deref(web.Version.Index)}, spec)
	wantStatus(t, up.StatusCode(), up.Body, 200)
	after, _ := h.c.DockerServiceInspectWithResponse(h.ctx, 2, "q_web")
	if deref(after.JSON200.Version.Index) != deref(web.Version.Index)+1 || deref(after.JSON200.UpdateStatus.State) != "completed" {
		t.Errorf("after update: version %d, %+v", deref(after.JSON200.Version.Index), after.JSON200.UpdateStatus)
	}
	wf := `{"service":["q_web"],"desired-state":["running"]}`
	tasks, _ = h.c.DockerTaskListWithResponse(h.ctx, 2, &papi.DockerTaskListParams{Filters: &wf})
	for _, task := range *tasks.JSON200 {
		if deref(task.CreatedAt) != clock.Now().Format(time.RFC3339Nano) {
			t.Errorf("task %s created %s: the forced update did not replace it", deref(task.ID), deref(task.CreatedAt))
		}
	}
	if n := len(*tasks.JSON200); n != 2 {
		t.Errorf("%d running web tasks, want 2", n)
	}
	var spec2 map[string]any
	_ = json.Unmarshal(after.Body, &struct{ Spec *map[string]any }{&spec2})
	if spec2["TaskTemplate"].(map[string]any)["ForceUpdate"] != float64(1) {
		t.Errorf("the spec sent was not kept: %v", spec2["TaskTemplate"])
	}

	svcLog, err := h.c.DockerServiceLogs(h.ctx, 2, "q_worker", &papi.DockerServiceLogsParams{Stdout: ptr(true), Stderr: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(svcLog.Body)
	svcLog.Body.Close()
	if got := strings.Join(frames(t, body), "|"); got != "1:worker started (w)|2:exiting with code 1|1:worker started (w)|2:exiting with code 1" {
		t.Errorf("service log %q", got)
	}
	// Stopping a swarm stack removes its services.
	stop, _ := h.c.StackStopWithResponse(h.ctx, deref(create.JSON200.Id), &papi.StackStopParams{EndpointId: 2})
	wantStatus(t, stop.StatusCode(), stop.Body, 200)
	list, _ = h.c.DockerServiceListWithResponse(h.ctx, 2, &papi.DockerServiceListParams{Filters: &filters})
	if len(*list.JSON200) != 0 {
		t.Errorf("a stopped swarm stack keeps %d services", len(*list.JSON200))
	}
}

func TestGitRedeployRecreatesContainers(t *testing.T) {
	h, clock := clockHarness(t)
	h.createPrivate(t, "billing", hook1)
	before := h.project(t, 1, "billing")
	if len(before) != 1 || deref(before[0].Image) != "ghcr.io/acme/billing:1.4" {
		t.Fatalf("containers %+v", before)
	}
	clock.Advance(time.Minute)
	h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  billing:\n    image: ghcr.io/acme/billing:2\n"})
	status, body := h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
	wantStatus(t, status, body, 204)
	h.sim.Wait()
	after := h.project(t, 1, "billing")
	if len(after) != 1 || deref(after[0].Image) != "ghcr.io/acme/billing:2" || deref(after[0].Created) != int(clock.Now().Unix()) {
		t.Errorf("after the webhook redeploy: %+v", after)
	}
	// Polling with no new commit leaves the running container alone.
	h.sim.PollNow()
	if again := h.project(t, 1, "billing"); deref(again[0].Id) != deref(after[0].Id) {
		t.Error("a poll without a new commit re-created the container")
	}
}
