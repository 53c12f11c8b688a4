package tools

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// Edge stacks are not stacks: Portainer keeps one definition and the edge agents of every
// environment in its edge groups pull and deploy it when they next poll. Portainer answers
// at once; what happened on each environment is what its agent reported (Status, keyed by
// environment id, a history of reports). No report means no agent has picked it up yet:
// the tools say "pending", never "deployed". Facts: edge-be.md (EB) §1 and §2.

// maxEdgeRows bounds the per-environment rows of get_edge_stack; the counts cover them all.
const maxEdgeRows = 100

// Edge stack status types an agent reports (edge-be.md §2.2).
const (
	edgePending            = 0
	edgeDeploymentReceived = 1
	edgeError              = 2
	edgeAcknowledged       = 3
	edgeRemoved            = 4
	edgeRemoteUpdate       = 5
	edgeImagesPulled       = 6
	edgeRunning            = 7
	edgeDeploying          = 8
	edgeRemoving           = 9
	edgePausedDeploying    = 10
	edgeRollingBack        = 11
	edgeRolledBack         = 12
	edgeCompleted          = 13
)

var edgeReportNames = map[int]string{
	edgePending: "pending", edgeDeploymentReceived: "deployment received", edgeError: "error",
	edgeAcknowledged: "acknowledged", edgeRemoved: "removed", edgeRemoteUpdate: "remote update success",
	edgeImagesPulled: "images pulled", edgeRunning: "running", edgeDeploying: "deploying",
	edgeRemoving: "removing", edgePausedDeploying: "paused deploying", edgeRollingBack: "rolling back",
	edgeRolledBack: "rolled back", edgeCompleted: "completed",
}

// edgeEnvStatus reads one environment's reports: the last one decides. None, or one about
// an older version of the stack (2.44 reports carry it), is pending.
func edgeEnvStatus(st *papi.EdgeStack, envID int) views.EdgeEnvironmentStatus {
	out := views.EdgeEnvironmentStatus{EnvironmentId: envID, Status: "pending"}
	entry, ok := deref(st.Status)[strconv.Itoa(envID)]
	reports := deref(entry.Status)
	if !ok || len(reports) == 0 {
		out.Detail = ptr("no agent has reported this stack yet")
		return out
	}
	last := reports[len(reports)-1]
	typ := deref(last.Type)
	out.Since = unixTime(last.Time)
	if v := deref(last.Version); v != 0 && deref(st.Version) != 0 && v != deref(st.Version) {
		out.Detail = ptr(fmt.Sprintf("its agent last reported version %d; version %d not yet", v, deref(st.Version)))
		return out
	}
	name, known := edgeReportNames[typ]
	if !known {
		name = fmt.Sprintf("status %d", typ)
	}
	out.Detail = &name
	switch typ {
	case edgeError:
		out.Status, out.Error = "error", opt(strings.TrimSpace(deref(last.Error)))
	case edgeRunning, edgeRemoteUpdate, edgeCompleted:
		out.Status = "deployed"
	case edgeRemoving, edgeRemoved:
		out.Status = "removing"
	case edgeRollingBack:
		out.Status = "rolling back"
	case edgeRolledBack:
		out.Status = "rolled back"
	case edgePending:
		out.Status = "pending"
	default:
		out.Status = "deploying"
	}
	return out
}

// edgeCounts counts environments by status; environments without a row (a Portainer whose
// groups did not list them) are pending.
type edgeCounts struct{ total, deployed, deploying, pending, failed, other int }

func countEdge(rows []views.EdgeEnvironmentStatus, total int) edgeCounts {
	c := edgeCounts{total: max(total, len(rows))}
	for _, r := range rows {
		switch r.Status {
		case "deployed":
			c.deployed++
		case "deploying":
			c.deploying++
		case "error":
			c.failed++
		case "pending":
		default:
			c.other++
		}
	}
	c.pending = c.total - c.deployed - c.deploying - c.failed - c.other
	return c
}

