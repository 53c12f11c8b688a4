package sim

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func oneWorkload(t *testing.T, compose string, swarm bool) workload {
	t.Helper()
	ws := workloads(compose, []papi.Pair{{Name: "PORT", Value: ptr("9090")}}, swarm)
	if len(ws) != 1 {
		t.Fatalf("want one service, got %d", len(ws))
	}
	return ws[0]
}

func TestWorkloadConvention(t *testing.T) {
	cases := []struct {
		name, svc string
		swarm     bool
		check     func(t *testing.T, w workload)
	}{
		{"plain service runs", "{image: nginx}", false, func(t *testing.T, w workload) {
			if w.exit != nil || w.health != nil || w.missing != "" || w.replicas != 1 || w.restart.name != "no" {
				t.Errorf("%+v", w)
			}
		}},
		{"exit with code, duration and message", `{image: api, command: "exit 3 5s cannot reach db:5432", restart: "on-failure:2"}`, false, func(t *testing.T, w workload) {
			if w.exit == nil || w.exit.code != 3 || w.exit.after != 5*time.Second || w.exit.message != "cannot reach db:5432" {
				t.Errorf("exit %+v", w.exit)
			}
			if w.restart.name != "on-failure" || w.restart.maxRetries != 2 {
				t.Errorf("restart %+v", w.restart)
			}
		}},
		{"exit as a list, defaults", `{image: api, command: ["exit", "7"]}`, false, func(t *testing.T, w workload) {
			if w.exit == nil || w.exit.code != 7 || w.exit.after != time.Second || w.exit.message != "exiting with code 7" {
				t.Errorf("exit %+v", w.exit)
			}
		}},
		{"missing command", `{image: api, command: ["/does-not-exist", "--flag"]}`, false, func(t *testing.T, w workload) {
			if w.missing != "/does-not-exist" {
				t.Errorf("missing %q", w.missing)
			}
		}},
		{"failing healthcheck", `{image: db, healthcheck: {test: ["CMD", "false"], interval: 2s, retries: 5, start_period: 4s}}`, false, func(t *testing.T, w workload) {
			h := w.health
			if h == nil || !h.failing || h.interval != 2*time.Second || h.retries != 5 || h.startPeriod != 4*time.Second {
				t.Errorf("health %+v", h)
			}
		}},
		{"passing healthcheck with defaults", `{image: db, healthcheck: {test: "CMD-SHELL pg_isready -U app"}}`, false, func(t *testing.T, w workload) {
			h := w.health
			if h == nil || h.failing || h.interval != 30*time.Second || h.retries != 3 || strings.Join(h.test, " ") != "pg_isready -U app" {
				t.Errorf("health %+v", h)
			}
		}},
		{"disabled healthcheck", `{image: db, healthcheck: {disable: true}}`, false, func(t *testing.T, w workload) {
			if w.health != nil {
				t.Errorf("health %+v", w.health)
			}
		}},
		{"replicas, ports and interpolated env", `{image: web, deploy: {replicas: 3}, ports: ["${PORT}:80", "127.0.0.1:8443:443/tcp", "9000", {target: 53, published: 5353, protocol: udp}]}`, false, func(t *testing.T, w workload) {
			want := []portMap{{"", 9090, 80, "tcp"}, {"127.0.0.1", 8443, 443, "tcp"}, {"", 5353, 53, "udp"}}
			if w.replicas != 3 || len(w.ports) != len(want) {
				t.Fatalf("replicas %d ports %+v", w.replicas, w.ports)
			}
			for i := range want {
				if w.ports[i] != want[i] {
					t.Errorf("port %d = %+v, want %+v", i, w.ports[i], want[i])
				}
			}
		}},
		{"swarm restart policy defaults to any after 5s", "{image: w}", true, func(t *testing.T, w workload) {
			if w.restart.name != "any" || w.restart.delay != 5*time.Second {
				t.Errorf("restart %+v", w.restart)
			}
		}},
		{"swarm restart policy from the file", `{image: w, deploy: {mode: global, restart_policy: {condition: on-failure, delay: 1s, max_attempts: 4}}}`, true, func(t *testing.T, w workload) {
			if w.restart != (restartPolicy{name: "on-failure", maxRetries: 4, delay: time.Second}) || !w.global || w.replicas != 1 {
				t.Errorf("%+v", w)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, oneWorkload(t, "services:\n  s: "+c.svc+"\n", c.swarm))
		})
	}
	if ws := workloads("services:\n  a: {image: x, profiles: [debug]}\n  b: {image: y}\n", nil, false); len(ws) != 1 || ws[0].service != "b" {
		t.Errorf("a service with profiles must not start: %+v", ws)
	}
	a := oneWorkload(t, "services:\n  s: {image: x:1}\n", false)
	b := oneWorkload(t, "services:\n  s: {image: x:2}\n", false)
	if a.hash == b.hash || a.hash != oneWorkload(t, "services:\n  s: {image: x:1}\n", false).hash {
		t.Error("a service's hash must follow its definition")
	}
}

