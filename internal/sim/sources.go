package sim

import (
	"context"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// GitOpsSourcesList is not modelled yet.
func (s *Sim) GitOpsSourcesList(context.Context, papi.GitOpsSourcesListRequestObject) (papi.GitOpsSourcesListResponseObject, error) {
	return nil, errNotModelled
}

// GitOpsSourceGet is not modelled yet.
func (s *Sim) GitOpsSourceGet(context.Context, papi.GitOpsSourceGetRequestObject) (papi.GitOpsSourceGetResponseObject, error) {
	return nil, errNotModelled
}

// GitOpsSourcesUpdateGit is not modelled yet.
func (s *Sim) GitOpsSourcesUpdateGit(context.Context, papi.GitOpsSourcesUpdateGitRequestObject) (papi.GitOpsSourcesUpdateGitResponseObject, error) {
	return nil, errNotModelled
}

// GitOpsSourcesTestById is not modelled yet.
func (s *Sim) GitOpsSourcesTestById(context.Context, papi.GitOpsSourcesTestByIdRequestObject) (papi.GitOpsSourcesTestByIdResponseObject, error) {
	return nil, errNotModelled
}

// GitOpsSourceWorkflows is not modelled yet.
func (s *Sim) GitOpsSourceWorkflows(context.Context, papi.GitOpsSourceWorkflowsRequestObject) (papi.GitOpsSourceWorkflowsResponseObject, error) {
	return nil, errNotModelled
}
