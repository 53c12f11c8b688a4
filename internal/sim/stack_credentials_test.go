package sim_test

import (
	"net/http"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestStackSavedCredential: on the Business Edition before Sources a Git stack, a Git settings
// change, a redeploy and the file preview take a saved Git credential of the caller by id
// (RepositoryGitCredentialID, gitCredentialID); the stack shows its id, never its password.
// On CE and from 2.43 the field is unknown and ignored.
func TestStackSavedCredential(t *testing.T) {
	h := newHarness(t, sim.Options{Edition: "BE", Version: "2.39.0"})
	created, err := h.c.UserGitCredentialCreateWithResponse(h.ctx, 1, papi.GitCredentialPayload{Name: "deploy", Username: sim.PrivateRepoUser, Password: sim.PrivateRepoPassword})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("credential: %v", err)
	}
	cred := deref(created.JSON201.GitCredential.Id)

	preview := func(id int) (int, []byte) {
		resp, err := h.c.GitOperationRepoFilePreviewWithResponse(h.ctx, papi.RepositoryFilePreviewPayload{Repository: sim.PrivateRepoURL, TargetFile: ptr("docker-compose.yml"), GitCredentialID: ptr(id)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode(), resp.Body
	}
	if status, body := preview(cred); status != http.StatusOK {
		t.Errorf("preview with the credential: %d %s", status, body)
	}
	status, body := preview(cred + 40)
	wantError(t, status, body, 500, "git credential not found")

	resp := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "billing", RepositoryURL: sim.PrivateRepoURL,
		RepositoryAuthentication: ptr(true), RepositoryGitCredentialID: ptr(cred)})
	wantStatus(t, resp.StatusCode(), resp.Body, http.StatusOK)
	id := deref(resp.JSON200.Id)
	if a := resp.JSON200.GitConfig.Authentication; a == nil || deref(a.GitCredentialID) != cred || deref(a.Password) != "" || deref(a.Username) != sim.PrivateRepoUser {
		t.Errorf("created stack's authentication = %+v", a)
	}
	missing := h.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "other", RepositoryURL: sim.PrivateRepoURL,
		RepositoryAuthentication: ptr(true), RepositoryGitCredentialID: ptr(cred + 40)})
	wantError(t, missing.StatusCode(), missing.Body, 500, "git credential not found")

	// A Git settings change that names the credential keeps it; a redeploy clones with it.
	up := h.updateGit(t, id, papi.StackGitUpdatePayload{RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true), RepositoryGitCredentialID: ptr(cred)})
	wantStatus(t, up.StatusCode(), up.Body, http.StatusOK)
	if a := up.JSON200.GitConfig.Authentication; a == nil || deref(a.GitCredentialID) != cred {
		t.Errorf("after a Git change: %+v", a)
	}
	red := h.redeploy(t, id, papi.StackGitRedeployPayload{RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(true), RepositoryGitCredentialID: ptr(cred)})
	wantStatus(t, red.StatusCode(), red.Body, http.StatusOK)
	drop := h.updateGit(t, id, papi.StackGitUpdatePayload{RepositoryReferenceName: ptr("refs/heads/main"), RepositoryAuthentication: ptr(false)})
	wantStatus(t, drop.StatusCode(), drop.Body, http.StatusOK)
	if a := drop.JSON200.GitConfig.Authentication; a != nil {
		t.Errorf("credentials off, still %+v", a)
	}

	// CE: the field is unknown, so the private repository is cloned without credentials.
	ce := newHarness(t, sim.Options{Version: "2.39.0"})
	resp = ce.createFromGit(t, 1, papi.ComposeStackFromGitPayload{Name: "billing", RepositoryURL: sim.PrivateRepoURL,
		RepositoryAuthentication: ptr(true), RepositoryGitCredentialID: ptr(1), RepositoryPassword: ptr("")})
	wantError(t, resp.StatusCode(), resp.Body, 400, "Invalid request payload", "Password must be specified")
}
