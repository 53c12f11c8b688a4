package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// pendingNote is what every write of an edge stack must say: Portainer's 200 is not a deploy.
const pendingNote = "Portainer answered at once; each edge agent deploys it when it next polls, and it is pending until an agent reports (get_edge_stack shows each environment)."

// CreateEdgeStack implements create_edge_stack: from compose text, or from a Git repository
// whose compose file is first read through Portainer (as create_stack_from_git does), so a
// wrong URL, reference, path or credential creates nothing.
func CreateEdgeStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "create_edge_stack"
	var in views.CreateEdgeStackInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	fromGit := strings.TrimSpace(deref(in.RepositoryUrl)) != ""
	gitops := string(deref(in.Gitops))
	switch {
	case checkStackName(in.Name) != nil:
		return ArgError(tool, checkStackName(in.Name)), nil
	case len(in.EdgeGroupIds) == 0:
		return ArgError(tool, fmt.Errorf("give at least one edge group id (list_edge_groups shows them)")), nil
	case fromGit == (in.Compose != nil):
		return ArgError(tool, fmt.Errorf("give either compose (the file's text) or repository_url, not both and not neither")), nil
	case !fromGit && (in.Reference != nil || in.ComposePath != nil || in.Username != nil || in.Password != nil || in.TlsSkipVerify != nil || in.FilesystemPath != nil):
		return ArgError(tool, fmt.Errorf("reference, compose_path, username, password, tls_skip_verify and filesystem_path apply to repository_url only")), nil
	case !fromGit && gitops != "" && gitops != "none":
		return ArgError(tool, fmt.Errorf("gitops applies to a stack from repository_url: compose text has nothing to poll")), nil
	case (gitops == "" || gitops == "none") && in.Interval != nil:
		return ArgError(tool, fmt.Errorf("an interval was given without polling: pass gitops=polling")), nil
	}
	if err := checkEnv(deref(in.Env)); err != nil {
		return ArgError(tool, err), nil
	}
	for _, opt := range []struct {
		given bool
		what  string
	}{
		{in.Env != nil, "env on an edge stack"},
		{gitops != "" && gitops != "none", "gitops on an edge stack (Portainer CE clones it once)"},
		{in.FilesystemPath != nil, "filesystem_path (relative paths)"},
	} {
		if opt.given {
			if res := d.requireBE(ctx, tool, opt.what); res != nil {
				return res, nil
			}
		}
	}
	var st *papi.EdgeStack
	var res *mcp.CallToolResult
	var notes []string
	if fromGit {
		st, notes, res = createEdgeFromGit(ctx, d, tool, in, gitops)
	} else {
		st, res = createEdgeFromText(ctx, d, tool, in)
	}
	if res != nil {
		return res, nil
	}
	v, res := d.edgeView(ctx, tool, st)
	if res != nil {
		res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf("Edge stack %d was created; only reading it back failed.", deref(st.Id))))
		return res, nil
	}
	notes = append([]string{"Created. " + pendingNote}, notes...)
	if v.Environments == 0 {
		notes = append(notes, "Its edge groups hold no edge environment yet: nothing is deployed until one joins them.")
	}
	if n := deref(v.Note); n != "" { // the view's own note last
		notes = append(notes, n)
	}
	v.Note = ptr(strings.Join(notes, " "))
	return Result(v)
}

func createEdgeFromText(ctx context.Context, d *Deps, tool string, in views.CreateEdgeStackInput) (*papi.EdgeStack, *mcp.CallToolResult) {
	body := papi.EdgeStackFromStringPayload{Name: in.Name, StackFileContent: deref(in.Compose), EdgeGroups: in.EdgeGroupIds,
		DeploymentType: papi.EdgeStackDeploymentCompose, EnvVars: in.Env}
	resp, err := d.Client.EdgeStackCreateStringWithResponse(ctx, body)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200, nil
}

