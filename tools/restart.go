package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// RestartStackService implements restart_stack_service. Compose: Docker's restart of each
// container of the service, one after the other (the others keep serving). Swarm: a forced
// update of the service (TaskTemplate.ForceUpdate raised, the whole spec sent back with the
// version read), which replaces its tasks as the service's update settings say. Nothing is
// redeployed or pulled. Then it waits, like a deploy, until the service runs again.
func RestartStackService(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "restart_stack_service"
	id, err := a.Int("stack_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	want, err := a.String("service")
	if err != nil {
		return ArgError(tool, err), nil
	}
	st, res := d.dockerStack(ctx, tool, id)
	if res != nil {
		return res, nil
	}
	if deref(st.Status) == papi.StackStatusInactive {
		return ArgError(tool, fmt.Errorf("stack %d (%s) is stopped: start it with start_stack", id, deref(st.Name))), nil
	}
	var service string
	var restarted, notes []string
	if deref(st.Type) == papi.StackTypeSwarm {
		service, notes, res = d.forceUpdate(ctx, tool, st, want)
		restarted = []string{deref(st.Name) + "_" + service}
	} else {
		service, restarted, res = d.restartContainers(ctx, tool, st, want)
	}
	if res != nil {
		return res, nil
	}
	if res := d.awaitRunning(ctx, tool, st, service, time.Now().Add(d.deployTimeout())); res != nil {
		return res, nil
	}
	v := views.ServiceRestartView{StackId: id, Service: service, Restarted: restarted, Verdict: verdictHealthy}
	if sn, res := d.read(ctx, tool, st, service); res == nil && len(sn.services) > 0 {
		s := sn.services[0]
		v.Verdict, _ = sn.judgeService(s)
		units := make([]views.UnitStatus, 0, min(len(s.units), unitsShown))
		for i := range s.units[:min(len(s.units), unitsShown)] {
			units = append(units, unitView(&s.units[i]))
		}
		v.Units = &units
	}
	if len(notes) > 0 {
		v.Note = ptr(strings.Join(notes, " "))
	}
	// Docker's error texts of the units can quote the stack's secret env values, as in
	// get_stack_status.
	res, err = Result(v)
	if err != nil {
		return nil, err
	}
	return d.stackScrubber(st).Result(res), nil
}

// restartContainers restarts the containers of one service of a compose stack.
func (d *Deps) restartContainers(ctx context.Context, tool string, st *papi.Stack, want string) (string, []string, *mcp.CallToolResult) {
	envID, name := deref(st.EndpointId), deref(st.Name)
	list, _, res := d.projectContainers(ctx, tool, envID, name, "")
	if res != nil {
		return "", nil, res
	}
	service, err := pickService(st, composeServices(list), want, "")
	if err != nil {
		return "", nil, ArgError(tool, err)
	}
	sortContainers(list)
	var done []string
	for i := range list {
		c := &list[i]
		if deref(c.Labels)[labelService] != service {
			continue
		}
		resp, err := d.Client.DockerContainerRestartWithResponse(ctx, envID, deref(c.Id), nil)
		if err == nil && resp.StatusCode() != 204 {
			r := APIError(tool, resp.HTTPResponse, resp.Body)
			return "", nil, partlyRestarted(r, containerName(c), done)
		}
		if err != nil {
			return "", nil, partlyRestarted(d.CallFailed(tool, err), containerName(c), done)
		}
		done = append(done, containerName(c))
	}
	return service, done, nil
}

// partlyRestarted says which containers were restarted before one failed.
func partlyRestarted(r *mcp.CallToolResult, failed string, done []string) *mcp.CallToolResult {
	msg := fmt.Sprintf("Restarting container %s failed", failed)
	if len(done) > 0 {
		msg += "; already restarted: " + strings.Join(done, ", ")
	}
	r.Content = append(r.Content, mcp.NewTextContent(msg+". get_stack_status shows the service now."))
	return r
}

// forceUpdate restarts the tasks of one service of a swarm stack: it reads the service, raises
// TaskTemplate.ForceUpdate and sends the whole spec back with the version read (Docker refuses
// an update based on an older version: "update out of sequence").
func (d *Deps) forceUpdate(ctx context.Context, tool string, st *papi.Stack, want string) (string, []string, *mcp.CallToolResult) {
	envID, name := deref(st.EndpointId), deref(st.Name)
	list, _, res := d.stackServices(ctx, tool, envID, name)
	if res != nil {
		return "", nil, res
	}
	ids := serviceIDs(list, name)
	service, err := pickService(st, ids, want, "")
	if err != nil {
		return "", nil, ArgError(tool, err)
	}
	in, err := d.Client.DockerServiceInspectWithResponse(ctx, envID, ids[service])
	if err != nil {
		return "", nil, d.CallFailed(tool, err)
	}
	if in.JSON200 == nil || in.JSON200.Spec == nil || in.JSON200.Version == nil {
		return "", nil, APIError(tool, in.HTTPResponse, in.Body)
	}
	spec := *in.JSON200.Spec
	template, ok := spec["TaskTemplate"].(map[string]any)
	if !ok {
		template = map[string]any{}
		spec["TaskTemplate"] = template
	}
	force, _ := template["ForceUpdate"].(float64)
	template["ForceUpdate"] = int64(force) + 1
	version := deref(in.JSON200.Version.Index)
	up, err := d.Client.DockerServiceUpdateWithResponse(ctx, envID, ids[service], &papi.DockerServiceUpdateParams{Version: version}, spec)
	if err != nil {
		return "", nil, d.CallFailed(tool, err)
	}
	if up.JSON200 == nil {
		r := APIError(tool, up.HTTPResponse, up.Body)
		if strings.Contains(string(up.Body), "out of sequence") {
			r.Content = append(r.Content, mcp.NewTextContent("The service changed while it was being restarted: call restart_stack_service again."))
		}
		return "", nil, r
	}
	var notes []string
	for _, w := range deref(up.JSON200.Warnings) {
		notes = append(notes, "Docker warns: "+w+".")
	}
	return service, notes, nil
}