func TestComposeLife(t *testing.T) {
	crash := func(policy string) workload {
		return oneWorkload(t, "services:\n  s: {image: x, command: exit 3, restart: \""+policy+"\"}\n", false)
	}
	cases := []struct {
		name     string
		w        workload
		at       time.Duration
		state    string
		restarts int
		code     int
	}{
		{"runs until its exit", crash("always"), 900 * time.Millisecond, "running", 0, 0},
		{"restart: no stays exited", crash("no"), 10 * time.Second, "exited", 0, 3},
		// exits at 1s, restarts at 1.1s, exits at 2.1s, waits 200ms, restarts at 2.3s...
		{"always waits 100ms after the first exit", crash("always"), 1050 * time.Millisecond, "restarting", 1, 3},
		{"always restarts after 100ms", crash("always"), 1200 * time.Millisecond, "running", 1, 0},
		{"back-off doubles", crash("always"), 2200 * time.Millisecond, "restarting", 2, 3},
		{"back-off doubles again", crash("always"), 2400 * time.Millisecond, "running", 2, 0},
		{"on-failure stops after its retries", crash("on-failure:2"), time.Minute, "exited", 2, 3},
		{"a clean exit is not restarted on failure", oneWorkload(t, "services:\n  s: {image: x, command: exit 0, restart: on-failure}\n", false), time.Minute, "exited", 0, 0},
		{"always restarts a clean exit too", oneWorkload(t, "services:\n  s: {image: x, command: exit, restart: always}\n", false), 1050 * time.Millisecond, "restarting", 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.w.composeLife(t0, t0.Add(c.at), 0)
			if l.state != c.state || l.restarts != c.restarts || (c.state != "running" && l.exitCode != c.code) {
				t.Errorf("at %s: state %s restarts %d code %d, want %s %d %d", c.at, l.state, l.restarts, l.exitCode, c.state, c.restarts, c.code)
			}
		})
	}
	loop := crash("always")
	l := loop.composeLife(t0, t0.Add(time.Hour), 0)
	if l.restarts < 60 || l.restarts > 80 || l.state == "exited" {
		t.Errorf("after an hour of a 1-second crash loop (back-off capped at a minute): %d restarts", l.restarts)
	}
	if first, last := l.log[0], l.log[len(l.log)-1]; first.text != "s started (x)" || first.stderr || !last.stderr || last.text != "exiting with code 3" {
		t.Errorf("log starts %+v, ends %+v", first, last)
	}
}

func TestHealthTiming(t *testing.T) {
	healthy := oneWorkload(t, "services:\n  s: {image: x, healthcheck: {test: [CMD, ok], interval: 5s}}\n", false)
	sick := oneWorkload(t, "services:\n  s: {image: x, healthcheck: {test: [CMD, fail-always], interval: 2s, retries: 3, start_period: 4s}}\n", false)
	cases := []struct {
		w      workload
		at     time.Duration
		health string
	}{
		{healthy, 4 * time.Second, "starting"},
		{healthy, 5 * time.Second, "healthy"},
		{sick, 9 * time.Second, "starting"}, // probes at 2,4 (start period) and 6,8 count: 2 of 3
		{sick, 10 * time.Second, "unhealthy"},
	}
	for _, c := range cases {
		l := c.w.composeLife(t0, t0.Add(c.at), 0)
		if l.health != c.health {
			t.Errorf("%s after %s: health %q, want %q", c.w.health.test, c.at, l.health, c.health)
		}
	}
	if got := sick.unhealthyAt(t0); !got.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("unhealthyAt = %s", got.Sub(t0))
	}
	l := sick.composeLife(t0, t0.Add(30*time.Second), 0)
	if len(l.probes) != 5 || l.probes[4].exitCode != 1 || !strings.Contains(l.probes[4].output, "fail-always") {
		t.Errorf("probes %+v", l.probes)
	}
}

