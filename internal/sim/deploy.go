package sim

import (
	"errors"
	"net/http"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Answers of the releases that deploy in the background (PC §1 "How a client learns the
// result", §4, §5, §6, §8).
const (
	msgUnableToUpdate    = "Unable to update stack"
	msgUnableToStart     = "Unable to start stack"
	msgDeployInProgress  = "Stack deployment is already in progress"
	msgStopWhileDeploy   = "Stack deployment is in progress"
	msgStackInErrorState = "Stack is in error state"
	msgPrepareFailed     = "Failed to prepare stack"
)

// errDeploying is the 409 that update, Git redeploy, the webhook and start answer while the
// stack deploys (PC §4, §5, §6, §8).
func errDeploying(msg string) *apiError {
	return newErr(http.StatusConflict, msg, msgDeployInProgress)
}

// deploying tells whether a deploy of the stack is still running (Status 3).
func deploying(r *stackRec) bool { return r.Status == papi.StackStatusDeploying }

// deployment is one deploy of a stack on a release that deploys in the background: the
// compose file it brings up, and what a failure undoes.
type deployment struct {
	content string
	fileErr error           // a file of the project is missing: compose's own error, at deploy time
	undo    func(*stackRec) // on failure: PC §4 restores the previous file, §5 the previous commit
	hash    string          // Git: the commit deployed
}

// beginDeploy saves r as deploying and finishes the deploy in the background (PC §1 "Async
// create": the stack is saved with Status 3, the answer goes out at once, the deploy runs in a
// goroutine). DeploymentStatus is reset to [{3}] and DeploymentStartStatus keeps the previous
// Status (PC §1 "DeploymentStatus shape"). r must be the record in s.stacks (or about to be).
func (s *Sim) beginDeploy(r *stackRec, d deployment) {
	r.DeploymentStartStatus = r.Status
	r.Status = papi.StackStatusDeploying
	r.DeploymentStatus = []deployStep{{Status: papi.StackStatusDeploying, Time: s.now()}}
	r.deploySeq++
	r.file = d.content
	if r.Git != nil && d.hash != "" {
		r.Git.ConfigHash = d.hash
	}
	s.recordDeployment(r, s.repoConfig(r))
	id, seq := r.ID, r.deploySeq
	if s.opts.DeployOnNextRequest {
		s.pending = append(s.pending, pendingDeploy{id: id, seq: seq, d: d})
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		if s.opts.DeployDelay > 0 {
			time.Sleep(s.opts.DeployDelay)
		}
		s.mu.Lock()
		gate := s.gate
		s.mu.Unlock()
		if gate != nil {
			<-gate
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.finishDeploy(id, seq, d)
	}()
}

// finishDeploy ends a background deploy: Status 1 with {1} appended, or Status 4 with
// {4, compose's error} appended and the deployment's undo (PC §1 "DeploymentStatus shape").
// A stack deleted or redeployed meanwhile is left alone.
func (s *Sim) finishDeploy(id, seq int, d deployment) {
	r, ok := s.stacks[id]
	if !ok || r.deploySeq != seq {
		return
	}
	err := s.deployError(r, d.content, d.fileErr)
	if err != nil {
		r.Status = papi.StackStatusError
		r.DeploymentStatus = append(r.DeploymentStatus, deployStep{Status: papi.StackStatusError, Time: s.now(), Message: err.Error()})
		if d.undo != nil {
			d.undo(r)
		}
		return
	}
	r.Status = papi.StackStatusActive
	r.DeploymentStatus = append(r.DeploymentStatus, deployStep{Status: papi.StackStatusActive, Time: s.now()})
	r.deploys++
	s.recordVolumes(r)
	s.dockerSync(r)
}

// deployError is what deploying content as the stack gives: nil, or the error Portainer
// reports (compose's own text).
func (s *Sim) deployError(r *stackRec, content string, fileErr error) error {
	env, ok := s.envs[r.EndpointID]
	if !ok {
		return errors.New(msgStackEnvNotFound)
	}
	if fileErr != nil {
		return errors.New(deployMessage(r.Type, fileErr))
	}
	if err := s.checkDeploy(r.Type, env, r.Name, content); err != nil {
		return errors.New(deployMessage(r.Type, err))
	}
	return nil
}

// HoldDeploys keeps every background deploy at Status 3 until release is called, so that a
// test can act while a stack deploys. Call release before Wait.
func (s *Sim) HoldDeploys() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.gate = gate
	released := false
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if released {
			return
		}
		released = true
		close(gate)
		if s.gate == gate {
			s.gate = nil
		}
	}
}

// pendingDeploy is a background deploy waiting for the next request (DeployOnNextRequest).
type pendingDeploy struct {
	id, seq int
	d       deployment
}

// finishPending ends the deploys waiting for this request, unless HoldDeploys holds them.
func (s *Sim) finishPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil || len(s.pending) == 0 {
		return
	}
	for _, p := range s.pending {
		s.finishDeploy(p.id, p.seq, p.d)
	}
	s.pending = nil
}
