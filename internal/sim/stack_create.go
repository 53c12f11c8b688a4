package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// createReq is what the four create operations have in common.
type createReq struct {
	typ     papi.StackType
	envID   int
	name    string
	swarmID string
	env     *[]papi.Pair
	content string    // method string
	git     *gitInput // method repository
}

// gitInput is the repository part of a create payload.
type gitInput struct {
	url, ref      string
	auth          bool
	user, pass    string
	credID        int // Business Edition before Sources: a saved Git credential
	composeFile   string
	additional    *[]string
	autoUpdate    *papi.AutoUpdateSettings
	tlsSkipVerify bool
	sourceID      int // an existing Source (2.43 and later; an unknown field before)
	// Business Edition relative paths (edge-be.md §4.4); CE ignores them.
	relative       bool
	filesystemPath string
}

// StackCreateDockerStandaloneString deploys a compose stack from compose text.
func (s *Sim) StackCreateDockerStandaloneString(_ context.Context, req papi.StackCreateDockerStandaloneStringRequestObject) (papi.StackCreateDockerStandaloneStringResponseObject, error) {
	b := req.Body
	st, err := s.createStack(createReq{typ: papi.StackTypeCompose, envID: req.Params.EndpointId,
		name: b.Name, env: b.Env, content: b.StackFileContent})
	return papi.StackCreateDockerStandaloneString200JSONResponse(st), err
}

// StackCreateDockerSwarmString deploys a swarm stack from compose text.
func (s *Sim) StackCreateDockerSwarmString(_ context.Context, req papi.StackCreateDockerSwarmStringRequestObject) (papi.StackCreateDockerSwarmStringResponseObject, error) {
	b := req.Body
	st, err := s.createStack(createReq{typ: papi.StackTypeSwarm, envID: req.Params.EndpointId,
		name: b.Name, swarmID: b.SwarmID, env: b.Env, content: b.StackFileContent})
	return papi.StackCreateDockerSwarmString200JSONResponse(st), err
}

// StackCreateDockerStandaloneRepository deploys a compose stack from a Git repository.
func (s *Sim) StackCreateDockerStandaloneRepository(_ context.Context, req papi.StackCreateDockerStandaloneRepositoryRequestObject) (papi.StackCreateDockerStandaloneRepositoryResponseObject, error) {
	st, err := s.createStack(gitCreate(papi.StackTypeCompose, req.Params.EndpointId, "", *req.Body))
	return papi.StackCreateDockerStandaloneRepository200JSONResponse(st), err
}

// StackCreateDockerSwarmRepository deploys a swarm stack from a Git repository.
func (s *Sim) StackCreateDockerSwarmRepository(_ context.Context, req papi.StackCreateDockerSwarmRepositoryRequestObject) (papi.StackCreateDockerSwarmRepositoryResponseObject, error) {
	// The swarm payload is the compose one plus SwarmID.
	var p papi.ComposeStackFromGitPayload
	if raw, err := json.Marshal(req.Body); err == nil {
		_ = json.Unmarshal(raw, &p)
	}
	st, err := s.createStack(gitCreate(papi.StackTypeSwarm, req.Params.EndpointId, req.Body.SwarmID, p))
	return papi.StackCreateDockerSwarmRepository200JSONResponse(st), err
}

func gitCreate(typ papi.StackType, envID int, swarmID string, b papi.ComposeStackFromGitPayload) createReq {
	return createReq{typ: typ, envID: envID, name: b.Name, swarmID: swarmID, env: b.Env, git: &gitInput{
		url: b.RepositoryURL, ref: deref(b.RepositoryReferenceName),
		auth: deref(b.RepositoryAuthentication), user: deref(b.RepositoryUsername), pass: deref(b.RepositoryPassword),
		credID:      deref(b.RepositoryGitCredentialID),
		composeFile: deref(b.ComposeFile), additional: b.AdditionalFiles,
		autoUpdate: b.AutoUpdate, tlsSkipVerify: deref(b.TLSSkipVerify), sourceID: deref(b.SourceID),
		relative: deref(b.SupportRelativePath), filesystemPath: deref(b.FilesystemPath),
	}}
}

