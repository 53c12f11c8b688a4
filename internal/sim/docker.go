package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// The Docker Engine API as Portainer proxies it under /endpoints/{id}/docker: Docker's own
// answers and error texts ({"message": "..."}), Docker's Date header (set from the
// simulator's clock by the router), and the log stream format of a container without a TTY
// (8-byte frame headers) or with one (raw text).

// errNotModelled answers operations the simulator does not serve yet.
var errNotModelled = newErr(http.StatusNotImplemented, "Not implemented", "the simulator does not model this operation yet")

// dockerErr is an error as the Docker daemon words it (no details).
func dockerErr(status int, msg string) *apiError { return newErr(status, msg, "") }

// hostOf is the Docker host of an environment, or Portainer's 404.
func (s *Sim) hostOf(envID int) (*environment, *dockerHost, error) {
	env, ok := s.envs[envID]
	if !ok {
		return nil, nil, notFound(msgEndpointNotFound)
	}
	return env, s.host(envID), nil
}

// swarmHostOf is the Docker host of a swarm manager environment, or Docker's 503.
func (s *Sim) swarmHostOf(envID int) (*dockerHost, error) {
	env, h, err := s.hostOf(envID)
	if err != nil {
		return nil, err
	}
	if env.swarmID == "" {
		return nil, dockerErr(http.StatusServiceUnavailable, msgNotSwarmManager)
	}
	return h, nil
}

// dockerFilters reads Docker's filters parameter: {"key":["v1","v2"]} or {"key":{"v1":true}}.
func dockerFilters(raw *string, known ...string) (map[string][]string, error) {
	out := map[string][]string{}
	if deref(raw) == "" {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*raw), &m); err != nil {
		return nil, dockerErr(http.StatusBadRequest, "invalid filter: "+err.Error())
	}
	for k, v := range m {
		if !slices.Contains(known, k) {
			return nil, dockerErr(http.StatusBadRequest, "invalid filter '"+k+"'")
		}
		var list []string
		if json.Unmarshal(v, &list) != nil {
			var set map[string]bool
			if err := json.Unmarshal(v, &set); err != nil {
				return nil, dockerErr(http.StatusBadRequest, "invalid filter '"+k+"'")
			}
			for val := range set {
				list = append(list, val)
			}
		}
		out[k] = list
	}
	return out, nil
}

// labelsMatch applies label filters ("key" or "key=value"): every one must match.
func labelsMatch(labels map[string]string, filters []string) bool {
	for _, f := range filters {
		k, v, withValue := strings.Cut(f, "=")
		got, ok := labels[k]
		if !ok || (withValue && got != v) {
			return false
		}
	}
	return true
}

// anyMatch tells whether value is one of wanted (true when nothing is wanted).
func anyMatch(wanted []string, match func(string) bool) bool {
	return len(wanted) == 0 || slices.ContainsFunc(wanted, match)
}

// DockerContainerList lists containers, newest first; without all only running, restarting
// and paused ones, as Docker does.
func (s *Sim) DockerContainerList(_ context.Context, req papi.DockerContainerListRequestObject) (papi.DockerContainerListResponseObject, error) {
	f, err := dockerFilters(req.Params.Filters, "label", "name", "id", "status")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	env, h, err := s.hostOf(req.Id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := papi.DockerContainerList200JSONResponse{}
	for _, c := range h.containers {
		sum := c.summary(env.id(), now)
		state := deref(sum.State)
		if (!deref(req.Params.All) && state == "exited") || !labelsMatch(deref(sum.Labels), f["label"]) ||
			!anyMatch(f["name"], func(n string) bool { return strings.Contains(c.name, strings.TrimPrefix(n, "/")) }) ||
			!anyMatch(f["id"], func(id string) bool { return strings.HasPrefix(c.id, id) }) ||
			!anyMatch(f["status"], func(st string) bool { return st == state }) {
			continue
		}
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b papi.DockerContainerSummary) int {
		if c := deref(b.Created) - deref(a.Created); c != 0 {
			return c
		}
		return strings.Compare(deref(a.Id), deref(b.Id))
	})
	return out, nil
}

// container finds a container on an environment, or answers Docker's 404.
func (s *Sim) container(envID int, ref string) (*environment, *container, error) {
	env, h, err := s.hostOf(envID)
	if err != nil {
		return nil, nil, err
	}
	c := h.findContainer(ref)
	if c == nil {
		return nil, nil, dockerErr(http.StatusNotFound, "No such container: "+ref)
	}
	return env, c, nil
}

// DockerContainerInspect returns one container.
func (s *Sim) DockerContainerInspect(_ context.Context, req papi.DockerContainerInspectRequestObject) (papi.DockerContainerInspectResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env, c, err := s.container(req.Id, req.ContainerId)
	if err != nil {
		return nil, err
	}
	return papi.DockerContainerInspect200JSONResponse(c.inspect(env.id(), s.clock())), nil
}

