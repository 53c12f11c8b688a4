package tools

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// The Business Edition's change window is the only GitOps schedule Portainer has, and it is
// per environment: HH:mm in UTC, an end before the start reaching into the next day. Outside
// it, polling and webhooks of the environment's stacks are skipped without an error; manual
// redeploys are not held back (edge-be.md §4.5, §6: no global GitOps settings exist).

var hhmmRe = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

func changeWindowView(cw *papi.ChangeWindow) *views.ChangeWindow {
	if cw == nil {
		return nil
	}
	return &views.ChangeWindow{Enabled: deref(cw.Enabled), StartTime: opt(deref(cw.StartTime)), EndTime: opt(deref(cw.EndTime))}
}

// SetChangeWindow implements set_change_window.
func SetChangeWindow(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "set_change_window"
	var in struct {
		EnvironmentID int     `json:"environment_id"`
		Enabled       bool    `json:"enabled"`
		Start         *string `json:"start_time"`
		End           *string `json:"end_time"`
	}
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	for _, t := range []*string{in.Start, in.End} {
		if t != nil {
			*t = strings.TrimSpace(*t)
			if !hhmmRe.MatchString(*t) {
				return ArgError(tool, fmt.Errorf("time %q is not HH:mm (24-hour, UTC), like 22:00", *t)), nil
			}
		}
	}
	if res := d.requireBE(ctx, tool, "a change window"); res != nil {
		return res, nil
	}
	env, err := d.Client.EndpointInspectWithResponse(ctx, in.EnvironmentID)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if env.JSON200 == nil {
		return APIError(tool, env.HTTPResponse, env.Body), nil
	}
	cur := deref(env.JSON200.ChangeWindow)
	cw := papi.ChangeWindow{Enabled: ptr(in.Enabled), StartTime: ptr(deref(cur.StartTime)), EndTime: ptr(deref(cur.EndTime))}
	if in.Start != nil {
		cw.StartTime = in.Start
	}
	if in.End != nil {
		cw.EndTime = in.End
	}
	if in.Enabled {
		switch {
		case deref(cw.StartTime) == "" || deref(cw.EndTime) == "":
			return ArgError(tool, fmt.Errorf("a change window needs start_time and end_time (HH:mm, UTC)")), nil
		case deref(cw.StartTime) == deref(cw.EndTime):
			return ArgError(tool, fmt.Errorf("start_time and end_time are both %s: the window would be empty", deref(cw.StartTime))), nil
		}
	}
	resp, err := d.Client.EndpointUpdateWithResponse(ctx, in.EnvironmentID, papi.EndpointUpdatePayload{ChangeWindow: &cw})
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.JSON200 == nil {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	back, err := d.Client.EndpointInspectWithResponse(ctx, in.EnvironmentID)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if back.JSON200 == nil {
		return APIError(tool, back.HTTPResponse, back.Body), nil
	}
	got := back.JSON200.ChangeWindow
	if got == nil || deref(got.Enabled) != in.Enabled || (in.Enabled && (deref(got.StartTime) != deref(cw.StartTime) || deref(got.EndTime) != deref(cw.EndTime))) {
		return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but environment %d reads back with change window %+v. Check it with get_environment.", tool, in.EnvironmentID, changeWindowView(got))), nil
	}
	v := views.ChangeWindowView{EnvironmentId: in.EnvironmentID, Name: deref(back.JSON200.Name), ChangeWindow: *changeWindowView(got)}
	note := "No change window: Portainer applies GitOps updates of this environment's stacks at any time."
	if in.Enabled {
		note = fmt.Sprintf("Portainer applies GitOps polling and webhooks of this environment's stacks only between %s and %s UTC; outside, it skips them without an error. Manual redeploys are not held back.", deref(cw.StartTime), deref(cw.EndTime))
		if deref(cw.EndTime) < deref(cw.StartTime) {
			note += " The window ends the next day."
		}
	}
	v.Note = &note
	return Result(v)
}
