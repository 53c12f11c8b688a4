package sim

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// copyOn returns a copy of r for an operation to change, and the environment it runs on. Like
// Portainer, an endpointId that differs from the stack's moves the stack to that environment
// once the copy is saved.
func (s *Sim) copyOn(r *stackRec, endpointID *int) (*stackRec, *environment, error) {
	c := r.clone()
	if endpointID != nil && *endpointID != 0 {
		c.EndpointID = *endpointID
	}
	env, ok := s.envs[c.EndpointID]
	if !ok {
		return nil, nil, notFound(msgStackEnvNotFound)
	}
	return c, env, nil
}

// StackUpdate redeploys a stack with new compose text and env. On a Git stack it stops the
// auto-update job first (even if the payload is then refused) and detaches the stack from Git
// (PB; PC §4: 2.43 and later delete its Workflow, the Source stays).
func (s *Sim) StackUpdate(_ context.Context, req papi.StackUpdateRequestObject) (papi.StackUpdateResponseObject, error) {
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		if s.b.AsyncDeploy && deploying(r) {
			return errDeploying(msgUnableToUpdate) // PC §4: checked before anything else
		}
		c, _, err := s.copyOn(r, &req.Params.EndpointId)
		if err != nil {
			return err
		}
		r.jobRunning = false
		c.jobRunning = false
		c.AutoUpdate = nil
		if c.Git != nil {
			c.FromAppTemplate = true
		}
		content := deref(req.Body.StackFileContent)
		if content == "" {
			return badPayload(msgInvalidFileContent)
		}
		c.Env = clonePairs(deref(req.Body.Env))
		if c.Type == papi.StackTypeSwarm && req.Body.Prune != nil {
			c.Prune = ptr(*req.Body.Prune)
		}
		c.Git = nil
		if s.b.AsyncDeploy {
			// PC §4: saved as deploying, answered at once; a failed deploy restores the
			// previous file.
			previous := r.file
			s.detach(c)
			s.touch(c)
			s.stacks[c.ID] = c
			s.beginDeploy(c, deployment{content: content, undo: func(x *stackRec) { x.file = previous }})
			return nil
		}
		if err := s.deployError(c, content, nil); err != nil {
			return internal(err.Error())
		}
		s.detach(c)
		s.deployed(c, content)
		return nil
	})
	return papi.StackUpdate200JSONResponse(st), err
}

// detach deletes a detached stack's Workflow (PC §4: "deletes the Workflow and sets
// WorkflowID = 0"); the Source stays.
func (s *Sim) detach(c *stackRec) {
	if c.WorkflowID != 0 {
		s.dropWorkflow(c)
	}
}

// touch records the caller and the time of a change.
func (s *Sim) touch(c *stackRec) {
	c.UpdatedBy = s.opts.Username
	c.UpdateDate = s.now()
}

// deployed saves c as redeployed with content by the caller.
func (s *Sim) deployed(c *stackRec, content string) {
	c.file = content
	s.touch(c)
	c.Status = papi.StackStatusActive
	c.deploys++
	s.recordVolumes(c)
	s.stacks[c.ID] = c
	s.dockerSync(c)
}

// StackUpdateGit replaces the Git settings of a Git stack: every field of the payload, sent or
// not, except the partial ones of 2.40 and later. It does not redeploy.
func (s *Sim) StackUpdateGit(_ context.Context, req papi.StackUpdateGitRequestObject) (papi.StackUpdateGitResponseObject, error) {
	b := req.Body
	if problem := autoUpdateProblem(b.AutoUpdate, s.b.MinInterval); problem != "" {
		return nil, badPayload(problem) // PC §3 "Minimum interval"
	}
	st, err := s.stackAnswer(req.Id, true, func(r *stackRec) error {
		if r.Git == nil {
			return internal(msgNoGitConfig)
		}
		if hook := deref(deref(b.AutoUpdate).Webhook); hook != "" {
			if owner := s.webhookOwner(hook); owner != nil && owner.ID != r.ID {
				return newErr(http.StatusConflict, "Webhook ID already exists", "webhook ID already exists")
			}
		}
		c, _, err := s.copyOn(r, req.Params.EndpointId)
		if err != nil {
			return err
		}
		r.jobRunning = false // Portainer stops the job before anything else can fail
		current := s.repoConfig(r)
		if s.b.GitSources && c.Current == nil {
			s.recordDeployment(c, current) // PC §3 ([243]): the baseline of a stack that has none
		}
		c.Git.ReferenceName = deref(b.RepositoryReferenceName)
		if s.b.InPlaceGitChange {
			// PC §3 "Partial fields": ConfigFilePath only when non-empty (also the
			// EntryPoint), AdditionalFiles only when sent. Before 2.40 both are unknown fields.
			if p := deref(b.ConfigFilePath); p != "" {
				c.Git.ConfigFilePath, c.EntryPoint = p, p
			}
			if b.AdditionalFiles != nil {
				c.AdditionalFiles = append([]string{}, (*b.AdditionalFiles)...)
			}
		}
		c.AutoUpdate = autoUpdateFrom(b.AutoUpdate)
		c.Env = clonePairs(deref(b.Env))
		s.touch(c)
		if c.Type == papi.StackTypeSwarm {
			c.Prune = ptr(deref(b.Prune))
		}
		if err := s.updateRepo(c, current, b); err != nil {
			return err
		}
		s.startJob(c)
		s.stacks[c.ID] = c
		return nil
	})
	return papi.StackUpdateGit200JSONResponse(st), err
}

