package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Timing of the check that a deploy came up. A deploy is done when Portainer says it finished
// and the containers run; a container that crashes a moment after it started must not pass.
const (
	// settle is how long every container must have been up, with no restart seen, before the
	// stack counts as running: measured on Docker's clock (its start time against the Date of
	// Docker's answer) or, when that is unknown, across these reads. Docker restarts a crashing
	// container after 100 ms, then 200 ms, 400 ms, ..., and swarm's update monitor watches a new
	// task for 5 s by default: 5 s catches processes that fail at start-up (bad configuration,
	// a missing variable, a port in use) without making every deploy slow. Containers that
	// were already up that long (unchanged by a redeploy) pass at once.
	settle = 5 * time.Second
	// logLinesOnFailure is how much of a failing container's log an error quotes.
	logLinesOnFailure = 20
	// failuresShown is how many failing services an error details (each with its log).
	failuresShown = 3
	// exitCodeWait is how long the check reads on after seeing a container restart, to learn
	// its exit code (Docker's restart back-off doubles from 100 ms, so the wait between two
	// runs soon lasts long enough for a read to see it).
	exitCodeWait = 10 * time.Second
)

// verifySteps are the pauses between reads: quick at first (a crash shows within a second),
// then every two seconds (a healthcheck's interval is often longer; reads stay cheap). Once
// everything runs, reads come at most a second apart until the settle time is over.
var verifySteps = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, time.Second, 2 * time.Second}

func (d *Deps) settle() time.Duration {
	if d.Settle > 0 {
		return d.Settle
	}
	return settle
}

// verifyContainers waits (until deadline) until the containers of a freshly deployed stack
// run, and are healthy where a healthcheck exists. It returns a tool error naming the
// service, its exit code and the end of its log when one exits or restarts.
func (d *Deps) verifyContainers(ctx context.Context, tool string, st *papi.Stack, deadline time.Time) *mcp.CallToolResult {
	if deref(st.Type) == papi.StackTypeKubernetes {
		return nil
	}
	return d.awaitRunning(ctx, tool, st, "", deadline)
}

// watch is what the check remembers between reads.
type watch struct {
	restarts map[string]int // container id -> restart count at the first read
	failures map[string]int // swarm service -> failed tasks at the first read
	missing  time.Duration  // how long a service of the compose file has had no container; -1: none has
	codes    map[string]int // container id -> the last exit code seen
	firstBad time.Duration  // when a failure was first seen; -1: none yet
	settle   time.Duration
}

// codeUnknown is the first failing container whose exit code is not known, or nil. A
// container caught restarting while its process runs again shows no exit code (Docker clears
// it on start); reading on for up to exitCodeWait usually catches it between two runs.
func (w *watch) codeUnknown(bad []failure) *failure {
	for i, f := range bad {
		if f.unit != nil && f.unit.exitCode == nil && f.restarted {
			if _, ok := w.codes[f.unit.id]; !ok {
				return &bad[i]
			}
		}
	}
	return nil
}

// awaitRunning reads the stack (one service when only is not empty) until everything runs and
// has settled, something fails, or the deadline passes. Time is counted both on the clock and
// as the sum of the pauses, so that tests with an instant Sleep run the same course.
func (d *Deps) awaitRunning(ctx context.Context, tool string, st *papi.Stack, only string, deadline time.Time) *mcp.CallToolResult {
	begin := time.Now()
	var slept time.Duration
	elapsed := func() time.Duration { return max(time.Since(begin), slept) }
	budget := max(time.Until(deadline), d.settle()+2*time.Second) // a late start still gets one settle
	w := &watch{restarts: map[string]int{}, failures: map[string]int{}, codes: map[string]int{}, missing: -1, firstBad: -1, settle: d.settle()}
	upSince := time.Duration(-1)
	readFailures := 0
	files := d.deployedServices(ctx, st) // the file does not change while the check runs
	for i := 0; ; i++ {
		step := verifySteps[min(i, len(verifySteps)-1)]
		sn, res := d.readWith(ctx, tool, st, only, files)
		switch {
		case res != nil && ctx.Err() != nil:
			return d.verifyCancelled(tool, st, ctx.Err())
		case res != nil && readFailures < 3: // Docker's proxy can fail while Portainer is busy: three in a row end the check
			readFailures++
		case res != nil:
			res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf(
				"Portainer reported the deploy of stack %d as finished, but its containers could not be read to check that they run: check with get_stack_status %d.", deref(st.Id), deref(st.Id))))
			return res
		default:
			readFailures = 0
			sn.watching = true
			if bad := w.failing(sn); len(bad) > 0 {
				if w.firstBad < 0 {
					w.firstBad = elapsed()
				}
				if f := w.codeUnknown(bad); f != nil && elapsed()-w.firstBad < exitCodeWait && elapsed() < budget {
					Progress(ctx, fmt.Sprintf("stack %d (%s): %s %s; reading on to learn its exit code", deref(st.Id), deref(st.Name), f.unit.name, f.why))
					break
				}
				return d.failureResult(ctx, tool, sn, bad, only, w.codes)
			}
			pending := w.pending(sn)
			switch {
			case len(pending) > 0:
				upSince = -1
			case upSince < 0:
				upSince = elapsed()
			}
			if len(pending) == 0 && (sn.settled(d.settle()) || elapsed()-upSince >= d.settle()) {
				return nil
			}
			if elapsed() >= budget {
				return d.stillStarting(tool, st, pending, elapsed())
			}
			msg := fmt.Sprintf("checking that the containers of stack %d (%s) run: %s", deref(st.Id), deref(st.Name), strings.Join(pending, "; "))
			if len(pending) == 0 {
				// Everything runs: watch until the settle time is over, reading at most a
				// second apart (on Docker's clock it may be over sooner).
				step = min(max(d.settle()-(elapsed()-upSince), 100*time.Millisecond), step, time.Second)
				msg = fmt.Sprintf("stack %d (%s) runs; watching it for %s in case a container crashes", deref(st.Id), deref(st.Name), d.settle())
			}
			Progress(ctx, msg)
		}
		if err := d.sleepCtx(ctx, step); err != nil {
			return d.verifyCancelled(tool, st, err)
		}
		slept += step
		if w.missing >= 0 {
			w.missing += step
		}
	}
}

