package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Saved Git credentials (Business Edition) on regular stacks. Before GitOps Sources Portainer
// takes a saved credential of the caller by id on a Git create, a Git settings change, a
// redeploy and the file preview (RepositoryGitCredentialID, gitCredentialID: EE 2.31's
// description; edge-be.md §4.3 "Use on stacks"; older EE handlers: an unknown id is 500 "git
// credential not found", another user's is 403, a password sent wins). From 2.43 a stack's
// credentials live on its GitOps Source and EE 2.44 takes no credential id on stacks (it links
// saved credentials to Sources, edge-be.md §4.3): there, and on CE, the tools refuse it.

// credentialsByID tells whether Portainer takes a saved credential's id on stacks.
func credentialsByID(c Caps) bool { return c.BusinessEdition() && !c.GitSources }

// savedCredentialArg checks git_credential_id (0: not given) against the Portainer at hand and
// against a username or password given with it; nil when it can be used.
func (d *Deps) savedCredentialArg(ctx context.Context, tool string, id int, user, password string) *mcp.CallToolResult {
	switch {
	case id == 0:
		return nil
	case id < 0:
		return ArgError(tool, fmt.Errorf("git_credential_id %d is not an id: list_git_credentials shows them", id))
	case user != "" || password != "":
		return ArgError(tool, fmt.Errorf("give git_credential_id or username and password, not both"))
	}
	c := d.Caps(ctx)
	if !c.BusinessEdition() {
		res := d.requireBE(ctx, tool, "git_credential_id (a saved Git credential)")
		res.Content = append(res.Content, mcp.NewTextContent("Give username and password (or a token) instead."))
		return res
	}
	if c.GitSources {
		return mcp.NewToolResultError(fmt.Sprintf("%s: git_credential_id: on Portainer %s a stack's Git credentials live on its GitOps Source, and Portainer takes no saved credential on a stack (from 2.44 saved credentials are attached to Sources, in Portainer's UI). Nothing was changed: give username and password instead.", tool, c.Version))
	}
	return nil
}

// storedCredential is the saved credential a Git stack uses (0: none).
func storedCredential(st *papi.Stack) int {
	if st.GitConfig == nil || st.GitConfig.Authentication == nil {
		return 0
	}
	return deref(st.GitConfig.Authentication.GitCredentialID)
}

// credentialKept refuses changes to a stack that uses a saved Git credential where Portainer
// takes no credential id on stacks (from 2.43): its Git endpoints would replace the credential
// with a plain username and an empty password. Before, the tools send the id back.
func (d *Deps) credentialKept(ctx context.Context, tool string, st *papi.Stack) *mcp.CallToolResult {
	if storedCredential(st) == 0 || credentialsByID(d.Caps(ctx)) {
		return nil
	}
	return savedCredential(tool, st)
}

// savedCredential refuses a change to a stack that uses a saved Git credential (recreate_stack,
// which creates anew from a username and password, on every release).
func savedCredential(tool string, st *papi.Stack) *mcp.CallToolResult {
	if storedCredential(st) == 0 {
		return nil
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d uses a saved Git credential (Business Edition), which this change cannot keep. Nothing was changed: change it in Portainer's UI.", tool, deref(st.Id)))
}
