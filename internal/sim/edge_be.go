package sim

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// The Business Edition (Options.Edition "BE"): edge stack GitOps and webhooks, saved Git
// credentials, change windows and relative paths, per edge-be.md (EB) §2.2, §2.4, §2.5 and §4,
// from EE 2.31 and 2.44's descriptions and older EE handler code. On CE these routes do not
// exist: the simulator answers 404 as for an unknown route (beGate).

const (
	msgEdgeWebhookNotFound = "Unable to find edge stack with the specified webhook id"
	msgWebhookExists       = "Webhook ID already exists"
	msgEdgeGitFailed       = "Failed updating git settings"
	msgGroupIDsEmpty       = "Invalid Edge group IDs. Must contain at least one Edge group ID"
	msgAuthNeedsPassword   = "Invalid repository credentials. Password or GitCredentialID must be specified when authentication is enabled"
	msgGitCredNotFound     = "Git credential not found"
	msgInvalidChangeWindow = "Invalid change window: times are HH:mm"
)

// gitCred is a saved Git credential: per user before 2.44, shared from 2.44 (edge-be.md §4.3).
type gitCred struct {
	ID       int
	UserID   int
	Name     string
	Username string
	Password string
	Created  int64
}

// beGate answers 404, as for an unknown route, to the Business Edition's routes on CE, and to
// the Git credential routes of the other era: /cloud/gitcredentials from 2.44, the per-user
// ones before (edge-be.md §4.3).
func (s *Sim) beGate(r *http.Request) bool {
	segs := splitPath(r.URL.Path) // api, ...
	be := false
	shared := false
	switch {
	case len(segs) == 4 && segs[1] == "edge_stacks" && segs[3] == "git":
		be = true
	case len(segs) == 4 && segs[1] == "edge_stacks" && segs[2] == "webhooks":
		be = true
	case len(segs) >= 3 && segs[1] == "cloud" && segs[2] == "gitcredentials":
		be, shared = true, true
	case len(segs) >= 4 && segs[1] == "users" && segs[3] == "gitcredentials":
		be = true
	}
	if !be {
		return false
	}
	if !s.b.BusinessEdition() {
		return true
	}
	isCred := shared || (len(segs) >= 4 && segs[3] == "gitcredentials")
	return isCred && shared != s.b.SharedGitCredentials
}

// beCreate is the Business Edition part of a create payload.
type beCreate struct {
	env            *[]papi.Pair
	webhook        string // string and file methods
	autoUpdate     *papi.AutoUpdateSettings
	relative       bool
	filesystemPath string
}

// beCreateProblem is the Business Edition's extra validation of a create: a webhook must be a
// UUID (2.44: "Invalid Webhook format", edge-be.md §2.4) and the GitOps settings valid.
func (s *Sim) beCreateProblem(c edgeCreate) string {
	if c.be.webhook != "" && !uuidPattern.MatchString(c.be.webhook) {
		return "Invalid Webhook format"
	}
	return autoUpdateProblem(c.be.autoUpdate, s.b.MinInterval)
}

// beCreateConflict: a webhook another edge stack uses is 409 "Webhook ID already exists"
// (edge-be.md §2.4, checkUniqueWebhookID).
func (s *Sim) beCreateConflict(c edgeCreate) *apiError {
	for _, hook := range []string{c.be.webhook, deref(deref(c.be.autoUpdate).Webhook)} {
		if hook != "" && s.edgeByWebhook(hook) != nil {
			return selfErr(http.StatusConflict, msgWebhookExists)
		}
	}
	return nil
}

func (s *Sim) edgeByWebhook(id string) *edgeStack {
	for _, sid := range sortedByID(s.edge.stacks) {
		st := s.edge.stacks[sid]
		if (st.Webhook != "" && strings.EqualFold(st.Webhook, id)) || (st.AutoUpdate != nil && st.AutoUpdate.Webhook != "" && strings.EqualFold(st.AutoUpdate.Webhook, id)) {
			return st
		}
	}
	return nil
}

// applyBECreate stores the Business Edition's fields of a new edge stack.
func (s *Sim) applyBECreate(st *edgeStack, c edgeCreate) {
	st.EnvVars = clonePairs(deref(c.be.env))
	st.Webhook = c.be.webhook
	st.FileVersion = 1
	if c.git != nil {
		st.AutoUpdate = autoUpdateFrom(c.be.autoUpdate)
		st.SupportRelativePath, st.FilesystemPath = c.be.relative, c.be.filesystemPath
	}
}

