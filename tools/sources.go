package tools

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// GitOps Sources (Portainer 2.43 and later, Caps.GitSources; PC §7): a Git stack's URL,
// credentials and TLS setting live on a Source that other stacks may share, and from 2.44 the
// polling interval too. Whatever changes the Source changes every stack on it, so such a
// change names them and, when there are others, needs the caller's explicit consent. 2.41.1
// and 2.42 list the repositories in use under the same route (Caps.SourcesList), but no stack
// is on a Source there: the tools say so rather than show that list.

// sourceInfo is a Source and the stacks that use it.
type sourceInfo struct {
	views.SourceView
}

// sharing is who else uses a Source: the stacks the caller can see, and how many it cannot
// (another user's) and edge stacks. Every one of them counts for consent: a change to the
// Source reaches them all.
type sharing struct {
	visible      []views.SourceStack
	hidden, edge int
}

func (s sharing) count() int { return len(s.visible) + s.hidden + s.edge }

// String names them for a message.
func (s sharing) String() string {
	var parts []string
	if len(s.visible) > 0 {
		parts = append(parts, describeStacks(s.visible))
	}
	if s.hidden > 0 {
		parts = append(parts, fmt.Sprintf("%d stack(s) this API key cannot see", s.hidden))
	}
	if s.edge > 0 {
		parts = append(parts, fmt.Sprintf("%d edge stack(s)", s.edge))
	}
	return strings.Join(parts, ", ")
}

// others are the users of the Source other than stack stackID (0: all of them).
func (s *sourceInfo) others(stackID int) sharing {
	out := sharing{hidden: deref(s.HiddenStacks), edge: deref(s.EdgeStacks)}
	for _, st := range deref(s.Stacks) {
		if st.StackId != stackID {
			out.visible = append(out.visible, st)
		}
	}
	return out
}

// describeStacks names stacks for a message: "web (3, environment 1), api (7, environment 2)".
func describeStacks(list []views.SourceStack) string {
	parts := make([]string, 0, len(list))
	for _, s := range list {
		parts = append(parts, fmt.Sprintf("%s (%d, environment %d)", s.Name, s.StackId, s.EnvironmentId))
	}
	return strings.Join(parts, ", ")
}

