package tools

import (
	"context"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// PortainerInfo implements get_portainer_info: the version, edition and support of the
// Portainer the server talks to, the behaviours the tools adapt to (from the capability
// table), and the caller.
func PortainerInfo(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_portainer_info"
	caps, err := d.DetectCaps(ctx)
	if err != nil {
		return mcp.NewToolResultError(tool + ": " + err.Error()), nil
	}
	out := views.PortainerInfo{
		Version:    caps.Version,
		Edition:    caps.Edition,
		Support:    opt(caps.Support),
		Behaviours: caps.describe(),
		Warning:    opt(caps.Warning),
		Url:        d.PortainerURL,
	}
	if caps.Note != "" {
		out.Behaviours = append(out.Behaviours, caps.Note)
	}
	if st, err := d.Client.SystemStatusWithResponse(ctx); err == nil && st.JSON200 != nil {
		out.InstanceId = opt(deref(st.JSON200.InstanceID))
	}
	me, err := d.Client.CurrentUserInspectWithResponse(ctx)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if me.JSON200 == nil {
		return APIError(tool, me.HTTPResponse, me.Body), nil
	}
	role := "standard user"
	if deref(me.JSON200.Role) == papi.UserRoleAdministrator {
		role = "administrator"
	}
	out.User = &views.PortainerUser{Id: deref(me.JSON200.Id), Username: deref(me.JSON200.Username), Role: role}
	return Result(out)
}

// ListEnvironments implements list_environments. Portainer pages environments itself; its
// start counts from 1 (0 and 1 both mean the first one), the tool's offset from 0.
func ListEnvironments(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_environments"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	params := &papi.EndpointListParams{Start: ptr(page.Offset + 1), Limit: ptr(page.Limit)}
	if q := strings.TrimSpace(a.Str("search")); q != "" {
		params.Search = &q
	}
	if a.Has("types") {
		var types []papi.EndpointType
		if err := convert(a["types"], &types); err != nil {
			return ArgError(tool, err), nil
		}
		params.Types = &types
	}
	resp, err := d.Client.EndpointListWithResponse(ctx, params)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	rows := make([]views.EnvironmentRow, 0, len(*resp.JSON200))
	for i := range *resp.JSON200 {
		rows = append(rows, environmentRow(&(*resp.JSON200)[i]))
	}
	if len(rows) > page.Limit { // a Portainer that ignores limit
		rows = rows[:page.Limit]
	}
	total := page.Offset + len(rows)
	if h := resp.HTTPResponse.Header.Get("X-Total-Count"); h != "" {
		if n, err := strconv.Atoi(h); err == nil {
			total = n
		}
	}
	return List("environments", environmentRowTable, rows, total, page, "search by name or filter by types")
}

var environmentRowTable = &Table[views.EnvironmentRow]{
	Header: []string{"id", "name", "type", "status", "url", "docker", "swarm", "running", "stacks"},
	Cells: func(r *views.EnvironmentRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, r.Type, r.Status, deref(r.Url), deref(r.DockerVersion), yesNo(deref(r.Swarm)),
			itoaPtr(r.RunningContainers), itoaPtr(r.Stacks)}
	},
}

func itoaPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// GetEnvironment implements get_environment.
func GetEnvironment(ctx context.Context, d *Deps, a Args, id int) (*mcp.CallToolResult, error) {
	const tool = "get_environment"
	resp, err := d.Client.EndpointInspectWithResponse(ctx, id)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	return Result(environmentView(resp.JSON200))
}