// failing lists the services in trouble: a unit that exited, restarts or is unhealthy, a
// restart since the first read, new failed swarm tasks, or a service of the compose file that
// has had no container for longer than the settle time.
func (w *watch) failing(sn *stackState) []failure {
	var out []failure
	for _, s := range sn.services {
		f := failure{service: s}
		for i := range s.units {
			u := &s.units[i]
			c, why := sn.condition(u)
			before, seen := w.restarts[u.id]
			if !seen {
				w.restarts[u.id] = u.restarts
			}
			if u.exitCode != nil && u.state != "running" {
				w.codes[u.id] = *u.exitCode
			}
			switch {
			case c == condBad:
				f.unit, f.why = u, why
			case seen && u.restarts > before:
				f.unit, f.why, f.restarted = u, fmt.Sprintf("restarted %s while it was checked", times(u.restarts-before)), true
			}
			if f.unit != nil {
				break
			}
		}
		if f.unit == nil && sn.swarm {
			before, seen := w.failures[s.name]
			if !seen {
				w.failures[s.name] = len(s.failures)
			}
			if last := s.lastFailure(); last != nil && ((seen && len(s.failures) > before) || len(s.units) == 0) {
				f.unit, f.why = last, "a task failed: "+last.failureText()
			}
			if f.unit == nil && s.update != "" && !strings.HasPrefix(s.update, "updating") && s.update != "rollback_started" {
				f.why = "its update " + s.update
			}
		}
		if f.unit == nil && f.why == "" && len(s.units) == 0 && s.inFile && s.desired != 0 && w.missing > w.settle {
			f.why = "no container was created for it"
		}
		if f.unit != nil || f.why != "" {
			out = append(out, f)
		}
	}
	return out
}

// pending says what is not running yet; empty when everything runs.
func (w *watch) pending(sn *stackState) []string {
	var out []string
	anyMissing := false
	for _, s := range sn.services {
		if v, why := sn.judgeService(s); v != verdictHealthy {
			out = append(out, fmt.Sprintf("service %s %s", s.name, why))
		}
		anyMissing = anyMissing || (len(s.units) == 0 && s.inFile && s.desired != 0)
	}
	if len(sn.services) == 0 {
		out = append(out, "no container exists yet")
		anyMissing = true
	}
	if !anyMissing {
		w.missing = -1
	} else if w.missing < 0 {
		w.missing = 0
	}
	return out
}

// settled tells whether every running unit has been up for the settle time by Docker's clock
// and none has restarted.
func (sn *stackState) settled(settle time.Duration) bool {
	if sn.at.IsZero() {
		return false
	}
	for _, s := range sn.services {
		for i := range s.units {
			u := &s.units[i]
			if u.state == "exited" || u.state == "complete" {
				continue
			}
			if u.started.IsZero() || sn.at.Sub(u.started) < settle || u.restarts > 0 || (!sn.swarm && !u.inspected) {
				return false
			}
		}
		if sn.swarm && len(s.failures) > 0 && sn.at.Sub(s.failures[0].started) < settle {
			return false
		}
	}
	return true
}

// failure is a service in trouble and, when one is, the container or task that shows it.
type failure struct {
	service   *service
	unit      *unit
	why       string
	restarted bool // seen restarting across reads (its exit code may be unknown)
}