// noSources is the answer of the Source tools on releases where stacks are not on Sources.
func noSources(tool string, c Caps) *mcp.CallToolResult {
	v := c.Version
	if v == "" {
		v = "(version unknown)"
	}
	has := "has no GitOps Sources"
	if c.SourcesList {
		has = "only lists the repositories its GitOps workflows use (for administrators); stacks are not on GitOps Sources"
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer %s %s (Git stacks use shared Sources from 2.43): each Git stack keeps its own repository settings. Use list_gitops_stacks, get_stack_gitops and update_stack_gitops.", tool, v, has))
}

// getSource reads a Source and the stacks using it (their workflows, matched to stacks by
// WorkflowID).
func (d *Deps) getSource(ctx context.Context, tool string, id int) (*sourceInfo, *mcp.CallToolResult) {
	resp, err := d.Client.GitOpsSourceGetWithResponse(ctx, id)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	src := resp.JSON200
	info := &sourceInfo{views.SourceView{
		Id:       deref(src.Id),
		Name:     deref(src.Name),
		Url:      deref(src.Url),
		Status:   opt(deref(src.Status)),
		Error:    opt(deref(src.Error)),
		Interval: opt(deref(src.Interval)),
	}}
	if c := src.Connection; c != nil {
		info.TlsSkipVerify = optb(deref(c.TlsSkipVerify))
		if a := c.Authentication; a != nil && (deref(a.Username) != "" || deref(a.SharedCredentialId) != 0 || deref(a.Type) != "") {
			info.CredentialsStored = ptr(true)
			info.Username = opt(deref(a.Username))
		}
	}
	if info.CredentialsStored == nil {
		info.CredentialsStored = ptr(false)
	}
	wf, err := d.Client.GitOpsSourceWorkflowsWithResponse(ctx, id)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if wf.JSON200 == nil {
		return nil, APIError(tool, wf.HTTPResponse, wf.Body)
	}
	byWorkflow := map[int]views.SourceStack{}
	if len(*wf.JSON200) > 0 {
		all, res := allStacks(ctx, d, tool)
		if res != nil {
			return nil, res
		}
		for i := range all {
			if w := all[i].WorkflowID; w != 0 {
				byWorkflow[w] = views.SourceStack{StackId: all[i].Id, Name: all[i].Name, EnvironmentId: all[i].EndpointId}
			}
		}
	}
	stacks := []views.SourceStack{}
	edge, hidden := 0, 0
	for _, w := range *wf.JSON200 {
		switch s, ok := byWorkflow[deref(w.Id)]; {
		case deref(w.Type) == "edgeStack":
			edge++
		case ok:
			stacks = append(stacks, s)
		default: // a stack the caller's key cannot list: another user's
			hidden++
		}
	}
	info.Stacks = &stacks
	info.EdgeStacks = opti(edge)
	info.HiddenStacks = opti(hidden)
	return info, nil
}

// stackSource is the Source of a Git stack, or nil on releases without Sources.
func (d *Deps) stackSource(ctx context.Context, tool string, st *papi.Stack) (*sourceInfo, *mcp.CallToolResult) {
	if !d.Caps(ctx).GitSources || deref(st.GitSourceId) == 0 {
		return nil, nil
	}
	return d.getSource(ctx, tool, deref(st.GitSourceId))
}

// sharedConsent refuses a change that Portainer applies to a Source other stacks use, unless
// the caller said apply_to_shared_source=true. what names the change ("the credentials").
func sharedConsent(ctx context.Context, tool string, a Args, st *papi.Stack, src *sourceInfo, what string) *mcp.CallToolResult {
	if src == nil {
		return nil
	}
	others := src.others(deref(st.Id))
	if others.count() == 0 {
		return nil
	}
	return confirm(ctx, consent{tool: tool, explicit: a.Bool("apply_to_shared_source", false),
		question: fmt.Sprintf("Change %s for %d more stack(s)? Stack %s (id %d) shares GitOps Source %d (%s) with %s; Portainer applies the change to all of them.",
			what, others.count(), deref(st.Name), deref(st.Id), src.Id, src.Url, others),
		refusal: fmt.Sprintf(
			"%s: stack %d takes %s from GitOps Source %d (%s), which %d other stack(s) use too: %s. A change there changes all of them. Nothing was changed. "+
				"To change it for every one of them, call again with apply_to_shared_source=true; to change only this stack, point it at other credentials or another repository URL instead.",
			tool, deref(st.Id), what, src.Id, src.Url, others.count(), others)})
}

// setSourceInterval changes the polling interval of a Source ("" stops polling).
func (d *Deps) setSourceInterval(ctx context.Context, tool string, src *sourceInfo, interval string) *mcp.CallToolResult {
	resp, err := d.Client.GitOpsSourcesUpdateGitWithResponse(ctx, src.Id, papi.GitSourceUpdatePayload{Interval: &interval})
	if err != nil {
		return d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return nil
}

var sourceTable = &Table[views.SourceRow]{
	Header: []string{"id", "name", "url", "status", "interval", "used_by"},
	Cells: func(r *views.SourceRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, r.Url, deref(r.Status), deref(r.Interval), itoaPtr(r.UsedBy)}
	},
}

// ListGitopsSources implements list_gitops_sources.
func ListGitopsSources(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_gitops_sources"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	if c := d.Caps(ctx); !c.GitSources {
		return noSources(tool, c), nil
	}
	resp, err := d.Client.GitOpsSourcesListWithResponse(ctx)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	q := strings.ToLower(strings.TrimSpace(a.Str("search")))
	rows := []views.SourceRow{}
	total := 0
	for _, s := range *resp.JSON200 {
		if q != "" && !strings.Contains(strings.ToLower(deref(s.Name)+" "+deref(s.Url)), q) {
			continue
		}
		if total >= page.Offset && len(rows) < page.Limit {
			rows = append(rows, views.SourceRow{Id: deref(s.Id), Name: deref(s.Name), Url: deref(s.Url), Status: opt(deref(s.Status)),
				Interval: opt(deref(s.Interval)), UsedBy: s.UsedBy})
		}
		total++
	}
	return List("sources", sourceTable, rows, total, page, "search by name or URL")
}

