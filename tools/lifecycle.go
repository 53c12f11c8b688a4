package tools

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

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
	v, _ := d.stackViewPolled(ctx, tool, withSource(started, st), false, false)
	return Result(v)
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
	v, _ := d.stackViewPolled(ctx, tool, withSource(stopped, st), false, false)
	if deref(stopped.Type) == papi.StackTypeCompose {
		vols, known := d.namedVolumes(ctx, st)
		v.Note = ptr(joinSentences("Stopped: its containers were removed; the stack definition stays", keptVolumes(vols, known, "stay"),
			"start_stack brings it back", deref(v.Note)))
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

// withSource gives a stack from an answer that does not carry its GitOps Source (start, stop:
// PC §2) the Source read before.
func withSource(after, before *papi.Stack) *papi.Stack {
	if after.GitSourceId == nil {
		after.GitSourceId = before.GitSourceId
	}
	return after
}

// DeleteStack implements delete_stack. A client that can ask its user (elicitation) asks
// first; otherwise confirm_name must be the stack's name. The answer names what was deleted.
func DeleteStack(ctx context.Context, d *Deps, a Args, stackID int, params *papi.StackDeleteParams) (*mcp.CallToolResult, error) {
	const tool = "delete_stack"
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	what := "Its containers are removed"
	if isGit(st) {
		poll, _ := d.stackPoll(ctx, tool, st) // unknown: the stack's own settings are named
		what += fmt.Sprintf(" and its link to %s (GitOps: %s) is lost", deref(st.GitConfig.URL), describeGitops(poll.apply(st.AutoUpdate)))
	}
	vols, known := d.namedVolumes(ctx, st)
	c, res := deleteConsent(tool, "stack", stackID, deref(st.Name), "list_stacks", a, joinSentences(
		fmt.Sprintf("Delete stack %s (id %d) on environment %d? %s", deref(st.Name), stackID, deref(params.EndpointId), what),
		keptVolumes(vols, known, "stay"), "This cannot be undone"))
	if res != nil {
		return res, nil
	}
	if res := confirm(ctx, c); res != nil {
		return res, nil
	}
	resp, err := d.Client.StackDeleteWithResponse(ctx, stackID, params)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	fields := map[string]any{"stack_id": stackID, "name": deref(st.Name), "environment_id": deref(params.EndpointId)}
	if len(vols) > 0 {
		fields["volumes_kept"] = vols
	}
	return Done(joinSentences(fmt.Sprintf("Deleted stack %s (id %d) on environment %d and its containers", deref(st.Name), stackID, deref(params.EndpointId)),
		keptVolumes(vols, known, "were kept")), fields)
}

// keptVolumes says which named volumes outlive a delete or a stop: Portainer never removes
// volumes (compose down without -v; PC §8). known is false when the compose file could not
// be read.
// verb is "stay" or "were kept".
func keptVolumes(vols []string, known bool, verb string) string {
	switch {
	case !known:
		return "Named volumes, if it has any, " + verb
	case len(vols) == 0:
		return ""
	}
	return "Its named volumes " + verb + ": " + strings.Join(vols, ", ")
}

// namedVolumes are the named volumes a stack's compose file declares, as Docker names them:
// the stack's name, "_" and the key (compose and swarm prefix the project's name), or the
// name the file gives. External volumes are not the stack's. known is false when the file
// could not be read or parsed.
func (d *Deps) namedVolumes(ctx context.Context, st *papi.Stack) (names []string, known bool) {
	text, ok := d.stackFileText(ctx, deref(st.Id))
	if !ok {
		return nil, false
	}
	var doc struct {
		Volumes map[string]*struct {
			Name     string `yaml:"name"`
			External any    `yaml:"external"`
		} `yaml:"volumes"`
	}
	if yaml.Unmarshal([]byte(text), &doc) != nil {
		return nil, false
	}
	for key, v := range doc.Volumes {
		name := deref(st.Name) + "_" + key
		if v != nil {
			switch ext := v.External.(type) {
			case bool:
				if ext {
					continue
				}
			case map[string]any: // external: {name: ...}, the older form
				continue
			}
			if v.Name != "" {
				name = v.Name
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, true
}
