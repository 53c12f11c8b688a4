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

// Business Edition saved Git credentials: shared by administrators under /cloud/gitcredentials
// from 2.44, each user's own under /users/{id}/gitcredentials before (the capability table's
// SharedGitCredentials; edge-be.md §4.3). Passwords are never shown: the rows carry name and
// username only, whatever Portainer sends.

func credentialRow(c papi.GitCredential) views.GitCredentialRow {
	return views.GitCredentialRow{Id: deref(c.Id), Name: deref(c.Name), Username: opt(deref(c.Username)), Created: unixTime(c.CreationDate)}
}

// callerID is the id of the API key's user, whose credentials the per-user API serves.
func (d *Deps) callerID(ctx context.Context, tool string) (int, *mcp.CallToolResult) {
	me, err := d.Client.CurrentUserInspectWithResponse(ctx)
	if err != nil {
		return 0, d.CallFailed(tool, err)
	}
	if me.JSON200 == nil {
		return 0, APIError(tool, me.HTTPResponse, me.Body)
	}
	return deref(me.JSON200.Id), nil
}

func (d *Deps) gitCredentials(ctx context.Context, tool string) ([]papi.GitCredential, *mcp.CallToolResult) {
	if d.Caps(ctx).SharedGitCredentials {
		resp, err := d.Client.SharedGitCredentialListWithResponse(ctx)
		if err != nil {
			return nil, d.CallFailed(tool, err)
		}
		if resp.JSON200 == nil {
			return nil, APIError(tool, resp.HTTPResponse, resp.Body)
		}
		return *resp.JSON200, nil
	}
	uid, res := d.callerID(ctx, tool)
	if res != nil {
		return nil, res
	}
	resp, err := d.Client.UserGitCredentialListWithResponse(ctx, uid)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return *resp.JSON200, nil
}

// ListGitCredentials implements list_git_credentials.
func ListGitCredentials(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_git_credentials"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	if res := d.requireBE(ctx, tool, "saved Git credentials"); res != nil {
		return res, nil
	}
	creds, res := d.gitCredentials(ctx, tool)
	if res != nil {
		return res, nil
	}
	from, to := page.Window(len(creds))
	rows := make([]views.GitCredentialRow, 0, to-from)
	for _, c := range creds[from:to] {
		rows = append(rows, credentialRow(c))
	}
	return List("credentials", credentialTable, rows, len(creds), page, "a smaller limit")
}

var credentialTable = &Table[views.GitCredentialRow]{
	Header: []string{"id", "name", "username", "created"},
	Cells: func(r *views.GitCredentialRow) []string {
		return []string{strconv.Itoa(r.Id), r.Name, deref(r.Username), deref(r.Created)}
	},
}

// CreateGitCredential implements create_git_credential.
func CreateGitCredential(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "create_git_credential"
	body := papi.GitCredentialPayload{Name: strings.TrimSpace(a.Str("name")), Username: strings.TrimSpace(a.Str("username")), Password: a.Str("password")}
	switch {
	case body.Name == "" || body.Username == "" || body.Password == "":
		return ArgError(tool, fmt.Errorf("name, username and password (or token) must all be non-empty")), nil
	case strings.ContainsAny(body.Password, "\r\n"):
		return ArgError(tool, fmt.Errorf("the password has a line break")), nil
	}
	if res := d.requireBE(ctx, tool, "saved Git credentials"); res != nil {
		return res, nil
	}
	var created *papi.GitCredentialCreated
	if d.Caps(ctx).SharedGitCredentials {
		body.AuthorizationType = ptr(0)
		resp, err := d.Client.SharedGitCredentialCreateWithResponse(ctx, body)
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if resp.JSON201 == nil {
			return APIError(tool, resp.HTTPResponse, resp.Body), nil
		}
		created = resp.JSON201
	} else {
		uid, res := d.callerID(ctx, tool)
		if res != nil {
			return res, nil
		}
		resp, err := d.Client.UserGitCredentialCreateWithResponse(ctx, uid, body)
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if resp.JSON201 == nil {
			return APIError(tool, resp.HTTPResponse, resp.Body), nil
		}
		created = resp.JSON201
	}
	// The answer is {"gitCredential":{...}} or the credential itself (edge-be.md §4.3): read both,
	// and find it by name when neither carries the id.
	id := deref(created.Id)
	if created.GitCredential != nil && deref(created.GitCredential.Id) != 0 {
		id = deref(created.GitCredential.Id)
	}
	row := views.GitCredentialRow{Id: id, Name: body.Name, Username: &body.Username}
	creds, res := d.gitCredentials(ctx, tool)
	if res != nil {
		res.Content = append(res.Content, mcp.NewTextContent("The credential was saved; only reading it back failed."))
		return res, nil
	}
	found := false
	for _, c := range creds {
		if (id != 0 && deref(c.Id) == id) || (id == 0 && deref(c.Name) == body.Name) {
			row, found = credentialRow(c), true
		}
	}
	if !found {
		return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the credential, but it is not in the list read back: check with list_git_credentials.", tool)), nil
	}
	row.Note = ptr("Saved. Portainer never shows the password again.")
	return Result(row)
}

// DeleteGitCredential implements delete_git_credential.
func DeleteGitCredential(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "delete_git_credential"
	id, err := a.Int("credential_id")
	if err != nil {
		return ArgError(tool, err), nil
	}
	if res := d.requireBE(ctx, tool, "saved Git credentials"); res != nil {
		return res, nil
	}
	if res := confirm(ctx, consent{tool: tool, request: true, question: fmt.Sprintf(
		"Delete the saved Git credential %d? GitOps that uses it can no longer reach its repository. This cannot be undone.", id)}); res != nil {
		return res, nil
	}
	if d.Caps(ctx).SharedGitCredentials {
		resp, err := d.Client.SharedGitCredentialDeleteWithResponse(ctx, id)
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if resp.StatusCode()/100 != 2 {
			return APIError(tool, resp.HTTPResponse, resp.Body), nil
		}
	} else {
		uid, res := d.callerID(ctx, tool)
		if res != nil {
			return res, nil
		}
		resp, err := d.Client.UserGitCredentialDeleteWithResponse(ctx, uid, id)
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if resp.StatusCode()/100 != 2 {
			return APIError(tool, resp.HTTPResponse, resp.Body), nil
		}
	}
	return Done(fmt.Sprintf("Git credential %d deleted.", id), nil)
}
