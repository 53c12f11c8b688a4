package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// WebhookInvoke answers 204 at once and redeploys the stack of the webhook in the background
// (Wait waits for it) when its reference has a new commit. No authentication is needed.
// ForceUpdate does not make it redeploy without a new commit (PB, measured on 2.23; PC says
// only polling changed in 2.44, §7 history). Releases that deploy in the background refuse it
// while the stack deploys, and a redeploy shows as Status 3 once it answered (PC §6).
func (s *Sim) WebhookInvoke(_ context.Context, req papi.WebhookInvokeRequestObject) (papi.WebhookInvokeResponseObject, error) {
	id, err := uuid.Parse(req.WebhookID)
	if err != nil {
		return nil, newErr(http.StatusBadRequest, msgWebhookInvalid, uuidError(req.WebhookID))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.webhookOwner(id.String())
	if r == nil {
		return nil, notFound(msgWebhookNotFound)
	}
	if s.b.AsyncDeploy {
		if deploying(r) {
			return nil, errDeploying(msgUnableToUpdate)
		}
		_ = s.autoRedeploy(r, false) // Portainer only logs a failed redeploy
		return papi.WebhookInvoke204Response{}, nil
	}
	stackID := r.ID
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		s.mu.Lock()
		defer s.mu.Unlock()
		if r, ok := s.stacks[stackID]; ok {
			_ = s.autoRedeploy(r, false) // Portainer only logs a failed background redeploy
		}
	}()
	return papi.WebhookInvoke204Response{}, nil
}

// GitOperationRepoFilePreview returns one file of a repository at a reference, with the errors
// Portainer gives (refs/heads/main when no reference is given, as Portainer does).
func (s *Sim) GitOperationRepoFilePreview(_ context.Context, req papi.GitOperationRepoFilePreviewRequestObject) (papi.GitOperationRepoFilePreviewResponseObject, error) {
	b := req.Body
	s.mu.Lock()
	defer s.mu.Unlock()
	repoURL, user, password := b.Repository, deref(b.Username), deref(b.Password)
	if id := deref(b.SourceId); id != 0 && s.b.PreviewBySource {
		// 2.43 and later (the table's PreviewBySource): URL and credentials of the Source.
		// CE has no stackId field; the Business Edition's (EE 2.44) is not modelled.
		src, err := s.lookupSource(id)
		if err != nil {
			return nil, err
		}
		repoURL = src.URL
		user, password = src.Auth.credentials()
	}
	cred, cerr := s.stackCred(deref(b.GitCredentialID), deref(b.GitCredentialID)) // a preview checks no owner
	if cerr != nil {
		return nil, cerr
	}
	if cred != nil && password == "" {
		user, password = cred.Username, cred.Password
	}
	if !isURL(repoURL) {
		return nil, badPayload("invalid repository URL. Must correspond to a valid URL format")
	}
	ref := deref(b.Reference)
	if ref == "" {
		ref = defaultRef
	}
	target := deref(b.TargetFile)
	if target == "" {
		return nil, badPayload("invalid target filename")
	}
	_, tree, err := s.gitResolve(repoURL, ref, user, password)
	if errors.Is(err, errGitAuth) {
		return nil, newErr(http.StatusBadRequest, msgInvalidGitCred, msgAuthFailed)
	}
	if err != nil {
		return nil, internal("unable to clone git repository, error: " + cloneError(err))
	}
	content, ok := tree[strings.TrimPrefix(target, "/")]
	if !ok {
		return nil, newErr(http.StatusInternalServerError, "Unable to retrieve custom template file from disk",
			fmt.Sprintf("Could not get the contents of the file '%s'", target))
	}
	return papi.GitOperationRepoFilePreview200JSONResponse{FileContent: ptr(content)}, nil
}

// uuidError is how the UUID package of Portainer 2.23 (gofrs/uuid v4.2.0, codec.go) refuses a
// webhook id: by its length, else by its format ("uuid: incorrect UUID length 10 in string
// \"not-a-uuid\"", measured on a real 2.23).
func uuidError(id string) string {
	switch len(id) {
	case 32, 34, 36, 38, 41, 45:
		return fmt.Sprintf("uuid: incorrect UUID format in string %q", id)
	}
	return fmt.Sprintf("uuid: incorrect UUID length %d in string %q", len(id), id)
}