// summary is the one line a model reads first: never "deployed" while an agent has not said so.
func (c edgeCounts) summary() string {
	switch {
	case c.total == 0:
		return "not deployed anywhere: its edge groups hold no edge environment"
	case c.pending == c.total:
		return fmt.Sprintf("pending: no agent has picked it up yet on any of its %d environment(s); edge agents deploy it when they next poll Portainer", c.total)
	case c.deployed == c.total:
		return fmt.Sprintf("deployed on all %d environment(s)", c.total)
	}
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s on %d", what, n))
		}
	}
	add(c.failed, "error")
	add(c.deployed, "deployed")
	add(c.deploying, "deploying")
	add(c.pending, "pending (no agent report yet)")
	add(c.other, "removing or rolled back")
	return strings.Join(parts, ", ") + fmt.Sprintf(" of %d environment(s)", c.total)
}

func (d *Deps) edgeGroupList(ctx context.Context, tool string) ([]papi.EdgeGroup, *mcp.CallToolResult) {
	resp, err := d.Client.EdgeGroupListWithResponse(ctx)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return *resp.JSON200, nil
}

// edgeMembers are the environments of the named groups, each once, sorted.
func edgeMembers(groups []papi.EdgeGroup, ids []int) []int {
	var out []int
	for _, g := range groups {
		if !slices.Contains(ids, deref(g.Id)) {
			continue
		}
		for _, e := range deref(g.Endpoints) {
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	slices.Sort(out)
	return out
}

func getEdgeStack(ctx context.Context, d *Deps, tool string, id int) (*papi.EdgeStack, *mcp.CallToolResult) {
	resp, err := d.Client.EdgeStackInspectWithResponse(ctx, id)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return resp.JSON200, nil
}

// EdgeWebhookURL is the address a Git host POSTs to for an edge stack (edge-be.md §4.2).
func (d *Deps) EdgeWebhookURL(id string) string {
	return strings.TrimRight(d.PortainerURL, "/") + "/api/edge_stacks/webhooks/" + id
}

// edgeWebhook is an edge stack's webhook id: AutoUpdate.Webhook for a Git stack, Webhook for
// the others (Business Edition, edge-be.md §4.2).
func edgeWebhook(st *papi.EdgeStack) string {
	if w := deref(deref(st.AutoUpdate).Webhook); w != "" {
		return w
	}
	return deref(st.Webhook)
}

func edgeIsGit(st *papi.EdgeStack) bool {
	return st.GitConfig != nil && deref(st.GitConfig.URL) != ""
}

// edgeView is get_edge_stack's answer: the stack, each environment of its groups with its
// status (errors first), and the counts.
func (d *Deps) edgeView(ctx context.Context, tool string, st *papi.EdgeStack) (views.EdgeStackView, *mcp.CallToolResult) {
	groups, res := d.edgeGroupList(ctx, tool)
	if res != nil {
		return views.EdgeStackView{}, res
	}
	ids := edgeMembers(groups, deref(st.EdgeGroups))
	rows := make([]views.EdgeEnvironmentStatus, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, edgeEnvStatus(st, id))
	}
	c := countEdge(rows, deref(st.NumDeployments))
	rank := map[string]int{"error": 0, "pending": 1, "deploying": 2, "rolling back": 3, "rolled back": 4, "removing": 5, "deployed": 6}
	slices.SortStableFunc(rows, func(a, b views.EdgeEnvironmentStatus) int { return rank[a.Status] - rank[b.Status] })
	var notes []string
	if len(rows) > maxEdgeRows {
		notes = append(notes, fmt.Sprintf("environment_status shows %d of %d environments, errors and pending first; the counts cover all.", maxEdgeRows, len(rows)))
		rows = rows[:maxEdgeRows]
	}
	d.nameEdgeRows(ctx, rows)
	v := views.EdgeStackView{
		Id: deref(st.Id), Name: deref(st.Name), Type: ptr("compose"), EdgeGroupIds: st.EdgeGroups, Version: st.Version,
		Created: unixTime(st.CreationDate), Status: c.summary(), Environments: c.total, Deployed: c.deployed,
		Deploying: opti(c.deploying), Pending: c.pending, Failed: c.failed, EnvironmentStatus: &rows,
		EnvNames: envNames(st.EnvVars),
	}
	if deref(st.DeploymentType) == papi.EdgeStackDeploymentKubernetes {
		v.Type = ptr("kubernetes")
	}
	if edgeIsGit(st) {
		v.Git = edgeGitView(st)
		v.Gitops = d.edgeGitops(st)
		if g := v.Gitops; g != nil && g.Interval != nil && d.Caps(ctx).SourcePolling {
			// edge-be.md §2.2: from 2.44 an edge stack's interval lives on its GitOps Source;
			// whether the interval the edge stack keeps still polls is UNVERIFIED.
			notes = append(notes, "From 2.44 Portainer polls per GitOps Source: the interval shown is the edge stack's own, and its Source's interval (list_gitops_sources) may be the one that polls.")
		}
	} else if w := deref(st.Webhook); w != "" {
		v.Gitops = &views.EdgeGitops{Mechanism: string(views.GitopsSettingsMechanismWebhook), WebhookId: &w, WebhookUrl: ptr(d.EdgeWebhookURL(w))}
	}
	if len(notes) > 0 {
		v.Note = ptr(strings.Join(notes, " "))
	}
	return v, nil
}

// nameEdgeRows adds environment names, and says of a pending environment whose agent never
// polled that no agent is connected. A failure to read them leaves the rows as they are.
func (d *Deps) nameEdgeRows(ctx context.Context, rows []views.EdgeEnvironmentStatus) {
	if len(rows) == 0 {
		return
	}
	ids := make([]int, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.EnvironmentId)
	}
	resp, err := d.Client.EndpointListWithResponse(ctx, &papi.EndpointListParams{EndpointIds: &ids, Limit: ptr(0)})
	if err != nil || resp.JSON200 == nil {
		return
	}
	byID := map[int]papi.Endpoint{}
	for _, e := range *resp.JSON200 {
		byID[deref(e.Id)] = e
	}
	for i := range rows {
		e, ok := byID[rows[i].EnvironmentId]
		if !ok {
			continue
		}
		rows[i].Name = e.Name
		if rows[i].Status == "pending" && e.LastCheckInDate != nil && *e.LastCheckInDate == 0 {
			rows[i].Detail = ptr("no edge agent has ever connected to this environment")
		}
	}
}

