package tools

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// The Portainer releases this server was built and tested against (CE 2.19 to 2.23: the
// releases whose stack endpoints behave as api/portainer.yaml describes).
const (
	testedMinor, testedMaxMinor = 19, 23
	TestedRange                 = "2.19 to 2.23"
)

// VersionSupported tells whether a Portainer version is in the tested range.
func VersionSupported(version string) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && major == 2 && minor >= testedMinor && minor <= testedMaxMinor
}

// PortainerInfo implements get_portainer_info.
func PortainerInfo(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_portainer_info"
	ver, err := d.Client.SystemVersionWithResponse(ctx)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if ver.JSON200 == nil {
		return APIError(tool, ver.HTTPResponse, ver.Body), nil
	}
	out := map[string]any{
		"version":          deref(ver.JSON200.ServerVersion),
		"edition":          deref(ver.JSON200.ServerEdition),
		"database_version": deref(ver.JSON200.DatabaseVersion),
		"tested_range":     TestedRange,
		"supported":        VersionSupported(deref(ver.JSON200.ServerVersion)),
		"url":              d.PortainerURL,
	}
	if st, err := d.Client.SystemStatusWithResponse(ctx); err == nil && st.JSON200 != nil {
		out["instance_id"] = deref(st.JSON200.InstanceID)
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
	out["user"] = map[string]any{"id": deref(me.JSON200.Id), "username": deref(me.JSON200.Username), "role": role}
	return Result(out)
}

// ListEnvironments implements list_environments.
func ListEnvironments(ctx context.Context, d *Deps, a Args, params *papi.EndpointListParams) (*mcp.CallToolResult, error) {
	const tool = "list_environments"
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
	total := len(rows)
	if h := resp.HTTPResponse.Header.Get("X-Total-Count"); h != "" {
		if n, err := strconv.Atoi(h); err == nil {
			total = n
		}
	}
	out := map[string]any{"total": total, "environments": rows}
	if total > len(rows) {
		start := deref(params.Start)
		out["note"] = fmt.Sprintf("showing %d to %d of %d; pass start=%d for more", start+1, start+len(rows), total, start+len(rows))
	}
	return Result(out)
}
