package tools

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
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
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	typ, status, name := a.Str("type"), a.Str("status"), strings.ToLower(a.Str("name"))
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	shown, total := pageOf(all, page, func(s *papi.StackSummary) bool {
		return (envID < 0 || s.EndpointId == envID) && (typ == "" || stackTypeName(&s.Type) == typ) &&
			(status == "" || stackStatusName(&s.Status) == status) && (name == "" || strings.Contains(strings.ToLower(s.Name), name))
	})
	polls, res := d.pagePolling(ctx, tool, shown)
	if res != nil {
		return res, nil
	}
	rows := make([]views.StackRow, 0, len(shown))
	for _, s := range shown {
		_, poll := polls.of(s)
		rows = append(rows, stackRow(s, poll))
	}
	return List("stacks", stackRowTable, rows, total, page, "filter by environment_id, type, status or name")
}

var stackRowTable = &Table[views.StackRow]{
	Header: []string{"id", "name", "type", "status", "env", "git", "gitops", "interval"},
	Cells: func(r *views.StackRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, r.Type, r.Status, strconv.Itoa(r.EnvironmentId), yesNo(deref(r.Git)), deref(r.Gitops), deref(r.Interval)}
	},
}

// pageOf is the page asked for of the stacks keep accepts, and how many it accepts.
func pageOf(all []papi.StackSummary, p Paging, keep func(*papi.StackSummary) bool) (shown []*papi.StackSummary, total int) {
	for i := range all {
		if !keep(&all[i]) {
			continue
		}
		if total >= p.Offset && len(shown) < p.Limit {
			shown = append(shown, &all[i])
		}
		total++
	}
	return shown, total
}

// allStacks lists every stack the caller may see, by id, decoded into the fields list tools
// read (a 1,000-stack answer is large; the rest of each record is skipped).
func allStacks(ctx context.Context, d *Deps, tool string) ([]papi.StackSummary, *mcp.CallToolResult) {
	resp, err := d.Client.StackList(ctx, nil)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, APIError(tool, resp, body)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	var out []papi.StackSummary
	if err := decodeList(raw, &out); err != nil {
		return nil, d.CallFailed(tool, fmt.Errorf("reading Portainer's stack list: %w", err))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out, nil
}

// ListGitopsStacks implements list_gitops_stacks.
func ListGitopsStacks(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_gitops_stacks"
	envID, err := a.optionalID("environment_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	shown, total := pageOf(all, page, func(s *papi.StackSummary) bool {
		return summaryIsGit(s) && (envID < 0 || s.EndpointId == envID)
	})
	polls, res := d.pagePolling(ctx, tool, shown)
	if res != nil {
		return res, nil
	}
	rows := make([]views.GitopsRow, 0, len(shown))
	for _, st := range shown {
		src, poll := polls.of(st)
		rows = append(rows, gitopsRow(d, st, poll, src))
	}
	return List("stacks", gitopsRowTable, rows, total, page, "filter by environment_id")
}

var gitopsRowTable = &Table[views.GitopsRow]{
	Header: []string{"id", "name", "env", "repository", "reference", "compose_path", "commit", "credentials", "gitops", "interval", "webhook"},
	Cells: func(r *views.GitopsRow) []string {
		return []string{strconv.Itoa(r.StackId), r.Name, strconv.Itoa(r.EnvironmentId), r.RepositoryUrl, deref(r.Reference), deref(r.ComposePath),
			short(deref(r.DeployedCommit)), yesNo(deref(r.CredentialsStored)), string(r.Gitops), deref(r.Interval), deref(r.WebhookUrl)}
	},
}