// beView adds the Business Edition's fields to an edge stack's wire form.
func (s *Sim) beView(st *edgeStack, v *papi.EdgeStack) {
	env := clonePairs(st.EnvVars)
	if env == nil {
		env = []papi.Pair{}
	}
	v.EnvVars, v.Webhook, v.Registries = &env, ptr(st.Webhook), ptr(append([]int{}, st.Registries...))
	v.PrePullImage, v.RePullImage, v.RetryDeploy, v.RetryPeriod = ptr(st.PrePullImage), ptr(st.RePullImage), ptr(st.RetryDeploy), ptr(st.RetryPeriod)
	v.SupportRelativePath, v.FilesystemPath, v.StackFileVersion = ptr(st.SupportRelativePath), ptr(st.FilesystemPath), ptr(st.FileVersion)
	if st.Stagger != nil {
		v.StaggerConfig = &st.Stagger
	}
	v.DeployerOptions = st.Deployer
	if au := st.AutoUpdate; au != nil {
		v.AutoUpdate = &papi.AutoUpdateSettings{Interval: ptr(au.Interval), Webhook: ptr(au.Webhook), ForceUpdate: ptr(au.ForceUpdate),
			ForcePullImage: ptr(au.ForcePullImage), JobID: ptr(au.JobID)}
	}
	if g := st.Git; g != nil {
		rc := &papi.RepoConfig{URL: ptr(g.URL), ReferenceName: ptr(g.ReferenceName), ConfigFilePath: ptr(g.ConfigFilePath),
			ConfigHash: ptr(g.ConfigHash), TLSSkipVerify: ptr(g.TLSSkipVerify)}
		if g.Auth != nil {
			rc.Authentication = &papi.GitAuthentication{Username: ptr(g.Auth.Username), Password: ptr(""), GitCredentialID: ptr(g.credID)}
		}
		v.GitConfig = rc
	}
}

// beUpdate applies the Business Edition's fields of PUT /edge_stacks/{id}: env, registries and
// the pull and retry options are replaced by what is sent (edge-be.md §2.5, older EE handler; the
// simulator replaces the stagger and deployer options too, the stricter reading), the webhook
// changes only when one is sent, GitConfig and AutoUpdate are left alone.
func (s *Sim) beUpdate(st *edgeStack, p *papi.EdgeStackUpdatePayload) {
	st.EnvVars = clonePairs(deref(p.EnvVars))
	st.Registries = append([]int{}, deref(p.Registries)...)
	st.PrePullImage, st.RePullImage, st.RetryDeploy = deref(p.PrePullImage), deref(p.RePullImage), deref(p.RetryDeploy)
	st.RetryPeriod = deref(p.RetryPeriod)
	st.Stagger, st.Deployer = nil, p.DeployerOptions
	if p.StaggerConfig != nil {
		st.Stagger = *p.StaggerConfig
	}
	if w := deref(p.Webhook); w != "" {
		st.Webhook = w
	}
}

// EdgeStackUpdateFromGit is PUT /edge_stacks/{id}/git (edge-be.md §4.1, from an older EE handler):
// RefName, AutoUpdate (null: off), EnvVars and Authentication are replaced; GroupIds and
// DeploymentType are kept when omitted. The payload's Validate refuses credentials with neither
// a password nor a saved credential, so stored credentials cannot be kept by an empty password:
// they must be sent again (the UI sends null, which drops them). The latest commit is always
// read (500 when the repository or the credentials fail) and becomes the stack's commit; with
// UpdateVersion the file is pulled and the agents get a new version.
func (s *Sim) EdgeStackUpdateFromGit(_ context.Context, req papi.EdgeStackUpdateFromGitRequestObject) (papi.EdgeStackUpdateFromGitResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.Body
	if problem := autoUpdateProblem(p.AutoUpdate, s.b.MinInterval); problem != "" {
		return nil, badPayload(problem)
	}
	if a := p.Authentication; a != nil && deref(a.Password) == "" && deref(a.GitCredentialID) == 0 {
		return nil, badPayload(msgAuthNeedsPassword)
	}
	if p.GroupIds != nil && len(*p.GroupIds) == 0 {
		return nil, badPayload(msgGroupIDsEmpty)
	}
	st, err := s.edgeStack(req.Id, msgEdgeStackNotFound)
	if err != nil {
		return nil, err
	}
	if st.Git == nil {
		// The handler reads the stack's GitConfig without a check; the simulator answers 400
		// (unverified wording).
		return nil, selfErr(http.StatusBadRequest, msgNotGitStack)
	}
	groups := st.EdgeGroups
	if p.GroupIds != nil {
		groups = *p.GroupIds
	}
	related, ok := s.related(groups)
	if !ok {
		return nil, newErr(http.StatusInternalServerError, "Unable to handle edge groups change",
			"Unable to retrieve edge stack related environments from database: edge group was not found")
	}
	var auth *gitAuth
	credID := 0
	if a := p.Authentication; a != nil {
		auth = &gitAuth{Username: deref(a.Username), Password: deref(a.Password)}
		if id := deref(a.GitCredentialID); id != 0 {
			c, ok := s.edge.creds[id]
			if !ok {
				return nil, notFound(msgGitCredNotFound)
			}
			if c.UserID != 0 && c.UserID != 1 {
				return nil, selfErr(http.StatusForbidden, "User do not match")
			}
			auth, credID = &gitAuth{Username: c.Username, Password: c.Password}, id
		}
	}
	user, pass := auth.credentials()
	hash, tree, gerr := s.gitResolve(st.Git.URL, deref(p.RefName), user, pass)
	if gerr != nil {
		return nil, newErr(http.StatusInternalServerError, msgEdgeGitFailed, "Unable to fetch git repository: "+latestCommitError(gerr, deref(p.RefName)))
	}
	st.Git.ReferenceName, st.Git.Auth, st.Git.credID, st.Git.ConfigHash = deref(p.RefName), auth, credID, hash
	st.AutoUpdate = autoUpdateFrom(p.AutoUpdate)
	st.EnvVars = clonePairs(deref(p.EnvVars))
	st.EdgeGroups = slices.Clone(groups)
	if p.DeploymentType != nil {
		st.DeploymentType = int(*p.DeploymentType)
	}
	if p.Registries != nil {
		st.Registries = slices.Clone(*p.Registries)
	}
	if deref(p.UpdateVersion) {
		content, ok := tree[st.Git.ConfigFilePath]
		st.file, st.fileGone = content, !ok
		st.Version++
		st.FileVersion++
		st.resetStatus(related)
	}
	return papi.EdgeStackUpdateFromGit204Response{}, nil
}