// logQuery is what a logs request asks for.
type logQuery struct {
	stdout, stderr, timestamps bool
	tail                       int // -1: all
	since                      time.Time
}

func newLogQuery(stdout, stderr *bool, tail *string, since *int, timestamps *bool) (logQuery, error) {
	q := logQuery{stdout: deref(stdout), stderr: deref(stderr), timestamps: deref(timestamps), tail: -1}
	if !q.stdout && !q.stderr {
		return q, dockerErr(http.StatusBadRequest, "Bad parameters: you must choose at least one stream")
	}
	if t := deref(tail); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			n = -1 // Docker reads a tail it cannot parse as "all"
		}
		q.tail = n
	}
	if since != nil && *since > 0 {
		q.since = time.Unix(int64(*since), 0)
	}
	return q, nil
}

// logStream encodes log entries as Docker streams them: since first, then the last tail
// lines (both streams count, as in Docker's json-file reader), then the streams asked for;
// frames of an 8-byte header (stream 1 or 2, three zero bytes, big-endian length) per line,
// or, with a TTY, the raw text with the terminal's \r\n.
func logStream(entries []logEntry, q logQuery, tty bool) []byte {
	var sel []logEntry
	for _, e := range entries {
		if !e.at.Before(q.since) {
			sel = append(sel, e)
		}
	}
	if q.tail >= 0 && len(sel) > q.tail {
		sel = sel[len(sel)-q.tail:]
	}
	var buf bytes.Buffer
	for _, e := range sel {
		if (e.stderr && !q.stderr && !tty) || (!e.stderr && !q.stdout) || (tty && !q.stdout) {
			continue
		}
		line := e.text + "\n"
		if tty {
			line = e.text + "\r\n"
		}
		if q.timestamps {
			line = e.at.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") + " " + line
		}
		if tty {
			buf.WriteString(line)
			continue
		}
		header := [8]byte{1}
		if e.stderr {
			header[0] = 2
		}
		binary.BigEndian.PutUint32(header[4:], uint32(min(len(line), math.MaxUint32)))
		buf.Write(header[:])
		buf.WriteString(line)
	}
	return buf.Bytes()
}

// DockerContainerLogs streams a container's log.
func (s *Sim) DockerContainerLogs(_ context.Context, req papi.DockerContainerLogsRequestObject) (papi.DockerContainerLogsResponseObject, error) {
	body, err := s.logBody(req.Params, func() ([]logEntry, bool, error) {
		_, c, err := s.container(req.Id, req.ContainerId)
		if err != nil {
			return nil, false, err
		}
		return c.logAt(s.clock()), c.w.tty, nil
	})
	return papi.DockerContainerLogs200ApplicationoctetStreamResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, err
}

// logBody is the log of what find finds (its lines, and whether it has a TTY), as Docker
// streams it for the parameters p.
func (s *Sim) logBody(p papi.DockerContainerLogsParams, find func() ([]logEntry, bool, error)) ([]byte, error) {
	q, err := newLogQuery(p.Stdout, p.Stderr, p.Tail, p.Since, p.Timestamps)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, tty, err := find()
	if err != nil {
		return nil, err
	}
	return logStream(entries, q, tty), nil
}

// DockerContainerRestart restarts a container (its process starts again now).
func (s *Sim) DockerContainerRestart(_ context.Context, req papi.DockerContainerRestartRequestObject) (papi.DockerContainerRestartResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, c, err := s.container(req.Id, req.ContainerId)
	if err != nil {
		return nil, err
	}
	c.restart(s.clock())
	return papi.DockerContainerRestart204Response{}, nil
}

// DockerServiceList lists the swarm services, by name.
func (s *Sim) DockerServiceList(_ context.Context, req papi.DockerServiceListRequestObject) (papi.DockerServiceListResponseObject, error) {
	f, err := dockerFilters(req.Params.Filters, "label", "name", "id", "mode")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.swarmHostOf(req.Id)
	if err != nil {
		return nil, err
	}
	out := papi.DockerServiceList200JSONResponse{}
	for _, svc := range h.allServices() {
		labels := map[string]string{"com.docker.stack.namespace": svc.stack, "com.docker.stack.image": svc.w.image}
		if !labelsMatch(labels, f["label"]) || !anyMatch(f["name"], func(n string) bool { return strings.HasPrefix(svc.name, n) }) ||
			!anyMatch(f["id"], func(id string) bool { return strings.HasPrefix(svc.id, id) }) {
			continue
		}
		out = append(out, svc.view())
	}
	return out, nil
}

