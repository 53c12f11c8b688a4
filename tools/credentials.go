package tools

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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

// callerID is the id of the API key's user, whose credentials the per-user API serves: the
// one the HTTP transport already learned (CallerFrom), else Portainer's /users/me.
func (d *Deps) callerID(ctx context.Context, tool string) (int, *mcp.CallToolResult) {
	if c, ok := CallerFrom(ctx); ok && c.ID != 0 {
		return c.ID, nil
	}
	me, err := d.Client.CurrentUserInspectWithResponse(ctx)
	if err != nil {
		return 0, d.CallFailed(tool, err)
	}
	if me.JSON200 == nil {
		return 0, APIError(tool, me.HTTPResponse, me.Body)
	}
	return deref(me.JSON200.Id), nil
}

// credentialAPI is the saved-credential API of this Portainer, picked once: the shared one
// (user 0) or the per-user one of user.
type credentialAPI struct {
	d    *Deps
	user int
}

// It refuses on the Community Edition, which has no saved credentials.
func (d *Deps) credentialAPI(ctx context.Context, tool string) (credentialAPI, *mcp.CallToolResult) {
	if res := d.requireBE(ctx, tool, "saved Git credentials"); res != nil {
		return credentialAPI{}, res
	}
	if d.Caps(ctx).SharedGitCredentials {
		return credentialAPI{d: d}, nil
	}
	uid, res := d.callerID(ctx, tool)
	return credentialAPI{d: d, user: uid}, res
}

// apiAnswer is what one call of the API gave: the error of the call, or the answer.
type apiAnswer struct {
	err  error
	resp *http.Response
	body []byte
}

// failed is the tool error of a call that did not give want, or nil.
func (a apiAnswer) failed(d *Deps, tool string, ok bool) *mcp.CallToolResult {
	switch {
	case a.err != nil:
		return d.CallFailed(tool, a.err)
	case !ok:
		return APIError(tool, a.resp, a.body)
	}
	return nil
}

func (c credentialAPI) list(ctx context.Context, tool string) ([]papi.GitCredential, *mcp.CallToolResult) {
	var out *[]papi.GitCredential
	var a apiAnswer
	if c.user == 0 {
		r, err := c.d.Client.SharedGitCredentialListWithResponse(ctx)
		if a.err = err; err == nil {
			out, a.resp, a.body = r.JSON200, r.HTTPResponse, r.Body
		}
	} else {
		r, err := c.d.Client.UserGitCredentialListWithResponse(ctx, c.user)
		if a.err = err; err == nil {
			out, a.resp, a.body = r.JSON200, r.HTTPResponse, r.Body
		}
	}
	if res := a.failed(c.d, tool, out != nil); res != nil {
		return nil, res
	}
	return *out, nil
}

func (c credentialAPI) create(ctx context.Context, tool string, body papi.GitCredentialPayload) (*papi.GitCredentialCreated, *mcp.CallToolResult) {
	var out *papi.GitCredentialCreated
	var a apiAnswer
	if c.user == 0 {
		body.AuthorizationType = ptr(0)
		r, err := c.d.Client.SharedGitCredentialCreateWithResponse(ctx, body)
		if a.err = err; err == nil {
			out, a.resp, a.body = r.JSON201, r.HTTPResponse, r.Body
		}
	} else {
		r, err := c.d.Client.UserGitCredentialCreateWithResponse(ctx, c.user, body)
		if a.err = err; err == nil {
			out, a.resp, a.body = r.JSON201, r.HTTPResponse, r.Body
		}
	}
	return out, a.failed(c.d, tool, out != nil)
}

func (c credentialAPI) delete(ctx context.Context, tool string, id int) *mcp.CallToolResult {
	var a apiAnswer
	if c.user == 0 {
		r, err := c.d.Client.SharedGitCredentialDeleteWithResponse(ctx, id)
		if a.err = err; err == nil {
			a.resp, a.body = r.HTTPResponse, r.Body
		}
	} else {
		r, err := c.d.Client.UserGitCredentialDeleteWithResponse(ctx, c.user, id)
		if a.err = err; err == nil {
			a.resp, a.body = r.HTTPResponse, r.Body
		}
	}
	return a.failed(c.d, tool, statusOf(a.resp)/100 == 2)
}

// ListGitCredentials implements list_git_credentials.
func ListGitCredentials(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "list_git_credentials"
	page, err := PagingArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	api, res := d.credentialAPI(ctx, tool)
	if res != nil {
		return res, nil
	}
	creds, res := api.list(ctx, tool)
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
	api, res := d.credentialAPI(ctx, tool)
	if res != nil {
		return res, nil
	}
	created, res := api.create(ctx, tool, body)
	if res != nil {
		return res, nil
	}
	// The answer is {"gitCredential":{...}} or the credential itself (edge-be.md §4.3): read both,
	// and find it by name when neither carries the id.
	id := deref(created.Id)
	if created.GitCredential != nil && deref(created.GitCredential.Id) != 0 {
		id = deref(created.GitCredential.Id)
	}
	row := views.GitCredentialRow{Id: id, Name: body.Name, Username: &body.Username}
	creds, res := api.list(ctx, tool)
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
	api, res := d.credentialAPI(ctx, tool)
	if res != nil {
		return res, nil
	}
	creds, res := api.list(ctx, tool)
	if res != nil {
		return res, nil
	}
	i := slices.IndexFunc(creds, func(c papi.GitCredential) bool { return deref(c.Id) == id })
	if i < 0 {
		return mcp.NewToolResultError(joinSentences(fmt.Sprintf("%s: no saved Git credential has id %d: list_git_credentials shows them", tool, id), nothingChanged)), nil
	}
	name := deref(creds[i].Name)
	c, res := deleteConsent(tool, "saved Git credential", id, name, "list_git_credentials", a, fmt.Sprintf(
		"Delete the saved Git credential %s (id %d)? GitOps that uses it can no longer reach its repository. This cannot be undone.", name, id))
	if res != nil {
		return res, nil
	}
	if res := confirm(ctx, c); res != nil {
		return res, nil
	}
	if res := api.delete(ctx, tool, id); res != nil {
		return res, nil
	}
	return Done(fmt.Sprintf("Deleted the saved Git credential %s (id %d).", name, id), map[string]any{"credential_id": id, "name": name})
}
