package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// stackFilters is the JSON of GET /stacks?filters=...
type stackFilters struct {
	SwarmID               string `json:"SwarmID"`
	EndpointID            int    `json:"EndpointID"`
	IncludeOrphanedStacks bool   `json:"IncludeOrphanedStacks"`
}

// StackList lists stacks. EndpointID selects the compose stacks of an environment, SwarmID the
// swarm stacks of a swarm; stacks whose environment is gone are left out unless asked for.
func (s *Sim) StackList(_ context.Context, req papi.StackListRequestObject) (papi.StackListResponseObject, error) {
	var f stackFilters
	if raw := deref(req.Params.Filters); raw != "" {
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			return nil, newErr(http.StatusBadRequest, "Invalid query parameter: filters", err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := papi.StackList200JSONResponse{}
	for _, r := range s.sortedStacks() {
		if _, ok := s.envs[r.EndpointID]; !ok && !f.IncludeOrphanedStacks {
			continue
		}
		if f.EndpointID != 0 || f.SwarmID != "" {
			compose := r.Type == papi.StackTypeCompose && r.EndpointID == f.EndpointID
			swarm := r.Type == papi.StackTypeSwarm && r.SwarmID == f.SwarmID
			if !compose && !swarm {
				continue
			}
		}
		out = append(out, r.toAPI(s.repoConfig(r), true))
	}
	return out, nil
}

// lookup returns a stack or Portainer's 404.
func (s *Sim) lookup(id int) (*stackRec, error) {
	r, ok := s.stacks[id]
	if !ok {
		return nil, notFoundKey(msgStackNotFound, "stacks", id)
	}
	return r, nil
}

// stackDo runs fn, if any, on stack id under the lock, then returns the stack as Portainer
// answers it (password blanked). A missing stack is Portainer's 404.
func (s *Sim) stackDo(id int, fn func(r *stackRec) error) (papi.Stack, error) {
	return s.stackAnswer(id, false, fn)
}

// stackAnswer is stackDo; withSource adds GitSourceId, which only GET /stacks/{id} and
// POST /stacks/{id}/git answer (PC §2 "GitSourceId").
func (s *Sim) stackAnswer(id int, withSource bool, fn func(r *stackRec) error) (papi.Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookup(id)
	if err == nil && fn != nil {
		err = fn(r)
	}
	if err != nil {
		return papi.Stack{}, err
	}
	r, ok := s.stacks[id] // fn may have replaced or removed it
	if !ok {
		return papi.Stack{}, nil
	}
	st := r.toAPI(s.repoConfig(r), true)
	if src := s.sourceIDOf(r); withSource && src != 0 {
		st.GitSourceId = ptr(src)
	}
	return st, nil
}

// StackInspect returns one stack, password blanked.
func (s *Sim) StackInspect(_ context.Context, req papi.StackInspectRequestObject) (papi.StackInspectResponseObject, error) {
	st, err := s.stackAnswer(req.Id, true, nil)
	return papi.StackInspect200JSONResponse(st), err
}

// StackFileInspect returns the deployed compose file.
func (s *Sim) StackFileInspect(_ context.Context, req papi.StackFileInspectRequestObject) (papi.StackFileInspectResponseObject, error) {
	var file string
	_, err := s.stackDo(req.Id, func(r *stackRec) error {
		file = r.file
		return nil
	})
	return papi.StackFileInspect200JSONResponse{StackFileContent: &file}, err
}

// StackDelete removes a stack the way `compose down` without -v does: named volumes stay.
func (s *Sim) StackDelete(_ context.Context, req papi.StackDeleteRequestObject) (papi.StackDeleteResponseObject, error) {
	_, err := s.stackDo(req.Id, func(r *stackRec) error {
		if id := deref(req.Params.EndpointId); id != 0 {
			if _, ok := s.envs[id]; !ok {
				return notFound(msgStackEnvNotFound)
			}
		}
		delete(s.stacks, r.ID) // its job and webhook go with it
		s.detach(r)            // PC §8: 2.4x deletes its Workflow; the Source stays
		s.dockerSync(r)
		return nil
	})
	return papi.StackDelete204Response{}, err
}

// stackEnv returns the environment of a stack, or Portainer's 404.
func (s *Sim) stackEnv(r *stackRec) (*environment, error) {
	env, ok := s.envs[r.EndpointID]
	if !ok {
		return nil, notFound(msgEndpointNotFound)
	}
	return env, nil
}

// StackStart starts an inactive stack and restarts its polling job.
func (s *Sim) StackStart(_ context.Context, req papi.StackStartRequestObject) (papi.StackStartResponseObject, error) {
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		env, err := s.stackEnv(r)
		if err != nil {
			return err
		}
		if err := s.startRefused(r); err != nil {
			return err
		}
		s.startJob(r)
		if r.Type == papi.StackTypeSwarm && s.opts.SwarmRestartDelay > 0 && time.Since(r.stoppedAt) < s.opts.SwarmRestartDelay {
			err = fmt.Errorf("network %s_default not found", r.Name)
		} else {
			err = s.checkDeploy(r.Type, env, r.Name, r.file)
		}
		if err != nil {
			if s.b.AsyncDeploy {
				// PC §8: a failed start leaves the stack in error.
				r.Status = papi.StackStatusError
				r.DeploymentStatus = []deployStep{{Status: papi.StackStatusError, Time: s.now(), Message: err.Error()}}
			}
			return newErr(http.StatusInternalServerError, msgUnableToStart, err.Error())
		}
		r.Status = papi.StackStatusActive
		if s.b.AsyncDeploy {
			// PC §8: start stays synchronous; success is Status 1, DeploymentStatus [{1}].
			r.DeploymentStatus = []deployStep{{Status: papi.StackStatusActive, Time: s.now()}}
		}
		s.dockerSync(r)
		return nil
	})
	return papi.StackStart200JSONResponse(st), err
}