// EdgeStackWebhookInvoke is the edge stack webhook (edge-be.md §4.2): public, the id a UUID, found in
// AutoUpdate.Webhook or Webhook without case; a Git stack is pulled and gets a new version when
// the commit changed; 204.
func (s *Sim) EdgeStackWebhookInvoke(_ context.Context, req papi.EdgeStackWebhookInvokeRequestObject) (papi.EdgeStackWebhookInvokeResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !uuidPattern.MatchString(strings.ToLower(req.WebhookID)) {
		return nil, newErr(http.StatusBadRequest, msgWebhookInvalid, "Invalid UUID format")
	}
	st := s.edgeByWebhook(req.WebhookID)
	if st == nil {
		return nil, selfErr(http.StatusNotFound, msgEdgeWebhookNotFound)
	}
	if g := st.Git; g != nil {
		user, pass := g.Auth.credentials()
		hash, tree, err := s.gitResolve(g.URL, g.ReferenceName, user, pass)
		if err != nil {
			return nil, newErr(http.StatusInternalServerError, "Failed to update the stack", cloneError(err))
		}
		if hash != g.ConfigHash {
			g.ConfigHash = hash
			content, ok := tree[g.ConfigFilePath]
			st.file, st.fileGone = content, !ok
			st.Version++
			st.FileVersion++
			related, _ := s.related(st.EdgeGroups)
			st.resetStatus(related)
		}
	}
	return papi.EdgeStackWebhookInvoke204Response{}, nil
}

// credView is a credential as answered. Whether Portainer blanks the password is unverified
// (edge-be.md §4.3): the simulator sends it, the harder case for a client that must never show it.
func credView(c *gitCred, shared bool) papi.GitCredential {
	v := papi.GitCredential{Id: ptr(c.ID), Name: ptr(c.Name), Username: ptr(c.Username), Password: ptr(c.Password), CreationDate: ptr(int(c.Created))}
	if shared {
		v.AuthorizationType = ptr(0)
	} else {
		v.UserId = ptr(c.UserID)
	}
	return v
}

func (s *Sim) credList(shared bool) []papi.GitCredential {
	out := []papi.GitCredential{}
	for _, id := range sortedByID(s.edge.creds) {
		out = append(out, credView(s.edge.creds[id], shared))
	}
	return out
}

func (s *Sim) credCreate(p *papi.GitCredentialPayload, userID int) (*gitCred, *apiError) {
	if p.Name == "" || p.Username == "" || p.Password == "" {
		return nil, badPayload("name, username and password are required")
	}
	for _, c := range s.edge.creds {
		if c.Name == p.Name {
			return nil, selfErr(http.StatusConflict, "A git credential with the same name already exists")
		}
	}
	c := &gitCred{ID: s.edge.nextCredID, UserID: userID, Name: p.Name, Username: p.Username, Password: p.Password, Created: s.now()}
	s.edge.creds[c.ID] = c
	s.edge.nextCredID++
	return c, nil
}