// validate checks a create payload as Portainer's payload Validate methods do. With a Source
// the repository fields are not checked (PC §1 "Validation": only when SourceID == 0).
func (c *createReq) validate(b tools.Caps) string {
	byID := b.BusinessEdition() && !b.GitSources && c.git != nil && c.git.credID != 0 // see stackCredsByID
	switch {
	case c.name == "":
		return msgInvalidStackName
	case c.typ == papi.StackTypeSwarm && c.swarmID == "":
		return msgInvalidSwarmID
	case c.git == nil && c.content == "":
		return msgInvalidFileContent
	case c.git == nil:
		return ""
	case b.GitSources && c.git.sourceID != 0:
	case !isURL(c.git.url):
		return msgInvalidRepoURL
	case c.git.auth && c.git.pass == "" && !byID:
		return msgPasswordRequired
	}
	return autoUpdateProblem(c.git.autoUpdate, b.MinInterval)
}

// createStack runs Portainer's create flow: environment, payload, normalized name unique on the
// environment, webhook unique, clone, deploy, then the record and its polling job. Releases
// that deploy in the background save the stack as deploying and answer at once (PC §1 "Async
// create").
func (s *Sim) createStack(c createReq) (papi.Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env, ok := s.envs[c.envID]
	if !ok {
		return papi.Stack{}, notFoundKey(msgEnvNotFound, "endpoints", c.envID)
	}
	if problem := c.validate(s.b); problem != "" {
		return papi.Stack{}, badPayload(problem)
	}
	name := normalizeName(c.name)
	if s.stackNamed(env.id(), name, 0) != nil {
		msg := fmt.Sprintf("A stack with the normalized name '%s' already exists", name)
		return papi.Stack{}, selfErr(http.StatusConflict, msg)
	}
	id := s.nextStackID
	now := s.now()
	rec := &stackRec{
		ID: id, Name: name, Type: c.typ, EndpointID: env.id(), SwarmID: c.swarmID,
		EntryPoint: "docker-compose.yml", Env: clonePairs(deref(c.env)), Status: papi.StackStatusActive,
		CreationDate: now, CreatedBy: s.opts.Username, file: c.content,
	}
	d := deployment{content: c.content}
	var src *source
	if g := c.git; g != nil {
		if au := g.autoUpdate; au != nil && deref(au.Webhook) != "" && s.webhookOwner(deref(au.Webhook)) != nil {
			msg := fmt.Sprintf("Webhook ID: %s already exists", deref(au.Webhook))
			return papi.Stack{}, newErr(http.StatusConflict, msg, "A webhook ID already exists")
		}
		var err *apiError
		if src, err = s.createSource(g); err != nil {
			return papi.Stack{}, err
		}
		if d, err = s.cloneForCreate(rec, g, src); err != nil {
			return papi.Stack{}, err
		}
	}
	if !s.b.AsyncDeploy {
		if err := s.deployError(rec, d.content, d.fileErr); err != nil {
			return papi.Stack{}, internal(err.Error())
		}
		rec.deploys = 1
		rec.volumesReused = s.volumes[rec.EndpointID][rec.Name]
		s.recordVolumes(rec)
	}
	s.nextStackID++
	if rec.Git != nil {
		s.linkCreated(rec, src)
	}
	s.startJob(rec)
	s.stacks[id] = rec
	if s.b.AsyncDeploy {
		rec.volumesReused = s.volumes[rec.EndpointID][rec.Name]
		rec.Status = 0 // a new stack has no previous status
		s.beginDeploy(rec, d)
	}
	s.dockerSync(rec)
	return rec.toAPI(s.repoConfig(rec), true), nil
}

// createSource returns the Source a create names with SourceID (2.43 and later), or nil for
// inline repository fields. URL, credentials and TLS then come from it and the inline ones are
// ignored (PC §1 "With SourceID set").
func (s *Sim) createSource(g *gitInput) (*source, *apiError) {
	if !s.b.GitSources || g.sourceID == 0 {
		return nil, nil
	}
	src, ok := s.sources[g.sourceID]
	if !ok {
		return nil, notFound(msgSourceNotFound)
	}
	return src, nil
}

// linkCreated stores where a new Git stack's repository is: on Sources profiles its Workflow
// names the Source given or the one found or created for its URL and credentials (PC §1).
func (s *Sim) linkCreated(rec *stackRec, src *source) {
	if src != nil {
		rec.Git.URL, rec.Git.Auth, rec.Git.TLSSkipVerify = "", nil, false
		s.attachWorkflow(rec, src)
	} else {
		g := rec.Git
		s.setRepo(rec, g.URL, g.Auth, g.TLSSkipVerify)
	}
	s.recordDeployment(rec, s.repoConfig(rec))
}

