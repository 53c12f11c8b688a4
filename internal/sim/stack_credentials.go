package sim

import (
	"net/http"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Saved Git credentials on regular stacks. The Business Edition before GitOps Sources takes a
// saved credential of the caller by id: RepositoryGitCredentialID on a Git create, a Git
// settings change and a redeploy, gitCredentialID on the file preview (EE 2.31 Swagger
// stacks.* and gitops.repositoryFilePreviewPayload; EB §4.3 "Use on stacks"). Semantics from
// older EE handlers ([EEsrc], the GitMethodStackBuilder, the Git redeploy handler and the
// gitops handler's extractGitCredential): an unknown id is 500 "git credential not found", a
// credential of another user is 403 when it is newly given, a password sent wins over the id.
// From 2.43 credentials live on GitOps Sources and EE 2.44 has no such field (EB §4.3: [S244]
// links saved credentials to Sources); on CE it is an unknown field. There it is ignored.

const (
	msgStackCredNotFound = "git credential not found"
	msgCredOfAnotherUser = "couldn't add the git credential of another user"
)

// stackCredsByID tells whether stack payloads take a saved credential's id.
func (s *Sim) stackCredsByID() bool {
	return s.b.BusinessEdition() && !s.b.GitSources
}

// stackCred resolves a saved credential named by a stack payload: nil when none is named or
// the release ignores the field. A credential the stack does not already use must be the
// caller's (user 1 here; shared credentials have no owner).
func (s *Sim) stackCred(id, current int) (*gitCred, *apiError) {
	if id == 0 || !s.stackCredsByID() {
		return nil, nil
	}
	c, ok := s.edge.creds[id]
	if !ok {
		return nil, newErr(http.StatusInternalServerError, msgStackCredNotFound, "object not found inside the database")
	}
	if id != current && c.UserID != 0 && c.UserID != 1 {
		return nil, newErr(http.StatusForbidden, msgCredOfAnotherUser, "Unauthorized")
	}
	return c, nil
}

// withCred is the stored authentication that a credential gives (its id kept, its username and
// password copied for the clones).
func withCred(c *gitCred) (*gitAuth, int) {
	return &gitAuth{Username: c.Username, Password: c.Password}, c.ID
}

// credIDOf is the saved credential a stack uses (0: none).
func credIDOf(g *gitConfig) int {
	if g == nil || g.Auth == nil {
		return 0
	}
	return g.credID
}

// authView is a stored authentication as Portainer answers it (password blanked on request).
func authView(g *gitConfig, redact bool) *papi.GitAuthentication {
	pw := g.Auth.Password
	if redact {
		pw = ""
	}
	return &papi.GitAuthentication{Username: ptr(g.Auth.Username), Password: ptr(pw), GitCredentialID: ptr(credIDOf(g))}
}
