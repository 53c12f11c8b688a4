package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// From 2.44 (Caps.SourcePolling) Portainer polls per GitOps Source: the Source's interval
// polls every stack on it, and a stack's own AutoUpdate.Interval is deprecated and cleared by
// the 2.44 migration (PC §1 "Polling moved off the stack", §7 "Interval"). The views show
// what works: the Source's interval, with the stack's own webhook and options.

// sourcePoll is how a stack's Source polls it. The zero value (before 2.44, or Source
// unknown) leaves the stack's own settings in force.
type sourcePoll struct {
	known    bool
	interval string // "" : the Source does not poll
}

// apply is a stack's AutoUpdate au as it works: a copy with the Source's polling in place
// of the stack's own where the Source is known, without the runtime JobID; nil when it
// neither polls nor has a webhook. It is the one way the tools compute effective GitOps
// settings.
func (p sourcePoll) apply(au *papi.AutoUpdateSettings) *papi.AutoUpdateSettings {
	var c papi.AutoUpdateSettings
	if au != nil {
		c = *au
	}
	c.JobID = nil // runtime only
	if p.known {
		c.Interval = opt(p.interval)
	}
	if mechanism(&c) == views.GitopsSettingsMechanismNone {
		return nil
	}
	return &c
}

// poll is how Source s polls its stacks where Portainer polls per Source; the zero value for
// no Source or before 2.44.
func (s *sourceInfo) poll(caps Caps) sourcePoll {
	if s == nil || !caps.SourcePolling {
		return sourcePoll{}
	}
	return sourcePoll{known: true, interval: deref(s.Interval)}
}

// describeGitops says in words how a stack is kept up to date: "none", "polling every 5m",
// "a webhook", "polling every 5m and a webhook".
func describeGitops(au *papi.AutoUpdateSettings) string {
	switch mechanism(au) {
	case views.GitopsSettingsMechanismPolling:
		return "polling every " + deref(au.Interval)
	case views.GitopsSettingsMechanismWebhook:
		return "a webhook"
	case views.GitopsSettingsMechanismPollingWebhook:
		return "polling every " + deref(au.Interval) + " and a webhook"
	}
	return "none"
}

// stackSourceID is the GitOps Source of a stack read alone: GitSourceId (GET /stacks/{id}
// and POST /stacks/{id}/git only, PC §2), else the Source of its last deployment.
func stackSourceID(st *papi.Stack) int {
	if id := deref(st.GitSourceId); id != 0 {
		return id
	}
	if c := st.CurrentDeploymentInfo; c != nil {
		return deref(c.SourceID)
	}
	return 0
}

// stackPoll reads how the Source of Git stack st polls it, where Portainer polls per Source
// (one read of the Source); the zero value elsewhere.
func (d *Deps) stackPoll(ctx context.Context, tool string, st *papi.Stack) (sourcePoll, *mcp.CallToolResult) {
	id := stackSourceID(st)
	if !isGit(st) || id == 0 || !d.Caps(ctx).SourcePolling {
		return sourcePoll{}, nil
	}
	resp, err := d.Client.GitOpsSourceGetWithResponse(ctx, id)
	if err != nil {
		return sourcePoll{}, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return sourcePoll{}, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return sourcePoll{known: true, interval: deref(resp.JSON200.Interval)}, nil
}

// stackViewPolled is stackView with the polling that works. A Source that cannot be read
// fails a read; after a change (strict false) the view keeps the stack's own settings and its
// note says so, since the change itself went through.
func (d *Deps) stackViewPolled(ctx context.Context, tool string, st *papi.Stack, showEnv, strict bool) (views.StackView, *mcp.CallToolResult) {
	poll, res := d.stackPoll(ctx, tool, st)
	if res != nil && strict {
		return views.StackView{}, res
	}
	v := stackView(d, st, showEnv, poll)
	if res != nil {
		v.Note = ptr(fmt.Sprintf("GitOps Source %d, whose interval polls this stack, could not be read: the GitOps settings shown are the stack's own; get_stack_gitops shows the Source's.", stackSourceID(st)))
	}
	return v, nil
}

// pagePolls is how the Sources poll the Git stacks of one page of a list, where Portainer
// polls per Source: the Sources are listed once for the page, never per row.
type pagePolls struct {
	interval   map[int]string   // Source id -> its interval
	byURL      map[string][]int // repository URL -> the Sources with it
	byWorkflow map[int]int      // a stack's WorkflowID -> its Source, for URLs several Sources share
}

// pagePolling reads the Sources for a page of stacks; nil before 2.44 or when the page has no
// Git stack.
func (d *Deps) pagePolling(ctx context.Context, tool string, page []*papi.StackSummary) (*pagePolls, *mcp.CallToolResult) {
	git := false
	for _, s := range page {
		git = git || summaryIsGit(s)
	}
	if !git || !d.Caps(ctx).SourcePolling {
		return nil, nil
	}
	resp, err := d.Client.GitOpsSourcesListWithResponse(ctx)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	p := &pagePolls{interval: map[int]string{}, byURL: map[string][]int{}, byWorkflow: map[int]int{}}
	for _, src := range *resp.JSON200 {
		id := deref(src.Id)
		p.interval[id] = deref(src.Interval)
		p.byURL[deref(src.Url)] = append(p.byURL[deref(src.Url)], id)
	}
	// A stack's repository URL is its Source's (PC §2: GitConfig is rebuilt from the Source),
	// but several Sources may have one URL with other credentials: for those, the Source's
	// workflows say which stacks are on it (PC §7: a workflow's id is the stack's WorkflowID).
	read := map[int]bool{}
	for _, s := range page {
		if !summaryIsGit(s) {
			continue
		}
		if ids := p.byURL[deref(s.GitConfig.URL)]; len(ids) > 1 {
			for _, id := range ids {
				if read[id] {
					continue
				}
				read[id] = true
				wf, err := d.Client.GitOpsSourceWorkflowsWithResponse(ctx, id)
				if err != nil {
					return nil, d.CallFailed(tool, err)
				}
				if wf.JSON200 == nil {
					return nil, APIError(tool, wf.HTTPResponse, wf.Body)
				}
				for _, w := range *wf.JSON200 {
					if deref(w.Type) != "edgeStack" {
						p.byWorkflow[deref(w.Id)] = id
					}
				}
			}
		}
	}
	return p, nil
}

// of is the Source of a Git stack of the page and how it polls the stack (0 and the zero
// sourcePoll when unknown: before 2.44, or a Source this key cannot see).
func (p *pagePolls) of(s *papi.StackSummary) (int, sourcePoll) {
	id := 0
	if cdi := s.CurrentDeploymentInfo; cdi != nil {
		id = deref(cdi.SourceID)
	}
	if p == nil || !summaryIsGit(s) {
		return id, sourcePoll{}
	}
	if src, ok := p.byWorkflow[s.WorkflowID]; ok && s.WorkflowID != 0 {
		id = src
	} else if ids := p.byURL[deref(s.GitConfig.URL)]; len(ids) == 1 {
		id = ids[0]
	}
	iv, ok := p.interval[id]
	if !ok {
		return id, sourcePoll{}
	}
	return id, sourcePoll{known: true, interval: iv}
}
