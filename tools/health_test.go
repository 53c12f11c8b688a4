package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// clockHarness is a harness whose simulator runs on a clock that the server's pauses move:
// a check that waits 5 seconds moves the containers 5 seconds on, at once.
func clockHarness(t *testing.T) (*harness, *sim.Clock) {
	t.Helper()
	clock := sim.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	h := newHarnessWith(t, sim.Options{Now: clock.Now})
	h.deps.Sleep, h.deps.Settle = clock.Advance, 0
	return h, clock
}

// deploy creates a stack from compose text (swarm on environment 2) and returns its id,
// without the check of its containers (the tests look at them).
func (h *harness) deploy(name, compose string, swarm bool) int {
	h.t.Helper()
	args := map[string]any{"environment_id": 1, "name": name, "compose": compose, "verify": false}
	if swarm {
		args["environment_id"], args["type"] = 2, "swarm"
	}
	return int(h.ok("create_stack", args)["id"].(float64))
}

// status is get_stack_status decoded.
func (h *harness) status(id int) map[string]any {
	h.t.Helper()
	return h.ok("get_stack_status", map[string]any{"stack_id": id})
}

func serviceOf(st map[string]any, name string) map[string]any {
	for _, s := range st["services"].([]any) {
		if m := s.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

const (
	healthyCompose = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  db:\n    image: postgres:16\n    healthcheck: {test: [CMD, pg_isready], interval: 5s}\n"
	crashCompose   = "services:\n  web:\n    image: nginx:1.27\n  api:\n    image: acme/api:2\n    restart: always\n    command: exit 3 1s cannot reach db:5432\n"
)

func TestStackStatus(t *testing.T) {
	cases := []struct {
		name     string
		stack    string
		compose  string
		swarm    bool
		after    time.Duration
		verdict  string
		services map[string]string // service -> verdict
		reasons  []string
	}{
		{name: "healthy", stack: "ok", compose: healthyCompose, after: 10 * time.Second, verdict: "healthy", services: map[string]string{"web": "healthy", "db": "healthy"}},
		{name: "healthcheck not passed yet", stack: "hc", compose: healthyCompose, after: time.Second, verdict: "starting", services: map[string]string{"db": "starting"},
			reasons: []string{"service db is starting: container hc-db-1 health: starting"}},
		{name: "crash loop", stack: "crash", compose: crashCompose, after: 1050 * time.Millisecond, verdict: "degraded", services: map[string]string{"web": "healthy", "api": "down"},
			reasons: []string{"service api is down: container crash-api-1 restarting (crash loop): exited with code 3, restarted 1 time"}},
		{name: "slow crash loop", stack: "slow", compose: "services:\n  api:\n    image: a\n    restart: always\n    command: exit 4 40s out of memory\n", after: 4*40*time.Second + 35*time.Second, verdict: "down",
			reasons: []string{"service api is down: container slow-api-1 restarted 4 times since it was created", "crash-looping"}},
		{name: "unhealthy", stack: "sick", compose: "services:\n  cache:\n    image: redis\n    healthcheck: {test: [CMD, \"false\"], interval: 2s, retries: 2}\n", after: 5 * time.Second, verdict: "down",
			reasons: []string{"service cache is down: container sick-cache-1 unhealthy (healthcheck: simulated healthcheck failure: false)"}},
		{name: "a one-shot job that finished", stack: "oneshot", compose: "services:\n  migrate:\n    image: m\n    command: exit 0\n  web:\n    image: w\n", after: time.Minute, verdict: "healthy"},
		{name: "exited", stack: "exited", compose: "services:\n  job:\n    image: j\n    command: exit 2\n", after: time.Minute, verdict: "down", reasons: []string{"container exited-job-1 exited with code 2"}},
		{name: "swarm", stack: "q", compose: "services:\n  web:\n    image: nginx\n    deploy: {replicas: 2}\n    ports: [\"80:80\"]\n  worker:\n    image: w\n    command: exit 1\n", swarm: true, after: 8 * time.Second,
			verdict: "degraded", services: map[string]string{"web": "healthy", "worker": "down"}, reasons: []string{"task: non-zero exit (1)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, clock := clockHarness(t)
			id := h.deploy(c.stack, c.compose, c.swarm)
			clock.Advance(c.after)
			st := h.status(id)
			if st["verdict"] != c.verdict {
				t.Errorf("verdict %v, want %s: %v", st["verdict"], c.verdict, st)
			}
			for svc, want := range c.services {
				if s := serviceOf(st, svc); s == nil || s["verdict"] != want {
					t.Errorf("service %s: %v, want %s", svc, s, want)
				}
			}
			reasons := fmt.Sprint(st["reasons"])
			for _, r := range c.reasons {
				if !strings.Contains(reasons, r) {
					t.Errorf("reasons %s lack %q", reasons, r)
				}
			}
			if c.verdict == "healthy" && st["reasons"] != nil {
				t.Errorf("a healthy stack with reasons: %v", st["reasons"])
			}
		})
	}
}

func TestStackStatusDetails(t *testing.T) {
	h, clock := clockHarness(t)
	id := h.deploy("shop", healthyCompose, false)
	clock.Advance(time.Minute)
	web := serviceOf(h.status(id), "web")
	unit := web["units"].([]any)[0].(map[string]any)
	if unit["name"] != "shop-web-1" || unit["state"] != "running" || unit["image"] != "nginx:1.27" || fmt.Sprint(unit["ports"]) != "[8080->80/tcp]" ||
		unit["started"] != "2026-05-01T08:00:00Z" || web["running"] != 1.0 || web["desired"] != 1.0 {
		t.Errorf("web %v", web)
	}
	if db := serviceOf(h.status(id), "db"); db["units"].([]any)[0].(map[string]any)["health"] != "healthy" {
		t.Errorf("db %v", db)
	}

	// A failed update: Portainer removed the containers; the stack is active with nothing running.
	h.fails("update_stack", map[string]any{"stack_id": id, "compose": "services:\n  web:\n    image: nginx\n    command: /does-not-exist\n"}, "500")
	st := h.status(id)
	if st["verdict"] != "down" || !strings.Contains(fmt.Sprint(st["reasons"]), "no container of the stack exists on environment 1") {
		t.Errorf("after a failed update: %v", st)
	}

	// Stopped: down, with the reason in words.
	h.ok("stop_stack", map[string]any{"stack_id": id})
	st = h.status(id)
	if st["verdict"] != "down" || !strings.Contains(fmt.Sprint(st["reasons"]), "stopped") || st["status"] != "inactive" {
		t.Errorf("stopped stack: %v", st)
	}
	res := h.call("get_stack_status", map[string]any{"stack_id": 999})
	if !res.IsError || !strings.Contains(textOf(res), "404") {
		t.Errorf("unknown stack: %s", textOf(res))
	}
}

func TestStackStatusManyReplicas(t *testing.T) {
	h, clock := clockHarness(t)
	id := h.deploy("farm", "services:\n  worker:\n    image: w\n    deploy: {replicas: 300}\n    ports: [\"127.0.0.1:9000:9000\"]\n  bad:\n    image: b\n    command: exit 4\n    deploy: {replicas: 60}\n", false)
	clock.Advance(time.Minute)
	res := h.call("get_stack_status", map[string]any{"stack_id": id})
	if res.IsError || tools.ResultLen(res) > tools.MaxText {
		t.Fatalf("answer of %d characters (error %v)", tools.ResultLen(res), res.IsError)
	}
	st := res.StructuredContent.(map[string]any)
	worker := serviceOf(st, "worker")
	if worker["running"] != 300.0 || worker["desired"] != 300.0 || worker["not_shown"] == nil || len(worker["units"].([]any)) > 10 {
		t.Errorf("worker: running %v desired %v shown %d not_shown %v", worker["running"], worker["desired"], len(worker["units"].([]any)), worker["not_shown"])
	}
	if note := fmt.Sprint(st["note"]); !strings.Contains(note, "list only") {
		t.Errorf("note %q: the containers past the inspect limit must be said", note)
	}
	if st["verdict"] != "degraded" || serviceOf(st, "bad")["verdict"] != "down" {
		t.Errorf("verdict %v, bad %v", st["verdict"], serviceOf(st, "bad")["verdict"])
	}
}

// awaitDeploy runs the deploy waiter on a stack, as the deploy tools do.
func (h *harness) awaitDeploy(id int, timeout time.Duration) *mcp.CallToolResult {
	h.t.Helper()
	resp, err := h.deps.Client.StackInspectWithResponse(context.Background(), id)
	if err != nil || resp.JSON200 == nil {
		h.t.Fatalf("reading stack %d: %v", id, err)
	}
	h.deps.DeployTimeout = timeout
	_, res := h.deps.AwaitDeploy(context.Background(), "create_stack", "the create", resp.JSON200, tools.DeployWait{Wait: true, Verify: true})
	if res != nil {
		raw, _ := json.Marshal(res)
		h.seen = append(h.seen, string(raw))
	}
	return res
}

func TestVerifyContainers(t *testing.T) {
	t.Run("healthy after the settle time", func(t *testing.T) {
		h, clock := clockHarness(t)
		begin := clock.Now()
		id := h.deploy("ok", healthyCompose, false)
		if res := h.awaitDeploy(id, time.Minute); res != nil {
			t.Fatalf("a healthy stack failed the check: %s", textOf(res))
		}
		// The healthcheck passes after 5s; then everything must stay up for the settle time.
		if waited := clock.Now().Sub(begin); waited < 5*time.Second || waited > 20*time.Second {
			t.Errorf("the check waited %s", waited)
		}
	})
	t.Run("read failures end the check only three in a row", func(t *testing.T) {
		h, _ := clockHarness(t)
		id := h.deploy("ok", healthyCompose, false)
		// Reads 1-2 and 4-5 of the containers fail, read 3 and the rest answer: four failures
		// in all, never three in a row, while the healthcheck is still starting.
		list := "/api/endpoints/1/docker/containers/json"
		h.sim.InjectFault(sim.Fault{Method: "GET", PathPrefix: list, Nth: 1, Times: 2, Status: 502})
		h.sim.InjectFault(sim.Fault{Method: "GET", PathPrefix: list, Nth: 4, Times: 2, Status: 502})
		if res := h.awaitDeploy(id, time.Minute); res != nil {
			t.Fatalf("scattered read failures failed the check: %s", textOf(res))
		}
		h.sim.ClearFaults()
		h.sim.InjectFault(sim.Fault{Method: "GET", PathPrefix: list, Times: -1, Status: 502})
		if res := h.awaitDeploy(id, time.Minute); res == nil || !strings.Contains(textOf(res), "could not be read") {
			t.Fatalf("containers that cannot be read passed the check: %v", res)
		}
	})
	t.Run("a crash loop names the service, the exit code and the log", func(t *testing.T) {
		h, _ := clockHarness(t)
		id := h.deploy("shop", "services:\n  web:\n    image: nginx\n  api:\n    image: acme/api:2\n    restart: always\n    command: exit 3 2s cannot reach db:5432\n", false)
		var boot []string
		for i := range 30 {
			boot = append(boot, fmt.Sprintf("boot step %d", i))
		}
		boot = append(boot, "config loaded from /etc/api.yml")
		if err := h.sim.WriteLog(1, "shop-api-1", false, boot...); err != nil {
			t.Fatal(err)
		}
		res := h.awaitDeploy(id, time.Minute)
		if res == nil || !res.IsError {
			t.Fatal("a crash-looping service passed the check")
		}
		txt := textOf(res)
		for _, want := range []string{"stack 1 (shop) was deployed", "Service api", "shop-api-1", "code 3", "restart policy always",
			"Last 20 lines of its log", "  cannot reach db:5432", "config loaded from /etc/api.yml", "redeploy_stack"} {
			if !strings.Contains(txt, want) {
				t.Errorf("error lacks %q:\n%s", want, txt)
			}
		}
		if strings.Contains(txt, "Service web") {
			t.Errorf("the healthy service is named as failing:\n%s", txt)
		}
		if n := strings.Count(txt, "\n  "); n != 20 || strings.Contains(txt, "boot step 10\n") {
			t.Errorf("%d log lines quoted, want the last 20", n)
		}
	})
	failing := []struct {
		name, stack, compose string
		swarm                bool
		timeout              time.Duration
		want                 []string
	}{
		{"a container that exits without restarting", "job", "services:\n  job:\n    image: j\n    command: exit 5 3s disk full\n", false, time.Minute,
			[]string{"job-job-1 exited with code 5", "disk full"}},
		{"unhealthy", "sick", "services:\n  cache:\n    image: redis\n    healthcheck: {test: [CMD, \"false\"], interval: 2s, retries: 3}\n", false, time.Minute,
			[]string{"sick-cache-1 unhealthy (healthcheck: simulated healthcheck failure: false)"}},
		{"a slow healthcheck runs out of time", "slow", "services:\n  db:\n    image: db\n    healthcheck: {test: [CMD, ok], interval: 5m}\n", false, 30 * time.Second,
			[]string{"not everything runs yet", "health: starting", "get_stack_status 1"}},
		{"swarm: a failing task", "q", "services:\n  web:\n    image: nginx\n  worker:\n    image: w\n    command: exit 6 2s queue unreachable\n", true, time.Minute,
			[]string{"Service worker", "non-zero exit (6)", "queue unreachable"}},
		{"swarm: a command that does not exist", "nocmd", "services:\n  app:\n    image: a\n    command: /does-not-exist\n", true, time.Minute,
			[]string{"Its log is empty; Docker says: ", `exec: "/does-not-exist"`}},
	}
	for _, c := range failing {
		t.Run(c.name, func(t *testing.T) {
			h, _ := clockHarness(t)
			res := h.awaitDeploy(h.deploy(c.stack, c.compose, c.swarm), c.timeout)
			if res == nil || !res.IsError {
				t.Fatal("the check passed")
			}
			for _, w := range c.want {
				if !strings.Contains(textOf(res), w) {
					t.Errorf("error lacks %q:\n%s", w, textOf(res))
				}
			}
		})
	}
	t.Run("swarm: healthy", func(t *testing.T) {
		h, _ := clockHarness(t)
		id := h.deploy("api", "services:\n  api:\n    image: whoami\n    deploy: {replicas: 3}\n    healthcheck: {test: [CMD, ok], interval: 3s}\n", true)
		if res := h.awaitDeploy(id, time.Minute); res != nil {
			t.Errorf("a healthy swarm stack failed the check: %s", textOf(res))
		}
	})
}

// The error of a failed check quotes the healthcheck's output: the stack's secrets in it are
// scrubbed like those in the log.
func TestVerifyScrubsHealthcheckOutput(t *testing.T) {
	h, _ := clockHarness(t)
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "db", "verify": false,
		"compose": "services:\n  db:\n    image: db\n    healthcheck: {test: [CMD, fail-ping, \"-phunter2-db\"], interval: 2s, retries: 2}\n",
		"env":     []map[string]any{{"name": "DB_PASSWORD", "value": "hunter2-db"}}})
	res := h.awaitDeploy(int(out["id"].(float64)), time.Minute)
	if res == nil || !res.IsError {
		t.Fatal("an unhealthy container passed the check")
	}
	if txt := textOf(res); strings.Contains(txt, "hunter2-db") || !strings.Contains(txt, "unhealthy (healthcheck: simulated healthcheck failure: fail-ping -p"+tools.Redacted) {
		t.Errorf("error:\n%s", txt)
	}
}