func (s *Sim) credDelete(id int) *apiError {
	if _, ok := s.edge.creds[id]; !ok {
		return notFound(msgGitCredNotFound)
	}
	for _, st := range s.edge.stacks {
		if st.Git != nil && st.Git.credID == id {
			return selfErr(http.StatusConflict, "The credential is used by one or more GitOps sources")
		}
	}
	delete(s.edge.creds, id)
	return nil
}

// SharedGitCredentialList lists the shared credentials (2.44).
func (s *Sim) SharedGitCredentialList(context.Context, papi.SharedGitCredentialListRequestObject) (papi.SharedGitCredentialListResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return papi.SharedGitCredentialList200JSONResponse(s.credList(true)), nil
}

// SharedGitCredentialCreate saves a shared credential: 201 with the credential itself (third
// parties read {"id"}; edge-be.md §4.3).
func (s *Sim) SharedGitCredentialCreate(_ context.Context, req papi.SharedGitCredentialCreateRequestObject) (papi.SharedGitCredentialCreateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.credCreate(req.Body, 0)
	if err != nil {
		return nil, err
	}
	return papi.SharedGitCredentialCreate201JSONResponse{Id: ptr(c.ID), Name: ptr(c.Name)}, nil
}

// SharedGitCredentialDelete deletes a shared credential; 409 while an edge stack uses it.
func (s *Sim) SharedGitCredentialDelete(_ context.Context, req papi.SharedGitCredentialDeleteRequestObject) (papi.SharedGitCredentialDeleteResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.credDelete(req.Id); err != nil {
		return nil, err
	}
	return papi.SharedGitCredentialDelete204Response{}, nil
}

// ownUser: only the calling user (user 1 here) may use their credentials (edge-be.md §4.3).
func ownUser(id int) *apiError {
	if id != 1 {
		return newErr(http.StatusForbidden, "Permission denied to access git credentials", "Only the calling user can manage their git credentials")
	}
	return nil
}

// UserGitCredentialList lists the caller's credentials (before 2.44).
func (s *Sim) UserGitCredentialList(_ context.Context, req papi.UserGitCredentialListRequestObject) (papi.UserGitCredentialListResponseObject, error) {
	if err := ownUser(req.Id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return papi.UserGitCredentialList200JSONResponse(s.credList(false)), nil
}

// UserGitCredentialCreate saves a credential of the caller: 201 {"gitCredential":{...}}.
func (s *Sim) UserGitCredentialCreate(_ context.Context, req papi.UserGitCredentialCreateRequestObject) (papi.UserGitCredentialCreateResponseObject, error) {
	if err := ownUser(req.Id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.credCreate(req.Body, req.Id)
	if err != nil {
		return nil, err
	}
	v := credView(c, false)
	return papi.UserGitCredentialCreate201JSONResponse{GitCredential: &v}, nil
}

// UserGitCredentialDelete deletes a credential of the caller.
func (s *Sim) UserGitCredentialDelete(_ context.Context, req papi.UserGitCredentialDeleteRequestObject) (papi.UserGitCredentialDeleteResponseObject, error) {
	if err := ownUser(req.Id); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.credDelete(req.CredentialID); err != nil {
		return nil, err
	}
	return papi.UserGitCredentialDelete204Response{}, nil
}

// hhmm is the change window's time format, HH:mm (edge-be.md §4.5).
var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// EndpointUpdate changes an environment; only the fields sent change. On the Business Edition
// it takes ChangeWindow (edge-be.md §4.5: an invalid time is 400); CE has no such field and ignores it.
func (s *Sim) EndpointUpdate(_ context.Context, req papi.EndpointUpdateRequestObject) (papi.EndpointUpdateResponseObject, error) {
	var ep papi.Endpoint
	var bad *apiError
	err := s.envDo(req.Id, func(e *environment) {
		if cw := req.Body.ChangeWindow; cw != nil && s.b.BusinessEdition() {
			if deref(cw.Enabled) && (!hhmm.MatchString(deref(cw.StartTime)) || !hhmm.MatchString(deref(cw.EndTime))) {
				bad = badPayload(msgInvalidChangeWindow)
				return
			}
			e.ep.ChangeWindow = &papi.ChangeWindow{Enabled: ptr(deref(cw.Enabled)), StartTime: ptr(deref(cw.StartTime)), EndTime: ptr(deref(cw.EndTime))}
		}
		ep = s.endpointView(e)
	})
	switch {
	case err != nil:
		return nil, err
	case bad != nil:
		return nil, bad
	}
	return papi.EndpointUpdate200JSONResponse(ep), nil
}
