package sim

import (
	"fmt"
	"strings"
	"time"
)

// logEntry is one line of a container's (or task's) output.
type logEntry struct {
	at     time.Time
	stderr bool
	text   string
}

// probe is one healthcheck run.
type probe struct {
	start, end time.Time
	exitCode   int
	output     string
}

// life is what a chain of runs of one container has done by a given time: the process started
// at the chain's start and, by the workload's convention, runs, exits, or is restarted by the
// restart policy. It is computed from the clock, so tests move time and nothing else.
type life struct {
	state    string // running, restarting, exited
	restarts int    // RestartCount, the restarts of earlier chains included
	exitCode int
	started  time.Time
	finished time.Time // zero while it never exited
	health   string    // "", starting, healthy, unhealthy (while running)
	streak   int       // failing probes in a row
	probes   []probe   // the last five
	log      []logEntry
}

// maxRuns bounds the walk through a crash loop (Docker's back-off reaches a minute, so this is
// days of simulated time).
const maxRuns = 10000

// Docker's restart back-off (moby's restartmanager): the first restart waits 100ms, each next
// one twice as long, at most a minute; a run of 10 seconds or more resets it.
const (
	backoffStart = 100 * time.Millisecond
	backoffMax   = time.Minute
	backoffReset = 10 * time.Second
)

// composeLife walks a container's chain of runs from t0 to now. before is its RestartCount
// when the chain began (the policy's retry limit counts it).
func (w *workload) composeLife(t0, now time.Time, before int) life {
	l := life{restarts: before}
	var delay time.Duration
	t := t0
	for range maxRuns {
		l.started = t
		l.log = append(l.log, logEntry{at: t, text: w.startLine()})
		if w.exit == nil || t.Add(w.exit.after).After(now) {
			l.state = "running"
			l.health, l.streak, l.probes = w.healthAt(t, now)
			return l
		}
		end := t.Add(w.exit.after)
		l.log = append(l.log, logEntry{at: end, stderr: true, text: w.exit.message})
		l.exitCode, l.finished = w.exit.code, end
		if !w.restart.restarts(w.exit.code, l.restarts) {
			l.state = "exited"
			return l
		}
		if w.exit.after >= backoffReset || delay == 0 {
			delay = backoffStart
		} else {
			delay = min(2*delay, backoffMax)
		}
		l.restarts++ // Docker counts the restart when the process exits and the wait begins
		next := end.Add(delay)
		if next.After(now) {
			l.state = "restarting"
			return l
		}
		t = next
	}
	l.state = "restarting"
	return l
}

func (w *workload) startLine() string {
	return fmt.Sprintf("%s started (%s)", w.service, w.image)
}

// healthAt is the health of a process running since start: probes every interval; a passing
// probe makes it healthy; failing probes after the start period make it unhealthy once there
// are retries of them in a row.
func (w *workload) healthAt(start, now time.Time) (status string, streak int, probes []probe) {
	h := w.health
	if h == nil {
		return "", 0, nil
	}
	status = "starting"
	n := int(now.Sub(start) / h.interval)
	for k := max(1, n-4); k <= n; k++ {
		at := start.Add(time.Duration(k) * h.interval)
		p := probe{start: at, end: at.Add(20 * time.Millisecond)}
		if h.failing {
			p.exitCode, p.output = 1, "simulated healthcheck failure: "+strings.Join(h.test, " ")
		}
		probes = append(probes, p)
	}
	if n == 0 {
		return status, 0, nil
	}
	if !h.failing {
		return "healthy", 0, probes
	}
	counted := n - int(h.startPeriod/h.interval) // failures within the start period do not count
	if counted >= h.retries {
		return "unhealthy", counted, probes
	}
	return status, max(counted, 0), probes
}

// unhealthyAt is when a process started at start becomes unhealthy, or the zero time.
func (w *workload) unhealthyAt(start time.Time) time.Time {
	h := w.health
	if h == nil || !h.failing {
		return time.Time{}
	}
	k := h.retries + int(h.startPeriod/h.interval)
	return start.Add(time.Duration(k) * h.interval)
}

// healthyAt is when a process started at start becomes healthy (start itself without a
// healthcheck), or the zero time when it never does.
func (w *workload) healthyAt(start time.Time) time.Time {
	h := w.health
	switch {
	case h == nil:
		return start
	case h.failing:
		return time.Time{}
	}
	return start.Add(h.interval)
}

// taskLife is one swarm task of a slot.
type taskLife struct {
	created, started, ended time.Time
	state, desired          string
	exitCode                int
	err                     string
	log                     []logEntry
}

// swarmLife walks the tasks of one slot from t0 to now: each task runs as the workload's
// convention says; a task that exits, or whose healthcheck fails, is replaced after the
// restart policy's delay (swarm's default restart condition is any: even a clean exit). Tasks
// stay in "starting" until their healthcheck passes, as swarm does.
func (w *workload) swarmLife(t0, now time.Time) []taskLife {
	var out []taskLife
	created, start := t0, t0
	for restarts := 0; len(out) < maxRuns; restarts++ {
		t := taskLife{created: created, started: start, desired: "running"}
		if start.After(now) {
			t.state, t.desired = "ready", "ready"
			return append(out, t)
		}
		var end time.Time
		switch {
		case w.missing != "":
			end, t.exitCode = start, 128
			t.err = "starting container failed: " + missingCommandError(w.missing)
		default:
			t.log = append(t.log, logEntry{at: start, text: w.startLine()})
			exitAt, sickAt := time.Time{}, w.unhealthyAt(start)
			if w.exit != nil {
				exitAt = start.Add(w.exit.after)
			}
			end = earliest(exitAt, sickAt)
			if end.IsZero() || end.After(now) {
				t.state = "running"
				if ok := w.healthyAt(start); ok.IsZero() || ok.After(now) {
					t.state = "starting"
				}
				return append(out, t)
			}
			if end.Equal(exitAt) {
				t.exitCode = w.exit.code
				t.log = append(t.log, logEntry{at: end, stderr: true, text: w.exit.message})
				t.err = fmt.Sprintf("task: non-zero exit (%d)", t.exitCode)
			} else {
				t.exitCode = 137
				t.err = "task: non-zero exit (137): dockerexec: unhealthy container"
			}
		}
		t.ended, t.desired, t.state = end, "shutdown", "failed"
		if t.exitCode == 0 {
			t.state, t.err = "complete", ""
		}
		out = append(out, t)
		if !w.restart.restarts(t.exitCode, restarts) {
			return out
		}
		created, start = end, end.Add(w.restart.delay)
	}
	return out
}

// earliest is the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

// humanDuration is Docker's units.HumanDuration, as `docker ps` shows ages.
func humanDuration(d time.Duration) string {
	if seconds := int(d.Seconds()); seconds < 1 {
		return "Less than a second"
	} else if seconds == 1 {
		return "1 second"
	} else if seconds < 60 {
		return fmt.Sprintf("%d seconds", seconds)
	} else if minutes := int(d.Minutes()); minutes == 1 {
		return "About a minute"
	} else if minutes < 60 {
		return fmt.Sprintf("%d minutes", minutes)
	} else if hours := int(d.Hours() + 0.5); hours == 1 {
		return "About an hour"
	} else if hours < 48 {
		return fmt.Sprintf("%d hours", hours)
	} else if hours < 24*7*2 {
		return fmt.Sprintf("%d days", hours/24)
	} else if hours < 24*30*2 {
		return fmt.Sprintf("%d weeks", hours/24/7)
	} else if hours < 24*365*2 {
		return fmt.Sprintf("%d months", hours/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}
