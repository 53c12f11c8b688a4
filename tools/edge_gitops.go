package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// Business Edition: a Git edge stack's GitOps through PUT /edge_stacks/{id}/git, which
// replaces the reference, the GitOps settings, the env and the credentials with what it is
// sent (edge-be.md §4.1): the tool reads the stack and sends its whole state back with the change,
// as the regular GitOps tools do with POST /stacks/{id}/git.

// edgeGitState is the PUT /edge_stacks/{id}/git payload that leaves a Git edge stack as it is,
// but for its credentials (edgeAuth).
func edgeGitState(st *papi.EdgeStack) papi.EdgeStackGitUpdatePayload {
	p := papi.EdgeStackGitUpdatePayload{
		RefName:        ptr(deref(st.GitConfig.ReferenceName)),
		GroupIds:       ptr(append([]int{}, deref(st.EdgeGroups)...)),
		DeploymentType: st.DeploymentType,
		EnvVars:        ptr(append([]papi.Pair{}, deref(st.EnvVars)...)),
		UpdateVersion:  ptr(false),
		Registries:     st.Registries, PrePullImage: st.PrePullImage, RePullImage: st.RePullImage,
		RetryDeploy: st.RetryDeploy, RetryPeriod: st.RetryPeriod, StaggerConfig: st.StaggerConfig,
		DeployerOptions: st.DeployerOptions,
	}
	p.AutoUpdate = sourcePoll{}.apply(st.AutoUpdate) // the stack's own settings
	return p
}

// edgeAuth is the Authentication that keeps a Git edge stack's credentials. A saved credential
// is named by its id. Credentials of its own cannot be kept by an empty password, which the
// payload's validation refuses, while null drops them (edge-be.md §4.1, older EE handler, and the BE
// UI sends null): the password must be given again.
func edgeAuth(tool string, st *papi.EdgeStack, password string) (*papi.GitAuthentication, *mcp.CallToolResult) {
	a := st.GitConfig.Authentication
	switch {
	case a == nil:
		if password != "" {
			return nil, ArgError(tool, fmt.Errorf("edge stack %d stores no Git credentials, so password has nothing to go with", deref(st.Id)))
		}
		return nil, nil
	case deref(a.GitCredentialID) != 0:
		return &papi.GitAuthentication{GitCredentialID: a.GitCredentialID}, nil
	case password == "":
		return nil, ArgError(tool, fmt.Errorf("edge stack %d stores Git credentials (user %q), and Portainer keeps them through this change only if it is given the password again (it never returns it): pass password", deref(st.Id), deref(a.Username)))
	}
	return &papi.GitAuthentication{Username: a.Username, Password: &password}, nil
}

// gitEdgeStack reads an edge stack and insists that it keeps a Git link.
func gitEdgeStack(ctx context.Context, d *Deps, tool string, id int) (*papi.EdgeStack, *mcp.CallToolResult) {
	st, res := getEdgeStack(ctx, d, tool, id)
	if res != nil {
		return nil, res
	}
	if !edgeIsGit(st) {
		return nil, mcp.NewToolResultError(fmt.Sprintf("%s: edge stack %d (%s) is not deployed from Git (or was created by the Community Edition, which clones once), so it has no GitOps. Nothing was changed: update_edge_stack changes its file.", tool, id, deref(st.Name)))
	}
	return st, nil
}

