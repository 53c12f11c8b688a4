package tools_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// logsHarness deploys a stack whose api service has two replicas, a worker writing to a TTY,
// and a db; the test writes their logs.
func logsHarness(t *testing.T) (*harness, func(time.Duration), int) {
	t.Helper()
	h, clock := clockHarness(t)
	id := h.deploy("shop", "services:\n  api:\n    image: acme/api\n    deploy: {replicas: 2}\n  worker:\n    image: w\n    tty: true\n  db:\n    image: pg\n", false)
	return h, clock.Advance, id
}

func (h *harness) write(container string, stderr bool, lines ...string) {
	h.t.Helper()
	if err := h.sim.WriteLog(1, container, stderr, lines...); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) logs(args map[string]any) (string, map[string]any) {
	h.t.Helper()
	res := h.call("get_stack_logs", args)
	if res.IsError {
		h.t.Fatalf("get_stack_logs(%v): %s", args, textOf(res))
	}
	m := res.StructuredContent.(map[string]any)
	return m["log"].(string), m
}

func TestStackLogs(t *testing.T) {
	h, advance, id := logsHarness(t)
	advance(time.Second)
	h.write("shop-api-1", false, "GET /health 200")
	advance(time.Second)
	h.write("shop-api-2", true, "ERROR db timeout")
	advance(time.Second)
	h.write("shop-api-1", false, "GET /orders 200")
	h.write("shop-worker-1", false, "job 1 done")
	advance(10 * time.Minute)
	h.write("shop-api-2", false, "GET /orders 500")

	cases := []struct {
		name  string
		args  map[string]any
		want  string
		extra func(t *testing.T, m map[string]any)
	}{
		{name: "a service's containers merged in time order", args: map[string]any{"service": "api"},
			want: "shop-api-1 | api started (acme/api)\nshop-api-2 | api started (acme/api)\nshop-api-1 | GET /health 200\nshop-api-2 | ERROR db timeout\nshop-api-1 | GET /orders 200\nshop-api-2 | GET /orders 500\n",
			extra: func(t *testing.T, m map[string]any) {
				if fmt.Sprint(m["containers"]) != "[shop-api-1 shop-api-2]" || m["lines"] != 6.0 || m["service"] != "api" {
					t.Errorf("%v", m)
				}
			}},
		{name: "tail keeps the newest", args: map[string]any{"service": "api", "tail": 2}, want: "shop-api-1 | GET /orders 200\nshop-api-2 | GET /orders 500\n",
			extra: func(t *testing.T, m map[string]any) {
				if !strings.Contains(fmt.Sprint(m["note"]), "newest 2 of the 4 lines read") {
					t.Errorf("note %v", m["note"])
				}
			}},
		{name: "one container", args: map[string]any{"container": "shop-api-2"}, want: "api started (acme/api)\nERROR db timeout\nGET /orders 500\n"},
		{name: "stderr only", args: map[string]any{"service": "api", "stream": "stderr"}, want: "shop-api-2 | ERROR db timeout\n"},
		{name: "stdout only", args: map[string]any{"container": "shop-api-2", "stream": "stdout"}, want: "api started (acme/api)\nGET /orders 500\n"},
		{name: "grep", args: map[string]any{"service": "api", "grep": `orders \d+`}, want: "shop-api-1 | GET /orders 200\nshop-api-2 | GET /orders 500\n"},
		{name: "since", args: map[string]any{"service": "api", "since": "5m"}, want: "shop-api-2 | GET /orders 500\n"},
		{name: "timestamps", args: map[string]any{"container": "shop-api-1", "tail": 1, "timestamps": true}, want: "2026-05-01T08:00:03.000Z GET /orders 200\n"},
		{name: "a TTY's raw stream", args: map[string]any{"service": "worker"}, want: "worker started (w)\njob 1 done\n"},
		{name: "nothing matches", args: map[string]any{"service": "db", "grep": "panic"}, want: "",
			extra: func(t *testing.T, m map[string]any) {
				if !strings.Contains(fmt.Sprint(m["note"]), `No log lines matching "panic"`) || m["lines"] != 0.0 {
					t.Errorf("%v", m)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.args["stack_id"] = id
			log, m := h.logs(c.args)
			if log != c.want {
				t.Errorf("log:\n%s\nwant:\n%s", log, c.want)
			}
			if c.extra != nil {
				c.extra(t, m)
			}
		})
	}
}

func TestStackLogsArguments(t *testing.T) {
	h, _, id := logsHarness(t)
	cases := []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{}, []string{"3 services (api, db, worker): name one with service"}},
		{map[string]any{"service": "web"}, []string{`no service "web"`, "api, db, worker"}},
		{map[string]any{"container": "shop-web-1"}, []string{`no container "shop-web-1"`, "shop-api-1, shop-api-2, shop-db-1, shop-worker-1"}},
		{map[string]any{"service": "api", "container": "shop-api-1"}, []string{"service or container, not both"}},
		{map[string]any{"service": "api", "grep": "(["}, []string{"grep is not a valid Go regular expression"}},
		{map[string]any{"service": "api", "since": "yesterday"}, []string{"since must be a positive Go duration"}},
		{map[string]any{"service": "api", "since": "-5m"}, []string{"since must be a positive Go duration"}},
		{map[string]any{"service": "api", "tail": 5000}, []string{"tail"}},
		{map[string]any{"service": "api", "stream": "stdin"}, []string{"stream"}},
	}
	for _, c := range cases {
		c.args["stack_id"] = id
		h.fails("get_stack_logs", c.args, c.want...)
	}
	h.ok("stop_stack", map[string]any{"stack_id": id})
	h.fails("get_stack_logs", map[string]any{"stack_id": id}, "runs no containers", "start_stack")
}