// GetStack implements get_stack.
func GetStack(ctx context.Context, d *Deps, a Args, stackID int) (*mcp.CallToolResult, error) {
	const tool = "get_stack"
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	v, res := d.stackViewPolled(ctx, tool, st, a.Bool("show_env_values", false), true)
	if res != nil {
		return res, nil
	}
	raw, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxText && v.Env != nil {
		// Too many variables for one answer: keep as many as fit, and say so.
		all := *v.Env
		keep := len(all)
		for keep > 0 && len(raw) > MaxText-300 {
			keep = keep * (MaxText - 300) / len(raw)
			cut := all[:keep]
			v.Env = &cut
			v.Note = ptr(fmt.Sprintf("env cut to %d of %d variables to fit one answer; without show_env_values the names take less room.", keep, len(all)))
			if raw, err = encodeJSON(v); err != nil {
				return nil, err
			}
		}
	}
	return rawResult(raw, string(raw)), nil
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
	if err := checkStackName(in.Name); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkEnv(in.Env); err != nil {
		return ArgError(tool, err), nil
	}
	if strings.TrimSpace(in.Compose) == "" {
		return ArgError(tool, fmt.Errorf("compose is empty: give the compose file text")), nil
	}
	def := stackDef{EnvironmentID: in.EnvironmentID, Name: in.Name, Swarm: in.Type == "swarm", Env: in.Env, File: in.Compose}
	st, _, res := def.create(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	st, res = d.AwaitDeploy(ctx, tool, "the create", st, waitArgs(a))
	if res != nil {
		return res, nil
	}
	return Result(deployedView(d, st, waitArgs(a)))
}

// deployedView is a stack just deployed, with a note when the caller did not wait.
func deployedView(d *Deps, st *papi.Stack, w DeployWait) views.StackView {
	v := stackView(d, st, false, sourcePoll{})
	switch {
	case !w.Wait && deref(st.Status) == statusDeploying:
		v.Note = ptr(fmt.Sprintf("Portainer accepted it and is still deploying: check with get_stack %d (status) and get_stack_status (containers).", deref(st.Id)))
	case !w.Verify:
		v.Note = ptr("The containers were not checked (verify=false): get_stack_status shows them.")
	}
	return v
}

// swarmID finds the swarm an environment belongs to, which swarm stacks must name.
func (d *Deps) swarmID(ctx context.Context, tool string, envID int) (string, *mcp.CallToolResult) {
	resp, err := d.Client.EndpointDockerSwarmInspectWithResponse(ctx, envID)
	if err != nil {
		return "", d.CallFailed(tool, err)
	}
	switch {
	case resp.JSON200 != nil && deref(resp.JSON200.ID) != "":
		return *resp.JSON200.ID, nil
	case resp.StatusCode() == http.StatusNotFound && strings.Contains(strings.ToLower(portainerSaid(resp.Body)), "environment"):
		return "", APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return "", mcp.NewToolResultError(fmt.Sprintf("%s: environment %d is not a swarm manager, so it cannot run a swarm stack (Docker says: %s). Deploy a compose stack there (type=compose), or pick an environment with swarm=yes in list_environments. Nothing was changed.",
		tool, envID, strings.TrimSuffix(portainerSaid(resp.Body), ".")))
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
	if res := deploying(tool, st); res != nil {
		return res, nil
	}
	env, removed, err := updatedEnv(st, body.Env, a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	detach := a.Bool("detach_from_git", false)
	wasGit := isGit(st)
	gitops := ""
	if wasGit {
		// What the detach loses is the GitOps that works: from 2.44 the Source's polling (a
		// Source that cannot be read: the stack's own settings are named).
		poll, _ := d.stackPoll(ctx, tool, st)
		gitops = describeGitops(poll.apply(st.AutoUpdate))
		refusal := joinSentences(
			fmt.Sprintf("%s: stack %d (%s) is deployed from Git (%s, reference %q, GitOps: %s)", tool, stackID, deref(st.Name), deref(st.GitConfig.URL), deref(st.GitConfig.ReferenceName), gitops),
			"Portainer's stack update would detach it from Git: it drops the repository link and the GitOps settings and turns it into a file-based stack",
			nothingChanged,
			"Instead: to change env, reference, interval or webhook use update_stack_gitops; to deploy the latest commit use redeploy_stack; "+
				"to change the compose file, commit it to the repository and redeploy",
			"Only if you really want a file-based stack, call update_stack again with detach_from_git=true")
		if res := confirm(ctx, consent{tool: tool, explicit: detach, refusal: refusal, question: fmt.Sprintf(
			"Detach stack %s (id %d) from Git? This update turns it into a file-based stack: Portainer drops its repository link (%s, %s) and its GitOps settings (%s).",
			deref(st.Name), stackID, deref(st.GitConfig.URL), deref(st.GitConfig.ReferenceName), gitops)}); res != nil {
			return res, nil
		}
	}
	if body.StackFileContent == nil {
		file, res := d.stackFile(ctx, tool, stackID)
		if res != nil {
			return res, nil
		}
		body.StackFileContent = &file
	}
	if strings.TrimSpace(deref(body.StackFileContent)) == "" {
		return ArgError(tool, fmt.Errorf("compose is empty: give the compose file text")), nil
	}
	body.Env = &env
	if deref(body.PullImage) { // 2.36 and later read RepullImageAndRedeploy; older ones ignore it
		body.RepullImageAndRedeploy = ptr(true)
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
			r.Content = append(r.Content, mcp.NewTextContent("Portainer stops a Git stack's automatic updates even when it then rejects the update: check the stack with get_stack_gitops and turn GitOps back on with update_stack_gitops if it is still a Git stack."))
		}
		return r, nil
	}
	updated, res := d.AwaitDeploy(ctx, tool, "the update", resp.JSON200, waitArgs(a))
	if res != nil {
		return res, nil
	}
	v := deployedView(d, updated, waitArgs(a))
	if len(removed) > 0 { // names only: values are never shown
		v.Note = ptr(joinSentences(deref(v.Note), "env replaced: removed "+strings.Join(removed, ", ")))
	}
	if wasGit {
		v.Note = ptr(joinSentences(deref(v.Note), fmt.Sprintf("The stack is now file-based: Portainer dropped its Git link (%s, reference %q) and its GitOps settings (%s). recreate_stack can move it back onto Git.",
			deref(st.GitConfig.URL), deref(st.GitConfig.ReferenceName), gitops)))
	}
	return Result(v)
}

// updatedEnv is the env update_stack sends. env replaces every variable (removed: the names it
// drops); set_env and unset_env change the ones they name and keep the rest; none of them keeps
// the env as it is. An unset of a variable the stack does not have is refused with the names
// it has (never values).
func updatedEnv(st *papi.Stack, replace *[]papi.Pair, a Args) (env []papi.Pair, removed []string, err error) {
	var edit struct {
		Set   []papi.Pair `json:"set_env"`
		Unset []string    `json:"unset_env"`
	}
	if err := a.Bind(&edit); err != nil {
		return nil, nil, err
	}
	have := deref(st.Env)
	if replace != nil {
		if edit.Set != nil || edit.Unset != nil {
			return nil, nil, fmt.Errorf("give env (replaces every variable) or set_env and unset_env (change the ones named), not both")
		}
		if err := checkEnv(*replace); err != nil {
			return nil, nil, err
		}
		kept := map[string]bool{}
		for _, p := range *replace {
			kept[p.Name] = true
		}
		for _, p := range have {
			if !kept[p.Name] {
				removed = append(removed, p.Name)
			}
		}
		return *replace, removed, nil
	}
	if err := checkEnv(edit.Set); err != nil {
		return nil, nil, err
	}
	if err := checkUnset(have, edit.Set, edit.Unset); err != nil {
		return nil, nil, err
	}
	return editEnv(have, edit.Set, edit.Unset), nil, nil
}

// stackFile is a stack's compose file as Portainer has it on disk.
func (d *Deps) stackFile(ctx context.Context, tool string, id int) (string, *mcp.CallToolResult) {
	resp, err := d.Client.StackFileInspectWithResponse(ctx, id)
	if err != nil {
		return "", d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return "", APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return deref(resp.JSON200.StackFileContent), nil
}

// stackFileText is stackFile where a file that cannot be read is not an error: ok is false.
func (d *Deps) stackFileText(ctx context.Context, id int) (text string, ok bool) {
	text, res := d.stackFile(ctx, "", id)
	return text, res == nil
}

// GetStackFile implements get_stack_file. A file longer than an answer may be is cut at a
// line boundary, with a note.
func GetStackFile(ctx context.Context, d *Deps, a Args, stackID int) (*mcp.CallToolResult, error) {
	const tool = "get_stack_file"
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	content, res := d.stackFile(ctx, tool, stackID)
	if res != nil {
		return res, nil
	}
	v := views.StackFileView{StackId: stackID, Name: deref(st.Name), Lines: ptr(strings.Count(content, "\n") + 1)}
	// The structured answer carries the file JSON-escaped: cut on that length, leaving room
	// for the other fields.
	if cut, ok := CutEncoded(content, MaxText-1500); ok {
		content = cut
		v.Note = ptr(fmt.Sprintf("The file has %d lines and was cut to its first %d to fit an answer; read the rest in the repository or Portainer's editor.", *v.Lines, strings.Count(cut, "\n")))
	}
	v.Compose = content
	raw, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	// The text is the file itself, as a person reads it.
	text := content
	if v.Note != nil {
		text += "\n[" + *v.Note + "]"
	}
	return rawResult(raw, text), nil
}