func edgeGitView(st *papi.EdgeStack) *views.EdgeGitView {
	g := st.GitConfig
	v := &views.EdgeGitView{
		RepositoryUrl:     g.URL,
		Reference:         ptr(deref(g.ReferenceName)),
		ComposePath:       opt(deref(g.ConfigFilePath)),
		DeployedCommit:    opt(deref(g.ConfigHash)),
		CredentialsStored: ptr(g.Authentication != nil),
	}
	if g.Authentication != nil {
		v.Username = opt(deref(g.Authentication.Username))
	}
	if deref(st.SupportRelativePath) {
		v.FilesystemPath = opt(deref(st.FilesystemPath))
	}
	return v
}

func (d *Deps) edgeGitops(st *papi.EdgeStack) *views.EdgeGitops {
	au := st.AutoUpdate
	g := &views.EdgeGitops{Mechanism: string(mechanism(au))}
	if au == nil || g.Mechanism == string(views.GitopsSettingsMechanismNone) {
		return g
	}
	g.Interval = opt(deref(au.Interval))
	if id := deref(au.Webhook); id != "" {
		g.WebhookId = &id
		g.WebhookUrl = ptr(d.EdgeWebhookURL(id))
	}
	return g
}

// ListEdgeGroups implements list_edge_groups.
func ListEdgeGroups(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_edge_groups"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	groups, res := d.edgeGroupList(ctx, tool)
	if res != nil {
		return res, nil
	}
	from, to := page.Window(len(groups))
	rows := make([]views.EdgeGroupRow, 0, to-from)
	for _, g := range groups[from:to] {
		members := deref(g.Endpoints)
		r := views.EdgeGroupRow{Id: deref(g.Id), Name: deref(g.Name), Dynamic: deref(g.Dynamic),
			Environments: max(len(members), deref(g.EndpointsCount)), HasEdgeStack: optb(deref(g.HasEdgeStack))}
		if len(members) > 0 {
			r.EnvironmentIds = ptr(slices.Clone(members))
		}
		if r.Dynamic {
			r.TagIds = g.TagIds
			r.Match = ptr("all")
			if deref(g.PartialMatch) {
				r.Match = ptr("any")
			}
		}
		rows = append(rows, r)
	}
	return List("edge_groups", edgeGroupTable, rows, len(groups), page, "a smaller limit")
}