func createEdgeFromGit(ctx context.Context, d *Deps, tool string, in views.CreateEdgeStackInput, gitops string) (*papi.EdgeStack, []string, *mcp.CallToolResult) {
	src := gitSource{URL: strings.TrimSpace(deref(in.RepositoryUrl)), Ref: fullRef(deref(in.Reference)), Path: deref(in.ComposePath),
		User: deref(in.Username), Password: deref(in.Password), TLSSkip: deref(in.TlsSkipVerify)}
	if src.Path == "" {
		src.Path = "docker-compose.yml"
	}
	if err := checkCredentials(src); err != nil {
		return nil, nil, ArgError(tool, err)
	}
	if err := checkRepoPaths(src.Path, nil); err != nil {
		return nil, nil, ArgError(tool, err)
	}
	var au *papi.AutoUpdateSettings
	if gitops != "" && gitops != "none" {
		var err error
		if au, err = (gitopsChange{Mechanism: gitops, Interval: deref(in.Interval)}).apply(d, nil); err != nil {
			return nil, nil, ArgError(tool, err)
		}
	}
	if res := checkSource(ctx, d, tool, stackDef{Git: &src}); res != nil {
		return nil, nil, res
	}
	auth := src.User != ""
	body := papi.EdgeStackFromGitPayload{Name: in.Name, RepositoryURL: src.URL, RepositoryReferenceName: &src.Ref,
		RepositoryAuthentication: &auth, FilePathInRepository: &src.Path, EdgeGroups: in.EdgeGroupIds,
		DeploymentType: papi.EdgeStackDeploymentCompose, TLSSkipVerify: optb(src.TLSSkip), AutoUpdate: au, EnvVars: in.Env}
	if auth {
		body.RepositoryUsername, body.RepositoryPassword = &src.User, &src.Password
	}
	if p := strings.TrimSpace(deref(in.FilesystemPath)); in.FilesystemPath != nil {
		if !strings.HasPrefix(p, "/") {
			return nil, nil, ArgError(tool, fmt.Errorf("filesystem_path %q must be an absolute folder on the edge hosts, like /opt/stacks", *in.FilesystemPath))
		}
		body.SupportRelativePath, body.FilesystemPath = ptr(true), &p
	}
	resp, err := d.Client.EdgeStackCreateRepositoryWithResponse(ctx, body)
	if err != nil {
		return nil, nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	var notes []string
	switch {
	case !edgeIsGit(resp.JSON200):
		notes = append(notes, fmt.Sprintf("Portainer cloned %s once: the edge stack keeps no link to the repository (the Community Edition has no edge GitOps); update_edge_stack changes its file.", src.URL))
	case au != nil && deref(au.Webhook) != "":
		notes = append(notes, fmt.Sprintf("Give %s to your Git host (push event, POST) so a push makes a new version.", d.EdgeWebhookURL(deref(au.Webhook))))
	}
	return resp.JSON200, notes, nil
}

// UpdateEdgeStack implements update_edge_stack. Portainer's update needs the file and the
// groups every time, writes the file only with UpdateVersion, and on the Business Edition
// replaces env, registries and the pull and retry options with what is sent: so the tool
// reads the stack and its file and sends everything back with the change (edge-be.md §2.5).
func UpdateEdgeStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "update_edge_stack"
	var in views.UpdateEdgeStackInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	switch {
	case in.Compose == nil && in.EdgeGroupIds == nil && in.Env == nil:
		return ArgError(tool, fmt.Errorf("nothing to change: give compose, edge_group_ids or env")), nil
	case in.Compose != nil && strings.TrimSpace(*in.Compose) == "":
		return ArgError(tool, fmt.Errorf("compose is empty: give the whole compose file")), nil
	case in.EdgeGroupIds != nil && len(*in.EdgeGroupIds) == 0:
		return ArgError(tool, fmt.Errorf("edge_group_ids is empty: an edge stack needs at least one edge group (delete_edge_stack removes it)")), nil
	}
	if err := checkEnv(deref(in.Env)); err != nil {
		return ArgError(tool, err), nil
	}
	if in.Env != nil {
		if res := d.requireBE(ctx, tool, "env on an edge stack"); res != nil {
			return res, nil
		}
	}
	st, res := getEdgeStack(ctx, d, tool, in.EdgeStackId)
	if res != nil {
		return res, nil
	}
	if in.Compose != nil && edgeIsGit(st) {
		return mcp.NewToolResultError(fmt.Sprintf("%s: edge stack %d (%s) is deployed from Git (%s): its compose file comes from the repository and the next pull would replace an edited one. Nothing was changed: commit the change to the repository, then update_edge_stack_gitops redeploy=true (or let its GitOps pick it up).",
			tool, in.EdgeStackId, deref(st.Name), deref(st.GitConfig.URL))), nil
	}
	file, res := d.edgeFile(ctx, tool, in.EdgeStackId)
	if res != nil {
		res.Content = append(res.Content, mcp.NewTextContent("Portainer's update needs the stack's current file, which could not be read. Nothing was changed."))
		return res, nil
	}
	p := papi.EdgeStackUpdatePayload{
		StackFileContent: file, EdgeGroups: deref(st.EdgeGroups), DeploymentType: st.DeploymentType,
		UseManifestNamespaces: st.UseManifestNamespaces, EnvVars: st.EnvVars, Registries: st.Registries,
		PrePullImage: st.PrePullImage, RePullImage: st.RePullImage, RetryDeploy: st.RetryDeploy, RetryPeriod: st.RetryPeriod,
		StaggerConfig: st.StaggerConfig, DeployerOptions: st.DeployerOptions,
	}
	newVersion := false
	if in.Compose != nil && *in.Compose != file {
		p.StackFileContent, newVersion = *in.Compose, true
	}
	if in.Env != nil && !samePairs(*in.Env, deref(st.EnvVars)) {
		p.EnvVars, newVersion = in.Env, true
	}
	groupsChange := in.EdgeGroupIds != nil && !sameIDs(*in.EdgeGroupIds, deref(st.EdgeGroups))
	if groupsChange {
		p.EdgeGroups = *in.EdgeGroupIds
	}
	if !newVersion && !groupsChange {
		v, res := d.edgeView(ctx, tool, st)
		if res != nil {
			return res, nil
		}
		v.Note = ptr(joinSentences("Nothing to change: the edge stack already has this compose, these groups and this env.", deref(v.Note)))
		return Result(v)
	}
	p.UpdateVersion = ptr(newVersion)
	resp, err := d.Client.EdgeStackUpdateWithResponse(ctx, in.EdgeStackId, p)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	after, res := getEdgeStack(ctx, d, tool, in.EdgeStackId)
	if res != nil {
		return res, nil
	}
	var problems []string
	if !sameIDs(deref(after.EdgeGroups), p.EdgeGroups) {
		problems = append(problems, fmt.Sprintf("its edge groups are %v", deref(after.EdgeGroups)))
	}
	if newVersion && deref(after.Version) <= deref(st.Version) {
		problems = append(problems, fmt.Sprintf("its version is still %d", deref(after.Version)))
	}
	if p.EnvVars != nil && after.EnvVars != nil && !samePairs(deref(after.EnvVars), *p.EnvVars) {
		problems = append(problems, "its env differs from what was sent")
	}
	if len(problems) > 0 {
		return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but reading edge stack %d back shows: %s. Check it with get_edge_stack.", tool, in.EdgeStackId, strings.Join(problems, "; "))), nil
	}
	v, res := d.edgeView(ctx, tool, after)
	if res != nil {
		return res, nil
	}
	var notes []string
	if newVersion {
		notes = append(notes, fmt.Sprintf("Version %d. %s", deref(after.Version), pendingNote))
	}
	if groupsChange {
		notes = append(notes, "Edge groups changed: agents of environments that joined deploy it when they next poll; those that left remove it.")
	}
	if n := deref(v.Note); n != "" { // the view's own note last
		notes = append(notes, n)
	}
	v.Note = ptr(strings.Join(notes, " "))
	return Result(v)
}

func sameIDs(a, b []int) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// DeleteEdgeStack implements delete_edge_stack, after the user's consent (asked, or
// confirm_name), as delete_stack.
func DeleteEdgeStack(ctx context.Context, d *Deps, a Args, id int) (*mcp.CallToolResult, error) {
	const tool = "delete_edge_stack"
	st, res := getEdgeStack(ctx, d, tool, id)
	if res != nil {
		return res, nil
	}
	c, res := deleteConsent(tool, "edge stack", id, deref(st.Name), "list_edge_stacks", a, fmt.Sprintf(
		"Delete edge stack %s (id %d)? The agents of its %d environment(s) remove its containers when they next poll. This cannot be undone.",
		deref(st.Name), id, deref(st.NumDeployments)))
	if res != nil {
		return res, nil
	}
	if res := confirm(ctx, c); res != nil {
		return res, nil
	}
	resp, err := d.Client.EdgeStackDeleteWithResponse(ctx, id)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	return Done(fmt.Sprintf("Deleted edge stack %s (id %d). Its agents remove its containers when they next poll Portainer.", deref(st.Name), id),
		map[string]any{"edge_stack_id": id, "name": deref(st.Name)})
}