// cloneForCreate fills the Git part of a new record and returns its deployment, failing as
// Portainer's stack builder does. On releases that deploy in the background a clone failure
// is the prepare step's 500 and a missing file is the deploy's error, reported later (PC §1
// "Async create").
func (s *Sim) cloneForCreate(rec *stackRec, g *gitInput, src *source) (deployment, *apiError) {
	cfg := &gitConfig{URL: g.url, ReferenceName: g.ref, ConfigFilePath: g.composeFile, TLSSkipVerify: g.tlsSkipVerify}
	if cfg.ConfigFilePath == "" {
		cfg.ConfigFilePath = "docker-compose.yml"
	}
	if g.auth {
		cfg.Auth = &gitAuth{Username: g.user, Password: g.pass}
		cred, err := s.stackCred(g.credID, 0)
		if err != nil {
			return deployment{}, err
		}
		if cred != nil && g.pass == "" {
			cfg.Auth, cfg.credID = withCred(cred)
		}
	}
	if src != nil {
		cfg.URL, cfg.TLSSkipVerify, cfg.Auth = src.URL, src.TLSSkipVerify, src.Auth.clone()
	}
	user, pass := cfg.Auth.credentials()
	hash, tree, err := s.gitResolve(cfg.URL, cfg.ReferenceName, user, pass)
	if err != nil {
		msg := "unable to clone git repository: " + cloneError(err)
		if errors.Is(err, errGitAuth) {
			msg = msgInvalidGitCred
		}
		if s.b.AsyncDeploy {
			return deployment{}, newErr(http.StatusInternalServerError, msgPrepareFailed, msg)
		}
		return deployment{}, internal(msg)
	}
	cfg.ConfigHash = hash
	rec.Git = cfg
	rec.EntryPoint = cfg.ConfigFilePath
	if g.additional != nil {
		rec.AdditionalFiles = append([]string{}, (*g.additional)...)
	}
	rec.AutoUpdate = autoUpdateFrom(g.autoUpdate)
	if s.b.BusinessEdition() && g.relative {
		rec.SupportRelativePath, rec.FilesystemPath = true, g.filesystemPath
	}
	file, ferr := gitFiles(tree, rec.ID, cfg.ConfigFilePath, rec.AdditionalFiles)
	if ferr != nil && !s.b.AsyncDeploy {
		return deployment{}, internal(deployMessage(rec.Type, ferr))
	}
	rec.file = file
	return deployment{content: file, fileErr: ferr}, nil
}

// stackNamed finds the stack named name (case-insensitive) on an environment, other than skipID.
func (s *Sim) stackNamed(envID int, name string, skipID int) *stackRec {
	for _, r := range s.sortedStacks() {
		if r.EndpointID == envID && r.ID != skipID && strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

// webhookOwner returns the stack whose GitOps webhook is id.
func (s *Sim) webhookOwner(id string) *stackRec {
	for _, r := range s.sortedStacks() {
		if r.AutoUpdate != nil && r.AutoUpdate.Webhook != "" && strings.EqualFold(r.AutoUpdate.Webhook, id) {
			return r
		}
	}
	return nil
}

// uuidPattern is govalidator.IsUUID, which Portainer uses: lower-case hex only.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// autoUpdateProblem is Portainer's ValidateAutoUpdateSettings: the details of a 400, or "".
// Portainer 2.23 accepts any Go duration; with minInterval the one-minute floor of later
// releases applies (PC §1 "AutoUpdate": validate.go, 2.33.2/2.34).
func autoUpdateProblem(au *papi.AutoUpdateSettings, minInterval bool) string {
	if au == nil {
		return ""
	}
	webhook, interval := deref(au.Webhook), deref(au.Interval)
	switch {
	case webhook == "" && interval == "":
		return "Webhook or Interval must be provided"
	case webhook != "" && !uuidPattern.MatchString(webhook):
		return "invalid Webhook format"
	}
	if interval != "" {
		every, err := time.ParseDuration(interval)
		if err != nil {
			return "invalid Interval format"
		}
		if minInterval && every < time.Minute {
			return msgIntervalTooShort
		}
	}
	return ""
}

// isURL accepts what govalidator.IsURL accepts for repository URLs: a host, with or without a
// scheme, and no spaces.
func isURL(raw string) bool {
	if raw == "" || strings.ContainsAny(raw, " \t\n") {
		return false
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && strings.Contains(u.Host, ".")
}
