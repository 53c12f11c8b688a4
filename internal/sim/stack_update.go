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
// auto-update job first (even if the payload is then refused) and detaches the stack from Git.
func (s *Sim) StackUpdate(_ context.Context, req papi.StackUpdateRequestObject) (papi.StackUpdateResponseObject, error) {
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		c, env, err := s.copyOn(r, &req.Params.EndpointId)
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
		if err := s.checkDeploy(c.Type, env, c.Name, content); err != nil {
			return internal(err.Error())
		}
		s.deployed(c, content)
		return nil
	})
	return papi.StackUpdate200JSONResponse(st), err
}

// deployed saves c as redeployed with content by the caller.
func (s *Sim) deployed(c *stackRec, content string) {
	c.file = content
	c.UpdatedBy = s.opts.Username
	c.UpdateDate = s.now()
	c.Status = papi.StackStatusActive
	c.deploys++
	s.recordVolumes(c)
	s.stacks[c.ID] = c
}

// StackUpdateGit replaces the Git settings of a Git stack: every field of the payload, sent or
// not. It does not redeploy.
func (s *Sim) StackUpdateGit(_ context.Context, req papi.StackUpdateGitRequestObject) (papi.StackUpdateGitResponseObject, error) {
	b := req.Body
	if problem := autoUpdateProblem(b.AutoUpdate); problem != "" {
		return nil, badPayload(problem)
	}
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
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
		c.Git.ReferenceName = deref(b.RepositoryReferenceName)
		c.AutoUpdate = autoUpdateFrom(b.AutoUpdate)
		c.Env = clonePairs(deref(b.Env))
		c.UpdatedBy = s.opts.Username
		c.UpdateDate = s.now()
		if c.Type == papi.StackTypeSwarm {
			c.Prune = ptr(deref(b.Prune))
		}
		c.Git.TLSSkipVerify = deref(b.TLSSkipVerify)
		c.Git.Auth = nil
		if deref(b.RepositoryAuthentication) {
			c.Git.Auth = &gitAuth{Username: deref(b.RepositoryUsername), Password: keptPassword(r, b.RepositoryPassword)}
			if _, _, err := s.gitResolve(c.Git.URL, c.Git.ReferenceName, c.Git.Auth.Username, c.Git.Auth.Password); err != nil {
				return newErr(http.StatusInternalServerError, msgFetchRepo, latestCommitError(err, c.Git.ReferenceName))
			}
		}
		s.startJob(c)
		s.stacks[c.ID] = c
		return nil
	})
	return papi.StackUpdateGit200JSONResponse(st), err
}

// keptPassword is the password of a payload, or the stored one when the payload's is empty.
func keptPassword(r *stackRec, password *string) string {
	if pw := deref(password); pw != "" || r.Git.Auth == nil {
		return pw
	}
	return r.Git.Auth.Password
}

// StackGitRedeploy pulls the stack's reference and redeploys it. The payload replaces the
// reference, the env and (swarm) the prune option; credentials are used for this clone only:
// RepositoryAuthentication=false clones without any, true with an empty password uses the
// stored one.
func (s *Sim) StackGitRedeploy(_ context.Context, req papi.StackGitRedeployRequestObject) (papi.StackGitRedeployResponseObject, error) {
	b := req.Body
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		if r.Git == nil {
			return selfErr(http.StatusBadRequest, msgNotGitStack)
		}
		c, env, err := s.copyOn(r, req.Params.EndpointId)
		if err != nil {
			return err
		}
		c.Git.ReferenceName = deref(b.RepositoryReferenceName)
		c.Env = clonePairs(deref(b.Env))
		if c.Type == papi.StackTypeSwarm {
			c.Prune = ptr(deref(b.Prune))
		}
		user, password := "", ""
		if deref(b.RepositoryAuthentication) {
			user, password = deref(b.RepositoryUsername), keptPassword(r, b.RepositoryPassword)
		}
		hash, tree, err := s.gitResolve(c.Git.URL, c.Git.ReferenceName, user, password)
		if err != nil {
			return newErr(http.StatusInternalServerError, msgCloneForRedeploy, cloneError(err))
		}
		content, err := gitFiles(tree, c.ID, c.Git.ConfigFilePath, c.AdditionalFiles)
		if err == nil {
			err = s.checkDeploy(c.Type, env, c.Name, content)
		}
		if err != nil {
			return internal(deployMessage(c.Type, err))
		}
		c.Git.ConfigHash = hash
		s.deployed(c, content)
		return nil
	})
	return papi.StackGitRedeploy200JSONResponse(st), err
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
// stored credentials and redeploy when the commit changed (always with ForceUpdate).
func (s *Sim) autoRedeploy(r *stackRec) error {
	if r.Git == nil {
		return nil
	}
	user, password := "", ""
	if r.Git.Auth != nil {
		user, password = r.Git.Auth.Username, r.Git.Auth.Password
	}
	hash, tree, err := s.gitResolve(r.Git.URL, r.Git.ReferenceName, user, password)
	if err != nil {
		return err
	}
	if hash == r.Git.ConfigHash && (r.AutoUpdate == nil || !r.AutoUpdate.ForceUpdate) {
		return nil
	}
	env, ok := s.envs[r.EndpointID]
	if !ok {
		return errors.New("the environment of the stack is gone")
	}
	content, err := gitFiles(tree, r.ID, r.Git.ConfigFilePath, r.AdditionalFiles)
	if err != nil {
		return err
	}
	if err := s.checkDeploy(r.Type, env, r.Name, content); err != nil {
		return err
	}
	r.Git.ConfigHash = hash
	r.file = content
	r.UpdateDate = s.now()
	r.deploys++
	s.recordVolumes(r)
	return nil
}
