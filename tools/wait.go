package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// DeployWait says how a deploying tool waits for the outcome.
type DeployWait struct {
	// Wait for Portainer to finish the deploy (Status 3 -> 1 or 4). False returns at once.
	Wait bool
	// Verify, after Portainer finished, that the stack's containers run (and are healthy
	// where a healthcheck exists).
	Verify bool
}

// waitArgs reads the common wait and verify arguments (both default true).
func waitArgs(a Args) DeployWait {
	return DeployWait{Wait: a.Bool("wait", true), Verify: a.Bool("wait", true) && a.Bool("verify", true)}
}

// waitSteps are the pauses between reads of a deploying stack: quick at first (most deploys
// take seconds), then every 3 seconds.
var waitSteps = []time.Duration{300 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second}

func waitStep(i int) time.Duration {
	return waitSteps[min(i, len(waitSteps)-1)]
}

// sleepCtx waits d, or less when ctx ends; tests replace the clock with Deps.Sleep.
func (d *Deps) sleepCtx(ctx context.Context, dur time.Duration) error {
	if d.Sleep != nil {
		d.Sleep(dur)
		return ctx.Err()
	}
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Deploy status values Portainer 2.41+ adds to 1 (active) and 2 (inactive).
const (
	statusDeploying papi.StackStatus = 3
	statusError     papi.StackStatus = 4
)

// deployMessage is Portainer's message for a failed deploy: the last DeploymentStatus entry
// with a message.
func deployMessage(st *papi.Stack) string {
	if st.DeploymentStatus == nil {
		return ""
	}
	list := *st.DeploymentStatus
	for i := len(list) - 1; i >= 0; i-- {
		if m := strings.TrimSuffix(strings.TrimSpace(deref(list[i].Message)), "."); m != "" {
			return m
		}
	}
	return ""
}

// AwaitDeploy waits until Portainer has finished deploying st (what names the action, as
// "the create"), then, with w.Verify, until its containers run. It returns the stack as it
// ended, or a tool error saying what failed and what to do. Bounded by the deploy timeout.
func (d *Deps) AwaitDeploy(ctx context.Context, tool, what string, st *papi.Stack, w DeployWait) (*papi.Stack, *mcp.CallToolResult) {
	if !w.Wait {
		return st, nil
	}
	id := deref(st.Id)
	start := time.Now()
	deadline := start.Add(d.deployTimeout())
	failures := 0
	for i := 0; deref(st.Status) == statusDeploying; i++ {
		if time.Now().After(deadline) {
			return st, mcp.NewToolResultError(fmt.Sprintf(
				"%s: Portainer is still deploying stack %d (%s) after %s (--deploy-timeout %s). It may still finish or fail: check with get_stack %d in a while; do not start another deploy of it meanwhile (Portainer answers 409 while one runs).",
				tool, id, deref(st.Name), time.Since(start).Round(time.Second), d.deployTimeout(), id))
		}
		Progress(ctx, fmt.Sprintf("Portainer is deploying stack %d (%s): %s so far", id, deref(st.Name), time.Since(start).Round(time.Second)))
		if err := d.sleepCtx(ctx, waitStep(i)); err != nil {
			return st, d.waitCancelled(tool, what, st, err)
		}
		next, res := getStack(ctx, d, tool, id)
		if res != nil {
			if ctx.Err() != nil {
				return st, d.waitCancelled(tool, what, st, ctx.Err())
			}
			if failures++; failures < 5 { // a read can fail while Portainer is busy: try again
				continue
			}
			res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf("%s of stack %d was accepted; its outcome is not known yet: check with get_stack %d.", what, id, id)))
			return st, res
		}
		failures = 0
		st = next
	}
	if deref(st.Status) == statusError {
		msg := deployMessage(st)
		if msg == "" {
			msg = "Portainer gave no message"
		}
		res := mcp.NewToolResultError(fmt.Sprintf(
			"%s: %s of stack %d (%s) FAILED after Portainer accepted it. Portainer says: %s. The stack is in error: fix the cause (the compose file, the image, the repository), then redeploy it (update_stack for a file-based stack, redeploy_stack for a Git stack); get_stack_status shows its containers.",
			tool, what, id, deref(st.Name), msg))
		if now := d.afterFailure(ctx, tool, id); now != "" {
			res.Content = append(res.Content, mcp.NewTextContent(now))
		}
		return st, res
	}
	if w.Verify && deref(st.Status) == papi.StackStatusActive {
		if res := d.verifyContainers(ctx, tool, st, deadline); res != nil {
			return st, res
		}
	}
	return st, nil
}

// waitCancelled is the answer when the caller cancelled while the deploy ran: the deploy
// itself goes on in Portainer.
func (d *Deps) waitCancelled(tool, what string, st *papi.Stack, err error) *mcp.CallToolResult {
	why := "the call was cancelled"
	if errors.Is(err, context.DeadlineExceeded) {
		why = "the call ran out of time"
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: %s while waiting: %s of stack %d (%s) was accepted by Portainer and goes on without this call. Check its outcome with get_stack %d.",
		tool, why, what, deref(st.Id), deref(st.Name), deref(st.Id)))
}