var edgeGroupTable = &Table[views.EdgeGroupRow]{
	Header: []string{"id", "name", "dynamic", "environments", "environment_ids", "edge_stack"},
	Cells: func(r *views.EdgeGroupRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, yesNo(r.Dynamic), strconv.Itoa(r.Environments), joinInts(deref(r.EnvironmentIds)), yesNo(deref(r.HasEdgeStack))}
	},
}

func joinInts(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

// ListEdgeStacks implements list_edge_stacks: the counts come from the list alone (no report
// is pending), so one call serves any number of stacks.
func ListEdgeStacks(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_edge_stacks"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	resp, err := d.Client.EdgeStackListWithResponse(ctx)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	name := strings.ToLower(strings.TrimSpace(a.Str("name")))
	var rows []views.EdgeStackRow
	for i := range *resp.JSON200 {
		st := &(*resp.JSON200)[i]
		if name != "" && !strings.Contains(strings.ToLower(deref(st.Name)), name) {
			continue
		}
		var reports []views.EdgeEnvironmentStatus
		for key := range deref(st.Status) {
			if id, err := strconv.Atoi(key); err == nil {
				reports = append(reports, edgeEnvStatus(st, id))
			}
		}
		c := countEdge(reports, deref(st.NumDeployments))
		r := views.EdgeStackRow{Id: deref(st.Id), Name: deref(st.Name), EdgeGroupIds: st.EdgeGroups, Version: st.Version,
			Environments: c.total, Deployed: c.deployed, Deploying: opti(c.deploying), Pending: c.pending, Failed: c.failed}
		if edgeIsGit(st) {
			r.Git, r.Gitops = ptr(true), ptr(string(mechanism(st.AutoUpdate)))
		}
		rows = append(rows, r)
	}
	from, to := page.Window(len(rows))
	return List("edge_stacks", edgeStackTable, rows[from:to], len(rows), page, "filter by name")
}

var edgeStackTable = &Table[views.EdgeStackRow]{
	Header: []string{"id", "name", "groups", "version", "environments", "deployed", "deploying", "pending", "failed", "gitops"},
	Cells: func(r *views.EdgeStackRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, joinInts(deref(r.EdgeGroupIds)), itoaPtr(r.Version), strconv.Itoa(r.Environments),
			strconv.Itoa(r.Deployed), itoaPtr(r.Deploying), strconv.Itoa(r.Pending), strconv.Itoa(r.Failed), deref(r.Gitops)}
	},
}

// edgeStackArg reads the edge stack named by the edge_stack_id argument.
func edgeStackArg(ctx context.Context, d *Deps, a Args, tool string) (*papi.EdgeStack, int, *mcp.CallToolResult) {
	id, err := a.Int("edge_stack_id")
	if err != nil {
		return nil, 0, ArgError(tool, err)
	}
	st, res := getEdgeStack(ctx, d, tool, id)
	return st, id, res
}

// GetEdgeStack implements get_edge_stack.
func GetEdgeStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_edge_stack"
	st, _, res := edgeStackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	v, res := d.edgeView(ctx, tool, st)
	if res != nil {
		return res, nil
	}
	return Result(v)
}

// GetEdgeStackFile implements get_edge_stack_file.
func GetEdgeStackFile(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_edge_stack_file"
	st, id, res := edgeStackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	file, res := d.edgeFile(ctx, tool, id)
	if res != nil {
		return res, nil
	}
	v := views.EdgeStackFileView{EdgeStackId: id, Name: deref(st.Name), Lines: ptr(strings.Count(file, "\n") + 1)}
	cut, was := CutEncoded(file, MaxText-2000)
	v.Compose = cut
	if was {
		v.Note = ptr(fmt.Sprintf("The file has %d lines and %d bytes and was cut to its first %d lines to fit an answer; read the rest in the repository or Portainer's editor.",
			*v.Lines, len(file), strings.Count(cut, "\n")))
	}
	if edgeIsGit(st) {
		v.Note = ptr(strings.TrimSpace(deref(v.Note) + fmt.Sprintf(" From %s at commit %s.", deref(st.GitConfig.ConfigFilePath), short(deref(st.GitConfig.ConfigHash)))))
	}
	return Result(v)
}

func (d *Deps) edgeFile(ctx context.Context, tool string, id int) (string, *mcp.CallToolResult) {
	resp, err := d.Client.EdgeStackFileWithResponse(ctx, id)
	if err != nil {
		return "", d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return "", APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return deref(resp.JSON200.StackFileContent), nil
}
