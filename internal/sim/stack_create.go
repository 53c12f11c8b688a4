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
	composeFile   string
	additional    *[]string
	autoUpdate    *papi.AutoUpdateSettings
	tlsSkipVerify bool
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
		composeFile: deref(b.ComposeFile), additional: b.AdditionalFiles,
		autoUpdate: b.AutoUpdate, tlsSkipVerify: deref(b.TLSSkipVerify),
	}}
}

// validate checks a create payload as Portainer's payload Validate methods do.
func (c *createReq) validate() string {
	switch {
	case c.name == "":
		return msgInvalidStackName
	case c.typ == papi.StackTypeSwarm && c.swarmID == "":
		return msgInvalidSwarmID
	case c.git == nil && c.content == "":
		return msgInvalidFileContent
	case c.git == nil:
		return ""
	case !isURL(c.git.url):
		return msgInvalidRepoURL
	case c.git.auth && c.git.pass == "":
		return msgPasswordRequired
	}
	return autoUpdateProblem(c.git.autoUpdate)
}

// createStack runs Portainer's create flow: environment, payload, normalized name unique on the
// environment, webhook unique, clone, deploy, then the record and its polling job.
func (s *Sim) createStack(c createReq) (papi.Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env, ok := s.envs[c.envID]
	if !ok {
		return papi.Stack{}, notFound(msgEnvNotFound)
	}
	if problem := c.validate(); problem != "" {
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
	if g := c.git; g != nil {
		if au := g.autoUpdate; au != nil && deref(au.Webhook) != "" && s.webhookOwner(deref(au.Webhook)) != nil {
			msg := fmt.Sprintf("Webhook ID: %s already exists", deref(au.Webhook))
			return papi.Stack{}, newErr(http.StatusConflict, msg, "A webhook ID already exists")
		}
		if err := s.cloneForCreate(rec, g); err != nil {
			return papi.Stack{}, err
		}
	}
	if err := s.checkDeploy(rec.Type, env, rec.Name, rec.file); err != nil {
		return papi.Stack{}, internal(err.Error())
	}
	s.nextStackID++
	rec.deploys = 1
	rec.volumesReused = s.volumes[rec.EndpointID][rec.Name]
	s.recordVolumes(rec)
	s.startJob(rec)
	s.stacks[id] = rec
	return rec.toAPI(true), nil
}

// cloneForCreate fills the Git part of a new record, failing as Portainer's stack builder does.
func (s *Sim) cloneForCreate(rec *stackRec, g *gitInput) *apiError {
	cfg := &gitConfig{URL: g.url, ReferenceName: g.ref, ConfigFilePath: g.composeFile, TLSSkipVerify: g.tlsSkipVerify}
	if cfg.ConfigFilePath == "" {
		cfg.ConfigFilePath = "docker-compose.yml"
	}
	user, pass := "", ""
	if g.auth {
		cfg.Auth = &gitAuth{Username: g.user, Password: g.pass}
		user, pass = g.user, g.pass
	}
	hash, tree, err := s.gitResolve(g.url, g.ref, user, pass)
	if errors.Is(err, errGitAuth) {
		return internal(msgInvalidGitCred)
	}
	if err != nil {
		return internal("unable to clone git repository: " + cloneError(err))
	}
	cfg.ConfigHash = hash
	rec.Git = cfg
	rec.EntryPoint = cfg.ConfigFilePath
	if g.additional != nil {
		rec.AdditionalFiles = append([]string{}, (*g.additional)...)
	}
	rec.AutoUpdate = autoUpdateFrom(g.autoUpdate)
	file, ferr := gitFiles(tree, rec.ID, cfg.ConfigFilePath, rec.AdditionalFiles)
	if ferr != nil {
		return internal(deployMessage(rec.Type, ferr))
	}
	rec.file = file
	return nil
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
// Portainer 2.23 accepts any Go duration; the one-minute floor came in later releases.
func autoUpdateProblem(au *papi.AutoUpdateSettings) string {
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
		if _, err := time.ParseDuration(interval); err != nil {
			return "invalid Interval format"
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