func TestSwarmLife(t *testing.T) {
	crash := oneWorkload(t, "services:\n  s: {image: x, command: exit 2}\n", true)
	tasks := crash.swarmLife(t0, t0.Add(6500*time.Millisecond))
	// task 1 runs 0-1s and fails; task 2 waits 5s (the restart delay) and runs from 6s.
	if len(tasks) != 2 || tasks[0].state != "failed" || tasks[0].err != "task: non-zero exit (2)" || tasks[0].desired != "shutdown" ||
		tasks[1].state != "running" || !tasks[1].started.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("tasks %+v", tasks)
	}
	if waiting := crash.swarmLife(t0, t0.Add(3*time.Second)); len(waiting) != 2 || waiting[1].state != "ready" || waiting[1].desired != "ready" {
		t.Errorf("a replacement waits in ready: %+v", waiting)
	}
	sick := oneWorkload(t, "services:\n  s: {image: x, healthcheck: {test: [CMD, \"false\"], interval: 1s}}\n", true)
	if st := sick.swarmLife(t0, t0.Add(2*time.Second)); st[0].state != "starting" {
		t.Errorf("a task stays starting until healthy: %+v", st)
	}
	if st := sick.swarmLife(t0, t0.Add(4*time.Second)); st[0].state != "failed" || !strings.Contains(st[0].err, "unhealthy container") || st[0].exitCode != 137 {
		t.Errorf("an unhealthy task is killed: %+v", st[0])
	}
	missing := oneWorkload(t, "services:\n  s: {image: x, command: /does-not-exist}\n", true)
	if st := missing.swarmLife(t0, t0.Add(time.Second)); !strings.Contains(st[0].err, `exec: "/does-not-exist": stat /does-not-exist: no such file or directory`) || len(st[0].log) != 0 {
		t.Errorf("a missing command: %+v", st[0])
	}
	done := oneWorkload(t, "services:\n  s: {image: x, command: exit 0, deploy: {restart_policy: {condition: on-failure}}}\n", true)
	if st := done.swarmLife(t0, t0.Add(time.Minute)); len(st) != 1 || st[0].state != "complete" {
		t.Errorf("a clean exit under on-failure completes: %+v", st)
	}
}

func TestLogStream(t *testing.T) {
	entries := []logEntry{
		{at: t0, text: "one"},
		{at: t0.Add(time.Second), stderr: true, text: "two"},
		{at: t0.Add(2 * time.Second), text: "three"},
	}
	frames := logStream(entries, logQuery{stdout: true, stderr: true, tail: -1}, false)
	var texts []string
	for len(frames) > 0 {
		size := binary.BigEndian.Uint32(frames[4:8])
		texts = append(texts, string([]byte{'0' + frames[0]})+":"+string(frames[8:8+size]))
		if !bytes.Equal(frames[1:4], []byte{0, 0, 0}) {
			t.Fatalf("header %v", frames[:8])
		}
		frames = frames[8+size:]
	}
	if strings.Join(texts, "") != "1:one\n2:two\n1:three\n" {
		t.Errorf("frames %q", texts)
	}
	if got := string(logStream(entries, logQuery{stdout: true, stderr: true, tail: 1, timestamps: true}, true)); got != "2026-01-01T12:00:02.000000000Z three\r\n" {
		t.Errorf("tty, tail 1, timestamps: %q", got)
	}
	// tail counts both streams before the stream filter, as Docker's json-file reader does
	if got := logStream(entries, logQuery{stdout: true, tail: 2}, false); !bytes.HasSuffix(got, []byte("three\n")) || bytes.Contains(got, []byte("two")) || bytes.Contains(got, []byte("one")) {
		t.Errorf("stdout, tail 2: %q", got)
	}
	if got := logStream(entries, logQuery{stdout: true, stderr: true, tail: -1, since: t0.Add(time.Second)}, true); string(got) != "two\r\nthree\r\n" {
		t.Errorf("since: %q", got)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "Less than a second", time.Second: "1 second", 42 * time.Second: "42 seconds",
		90 * time.Second: "About a minute", 5 * time.Minute: "5 minutes", time.Hour: "About an hour", 30 * time.Hour: "30 hours",
		72 * time.Hour: "3 days",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