// allServices is every service of a host, by name.
func (h *dockerHost) allServices() []*swarmService {
	out := make([]*swarmService, 0, len(h.services))
	for _, svc := range h.services {
		out = append(out, svc)
	}
	slices.SortFunc(out, func(a, b *swarmService) int { return strings.Compare(a.name, b.name) })
	return out
}

// service finds a swarm service, or answers Docker's 404.
func (s *Sim) service(envID int, ref string) (*swarmService, error) {
	h, err := s.swarmHostOf(envID)
	if err != nil {
		return nil, err
	}
	svc := h.findService(ref)
	if svc == nil {
		return nil, dockerErr(http.StatusNotFound, "service "+ref+" not found")
	}
	return svc, nil
}

// DockerServiceInspect returns one service.
func (s *Sim) DockerServiceInspect(_ context.Context, req papi.DockerServiceInspectRequestObject) (papi.DockerServiceInspectResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, err := s.service(req.Id, req.ServiceId)
	if err != nil {
		return nil, err
	}
	return papi.DockerServiceInspect200JSONResponse(svc.view()), nil
}

// DockerServiceUpdate replaces a service's spec. The version must be the one read (Docker
// answers "update out of sequence" otherwise); a changed TaskTemplate (ForceUpdate raised,
// another image) replaces every task, a changed replica count scales.
func (s *Sim) DockerServiceUpdate(_ context.Context, req papi.DockerServiceUpdateRequestObject) (papi.DockerServiceUpdateResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc, err := s.service(req.Id, req.ServiceId)
	if err != nil {
		return nil, err
	}
	if req.Params.Version != svc.version {
		return nil, dockerErr(http.StatusInternalServerError, "rpc error: code = Unknown desc = update out of sequence")
	}
	if req.Body == nil || (*req.Body)["TaskTemplate"] == nil {
		return nil, dockerErr(http.StatusBadRequest, "ContainerSpec: ContainerSpec must be provided")
	}
	now := s.clock()
	spec := *req.Body
	oldTemplate, _ := json.Marshal(svc.spec["TaskTemplate"])
	newTemplate, _ := json.Marshal(spec["TaskTemplate"])
	if image := specString(spec, "TaskTemplate", "ContainerSpec", "Image"); image != "" {
		svc.w.image = image
	}
	if n, ok := specNumber(spec, "Mode", "Replicated", "Replicas"); ok && !svc.w.global {
		svc.w.replicas = n
		svc.scale(n, now)
	}
	svc.spec = spec
	if !bytes.Equal(oldTemplate, newTemplate) {
		svc.update(now)
	} else {
		svc.version++
		svc.updated = now
	}
	return papi.DockerServiceUpdate200JSONResponse{Warnings: nil}, nil
}

// specString reads a string at a path of a service spec.
func specString(spec map[string]any, path ...string) string {
	v, _ := specAt(spec, path...).(string)
	return v
}

// specNumber reads a whole number at a path of a service spec.
func specNumber(spec map[string]any, path ...string) (int, bool) {
	switch n := specAt(spec, path...).(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}

func specAt(spec map[string]any, path ...string) any {
	var v any = spec
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// DockerServiceLogs streams the log of every task of a service.
func (s *Sim) DockerServiceLogs(_ context.Context, req papi.DockerServiceLogsRequestObject) (papi.DockerServiceLogsResponseObject, error) {
	body, err := s.logBody(papi.DockerContainerLogsParams(req.Params), func() ([]logEntry, bool, error) {
		svc, err := s.service(req.Id, req.ServiceId)
		if err != nil {
			return nil, false, err
		}
		return svc.logAt(s.clock()), svc.w.tty, nil
	})
	return papi.DockerServiceLogs200ApplicationoctetStreamResponse{Body: bytes.NewReader(body), ContentLength: int64(len(body))}, err
}

// DockerTaskList lists the tasks of the swarm's services (the last few of every slot).
func (s *Sim) DockerTaskList(_ context.Context, req papi.DockerTaskListRequestObject) (papi.DockerTaskListResponseObject, error) {
	f, err := dockerFilters(req.Params.Filters, "label", "service", "id", "desired-state", "node", "name")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.swarmHostOf(req.Id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := papi.DockerTaskList200JSONResponse{}
	for _, svc := range h.allServices() {
		labels := map[string]string{"com.docker.stack.namespace": svc.stack}
		if !labelsMatch(labels, f["label"]) || !anyMatch(f["service"], func(ref string) bool { return ref == svc.id || ref == svc.name }) {
			continue
		}
		for _, t := range svc.tasks(now) {
			if !anyMatch(f["desired-state"], func(st string) bool { return st == t.desired }) {
				continue
			}
			out = append(out, t.view(svc))
		}
	}
	return out, nil
}