func (d *Deps) deployTimeout() time.Duration {
	if d.DeployTimeout > 0 {
		return d.DeployTimeout
	}
	return 5 * time.Minute
}

func (d *Deps) readTimeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return 30 * time.Second
}

// redeployAndAwait redeploys a Git stack and waits for the outcome. When the redeploy's own
// answer is lost, the stack is read again: a deploy under way or a new commit means it
// happened, and it is waited for like any other.
func (d *Deps) redeployAndAwait(ctx context.Context, tool string, st *papi.Stack, password string, w DeployWait) (*papi.Stack, *mcp.CallToolResult) {
	out, what, res := redeploy(ctx, d, tool, st, nil, nil, password)
	if res == nil {
		return d.AwaitDeploy(ctx, tool, "the redeploy", out, w)
	}
	if what != unknown {
		return st, res
	}
	now, res2 := d.readStackRetry(ctx, tool, deref(st.Id))
	if res2 == nil && (deref(now.Status) == statusDeploying || deref(now.UpdateDate) != deref(st.UpdateDate)) {
		return d.AwaitDeploy(ctx, tool, "the redeploy", now, w)
	}
	return st, res
}

// readStackRetry reads a stack, trying again a few times: in the middle of a flow that has
// changed something, one failed read must not end it.
func (d *Deps) readStackRetry(ctx context.Context, tool string, id int) (*papi.Stack, *mcp.CallToolResult) {
	var res *mcp.CallToolResult
	for i := 0; i < 5; i++ {
		var st *papi.Stack
		if st, res = getStack(ctx, d, tool, id); res == nil {
			return st, nil
		}
		if d.sleepCtx(ctx, waitStep(i)) != nil {
			break
		}
	}
	return nil, res
}

// settled waits for any deploy of a stack under way to end, and returns the stack as it is.
func (d *Deps) settled(ctx context.Context, tool string, id int) (*papi.Stack, *mcp.CallToolResult) {
	st, res := d.readStackRetry(ctx, tool, id)
	if res != nil || deref(st.Status) != statusDeploying {
		return st, res
	}
	st, res = d.AwaitDeploy(ctx, tool, "the deploy under way", st, DeployWait{Wait: true})
	if res != nil && deref(st.Status) != statusDeploying {
		return st, nil // it ended (in error, perhaps): what matters is that it ended
	}
	return st, res
}

// runState is what of a stack runs now: the services with a running container (swarm: task),
// and those with none. ok is false when it could not be read.
type runState struct {
	up, down []string
	ok       bool
}

// whatRuns reads the stack's containers (the services of its compose file, and those Docker
// has).
func (d *Deps) whatRuns(ctx context.Context, tool string, st *papi.Stack) runState {
	sn, res := d.read(ctx, tool, st, "")
	if res != nil {
		return runState{}
	}
	r := runState{ok: true}
	for _, s := range sn.services {
		if slices.ContainsFunc(s.units, func(u unit) bool { return u.state == "running" }) {
			r.up = append(r.up, s.name)
		} else {
			r.down = append(r.down, s.name)
		}
	}
	return r
}

// afterFailure says, once a deploy of stack id failed, what Portainer left running and how to
// get the stack back ("" when the stack cannot be read). Portainer 2.23 runs compose down
// after a failed compose up and still shows the stack active at its old commit (measured on a
// real 2.23); later releases show Status 4.
func (d *Deps) afterFailure(ctx context.Context, tool string, id int) string {
	st, res := getStack(ctx, d, tool, id)
	if res != nil {
		return ""
	}
	r := d.whatRuns(ctx, tool, st)
	if !r.ok {
		return ""
	}
	back := "To get it back: revert or fix the commit in the repository and push it, then call redeploy_stack."
	if !isGit(st) {
		back = "To get it back: fix the compose file and call update_stack."
	}
	switch {
	case len(r.up) == 0:
		msg := fmt.Sprintf("Stack %d (%s) now runs no containers", id, deref(st.Name))
		if deref(st.Status) == papi.StackStatusActive {
			msg += ": Portainer removes them when a deploy fails, yet still shows the stack active"
			if isGit(st) {
				msg += fmt.Sprintf(" at commit %s, the last one that deployed", short(deref(st.GitConfig.ConfigHash)))
			}
		}
		return msg + ". " + back
	case len(r.down) == 0:
		return fmt.Sprintf("The containers of stack %d (%s) still run: the failure did not reach them.", id, deref(st.Name))
	}
	return fmt.Sprintf("Stack %d (%s): still running %s; not running %s. %s", id, deref(st.Name), strings.Join(r.up, ", "), strings.Join(r.down, ", "), back)
}