func TestStackLogsCap(t *testing.T) {
	h, advance, id := logsHarness(t)
	line := strings.Repeat("x", 180)
	for i := range 2000 {
		if i%100 == 0 {
			advance(time.Second)
		}
		h.write("shop-db-1", i%3 == 0, fmt.Sprintf("%04d %s \"quoted\"", i, line))
	}
	res := h.call("get_stack_logs", map[string]any{"stack_id": id, "service": "db", "tail": 2000})
	if res.IsError {
		t.Fatal(textOf(res))
	}
	m := res.StructuredContent.(map[string]any)
	log := m["log"].(string)
	if len(log) > 32<<10 || tools.ResultLen(res) > tools.MaxText || len(textOf(res)) > tools.MaxText {
		t.Errorf("log %d bytes, answer %d", len(log), tools.ResultLen(res))
	}
	if !strings.HasSuffix(log, "1999 "+line+" \"quoted\"\n") || strings.Contains(log, "0000 ") || !strings.HasPrefix(log, strings.Split(log, "\n")[0]) {
		t.Errorf("the newest lines must be kept: ends %q", log[len(log)-60:])
	}
	note := fmt.Sprint(m["note"])
	if !strings.Contains(note, "Cut to the newest") || !strings.Contains(note, "narrow it with tail, since or grep") || int(m["lines"].(float64)) != strings.Count(log, "\n") {
		t.Errorf("note %q lines %v", note, m["lines"])
	}
	if !strings.HasSuffix(textOf(res), "]") || !strings.Contains(textOf(res), "1999 ") {
		t.Errorf("the text is the log and its note")
	}
}

func TestStackLogsScrubSecrets(t *testing.T) {
	h, _ := clockHarness(t)
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": "services:\n  app:\n    image: a\n",
		"env": []map[string]any{{"name": "DB_PASSWORD", "value": "hunter2-db"}, {"name": "API_TOKEN", "value": "tok-77f1"}, {"name": "MODE", "value": "production"}}})
	h.write("app-app-1", false, "connecting with password hunter2-db", "token=tok-77f1 mode=production", `{"auth":"hunter2-db"}`)
	log, _ := h.logs(map[string]any{"stack_id": out["id"]})
	if strings.Contains(log, "hunter2-db") || strings.Contains(log, "tok-77f1") || !strings.Contains(log, "mode=production") || strings.Count(log, tools.Redacted) != 3 {
		t.Errorf("log:\n%s", log)
	}
}

// A line longer than the cut must not keep the first part of a secret that straddles the cut.
func TestStackLogsScrubBeforeCut(t *testing.T) {
	h, _ := clockHarness(t)
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": "services:\n  app:\n    image: a\n",
		"env": []map[string]any{{"name": "DB_PASSWORD", "value": "hunter2-db-0123456789"}}})
	// The cut comes within maxLineLen bytes of the line (a timestamp may count): the secret
	// starts just before it, at several offsets.
	for _, pad := range []int{3962, 3966, 3988, 3992, 3996} {
		h.write("app-app-1", false, strings.Repeat("x", pad)+"hunter2-db-0123456789 end")
	}
	log, _ := h.logs(map[string]any{"stack_id": out["id"]})
	if strings.Contains(log, "hunt") || strings.Count(log, "[line cut]") < 3 {
		t.Errorf("log:\n%s", log)
	}
}

func TestSwarmStackLogs(t *testing.T) {
	h, clock := clockHarness(t)
	id := h.deploy("q", "services:\n  worker:\n    image: w\n    command: exit 1 1s lost connection\n    deploy: {replicas: 2}\n", true)
	clock.Advance(6500 * time.Millisecond) // each replica failed once; the second tasks run since 6s
	log, m := h.logs(map[string]any{"stack_id": id, "service": "q_worker", "stream": "stderr"})
	if log != "lost connection\nlost connection\n" || m["containers"] != nil || m["service"] != "worker" {
		t.Errorf("log %q, %v", log, m)
	}
	h.fails("get_stack_logs", map[string]any{"stack_id": id, "container": "q_worker.1"}, "swarm stack", "give service")
}
