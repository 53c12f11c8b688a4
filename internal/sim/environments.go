package sim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// environment is one Portainer environment (endpoint) and, for a swarm, its swarm id.
type environment struct {
	ep      papi.Endpoint
	swarmID string
}

func (e *environment) id() int      { return deref(e.ep.Id) }
func (e *environment) name() string { return deref(e.ep.Name) }

// AddEnvironment adds an environment and returns its id (assigned when e.Id is nil or 0). A
// non-empty swarmID makes it a swarm manager with that swarm id.
func (s *Sim) AddEnvironment(e papi.Endpoint, swarmID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := deref(e.Id)
	if id == 0 {
		id = s.nextEnvID
	}
	if id >= s.nextEnvID {
		s.nextEnvID = id + 1
	}
	e.Id = ptr(id)
	if e.Type == nil {
		e.Type = ptr(papi.EndpointTypeDocker)
	}
	if e.Status == nil {
		e.Status = ptr(papi.EndpointStatusUp)
	}
	if e.GroupId == nil {
		e.GroupId = ptr(1)
	}
	if e.TagIds == nil {
		e.TagIds = &[]int{}
	}
	if e.PublicURL == nil {
		e.PublicURL = ptr("")
	}
	if e.URL == nil {
		e.URL = ptr("")
	}
	if e.Snapshots != nil {
		e.Snapshots = ptr(slices.Clone(*e.Snapshots))
	}
	s.envs[id] = &environment{ep: e, swarmID: swarmID}
	return id
}

// endpointView is the wire form of an environment, with snapshot counts that follow the stacks.
func (s *Sim) endpointView(e *environment) papi.Endpoint {
	ep := e.ep
	ep.TagIds = ptr(slices.Clone(deref(e.ep.TagIds)))
	if cw := e.ep.ChangeWindow; cw != nil {
		c := *cw
		ep.ChangeWindow = &c
	}
	if e.ep.Snapshots == nil {
		return ep
	}
	snaps := slices.Clone(*e.ep.Snapshots)
	if len(snaps) > 0 {
		stacks := 0
		for _, r := range s.stacks {
			if r.EndpointID == e.id() {
				stacks++
			}
		}
		snaps[0].StackCount = ptr(stacks)
		snaps[0].Swarm = ptr(e.swarmID != "")
	}
	ep.Snapshots = &snaps
	return ep
}

func (s *Sim) sortedEnvs() []*environment {
	out := make([]*environment, 0, len(s.envs))
	for _, e := range s.envs {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *environment) int { return a.id() - b.id() })
	return out
}

// EndpointList lists environments a page at a time, with Portainer's total headers.
func (s *Sim) EndpointList(_ context.Context, req papi.EndpointListRequestObject) (papi.EndpointListResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := req.Params
	search := strings.ToLower(deref(p.Search))
	all := s.sortedEnvs()
	var match []papi.Endpoint
	for _, e := range all {
		if search != "" && !strings.Contains(strings.ToLower(e.name()), search) &&
			!strings.Contains(strings.ToLower(deref(e.ep.URL)), search) {
			continue
		}
		if p.Types != nil && len(*p.Types) > 0 && !slices.Contains(*p.Types, deref(e.ep.Type)) {
			continue
		}
		if p.GroupIds != nil && len(*p.GroupIds) > 0 && !slices.Contains(*p.GroupIds, deref(e.ep.GroupId)) {
			continue
		}
		if p.TagIds != nil && len(*p.TagIds) > 0 && !hasAny(deref(e.ep.TagIds), *p.TagIds) {
			continue
		}
		if p.EndpointIds != nil && len(*p.EndpointIds) > 0 && !slices.Contains(*p.EndpointIds, e.id()) {
			continue
		}
		match = append(match, s.endpointView(e))
	}
	total := len(match)
	// Portainer counts start from 1; 0 and 1 both mean the first environment (measured on a
	// real 2.23, portainer-behaviour.md "Conventions").
	start := min(max(deref(p.Start)-1, 0), total)
	end := total
	if limit := deref(p.Limit); limit > 0 {
		end = min(start+limit, total)
	}
	page := match[start:end]
	if page == nil {
		page = []papi.Endpoint{}
	}
	return papi.EndpointList200JSONResponse{
		Body: page,
		Headers: papi.EndpointList200ResponseHeaders{
			XTotalCount:     ptr(total),
			XTotalAvailable: ptr(len(all)),
		},
	}, nil
}

func hasAny(have, want []int) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// envDo runs fn on environment id under the lock; a missing environment is Portainer's 404.
func (s *Sim) envDo(id int, fn func(e *environment)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.envs[id]
	if !ok {
		return notFoundKey(msgEnvNotFound, "endpoints", id)
	}
	fn(e)
	return nil
}

// EndpointInspect returns one environment.
func (s *Sim) EndpointInspect(_ context.Context, req papi.EndpointInspectRequestObject) (papi.EndpointInspectResponseObject, error) {
	var ep papi.Endpoint
	err := s.envDo(req.Id, func(e *environment) { ep = s.endpointView(e) })
	return papi.EndpointInspect200JSONResponse(ep), err
}

// EndpointDockerSwarmInspect answers Docker's swarm inspect through the Docker proxy: the swarm
// id, or Docker's own error when the node is not a swarm manager (Docker's body has no details).
func (s *Sim) EndpointDockerSwarmInspect(_ context.Context, req papi.EndpointDockerSwarmInspectRequestObject) (papi.EndpointDockerSwarmInspectResponseObject, error) {
	var swarmID string
	if err := s.envDo(req.Id, func(e *environment) { swarmID = e.swarmID }); err != nil {
		return nil, err
	}
	if swarmID == "" {
		return papi.EndpointDockerSwarmInspectdefaultJSONResponse{
			StatusCode: http.StatusServiceUnavailable,
			Body:       papi.Error{Message: ptr(msgNotSwarmManager)},
		}, nil
	}
	return papi.EndpointDockerSwarmInspect200JSONResponse{ID: &swarmID}, nil
}