// startRefused is why a stack cannot be started, or nil. 2.23 answers 409 "A stack with the
// name '<name>' is already running" for an active stack (PB, measured) as for another stack of
// that name. Later releases refuse an active, deploying or errored stack with 409 "Unable to
// start stack" (PC §8; 2.43.0's stack_start.go@272d3a47 too). The simulator does so from 2.41,
// where Status 4 appears, as the table's ErroredStackStart says: UNVERIFIED for 2.41 and 2.42,
// and the reading that refuses is the safe one for a client (it redeploys instead).
func (s *Sim) startRefused(r *stackRec) error {
	if s.b.ErroredStackStart {
		switch r.Status {
		case papi.StackStatusActive:
			return newErr(http.StatusConflict, msgUnableToStart, msgAlreadyActive)
		case papi.StackStatusDeploying:
			return newErr(http.StatusConflict, msgUnableToStart, msgDeployInProgress)
		case papi.StackStatusError:
			details := msgStackInErrorState
			if n := len(r.DeploymentStatus); n > 0 && r.DeploymentStatus[n-1].Message != "" {
				details = r.DeploymentStatus[n-1].Message
			}
			return newErr(http.StatusConflict, msgUnableToStart, details)
		}
	}
	if other := s.stackNamed(r.EndpointID, r.Name, r.ID); other != nil || r.Status == papi.StackStatusActive {
		return selfErr(http.StatusConflict, fmt.Sprintf("A stack with the name '%s' is already running", r.Name))
	}
	return nil
}

// StackStop stops an active stack and its polling job.
func (s *Sim) StackStop(_ context.Context, req papi.StackStopRequestObject) (papi.StackStopResponseObject, error) {
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		if _, err := s.stackEnv(r); err != nil {
			return err
		}
		if s.b.AsyncDeploy && deploying(r) {
			return selfErr(http.StatusConflict, msgStopWhileDeploy) // PC §8 "Stop"
		}
		if r.Status == papi.StackStatusInactive {
			return selfErr(http.StatusBadRequest, msgAlreadyInactive)
		}
		r.jobRunning = false
		r.Status = papi.StackStatusInactive
		if s.b.AsyncDeploy {
			// PC §1 "DeploymentStatus shape": stop appends {Status:2}.
			r.DeploymentStatus = append(r.DeploymentStatus, deployStep{Status: papi.StackStatusInactive, Time: s.now()})
		}
		r.stoppedAt = time.Now()
		s.dockerSync(r)
		return nil
	})
	return papi.StackStop200JSONResponse(st), err
}

// StackMigrate deploys the stack on another environment (optionally renamed), then removes it
// from the first one; the old project's volumes stay there.
func (s *Sim) StackMigrate(_ context.Context, req papi.StackMigrateRequestObject) (papi.StackMigrateResponseObject, error) {
	b := req.Body
	if b.EndpointID == 0 {
		return nil, badPayload(msgInvalidMigrateEnvID)
	}
	st, err := s.stackDo(req.Id, func(r *stackRec) error {
		if _, err := s.stackEnv(r); err != nil {
			return err
		}
		target, ok := s.envs[b.EndpointID]
		if !ok {
			return notFound(msgEndpointNotFound)
		}
		c := r.clone()
		c.EndpointID = target.id()
		if id := deref(b.SwarmID); id != "" {
			c.SwarmID = id
		}
		if name := deref(b.Name); name != "" {
			c.Name = name
		}
		if s.stackNamed(c.EndpointID, c.Name, c.ID) != nil {
			msg := fmt.Sprintf("A stack with the name '%s' is already running on endpoint '%s'", c.Name, target.name())
			return selfErr(http.StatusConflict, msg)
		}
		if err := s.checkDeploy(c.Type, target, c.Name, c.file); err != nil {
			return internal(err.Error())
		}
		c.deploys++
		c.volumesReused = s.volumes[c.EndpointID][c.Name]
		s.recordVolumes(c)
		s.stacks[c.ID] = c
		s.dockerSync(r)
		return nil
	})
	return papi.StackMigrate200JSONResponse(st), err
}