func TestRestartStackService(t *testing.T) {
	h, clock := clockHarness(t)
	id := h.deploy("shop", "services:\n  web:\n    image: nginx\n    deploy: {replicas: 2}\n  api:\n    image: a\n    restart: always\n    command: exit 2\n", false)
	clock.Advance(time.Hour)
	out := h.ok("restart_stack_service", map[string]any{"stack_id": id, "service": "web"})
	if fmt.Sprint(out["restarted"]) != "[shop-web-1 shop-web-2]" || out["verdict"] != "healthy" || out["service"] != "web" {
		t.Errorf("restart = %v", out)
	}
	for _, u := range out["units"].([]any) {
		started, _ := time.Parse(time.RFC3339, u.(map[string]any)["started"].(string))
		if clock.Now().Sub(started) > 30*time.Second {
			t.Errorf("unit %v was not restarted", u)
		}
	}
	// A crash-looping service: the restart is made, and the error says it still fails.
	txt := h.fails("restart_stack_service", map[string]any{"stack_id": id, "service": "api"}, "service api of stack 1 (shop) does not run after the restart", "shop-api-1", "code 2", "exiting with code 2")
	if strings.Contains(txt, "verify=false") {
		t.Errorf("restart has no verify argument:\n%s", txt)
	}
	h.fails("restart_stack_service", map[string]any{"stack_id": id, "service": "nope"}, "no service \"nope\"", "api, web", "Nothing was changed")

	sw := h.deploy("q", "services:\n  web:\n    image: nginx\n    deploy: {replicas: 2}\n", true)
	clock.Advance(time.Hour)
	before := clock.Now()
	out = h.ok("restart_stack_service", map[string]any{"stack_id": sw, "service": "q_web"})
	if fmt.Sprint(out["restarted"]) != "[q_web]" || out["verdict"] != "healthy" || len(out["units"].([]any)) != 2 {
		t.Errorf("swarm restart = %v", out)
	}
	for _, u := range out["units"].([]any) {
		started, _ := time.Parse(time.RFC3339, u.(map[string]any)["started"].(string))
		if started.Before(before.Truncate(time.Second)) {
			t.Errorf("task %v was not replaced", u)
		}
	}
	h.ok("stop_stack", map[string]any{"stack_id": id})
	h.fails("restart_stack_service", map[string]any{"stack_id": id, "service": "web"}, "is stopped", "start_stack")
}