// UpdateEdgeStackGitops implements update_edge_stack_gitops.
func UpdateEdgeStackGitops(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "update_edge_stack_gitops"
	var in views.EdgeGitopsChangeInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	mech := string(deref(in.Mechanism))
	if mech == "none" && in.Interval != nil {
		return ArgError(tool, fmt.Errorf("mechanism none turns automatic updates off; an interval makes no sense with it")), nil
	}
	if res := d.requireBE(ctx, tool, "edge stack GitOps"); res != nil {
		return res, nil
	}
	st, res := gitEdgeStack(ctx, d, tool, in.EdgeStackId)
	if res != nil {
		return res, nil
	}
	p := edgeGitState(st)
	cur := p.AutoUpdate
	switch {
	case mech == "none":
		p.AutoUpdate = nil
	case mech != "" || in.Interval != nil:
		au, err := gitopsChange{Mechanism: mech, Interval: deref(in.Interval)}.apply(d, cur)
		if err != nil {
			return ArgError(tool, err), nil
		}
		p.AutoUpdate = au
	}
	if in.Reference != nil {
		p.RefName = ptr(fullRef(*in.Reference))
	}
	p.UpdateVersion = ptr(deref(in.Redeploy))
	same := gitopsDiff(cur, p.AutoUpdate) == "" && deref(p.RefName) == deref(st.GitConfig.ReferenceName)
	if same && !deref(in.Redeploy) {
		v, res := d.edgeView(ctx, tool, st)
		if res != nil {
			return res, nil
		}
		v.Note = ptr(joinSentences("Nothing to change: the edge stack already has these settings.", deref(v.Note)))
		return Result(v)
	}
	auth, res := edgeAuth(tool, st, deref(in.Password))
	if res != nil {
		return res, nil
	}
	p.Authentication = auth
	if deref(p.RefName) != deref(st.GitConfig.ReferenceName) && deref(deref(st.GitConfig.Authentication).GitCredentialID) == 0 {
		// The new reference must have the compose file, or the agents get nothing to deploy.
		g := st.GitConfig
		src := gitSource{URL: deref(g.URL), Ref: deref(p.RefName), Path: deref(g.ConfigFilePath), TLSSkip: deref(g.TLSSkipVerify)}
		if auth != nil {
			src.User, src.Password = deref(auth.Username), deref(auth.Password)
		}
		if res := checkSource(ctx, d, tool, stackDef{Git: &src}); res != nil {
			return res, nil
		}
	}
	resp, err := d.Client.EdgeStackUpdateFromGitWithResponse(ctx, in.EdgeStackId, p)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	after, res := getEdgeStack(ctx, d, tool, in.EdgeStackId)
	if res != nil {
		return res, nil
	}
	var problems, notes []string
	if !edgeIsGit(after) {
		problems = append(problems, "it is no longer a Git edge stack")
	} else {
		if deref(after.GitConfig.ReferenceName) != deref(p.RefName) {
			problems = append(problems, fmt.Sprintf("its reference is %q", deref(after.GitConfig.ReferenceName)))
		}
		if (after.GitConfig.Authentication != nil) != (st.GitConfig.Authentication != nil) {
			problems = append(problems, "its stored credentials changed")
		}
	}
	if !samePairs(deref(after.EnvVars), deref(p.EnvVars)) {
		problems = append(problems, "its env changed")
	}
	if dif := gitopsDiff(withoutInterval(p.AutoUpdate), withoutInterval(after.AutoUpdate)); dif != "" {
		problems = append(problems, dif)
	} else if want, got := deref(deref(p.AutoUpdate).Interval), deref(deref(after.AutoUpdate).Interval); want != got {
		// From 2.44 the interval may live on the stack's GitOps Source (edge-be.md §4.1, unverified).
		notes = append(notes, fmt.Sprintf("Portainer shows the interval as %q, not %q: from 2.44 polling can live on the stack's GitOps Source (list_gitops_sources).", got, want))
	}
	if len(problems) > 0 {
		return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but reading edge stack %d back shows: %s. Check it with get_edge_stack.", tool, in.EdgeStackId, strings.Join(problems, "; "))), nil
	}
	v, res := d.edgeView(ctx, tool, after)
	if res != nil {
		return res, nil
	}
	if deref(in.Redeploy) {
		notes = append(notes, fmt.Sprintf("Pulled commit %s as version %d. %s", short(deref(after.GitConfig.ConfigHash)), deref(after.Version), pendingNote))
	} else {
		notes = append(notes, "Saved without a new version: the agents keep what they run until the next pull (redeploy=true pulls now).")
	}
	if old, now := deref(deref(cur).Webhook), deref(deref(p.AutoUpdate).Webhook); old != "" && now != old {
		notes = append(notes, "The old webhook URL no longer works.")
	} else if now != "" && old == "" {
		notes = append(notes, fmt.Sprintf("Give %s to your Git host (push event, POST).", d.EdgeWebhookURL(now)))
	}
	if n := deref(v.Note); n != "" { // the view's own note last
		notes = append(notes, n)
	}
	v.Note = ptr(strings.Join(notes, " "))
	return Result(v)
}

// TriggerEdgeStackWebhook implements trigger_edge_stack_webhook: Portainer runs the update
// before it answers (edge-be.md §4.2), so the version read after it says what happened.
func TriggerEdgeStackWebhook(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "trigger_edge_stack_webhook"
	st, id, res := edgeStackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	hook := edgeWebhook(st)
	if hook == "" {
		return mcp.NewToolResultError(fmt.Sprintf("%s: edge stack %d (%s) has no webhook. Nothing was triggered: add one with update_edge_stack_gitops mechanism=webhook.", tool, id, deref(st.Name))), nil
	}
	if err := checkWebhookID(hook); err != nil {
		return ArgError(tool, err), nil
	}
	resp, err := d.Client.EdgeStackWebhookInvokeWithResponse(ctx, hook)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	after, res := getEdgeStack(ctx, d, tool, id)
	if res != nil {
		return res, nil
	}
	fields := map[string]any{"webhook_url": d.EdgeWebhookURL(hook), "version": deref(after.Version)}
	if deref(after.Version) == deref(st.Version) {
		return Done(fmt.Sprintf("Webhook accepted; no new commit, so the version stays %d and the agents have nothing new to deploy.", deref(st.Version)), fields)
	}
	msg := fmt.Sprintf("Webhook accepted: version %d -> %d", deref(st.Version), deref(after.Version))
	if edgeIsGit(after) {
		msg += fmt.Sprintf(" (commit %s)", short(deref(after.GitConfig.ConfigHash)))
	}
	return Done(msg+". "+pendingNote, fields)
}
