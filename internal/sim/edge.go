package sim

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Edge groups, edge stacks and the reports of their agents, as CE 2.23 serves them (edge-be.md
// beside this file, §1 and §2; measured on a real 2.23 unless it says otherwise), with the
// Business Edition's fields when Options.Edition is BE (edge_be.go).

// Messages of Portainer's edge handlers (api/http/handler/edgegroups, edgestacks).
const (
	msgEdgeComputeOff        = "Edge compute features are disabled"
	msgEdgeGroupNotFound     = "Unable to find an Edge group with the specified identifier inside the database"
	msgEdgeGroupNameUnique   = "Edge group name must be unique"
	msgEdgeGroupUsedByStack  = "Edge group is used by an Edge stack"
	msgEdgeStackNotFound     = "Unable to find an edge stack with the specified identifier inside the database"
	msgEdgeStackNotFoundUpd  = "Unable to find a stack with the specified identifier inside the database"
	msgEdgeInvalidPayload    = "Invalid payload"
	msgEdgeGroupsMandatory   = "Edge Groups are mandatory for an Edge stack"
	msgEdgeGroupsRepository  = "Invalid edge groups. At least one edge group must be specified"
	msgEdgeGroupMissing      = "Edge group was not found"
	msgEdgeInvalidDeployment = "Invalid deployment type"
	msgEdgeWrongEnvType      = "edge stack with config do not match the environment type"
	msgEdgeCreateFailed      = "Unable to create Edge stack"
	msgEdgeFileMissing       = "Unable to retrieve stack file from disk"
)

// Edge stack status types (edge-be.md §2.2, portainer.go:1694-1723).
const (
	edgeStatusError   = 2
	edgeStatusRemoved = 4
)

// edgeGroup is Portainer's EdgeGroup.
type edgeGroup struct {
	ID           int
	Name         string
	Dynamic      bool
	TagIDs       []int
	Endpoints    []int // static groups
	PartialMatch bool
}

// edgeReport is one report of an agent (EdgeStackDeploymentStatus).
type edgeReport struct {
	Type    int
	Error   string
	Time    int64
	Version int // the stack version reported on (EE 2.44's reports carry it, edge-be.md §2.2); 0: none
}

// edgeStack is Portainer's EdgeStack, with the deployed file; the Business Edition fields are
// zero on CE.
type edgeStack struct {
	ID                    int
	Name                  string
	CreationDate          int64
	EdgeGroups            []int
	EntryPoint            string
	Version               int
	DeploymentType        int
	UseManifestNamespaces bool
	// Status: environment id -> reports, oldest first. A key with no reports is an entry with an
	// empty history (edge-be.md §2.2).
	Status   map[int][]edgeReport
	file     string
	fileGone bool // a Git path that did not exist: /file answers 500 (edge-be.md §2.3)

	// Business Edition (edge-be.md §2.2 "EE-only fields").
	Git                 *gitConfig
	AutoUpdate          *autoUpdate
	Webhook             string
	EnvVars             []papi.Pair
	Registries          []int
	PrePullImage        bool
	RePullImage         bool
	RetryDeploy         bool
	RetryPeriod         int
	Stagger             papi.EdgeStaggerConfig
	Deployer            *papi.EdgeDeployerOptions
	SupportRelativePath bool
	FilesystemPath      string
	FileVersion         int
}

// edgeState holds the edge part of the simulator.
type edgeState struct {
	on         bool // settings EnableEdgeComputeFeatures
	groups     map[int]*edgeGroup
	nextGroup  int
	stacks     map[int]*edgeStack
	nextStack  int
	creds      map[int]*gitCred // Business Edition saved Git credentials
	nextCredID int
}

func newEdgeState() edgeState {
	return edgeState{groups: map[int]*edgeGroup{}, nextGroup: 1, stacks: map[int]*edgeStack{}, nextStack: 1,
		creds: map[int]*gitCred{}, nextCredID: 1}
}

// SetEdgeCompute turns Edge Compute on or off, as PUT /settings {"EnableEdgeComputeFeatures"}
// does (edge-be.md §1.5). Off, every edge group and edge stack route answers 503.
func (s *Sim) SetEdgeCompute(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edge.on = on
}

// SettingsUpdate changes the settings the simulator has: EnableEdgeComputeFeatures, a partial
// update (edge-be.md §1.5: a *bool merged with cmp.Or).
func (s *Sim) SettingsUpdate(_ context.Context, req papi.SettingsUpdateRequestObject) (papi.SettingsUpdateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Body.EnableEdgeComputeFeatures != nil {
		s.edge.on = *req.Body.EnableEdgeComputeFeatures
	}
	return papi.SettingsUpdate200JSONResponse{EnableEdgeComputeFeatures: ptr(s.edge.on)}, nil
}

// edgeGate answers what Portainer's bouncer answers before an edge handler runs: 403 to a
// non-administrator, then 503 while Edge Compute is off (edge-be.md §1.1, bouncer.go:571-588).
// The agents' status route and the Business Edition's public webhook are not behind it
// (edgestacks/handler.go; the webhook's gate is unverified, the simulator leaves it open).
func (s *Sim) edgeGate(r *http.Request) *apiError {
	segs := splitPath(r.URL.Path)
	if len(segs) < 2 || (segs[1] != "edge_groups" && segs[1] != "edge_stacks") {
		return nil
	}
	if segs[1] == "edge_stacks" && len(segs) == 4 && (segs[3] == "status" || segs[2] == "webhooks") {
		return nil
	}
	if s.standardUser(r) {
		return errAdminOnly // edge-be.md §1.1: AdminAccess, checked before Edge Compute
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.edge.on {
		return selfErr(http.StatusServiceUnavailable, msgEdgeComputeOff)
	}
	return nil
}

// AddEdgeGroup adds an edge group and returns its id: static with the given environments, or
// dynamic by tags (any tag with partial, every tag without).
func (s *Sim) AddEdgeGroup(name string, dynamic bool, tagIDs, endpoints []int, partial bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &edgeGroup{ID: s.edge.nextGroup, Name: name, Dynamic: dynamic, TagIDs: slices.Clone(tagIDs), PartialMatch: partial}
	g.Endpoints = s.edgeOnly(endpoints)
	s.edge.groups[g.ID] = g
	s.edge.nextGroup++
	return g.ID
}

// isEdgeType: Portainer keeps Edge agent environments only (Docker 4, Kubernetes 7) in edge
// groups (edge-be.md §1.2, endpointutils.IsEdgeEndpoint).
func isEdgeType(t papi.EndpointType) bool {
	return t == papi.EndpointTypeEdgeDocker || t == papi.EndpointTypeEdgeKubernetes
}

// edgeOnly drops the ids that are not edge environments, as a static group's create does
// silently (edge-be.md §1.2).
func (s *Sim) edgeOnly(ids []int) []int {
	out := []int{}
	for _, id := range ids {
		if e, ok := s.envs[id]; ok && isEdgeType(deref(e.ep.Type)) {
			out = append(out, id)
		}
	}
	return out
}

// members are the environments of a group: a static group's list, or the edge environments
// carrying its tags (edge-be.md §1.2, associated_endpoints.go:210-249; every simulated environment is
// trusted).
func (s *Sim) members(g *edgeGroup) []int {
	if !g.Dynamic {
		return slices.Clone(g.Endpoints)
	}
	out := []int{}
	for _, e := range s.sortedEnvs() {
		if !isEdgeType(deref(e.ep.Type)) || len(g.TagIDs) == 0 {
			continue
		}
		tags := deref(e.ep.TagIds)
		match := !g.PartialMatch
		for _, t := range g.TagIDs {
			has := slices.Contains(tags, t)
			if g.PartialMatch && has {
				match = true
			}
			if !g.PartialMatch && !has {
				match = false
			}
		}
		if match {
			out = append(out, e.id())
		}
	}
	return out
}

func (s *Sim) groupView(g *edgeGroup, decorated bool) papi.EdgeGroup {
	members := s.members(g)
	v := papi.EdgeGroup{Id: ptr(g.ID), Name: ptr(g.Name), Dynamic: ptr(g.Dynamic), TagIds: ptr(slices.Clone(g.TagIDs)),
		Endpoints: ptr(members), PartialMatch: ptr(g.PartialMatch)}
	if deref(v.TagIds) == nil {
		v.TagIds = &[]int{}
	}
	if !decorated {
		return v
	}
	types := []papi.EndpointType{}
	for _, id := range members {
		if t := deref(s.envs[id].ep.Type); !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	used := false
	for _, st := range s.edge.stacks {
		used = used || slices.Contains(st.EdgeGroups, g.ID)
	}
	v.HasEdgeStack, v.EndpointTypes, v.TrustedEndpoints = ptr(used), &types, ptr(slices.Clone(members))
	return v
}

func sortedByID[T any](m map[int]T) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// EdgeGroupList lists the groups with the decorations of the list (edge-be.md §1.3).
func (s *Sim) EdgeGroupList(context.Context, papi.EdgeGroupListRequestObject) (papi.EdgeGroupListResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := papi.EdgeGroupList200JSONResponse{}
	for _, id := range sortedByID(s.edge.groups) {
		out = append(out, s.groupView(s.edge.groups[id], true))
	}
	return out, nil
}

// groupPayloadProblem is the edge group payload's Validate (edge-be.md §1.2).
func groupPayloadProblem(p *papi.EdgeGroupPayload) string {
	switch {
	case p.Name == "":
		return "Invalid Edge group name"
	case deref(p.Dynamic) && len(deref(p.TagIDs)) == 0:
		return "TagIDs is mandatory for a dynamic Edge group"
	}
	return ""
}

// checkGroupEndpoints is the read of every static member: an unknown id is a 500 (edge-be.md §1.2).
func (s *Sim) checkGroupEndpoints(ids []int) *apiError {
	for _, id := range ids {
		if _, ok := s.envs[id]; !ok {
			return newErr(http.StatusInternalServerError, "Unable to retrieve environment from the database",
				fmt.Sprintf("Object not found inside the database (bucket=endpoints, key=%d)", id))
		}
	}
	return nil
}

// EdgeGroupCreate creates a group: 200, a duplicate name (exact compare) is 400 (edge-be.md §1.2).
func (s *Sim) EdgeGroupCreate(_ context.Context, req papi.EdgeGroupCreateRequestObject) (papi.EdgeGroupCreateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.Body
	if problem := groupPayloadProblem(p); problem != "" {
		return nil, badPayload(problem)
	}
	for _, g := range s.edge.groups {
		if g.Name == p.Name {
			return nil, selfErr(http.StatusBadRequest, msgEdgeGroupNameUnique)
		}
	}
	g := &edgeGroup{ID: s.edge.nextGroup, Name: p.Name, Dynamic: deref(p.Dynamic), PartialMatch: deref(p.PartialMatch)}
	if g.Dynamic {
		g.TagIDs = slices.Clone(deref(p.TagIDs))
	} else {
		if err := s.checkGroupEndpoints(deref(p.Endpoints)); err != nil {
			return nil, err
		}
		g.Endpoints = s.edgeOnly(deref(p.Endpoints))
	}
	s.edge.groups[g.ID] = g
	s.edge.nextGroup++
	return papi.EdgeGroupCreate200JSONResponse(s.groupView(g, false)), nil
}

func (s *Sim) group(id int) (*edgeGroup, *apiError) {
	g, ok := s.edge.groups[id]
	if !ok {
		return nil, notFoundKey(msgEdgeGroupNotFound, "edgegroups", id)
	}
	return g, nil
}

// EdgeGroupInspect returns one group; a dynamic group's Endpoints come from its tags (edge-be.md §1.3).
func (s *Sim) EdgeGroupInspect(_ context.Context, req papi.EdgeGroupInspectRequestObject) (papi.EdgeGroupInspectResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(req.Id)
	if err != nil {
		return nil, err
	}
	return papi.EdgeGroupInspect200JSONResponse(s.groupView(g, false)), nil
}

// EdgeGroupUpdate replaces Dynamic, Endpoints and TagIDs; PartialMatch is kept when omitted
// (edge-be.md §1.2, edgegroup_update.go:26-36, 77-106).
func (s *Sim) EdgeGroupUpdate(_ context.Context, req papi.EdgeGroupUpdateRequestObject) (papi.EdgeGroupUpdateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(req.Id)
	if err != nil {
		return nil, err
	}
	p := req.Body
	if problem := groupPayloadProblem(p); problem != "" {
		return nil, badPayload(problem)
	}
	for _, o := range s.edge.groups {
		if o.ID != g.ID && o.Name == p.Name {
			return nil, selfErr(http.StatusBadRequest, msgEdgeGroupNameUnique)
		}
	}
	if err := s.checkGroupEndpoints(deref(p.Endpoints)); err != nil {
		return nil, err
	}
	g.Name, g.Dynamic = p.Name, deref(p.Dynamic)
	g.TagIDs, g.Endpoints = slices.Clone(deref(p.TagIDs)), s.edgeOnly(deref(p.Endpoints))
	if p.PartialMatch != nil {
		g.PartialMatch = *p.PartialMatch
	}
	return papi.EdgeGroupUpdate200JSONResponse(s.groupView(g, false)), nil
}

// EdgeGroupDelete deletes a group that no edge stack uses (409 otherwise, edge-be.md §1.4).
func (s *Sim) EdgeGroupDelete(_ context.Context, req papi.EdgeGroupDeleteRequestObject) (papi.EdgeGroupDeleteResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.group(req.Id); err != nil {
		return nil, err
	}
	for _, st := range s.edge.stacks {
		if slices.Contains(st.EdgeGroups, req.Id) {
			return nil, selfErr(http.StatusConflict, msgEdgeGroupUsedByStack)
		}
	}
	delete(s.edge.groups, req.Id)
	return papi.EdgeGroupDelete204Response{}, nil
}

// related are the environments of an edge stack's groups, each once, sorted; an unknown group
// is an error (edge.EdgeStackRelatedEndpoints).
func (s *Sim) related(groupIDs []int) ([]int, bool) {
	var out []int
	for _, gid := range groupIDs {
		g, ok := s.edge.groups[gid]
		if !ok {
			return nil, false
		}
		for _, id := range s.members(g) {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out, true
}

// wrongType: a compose stack needs Docker environments, a Kubernetes one Kubernetes
// environments (edgestacks/endpoints.go hasWrongEnvironmentType).
func (s *Sim) wrongType(envIDs []int, deploymentType int) bool {
	for _, id := range envIDs {
		t := deref(s.envs[id].ep.Type)
		kube := t == papi.EndpointTypeEdgeKubernetes || t == papi.EndpointTypeKubernetesLocal || t == papi.EndpointTypeAgentKubernetes
		if (deploymentType == 1) != kube {
			return true
		}
	}
	return false
}

// resetStatus gives every related environment an entry with an empty history, as a new
// version does (edge-be.md §2.2, status.go:8-27), keeping nothing of the old reports.
func (st *edgeStack) resetStatus(envIDs []int) {
	st.Status = map[int][]edgeReport{}
	for _, id := range envIDs {
		st.Status[id] = []edgeReport{}
	}
}

// edgeView is the wire form of an edge stack, with the Business Edition's fields on that
// edition (the Git password blanked, as in every answer).
func (s *Sim) edgeView(st *edgeStack) papi.EdgeStack {
	related, _ := s.related(st.EdgeGroups)
	status := map[string]papi.EdgeStackStatus{}
	for id, reports := range st.Status {
		list := make([]papi.EdgeStackDeploymentStatus, 0, len(reports))
		for _, r := range reports {
			d := papi.EdgeStackDeploymentStatus{Type: ptr(r.Type), Error: ptr(r.Error), Time: ptr(int(r.Time))}
			if r.Version != 0 {
				d.Version = ptr(r.Version)
			}
			list = append(list, d)
		}
		status[strconv.Itoa(id)] = papi.EdgeStackStatus{EndpointID: ptr(id), Status: &list}
	}
	v := papi.EdgeStack{
		Id: ptr(st.ID), Name: ptr(st.Name), Status: &status, CreationDate: ptr(int(st.CreationDate)),
		EdgeGroups: ptr(slices.Clone(st.EdgeGroups)), ProjectPath: ptr("/data/edge_stacks/" + itoa(st.ID)),
		EntryPoint: ptr(st.EntryPoint), Version: ptr(st.Version), NumDeployments: ptr(len(related)),
		ManifestPath: ptr(""), DeploymentType: ptr(papi.EdgeStackDeploymentType(st.DeploymentType)),
		UseManifestNamespaces: ptr(st.UseManifestNamespaces),
	}
	if s.b.BusinessEdition() {
		s.beView(st, &v)
	}
	return v
}

// EdgeStackList lists every edge stack (edgestack_list.go: no filter, no paging).
func (s *Sim) EdgeStackList(context.Context, papi.EdgeStackListRequestObject) (papi.EdgeStackListResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := papi.EdgeStackList200JSONResponse{}
	for _, id := range sortedByID(s.edge.stacks) {
		out = append(out, s.edgeView(s.edge.stacks[id]))
	}
	return out, nil
}

func (s *Sim) edgeStack(id int, msg string) (*edgeStack, *apiError) {
	st, ok := s.edge.stacks[id]
	if !ok {
		return nil, notFoundKey(msg, "edge_stack", id)
	}
	return st, nil
}

// EdgeStackInspect returns one edge stack.
func (s *Sim) EdgeStackInspect(_ context.Context, req papi.EdgeStackInspectRequestObject) (papi.EdgeStackInspectResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.edgeStack(req.Id, msgEdgeStackNotFound)
	if err != nil {
		return nil, err
	}
	return papi.EdgeStackInspect200JSONResponse(s.edgeView(st)), nil
}

// EdgeStackFile returns the current file; a Git path that was never there is a 500 (edge-be.md §2.3).
func (s *Sim) EdgeStackFile(_ context.Context, req papi.EdgeStackFileRequestObject) (papi.EdgeStackFileResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.edgeStack(req.Id, msgEdgeStackNotFound)
	if err != nil {
		return nil, err
	}
	if st.fileGone {
		return nil, newErr(http.StatusInternalServerError, msgEdgeFileMissing, fmt.Sprintf("Could not get the contents of the file '%s'", st.EntryPoint))
	}
	return papi.EdgeStackFile200JSONResponse{StackFileContent: ptr(st.file)}, nil
}

// EdgeStackDelete deletes an edge stack (204; 404 the second time, edge-be.md §2.6).
func (s *Sim) EdgeStackDelete(_ context.Context, req papi.EdgeStackDeleteRequestObject) (papi.EdgeStackDeleteResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.edgeStack(req.Id, msgEdgeStackNotFound); err != nil {
		return nil, err
	}
	delete(s.edge.stacks, req.Id)
	return papi.EdgeStackDelete204Response{}, nil
}

// edgeCreate is what the create methods share.
type edgeCreate struct {
	name           string
	groups         []int
	deploymentType int
	content        string
	git            *gitInput
	gitProblem     string // repository payload's own Validate messages
	be             beCreate
}

// createEdgeStack runs CE 2.23's create (edge-be.md §2.4 "Order of checks"): validate (400 "Invalid
// payload"), duplicate name across every edge stack without case (409), unknown group (400),
// environment types (500), then the clone (500).
func (s *Sim) createEdgeStack(c edgeCreate) (papi.EdgeStack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var problem string
	switch {
	case c.name == "":
		problem = msgInvalidStackName
	case c.git == nil && c.content == "":
		problem = msgInvalidFileContent
	case c.git != nil && c.gitProblem != "":
		problem = c.gitProblem
	case len(c.groups) == 0 && c.git != nil:
		problem = msgEdgeGroupsRepository
	case len(c.groups) == 0:
		problem = msgEdgeGroupsMandatory
	case c.deploymentType != 0 && c.deploymentType != 1:
		problem = msgEdgeInvalidDeployment
	}
	if problem == "" && s.b.BusinessEdition() {
		problem = s.beCreateProblem(c)
	}
	if problem != "" {
		return papi.EdgeStack{}, newErr(http.StatusBadRequest, msgEdgeInvalidPayload, problem)
	}
	for _, o := range s.edge.stacks {
		if strings.EqualFold(o.Name, c.name) {
			what := "Edge"
			if c.git != nil {
				what = "edge" // edgestack_create_git.go:104 writes it in lower case
			}
			msg := "failed to create " + what + " stack object: Edge stack name must be unique"
			return papi.EdgeStack{}, selfErr(http.StatusConflict, msg)
		}
	}
	if s.b.BusinessEdition() {
		if err := s.beCreateConflict(c); err != nil {
			return papi.EdgeStack{}, err
		}
	}
	related, ok := s.related(c.groups)
	if !ok {
		return papi.EdgeStack{}, newErr(http.StatusBadRequest, msgEdgeInvalidPayload, msgEdgeGroupMissing)
	}
	if s.wrongType(related, c.deploymentType) {
		return papi.EdgeStack{}, newErr(http.StatusInternalServerError, msgEdgeCreateFailed, "Unable to store manifest: "+msgEdgeWrongEnvType)
	}
	st := &edgeStack{ID: s.edge.nextStack, Name: c.name, CreationDate: s.now(), EdgeGroups: slices.Clone(c.groups),
		EntryPoint: "docker-compose.yml", Version: 1, DeploymentType: c.deploymentType, file: c.content,
		Status: map[int][]edgeReport{}}
	if c.git != nil {
		if err := s.cloneEdge(st, c.git); err != nil {
			return papi.EdgeStack{}, err
		}
	}
	if s.b.EdgeStatusPerEnvironment {
		// edge-be.md §2.2: 2.4x creates one status entry, with no report, per environment.
		st.resetStatus(related)
	}
	if s.b.BusinessEdition() {
		s.applyBECreate(st, c)
	}
	s.edge.stacks[st.ID] = st
	s.edge.nextStack++
	return s.edgeView(st), nil
}

// cloneEdge clones the repository once into the stack (edge-be.md §2.4): CE keeps no Git settings, and
// a path that is not in the repository is not noticed until the file is read.
func (s *Sim) cloneEdge(st *edgeStack, g *gitInput) *apiError {
	user, pass := "", ""
	if g.auth {
		user, pass = g.user, g.pass
	}
	hash, tree, err := s.gitResolve(g.url, g.ref, user, pass)
	if err != nil {
		msg := "Unable to store manifest: " + strings.TrimPrefix(cloneError(err), msgInvalidGitCred+": ")
		return newErr(http.StatusInternalServerError, msgEdgeCreateFailed, msg)
	}
	st.EntryPoint = g.composeFile
	if st.EntryPoint == "" {
		st.EntryPoint = "docker-compose.yml"
	}
	content, ok := tree[st.EntryPoint]
	st.file, st.fileGone = content, !ok
	if s.b.BusinessEdition() {
		st.Git = &gitConfig{URL: g.url, ReferenceName: g.ref, ConfigFilePath: st.EntryPoint, ConfigHash: hash, TLSSkipVerify: g.tlsSkipVerify}
		if g.auth {
			st.Git.Auth = &gitAuth{Username: g.user, Password: g.pass}
		}
	}
	return nil
}

// EdgeStackCreateString creates an edge stack from compose text.
func (s *Sim) EdgeStackCreateString(_ context.Context, req papi.EdgeStackCreateStringRequestObject) (papi.EdgeStackCreateStringResponseObject, error) {
	b := req.Body
	st, err := s.createEdgeStack(edgeCreate{name: b.Name, groups: b.EdgeGroups, deploymentType: int(b.DeploymentType),
		content: b.StackFileContent, be: beCreate{env: b.EnvVars, webhook: deref(b.Webhook)}})
	return papi.EdgeStackCreateString200JSONResponse(st), err
}

// EdgeStackCreateRepository creates an edge stack from a Git repository.
func (s *Sim) EdgeStackCreateRepository(_ context.Context, req papi.EdgeStackCreateRepositoryRequestObject) (papi.EdgeStackCreateRepositoryResponseObject, error) {
	b := req.Body
	g := &gitInput{url: b.RepositoryURL, ref: deref(b.RepositoryReferenceName), auth: deref(b.RepositoryAuthentication),
		user: deref(b.RepositoryUsername), pass: deref(b.RepositoryPassword), composeFile: deref(b.FilePathInRepository),
		autoUpdate: b.AutoUpdate, tlsSkipVerify: deref(b.TLSSkipVerify)}
	var problem string
	switch {
	case !isURL(g.url):
		problem = msgInvalidRepoURL
	case g.auth && g.pass == "":
		problem = msgPasswordRequired
	}
	st, err := s.createEdgeStack(edgeCreate{name: b.Name, groups: b.EdgeGroups, deploymentType: int(b.DeploymentType), git: g,
		gitProblem: problem, be: beCreate{env: b.EnvVars, autoUpdate: b.AutoUpdate, relative: deref(b.SupportRelativePath),
			filesystemPath: deref(b.FilesystemPath)}})
	return papi.EdgeStackCreateRepository200JSONResponse(st), err
}

// EdgeStackUpdate is CE 2.23's update (edge-be.md §2.5): both StackFileContent and EdgeGroups required;
// the groups and NumDeployments change, the file only with UpdateVersion, which also resets the
// status; DeploymentType is checked against the environments even without UpdateVersion. The
// Business Edition's extra fields are applied by beUpdate.
func (s *Sim) EdgeStackUpdate(_ context.Context, req papi.EdgeStackUpdateRequestObject) (papi.EdgeStackUpdateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.Body
	switch {
	case p.StackFileContent == "":
		return nil, badPayload(msgInvalidFileContent)
	case len(p.EdgeGroups) == 0:
		return nil, badPayload(msgEdgeGroupsMandatory)
	}
	st, err := s.edgeStack(req.Id, msgEdgeStackNotFoundUpd)
	if err != nil {
		return nil, err
	}
	related, ok := s.related(p.EdgeGroups)
	if !ok {
		return nil, newErr(http.StatusInternalServerError, "Unable to handle edge groups change",
			"Unable to retrieve edge stack related environments from database: edge group was not found")
	}
	deploymentType := int(deref(p.DeploymentType))
	if s.wrongType(related, deploymentType) {
		return nil, selfErr(http.StatusBadRequest, msgEdgeWrongEnvType)
	}
	st.EdgeGroups = slices.Clone(p.EdgeGroups)
	st.UseManifestNamespaces = deref(p.UseManifestNamespaces)
	if s.b.BusinessEdition() {
		s.beUpdate(st, p)
	}
	if deref(p.UpdateVersion) {
		st.file, st.fileGone = p.StackFileContent, false
		st.Version++
		st.FileVersion++
		st.DeploymentType = deploymentType
		st.resetStatus(related)
	}
	return papi.EdgeStackUpdate200JSONResponse(s.edgeView(st)), nil
}

// EdgeStackStatusUpdate records an agent's report (edge-be.md §2.2 "Fabricating agent statuses";
// edgestack_status_update.go): the environment must be an edge one and the request must carry
// X-PortainerAgent-EdgeID; Removed deletes the environment's entry; a report about a stack that
// no longer exists is answered 200 null.
func (s *Sim) EdgeStackStatusUpdate(_ context.Context, req papi.EdgeStackStatusUpdateRequestObject) (papi.EdgeStackStatusUpdateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.Body
	bad := func(why string) error {
		return badPayloadMsg(msgInvalidPayload, fmt.Sprintf("edge polling error: %s. Environment ID: %d", why, p.EndpointID))
	}
	switch {
	case p.Status == nil:
		return nil, bad("invalid status")
	case p.EndpointID == 0:
		return nil, bad("invalid EnvironmentID")
	case *p.Status == edgeStatusError && deref(p.Error) == "":
		return nil, bad("error message is mandatory when status is error")
	}
	st, ok := s.edge.stacks[req.Id]
	if !ok {
		return nullEdgeStack{}, nil
	}
	env, ok := s.envs[p.EndpointID]
	if !ok {
		return nil, newErr(http.StatusNotFound, "unable to find the environment",
			fmt.Sprintf("unable to find the environment from the database: %s. Environment ID: %d", detailObjectNotFound, p.EndpointID))
	}
	var why string
	switch {
	case !isEdgeType(deref(env.ep.Type)):
		why = "Invalid environment type"
	case deref(req.Params.XPortainerAgentEdgeID) == "":
		why = "missing Edge identifier"
	case deref(env.ep.EdgeID) != "" && deref(env.ep.EdgeID) != *req.Params.XPortainerAgentEdgeID:
		why = "invalid Edge identifier"
	}
	if why != "" {
		return nil, newErr(http.StatusForbidden, "Permission denied to access environment",
			fmt.Sprintf("unauthorized edge endpoint operation: %s. Environment name: %s", why, env.name()))
	}
	s.report(st, p.EndpointID, 0, *p.Status, deref(p.Error), int64(deref(p.Time)))
	return papi.EdgeStackStatusUpdate200JSONResponse(s.edgeView(st)), nil
}

// report appends an agent's report to an environment's history (updateEnvStatus).
func (s *Sim) report(st *edgeStack, envID, version, typ int, errText string, at int64) {
	if typ == edgeStatusRemoved {
		delete(st.Status, envID)
		return
	}
	if at == 0 {
		at = s.now()
	}
	st.Status[envID] = append(st.Status[envID], edgeReport{Type: typ, Error: errText, Time: at, Version: version})
}

// AgentReport makes the agent of an edge environment report on an edge stack, as PUT
// /edge_stacks/{id}/status would (7 running, 2 error with errText, ...), about version of the
// stack (0: a report without a version, as before 2.44; edge-be.md §2.2). An agent learns of
// the stack by polling Portainer, so the environment's LastCheckInDate becomes now. It returns
// false when the stack or the environment does not exist.
func (s *Sim) AgentReport(stackID, envID, version, typ int, errText string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.edge.stacks[stackID]
	env, envOK := s.envs[envID]
	if !ok || !envOK {
		return false
	}
	env.ep.LastCheckInDate = ptr(int(s.now()))
	s.report(st, envID, version, typ, errText, 0)
	return true
}

// EdgeStackState is what the simulator holds of an edge stack, for tests: the wire form with
// the Git password, and the current file.
type EdgeStackState struct {
	Stack papi.EdgeStack
	File  string
}

// EdgeStack returns an edge stack's state.
func (s *Sim) EdgeStack(id int) (EdgeStackState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.edge.stacks[id]
	if !ok {
		return EdgeStackState{}, false
	}
	v := s.edgeView(st)
	if st.Git != nil && st.Git.Auth != nil && v.GitConfig != nil && v.GitConfig.Authentication != nil {
		v.GitConfig.Authentication.Password = ptr(st.Git.Auth.Password)
	}
	return EdgeStackState{Stack: v, File: st.file}, true
}

// nullEdgeStack is the 200 "null" Portainer answers to a report on a deleted stack.
type nullEdgeStack struct{}

func (nullEdgeStack) VisitEdgeStackStatusUpdateResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte("null\n"))
	return err
}

func badPayloadMsg(msg, details string) *apiError { return newErr(http.StatusBadRequest, msg, details) }
