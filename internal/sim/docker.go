package sim

import (
	"context"
	"net/http"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// errNotModelled answers operations the simulator does not serve yet.
var errNotModelled = newErr(http.StatusNotImplemented, "Not implemented", "the simulator does not model this operation yet")

// DockerContainerList is not modelled yet.
func (s *Sim) DockerContainerList(context.Context, papi.DockerContainerListRequestObject) (papi.DockerContainerListResponseObject, error) {
	return nil, errNotModelled
}

// DockerContainerInspect is not modelled yet.
func (s *Sim) DockerContainerInspect(context.Context, papi.DockerContainerInspectRequestObject) (papi.DockerContainerInspectResponseObject, error) {
	return nil, errNotModelled
}

// DockerContainerLogs is not modelled yet.
func (s *Sim) DockerContainerLogs(context.Context, papi.DockerContainerLogsRequestObject) (papi.DockerContainerLogsResponseObject, error) {
	return nil, errNotModelled
}

// DockerContainerRestart is not modelled yet.
func (s *Sim) DockerContainerRestart(context.Context, papi.DockerContainerRestartRequestObject) (papi.DockerContainerRestartResponseObject, error) {
	return nil, errNotModelled
}

// DockerServiceList is not modelled yet.
func (s *Sim) DockerServiceList(context.Context, papi.DockerServiceListRequestObject) (papi.DockerServiceListResponseObject, error) {
	return nil, errNotModelled
}

// DockerServiceInspect is not modelled yet.
func (s *Sim) DockerServiceInspect(context.Context, papi.DockerServiceInspectRequestObject) (papi.DockerServiceInspectResponseObject, error) {
	return nil, errNotModelled
}

// DockerServiceLogs is not modelled yet.
func (s *Sim) DockerServiceLogs(context.Context, papi.DockerServiceLogsRequestObject) (papi.DockerServiceLogsResponseObject, error) {
	return nil, errNotModelled
}

// DockerServiceUpdate is not modelled yet.
func (s *Sim) DockerServiceUpdate(context.Context, papi.DockerServiceUpdateRequestObject) (papi.DockerServiceUpdateResponseObject, error) {
	return nil, errNotModelled
}

// DockerTaskList is not modelled yet.
func (s *Sim) DockerTaskList(context.Context, papi.DockerTaskListRequestObject) (papi.DockerTaskListResponseObject, error) {
	return nil, errNotModelled
}
