package tools

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// ListStacks implements list_stacks. It lists every stack once and filters here: Portainer's
// own EndpointID filter leaves out swarm stacks of that environment.
func ListStacks(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_stacks"
	envID, err := a.optionalID("environment_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	typ, status, name := a.Str("type"), a.Str("status"), strings.ToLower(a.Str("name"))
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	rows := []views.StackRow{}
	for i := range all {
		r := stackRow(&all[i])
		if (envID >= 0 && r.EnvironmentId != envID) || (typ != "" && r.Type != typ) ||
			(status != "" && r.Status != status) || (name != "" && !strings.Contains(strings.ToLower(r.Name), name)) {
			continue
		}
		rows = append(rows, r)
	}
	return Result(map[string]any{"count": len(rows), "stacks": rows})
}

// allStacks lists every stack the caller may see, by id.
func allStacks(ctx context.Context, d *Deps, tool string) ([]papi.Stack, *mcp.CallToolResult) {
	resp, err := d.Client.StackListWithResponse(ctx, nil)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	out := *resp.JSON200
	sort.Slice(out, func(i, j int) bool { return deref(out[i].Id) < deref(out[j].Id) })
	return out, nil
}

// ListGitopsStacks implements list_gitops_stacks.
func ListGitopsStacks(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_gitops_stacks"
	envID, err := a.optionalID("environment_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	out := []views.GitopsView{}
	for i := range all {
		st := &all[i]
		if isGit(st) && (envID < 0 || deref(st.EndpointId) == envID) {
			out = append(out, gitopsView(d, st))
		}
	}
	return Result(map[string]any{"count": len(out), "stacks": out})
}

// GetStack implements get_stack.
func GetStack(ctx context.Context, d *Deps, a Args, stackID int) (*mcp.CallToolResult, error) {
	st, res := getStack(ctx, d, "get_stack", stackID)
	if res != nil {
		return res, nil
	}
	return Result(stackView(d, st, a.Bool("show_env_values", false)))
}

// CreateStack implements create_stack: compose text to a compose or swarm stack.
func CreateStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "create_stack"
	var in struct {
		EnvironmentID int         `json:"environment_id"`
		Name          string      `json:"name"`
		Compose       string      `json:"compose"`
		Type          string      `json:"type"`
		Env           []papi.Pair `json:"env"`
	}
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkEnv(in.Env); err != nil {
		return ArgError(tool, err), nil
	}
	if strings.TrimSpace(in.Compose) == "" {
		return ArgError(tool, fmt.Errorf("compose is empty: give the compose file text")), nil
	}
	def := stackDef{EnvironmentID: in.EnvironmentID, Name: in.Name, Swarm: in.Type == "swarm", Env: in.Env, File: in.Compose}
	st, res := def.create(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	return Result(stackView(d, st, false))
}

// swarmID finds the swarm an environment belongs to, which swarm stacks must name.
func (d *Deps) swarmID(ctx context.Context, tool string, envID int) (string, *mcp.CallToolResult) {
	resp, err := d.Client.EndpointDockerSwarmInspectWithResponse(ctx, envID)
	if err != nil {
		return "", d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil || deref(resp.JSON200.ID) == "" {
		r := APIError(tool, resp.HTTPResponse, resp.Body)
		r.Content = append(r.Content, mcp.NewTextContent(fmt.Sprintf("Environment %d does not look like a swarm manager; deploy a compose stack (type=compose) instead, or pick a swarm environment from list_environments.", envID)))
		return "", r
	}
	return *resp.JSON200.ID, nil
}

func checkEnv(env []papi.Pair) error {
	seen := map[string]bool{}
	for _, p := range env {
		if strings.TrimSpace(p.Name) == "" {
			return fmt.Errorf("every env entry needs a name")
		}
		if seen[p.Name] {
			return fmt.Errorf("env names %s twice", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// UpdateStack implements update_stack with the Git-detach guard: PUT /stacks/{id} on a Git
// stack makes Portainer drop its Git and GitOps settings, so it only goes ahead on a Git
// stack when the caller says detach_from_git=true.
func UpdateStack(ctx context.Context, d *Deps, a Args, stackID int, params *papi.StackUpdateParams, body papi.StackUpdateJSONRequestBody) (*mcp.CallToolResult, error) {
	const tool = "update_stack"
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	detach := a.Bool("detach_from_git", false)
	wasGit := isGit(st)
	if wasGit && !detach {
		return mcp.NewToolResultError(fmt.Sprintf(
			"%s: stack %d (%s) is deployed from Git (%s, reference %q, GitOps %s). Portainer's stack update would detach it from Git: "+
				"it drops the repository link and the GitOps settings and turns it into a file-based stack. Nothing was changed. "+
				"Instead: to change env, reference, interval or webhook use update_stack_gitops; to deploy the latest commit use redeploy_stack; "+
				"to change the compose file, commit it to the repository and redeploy. Only if you really want a file-based stack, call update_stack again with detach_from_git=true.",
			tool, stackID, deref(st.Name), deref(st.GitConfig.URL), deref(st.GitConfig.ReferenceName), mechanism(st.AutoUpdate))), nil
	}
	if body.Env != nil {
		if err := checkEnv(*body.Env); err != nil {
			return ArgError(tool, err), nil
		}
	}
	if body.StackFileContent == nil {
		f, err := d.Client.StackFileInspectWithResponse(ctx, stackID)
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if f.JSON200 == nil {
			return APIError(tool, f.HTTPResponse, f.Body), nil
		}
		body.StackFileContent = f.JSON200.StackFileContent
	}
	if strings.TrimSpace(deref(body.StackFileContent)) == "" {
		return ArgError(tool, fmt.Errorf("compose is empty: give the compose file text")), nil
	}
	if body.Env == nil {
		body.Env = st.Env
	}
	if deref(st.Type) == papi.StackTypeSwarm {
		if body.Prune == nil && st.Option != nil {
			body.Prune = st.Option.Prune
		}
	} else if body.Prune != nil {
		if *body.Prune {
			return ArgError(tool, fmt.Errorf("prune applies to swarm stacks only; stack %d is a %s stack", stackID, stackTypeName(st.Type))), nil
		}
		body.Prune = nil
	}
	resp, err := d.Client.StackUpdateWithResponse(ctx, stackID, params, body)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		r := APIError(tool, resp.HTTPResponse, resp.Body)
		if wasGit {
			r.Content = append(r.Content, mcp.NewTextContent("Portainer stops a Git stack's automatic updates even when it then rejects the update: check the stack with get_stack_gitops and turn GitOps back on with enable_stack_gitops if it is still a Git stack."))
		}
		return r, nil
	}
	v := stackView(d, resp.JSON200, false)
	if wasGit {
		v.Note = ptr(fmt.Sprintf("The stack is now file-based: Portainer dropped its Git link (%s, reference %q) and its GitOps settings (%s). recreate_stack can move it back onto Git.",
			deref(st.GitConfig.URL), deref(st.GitConfig.ReferenceName), mechanism(st.AutoUpdate)))
	}
	return Result(v)
}