func TestRestartSendsProgress(t *testing.T) {
	h, _ := clockHarness(t)
	id := h.deploy("shop", healthyCompose, false)
	var mu sync.Mutex
	var progress []string
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			progress = append(progress, fmt.Sprint(n.Params.AdditionalFields["message"]))
			mu.Unlock()
		}
	})
	for _, svc := range []string{"db", "web"} {
		var req mcp.CallToolRequest
		req.Params.Name = "restart_stack_service"
		req.Params.Arguments = map[string]any{"stack_id": id, "service": svc}
		req.Params.Meta = &mcp.Meta{ProgressToken: "p-" + svc}
		res, err := h.c.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			t.Fatalf("restart: %v %s", err, textOf(res))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(progress, "\n")
	if !strings.Contains(all, "service db container shop-db-1 health: starting") || !strings.Contains(all, "watching it for 5s") {
		t.Errorf("progress notifications:\n%s", all)
	}
}

func TestStackToolsUnknownStack(t *testing.T) {
	h, _ := clockHarness(t)
	for _, tool := range []string{"get_stack_status", "get_stack_logs", "restart_stack_service"} {
		args := map[string]any{"stack_id": 7}
		if tool == "restart_stack_service" {
			args["service"] = "x"
		}
		h.fails(tool, args, "404", "list_stacks")
	}
}

// TestDeployToolsCheckContainers: on every profile (a deploy that ends with Portainer's answer,
// or after it), create_stack and update_stack fail on a crash loop with its exit code and log,
// and pass on a healthy stack.
func TestDeployToolsCheckContainers(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			clock := sim.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
			h := newHarnessWith(t, sim.Options{Version: v, DeployOnNextRequest: true, Now: clock.Now})
			h.deps.Sleep, h.deps.Settle = clock.Advance, 0
			out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "shop", "compose": healthyCompose})
			id := int(out["id"].(float64))
			if st := h.status(id); st["verdict"] != "healthy" {
				t.Errorf("after create_stack returned: %v", st)
			}
			h.fails("update_stack", map[string]any{"stack_id": id, "compose": crashCompose},
				"stack 1 (shop) was deployed", "Service api", "shop-api-1", "code 3", "cannot reach db:5432", "update_stack for a file-based stack")
			out = h.ok("update_stack", map[string]any{"stack_id": id, "compose": crashCompose, "verify": false})
			if out["status"] != "active" {
				t.Errorf("verify=false: %v", out)
			}
		})
	}
}