// updateRepo applies the repository part of POST /stacks/{id}/git: URL (2.40 and later),
// credentials and TLS; with SourceID (2.43 and later) the stack moves to that Source instead.
func (s *Sim) updateRepo(c *stackRec, current *gitConfig, b *papi.StackGitUpdatePayload) error {
	if id := deref(b.SourceID); s.b.GitSources && id != 0 {
		// PC §3 "With SourceID": the artifact is repointed, no Source is modified.
		src, ok := s.sources[id]
		if !ok {
			return notFound(msgSourceNotFound)
		}
		if w, ok := s.workflows[c.WorkflowID]; ok {
			w.SourceID = src.ID
		} else {
			s.attachWorkflow(c, src)
		}
		return nil
	}
	url := current.URL
	if s.b.InPlaceGitChange && deref(b.RepositoryURL) != "" {
		url = deref(b.RepositoryURL) // PC §3 "Now"; 2.40 per its release notes (InPlaceGitChange)
	}
	tls := deref(b.TLSSkipVerify)
	var auth *gitAuth
	credID := 0
	if deref(b.RepositoryAuthentication) {
		auth = &gitAuth{Username: deref(b.RepositoryUsername), Password: keptPassword(current.Auth, b.RepositoryPassword)}
		if deref(b.RepositoryPassword) == "" {
			credID = credIDOf(current) // kept with the stored password
		}
		cred, err := s.stackCred(deref(b.RepositoryGitCredentialID), credIDOf(current))
		if err != nil {
			return err
		}
		if cred != nil && deref(b.RepositoryPassword) == "" {
			auth, credID = withCred(cred)
		}
		if _, _, err := s.gitResolve(url, c.Git.ReferenceName, auth.Username, auth.Password); err != nil {
			return newErr(http.StatusInternalServerError, msgFetchRepo, latestCommitError(err, c.Git.ReferenceName))
		}
	}
	if !s.b.GitSources {
		c.Git.URL, c.Git.Auth, c.Git.TLSSkipVerify, c.Git.credID = url, auth, tls, credID
		return nil
	}
	if src := s.sourceOf(c); src != nil && normalizeRepoURL(url) == normalizeRepoURL(current.URL) {
		// PC §3 "New side effect (2.43+)": credentials and TLS are written onto the shared
		// Source, so every stack on it changes.
		src.Auth, src.TLSSkipVerify = auth, tls
		return nil
	}
	// PC §3: a new URL finds or creates a Source and repoints the artifact.
	s.setRepo(c, url, auth, tls)
	return nil
}

// keptPassword is the password of a payload, or the stored one when the payload's is empty.
func keptPassword(stored *gitAuth, password *string) string {
	if pw := deref(password); pw != "" || stored == nil {
		return pw
	}
	return stored.Password
}

// StackGitRedeploy pulls the stack's reference and redeploys it. See redeployPayload for what
// the payload changes and redeployCredentials for the credentials of the clone.
func (s *Sim) StackGitRedeploy(_ context.Context, req papi.StackGitRedeployRequestObject) (papi.StackGitRedeployResponseObject, error) {
	b := req.Body
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		if r.Git == nil {
			return selfErr(http.StatusBadRequest, msgNotGitStack)
		}
		if s.b.AsyncDeploy && deploying(r) {
			return errDeploying(msgUnableToUpdate) // PC §5
		}
		c, env, err := s.copyOn(r, req.Params.EndpointId)
		if err != nil {
			return err
		}
		s.redeployPayload(c, b)
		g := s.repoConfig(c)
		user, password := s.redeployCredentials(g.Auth, b)
		cred, cerr := s.stackCred(deref(b.RepositoryGitCredentialID), credIDOf(g))
		if cerr != nil {
			return cerr
		}
		if cred != nil && deref(b.RepositoryAuthentication) && deref(b.RepositoryPassword) == "" {
			user, password = cred.Username, cred.Password // for this clone ([EEsrc] redeploy handler)
		}
		hash, tree, err := s.gitResolve(g.URL, g.ReferenceName, user, password)
		if err != nil {
			return newErr(http.StatusInternalServerError, msgCloneForRedeploy, cloneError(err))
		}
		content, ferr := gitFiles(tree, c.ID, g.ConfigFilePath, c.AdditionalFiles)
		if s.b.AsyncDeploy {
			// PC §5: saved as deploying, answered at once; a failure reverts ConfigHash.
			s.touch(c)
			s.stacks[c.ID] = c
			s.beginDeploy(c, deployment{content: content, fileErr: ferr, hash: hash, undo: revertHash(g.ConfigHash)})
			return nil
		}
		if ferr == nil {
			ferr = s.checkDeploy(c.Type, env, c.Name, content)
			// A failed deploy keeps the new clone in the project folder (2.23
			// git.CloneWithBackup; measured: GET /file answers the new commit's file, the
			// stack keeps its old commit and status, compose's containers are gone).
			r.file = content
		}
		if ferr != nil {
			return internal(deployMessage(c.Type, ferr))
		}
		c.Git.ConfigHash = hash
		s.deployed(c, content)
		return nil
	})
	return papi.StackGitRedeploy200JSONResponse(st), err
}