// GetGitopsSource implements get_gitops_source.
func GetGitopsSource(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_gitops_source"
	if c := d.Caps(ctx); !c.GitSources {
		return noSources(tool, c), nil
	}
	id, err := a.Int("source_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	src, res := d.getSource(ctx, tool, id)
	if res != nil {
		return res, nil
	}
	return Result(src.SourceView)
}

// UpdateGitopsSource implements update_gitops_source: interval, credentials and TLS of a
// Source, for every stack on it.
func UpdateGitopsSource(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "update_gitops_source"
	var in views.SourceChangeInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	var body papi.GitSourceUpdatePayload
	var changes []string
	if in.Interval != nil {
		if iv := strings.TrimSpace(*in.Interval); iv != "" && iv != "0" {
			if _, err := ParseInterval(iv); err != nil {
				return ArgError(tool, err), nil
			}
			body.Interval = &iv
			changes = append(changes, "polling every "+iv)
		} else {
			body.Interval = ptr("")
			changes = append(changes, "no polling")
		}
	}
	switch {
	case deref(in.RemoveCredentials) && (in.Username != nil || in.Password != nil):
		return ArgError(tool, fmt.Errorf("remove_credentials cannot be combined with username or password")), nil
	case deref(in.RemoveCredentials):
		body.Authentication = &papi.GitSourceAuthPayload{}
		changes = append(changes, "credentials removed")
	case in.Username != nil || in.Password != nil:
		if in.Password == nil || deref(in.Password) == "" {
			return ArgError(tool, fmt.Errorf("give password (or a token) with username: without one Portainer keeps the stored password and would pair it with the new username")), nil
		}
		body.Authentication = &papi.GitSourceAuthPayload{Username: in.Username, Password: in.Password}
		changes = append(changes, "new credentials")
	}
	if in.TlsSkipVerify != nil {
		body.TlsSkipVerify = in.TlsSkipVerify
		changes = append(changes, fmt.Sprintf("TLS skip-verify %v", *in.TlsSkipVerify))
	}
	if len(changes) == 0 {
		return ArgError(tool, fmt.Errorf("say what to change: interval, username with password, remove_credentials or tls_skip_verify")), nil
	}
	c := d.Caps(ctx)
	if !c.GitSources {
		return noSources(tool, c), nil
	}
	if body.Interval != nil && !c.SourcePolling {
		return ArgError(tool, fmt.Errorf("Portainer %s polls per stack, not per Source (that came in 2.44): set the interval with update_stack_gitops", c.Version)), nil
	}
	src, res := d.getSource(ctx, tool, in.SourceId)
	if res != nil {
		return res, nil
	}
	if all := src.others(0); all.count() > 1 {
		n := all.count()
		if res := confirm(ctx, consent{tool: tool, explicit: deref(in.ApplyToSharedSource),
			question: fmt.Sprintf("Change GitOps Source %d (%s) for all %d stacks on it (%s)? Change: %s.",
				src.Id, src.Url, n, all, strings.Join(changes, ", ")),
			refusal: fmt.Sprintf("%s: Source %d (%s) is used by %d stacks: %s. This changes all of them (%s). Nothing was changed. Call again with apply_to_shared_source=true to go ahead.",
				tool, src.Id, src.Url, n, all, strings.Join(changes, ", "))}); res != nil {
			return res, nil
		}
	}
	resp, err := d.Client.GitOpsSourcesUpdateGitWithResponse(ctx, src.Id, body)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		r := APIError(tool, resp.HTTPResponse, resp.Body)
		if resp.StatusCode() == http.StatusConflict {
			r.Content = append(r.Content, mcp.NewTextContent("Another Source already has this URL with these credentials: point the stacks at it instead (recreate_stack or update_stack_gitops with that Source's credentials)."))
		}
		return r, nil
	}
	after, res := d.getSource(ctx, tool, src.Id)
	if res != nil {
		return res, nil
	}
	if body.Interval != nil && deref(after.Interval) != *body.Interval {
		return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but Source %d now polls at %q, not %q: check it with get_gitops_source.", tool, src.Id, deref(after.Interval), *body.Interval)), nil
	}
	after.Note = ptr(fmt.Sprintf("Changed (%s) for every stack on this Source: %s. Nothing was redeployed.", strings.Join(changes, ", "), after.others(0)))
	return Result(after.SourceView)
}

// pollOnSource gives a stack the polling interval it was created or moved with, on releases
// that poll per GitOps Source (2.44 and later; the stack's own interval is not what polls
// there): the stack's Source is set to poll at interval when no other stack uses it. When
// others share it at another interval, the Source is left alone and the note says so. It
// returns the stack's Source as it ends (nil before 2.43).
func (d *Deps) pollOnSource(ctx context.Context, tool string, stackID int, interval string) (*sourceInfo, string, *mcp.CallToolResult) {
	caps := d.Caps(ctx)
	if !caps.GitSources {
		return nil, "", nil
	}
	st, res := getStack(ctx, d, tool, stackID)
	if res != nil {
		return nil, "", res
	}
	src, res := d.stackSource(ctx, tool, st)
	if res != nil || src == nil || !caps.SourcePolling || deref(src.Interval) == interval {
		return src, "", res
	}
	if others := src.others(stackID); others.count() > 0 {
		now := "does not poll"
		if iv := deref(src.Interval); iv != "" {
			now = "polls every " + iv
		}
		return src, fmt.Sprintf("This Portainer polls per GitOps Source, and the stack's Source %d (%s) is shared with %s and %s: the stack follows it. To change that for all of them: update_gitops_source.",
			src.Id, src.Url, others, now), nil
	}
	if res := d.setSourceInterval(ctx, tool, src, interval); res != nil {
		return src, "", res
	}
	src, res = d.getSource(ctx, tool, src.Id)
	return src, "", res
}
