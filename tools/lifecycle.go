package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// stackArg reads the stack named by the stack_id argument.
func stackArg(ctx context.Context, d *Deps, a Args, tool string) (*papi.Stack, *mcp.CallToolResult) {
	id, err := a.Int("stack_id")
	if err != nil {
		return nil, ArgError(tool, err)
	}
	return getStack(ctx, d, tool, id)
}

// notNow is the answer when a stack's state makes an action pointless or refused; nothing
// is sent to Portainer.
func notNow(tool string, st *papi.Stack, format string, args ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d (%s) %s Nothing was changed.", tool, deref(st.Id), deref(st.Name), fmt.Sprintf(format, args...)))
}

// deploying refuses to start a second deploy while Portainer runs one (it answers 409).
func deploying(tool string, st *papi.Stack) *mcp.CallToolResult {
	if deref(st.Status) != statusDeploying {
		return nil
	}
	return notNow(tool, st, "is being deployed right now, and Portainer refuses another change until that ends. Wait, then check it with get_stack.")
}

// StartStack implements start_stack.
func StartStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "start_stack"
	st, res := stackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	switch deref(st.Status) {
	case papi.StackStatusActive:
		return notNow(tool, st, "is already running: there is nothing to start (get_stack_status shows its containers)."), nil
	case statusDeploying:
		return deploying(tool, st), nil
	case statusError:
		if d.Caps(ctx).ErroredStackStart {
			return notNow(tool, st, "is in error after a failed deploy (%s), and Portainer does not start a stack in error: fix the cause and redeploy it with update_stack (file-based) or redeploy_stack (Git).",
				orNone(deployMessage(st))), nil
		}
	}
	resp, err := d.Client.StackStartWithResponse(ctx, deref(st.Id), &papi.StackStartParams{EndpointId: deref(st.EndpointId)})
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	started, res := stackOf(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
	if res != nil {
		return res, nil
	}
	started, res = d.AwaitDeploy(ctx, tool, "the start", started, waitArgs(a))
	if res != nil {
		return res, nil
	}
	return Result(stackView(d, started, false))
}

// StopStack implements stop_stack.
func StopStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "stop_stack"
	st, res := stackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	switch deref(st.Status) {
	case papi.StackStatusInactive:
		return notNow(tool, st, "is already stopped."), nil
	case statusDeploying:
		return deploying(tool, st), nil
	}
	stopped, res := d.stopStack(ctx, tool, st)
	if res != nil {
		return res, nil
	}
	v := stackView(d, stopped, false)
	if deref(stopped.Type) == papi.StackTypeCompose {
		v.Note = ptr("Stopped: its containers were removed; named volumes and the stack definition stay. start_stack brings it back.")
	}
	return Result(v)
}

// stopStack asks Portainer to stop a stack and returns it stopped (a compose stack's
// containers are removed; volumes and definition stay).
func (d *Deps) stopStack(ctx context.Context, tool string, st *papi.Stack) (*papi.Stack, *mcp.CallToolResult) {
	resp, err := d.Client.StackStopWithResponse(ctx, deref(st.Id), &papi.StackStopParams{EndpointId: deref(st.EndpointId)})
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	return stackOf(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// DeleteStack implements delete_stack. A client that can ask its user (elicitation) asks
// first; the call itself is the request otherwise.
func DeleteStack(ctx context.Context, d *Deps, a Args, stackID int, params *papi.StackDeleteParams) (*mcp.CallToolResult, error) {
	const tool = "delete_stack"
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	what := "Its containers are removed"
	if isGit(st) {
		what += fmt.Sprintf(" and its link to %s (GitOps %s) is lost", deref(st.GitConfig.URL), mechanism(st.AutoUpdate))
	}
	if res := confirm(ctx, consent{tool: tool, explicit: true, question: fmt.Sprintf(
		"Delete stack %s (id %d) on environment %d? %s; named volumes stay. This cannot be undone.",
		deref(st.Name), stackID, deref(params.EndpointId), what)}); res != nil {
		return res, nil
	}
	resp, err := d.Client.StackDeleteWithResponse(ctx, stackID, params)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	return Done("Stack deleted. Its named volumes were kept.", nil)
}