// redeployPayload applies what a Git redeploy payload changes. 2.23 replaces the reference,
// the env and (swarm) the prune option with what is sent, sent or not (PB). Later releases
// keep the stored reference when none is sent, the env when Env is omitted, and apply Prune
// only when present, on compose and swarm (PC §5 "Semantics, now").
func (s *Sim) redeployPayload(c *stackRec, b *papi.StackGitRedeployPayload) {
	if !s.b.RedeployKeepsOmitted {
		c.Git.ReferenceName = deref(b.RepositoryReferenceName)
		c.Env = clonePairs(deref(b.Env))
		if c.Type == papi.StackTypeSwarm {
			c.Prune = ptr(deref(b.Prune))
		}
		return
	}
	if ref := deref(b.RepositoryReferenceName); ref != "" {
		c.Git.ReferenceName = ref
	}
	if b.Env != nil {
		c.Env = clonePairs(*b.Env)
	}
	if b.Prune != nil {
		c.Prune = ptr(*b.Prune)
	}
}

// redeployCredentials are the credentials a Git redeploy clones with; they are used for this
// clone only. Up to 2.43 the stored ones are used only when the request says
// RepositoryAuthentication=true (then an empty password means the stored one); otherwise the
// clone runs without any (PC §5 "known bug", portainer#13224). From 2.44 the clone starts
// from the stored credentials and a request replaces them only with
// RepositoryAuthentication=true and a non-empty password (PC §5 "2.44.0+").
func (s *Sim) redeployCredentials(stored *gitAuth, b *papi.StackGitRedeployPayload) (string, string) {
	auth := deref(b.RepositoryAuthentication)
	if s.b.RedeployAuthFlagNeeded {
		if !auth {
			return "", ""
		}
		return deref(b.RepositoryUsername), keptPassword(stored, b.RepositoryPassword)
	}
	if auth && deref(b.RepositoryPassword) != "" {
		return deref(b.RepositoryUsername), deref(b.RepositoryPassword)
	}
	return stored.credentials()
}

// revertHash is the undo of a failed background Git deploy: the previous commit (PC §5).
func revertHash(previous string) func(*stackRec) {
	return func(r *stackRec) {
		if r.Git != nil {
			r.Git.ConfigHash = previous
		}
		if r.Current != nil {
			r.Current.ConfigHash = previous
		}
	}
}

// deployMessage prefixes a missing-file error the way compose reports it.
func deployMessage(typ papi.StackType, err error) string {
	msg := err.Error()
	if typ == papi.StackTypeCompose && !strings.HasPrefix(msg, "failed to deploy a stack") {
		return "failed to deploy a stack: " + msg
	}
	return msg
}

// autoRedeploy is what a polling job or a webhook does: pull the stored reference with the
// stored credentials and redeploy when the commit changed, or always when forced. On releases
// that deploy in the background the deploy starts and finishes later.
func (s *Sim) autoRedeploy(r *stackRec, forced bool) error {
	g := s.repoConfig(r)
	if g == nil || deploying(r) {
		return nil
	}
	user, password := g.Auth.credentials()
	hash, tree, err := s.gitResolve(g.URL, g.ReferenceName, user, password)
	if err != nil {
		return err
	}
	if hash == g.ConfigHash && !forced {
		return nil
	}
	content, ferr := gitFiles(tree, r.ID, g.ConfigFilePath, r.AdditionalFiles)
	if s.b.AsyncDeploy {
		r.UpdateDate = s.now()
		s.beginDeploy(r, deployment{content: content, fileErr: ferr, hash: hash, undo: revertHash(g.ConfigHash)})
		return nil
	}
	env, ok := s.envs[r.EndpointID]
	if !ok {
		return errors.New("the environment of the stack is gone")
	}
	if ferr != nil {
		return ferr
	}
	// The new commit is cloned into the project folder before the deploy, which Portainer
	// only logs when it fails ("webhook failed to redeploy a stack"): the stack keeps its old
	// commit, status and update date (2.23 deployments/deploy.go; measured on a real 2.23,
	// with compose's containers removed by checkDeploy).
	r.file = content
	if err := s.checkDeploy(r.Type, env, r.Name, content); err != nil {
		return err
	}
	r.Git.ConfigHash = hash
	r.file = content
	r.UpdateDate = s.now()
	r.deploys++
	s.recordVolumes(r)
	s.dockerSync(r)
	return nil
}