// failureResult is the tool error for a stack whose containers do not run: each failing
// service with its container, exit code and the end of its log.
func (d *Deps) failureResult(ctx context.Context, tool string, sn *stackState, bad []failure, only string, codes map[string]int) *mcp.CallToolResult {
	st := sn.st
	var b strings.Builder
	if only != "" {
		fmt.Fprintf(&b, "%s: service %s of stack %d (%s) does not run after the restart.\n", tool, only, deref(st.Id), deref(st.Name))
	} else {
		fmt.Fprintf(&b, "%s: stack %d (%s) was deployed (Portainer reported success), but its containers do not run:\n", tool, deref(st.Id), deref(st.Name))
	}
	scrub := d.stackScrubber(st)
	for i, f := range bad {
		if i == failuresShown {
			fmt.Fprintf(&b, "\n... and %d more failing services (get_stack_status lists them).\n", len(bad)-failuresShown)
			break
		}
		fmt.Fprintf(&b, "\nService %s: ", f.service.name)
		if f.unit == nil {
			fmt.Fprintf(&b, "%s.\n", f.why)
			continue
		}
		kind := "container"
		if sn.swarm {
			kind = "task"
		}
		fmt.Fprintf(&b, "%s %s %s", kind, f.unit.name, f.why)
		if f.unit.exitCode != nil && !strings.Contains(f.why, "code") {
			fmt.Fprintf(&b, " (exit code %d)", *f.unit.exitCode)
		} else if code, ok := codes[f.unit.id]; ok && f.unit.exitCode == nil {
			fmt.Fprintf(&b, " (last exit code %d)", code)
		} else if f.restarted {
			b.WriteString(" (its exit code was not seen: it was running again at every read)")
		}
		if f.unit.policy != "" {
			fmt.Fprintf(&b, "; restart policy %s", f.unit.policy)
		}
		b.WriteString(".\n")
		b.WriteString(d.lastLines(ctx, sn, f, scrub))
	}
	if only != "" {
		b.WriteString("\nFix the cause (configuration, image, dependencies), then redeploy the stack; get_stack_logs reads more of the log.")
	} else {
		b.WriteString("\nThe stack stays deployed as it is. Fix the cause (the compose file, the image, the configuration), then redeploy it (update_stack for a file-based stack, redeploy_stack for a Git stack); get_stack_status shows every service, get_stack_logs more of the log. (verify=false skips this check.)")
	}
	// The stack's secrets are scrubbed from all of it: a healthcheck's output or Docker's
	// error may quote a command line that holds one.
	return mcp.NewToolResultError(scrub.String(b.String()))
}

// lastLines is the end of a failing unit's log as the error quotes it: the container's own
// log (a swarm task's: its service's), else Docker's error (a command that does not exist
// writes nothing), else the failing healthcheck's output.
func (d *Deps) lastLines(ctx context.Context, sn *stackState, f failure, scrub *Scrubber) string {
	lr := &logReader{max: logLinesOnFailure, scrub: scrub.String}
	ref, service := f.unit.id, false
	if sn.swarm {
		ref, service = f.service.id, true
	}
	err := d.readLogOf(ctx, deref(sn.st.EndpointId), ref, service, logRequest{tail: logLinesOnFailure}, lr, "")
	if lines := lr.newest(); len(lines) > 0 {
		head := fmt.Sprintf("Last %d lines of its log:", len(lines))
		if len(lines) == 1 {
			head = "Last line of its log:"
		}
		return head + "\n" + indent(formatLog(lines, false, false))
	}
	switch {
	case f.unit.err != "":
		return "Its log is empty; Docker says: " + f.unit.err + "\n"
	case f.unit.probe != "":
		return "Its log is empty; the healthcheck says: " + firstLine(strings.TrimSpace(f.unit.probe)) + "\n"
	case err != nil:
		return fmt.Sprintf("Its log could not be read: %v\n", err)
	}
	return "Its log is empty.\n"
}

func indent(text string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

// stillStarting is the tool error when the deadline passes before everything runs.
func (d *Deps) stillStarting(tool string, st *papi.Stack, pending []string, waited time.Duration) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf(
		"%s: Portainer finished deploying stack %d (%s), but after %s not everything runs yet: %s. It may still come up (a slow healthcheck, a large image): check with get_stack_status %d; get_stack_logs shows what a service does.",
		tool, deref(st.Id), deref(st.Name), waited.Round(time.Second), strings.Join(pending, "; "), deref(st.Id)))
}

// verifyCancelled is the answer when the call ends while the containers are checked.
func (d *Deps) verifyCancelled(tool string, st *papi.Stack, err error) *mcp.CallToolResult {
	why := "the call was cancelled"
	if errors.Is(err, context.DeadlineExceeded) {
		why = "the call ran out of time"
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: %s while the containers of stack %d (%s) were checked; Portainer had finished the deploy. Check them with get_stack_status %d.",
		tool, why, deref(st.Id), deref(st.Name), deref(st.Id)))
}
