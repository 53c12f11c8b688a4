package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// dockerHost is what the simulated Docker engine of one environment runs.
type dockerHost struct {
	containers map[string]*container    // by id
	services   map[string]*swarmService // by id
}

func (s *Sim) host(envID int) *dockerHost {
	h, ok := s.hosts[envID]
	if !ok {
		h = &dockerHost{containers: map[string]*container{}, services: map[string]*swarmService{}}
		s.hosts[envID] = h
	}
	return h
}

// container is one compose container: its definition and the start of its current chain of
// runs (created, started again by compose, or restarted through the API). Its state at any
// time is computed by workload.composeLife.
type container struct {
	id, name string
	project  string
	number   int
	w        workload
	created  time.Time
	chain    time.Time  // when the current chain of runs began
	before   int        // RestartCount when it began (0: a start through the API resets it)
	history  []logEntry // the log of earlier chains
	extra    []logEntry // lines written with WriteLog
}

func (c *container) life(now time.Time) life { return c.w.composeLife(c.chain, now, c.before) }

// restart is Docker's restart (or start): the process is started again now, and, as a start
// through the API does, RestartCount is reset to 0 and the back-off starts again (moby's
// containerStart with resetRestartManager; seen on a real engine: 26 restarts, then 1).
func (c *container) restart(now time.Time) {
	c.history = append(c.history, c.life(now).log...)
	c.before, c.chain = 0, now
}

// logAt is every log line of the container up to now, oldest first.
func (c *container) logAt(now time.Time) []logEntry {
	out := append(slices.Clone(c.history), c.life(now).log...)
	out = append(out, c.extra...)
	slices.SortStableFunc(out, func(a, b logEntry) int { return a.at.Compare(b.at) })
	return out
}

// newID makes a Docker-like id, unique in the simulator.
func (s *Sim) newID(parts ...string) string {
	s.dockerSeq++
	sum := sha256.Sum256([]byte(strings.Join(parts, "/") + "#" + strconv.Itoa(s.dockerSeq)))
	return hex.EncodeToString(sum[:])
}

// projectContainers is the containers of a compose project (of one service when service is
// not empty), by name.
func (h *dockerHost) projectContainers(project, service string) []*container {
	var out []*container
	for _, c := range h.containers {
		if c.project == project && (service == "" || c.w.service == service) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *container) int { return strings.Compare(a.name, b.name) })
	return out
}

// composeUp is `docker compose up -d` of a stack's file at time at: a service whose definition
// changed is re-created, a missing or stopped container started, a scaled one added or removed;
// containers of services no longer in the file stay (Portainer does not pass --remove-orphans).
func (s *Sim) composeUp(h *dockerHost, r *stackRec, at time.Time) {
	for _, w := range workloads(r.file, r.Env, false) {
		existing := h.projectContainers(r.Name, w.service)
		for _, c := range existing {
			if c.w.hash != w.hash || c.number > w.replicas {
				delete(h.containers, c.id)
				continue
			}
			if c.life(at).state == "exited" { // compose starts a stopped container again
				c.restart(at)
			}
		}
		for n := 1; n <= w.replicas; n++ {
			if slices.ContainsFunc(h.projectContainers(r.Name, w.service), func(c *container) bool { return c.number == n }) {
				continue
			}
			name := fmt.Sprintf("%s-%s-%d", r.Name, w.service, n)
			if w.containerName != "" && w.replicas == 1 {
				name = w.containerName
			}
			c := &container{id: s.newID(name), name: name, project: r.Name, number: n, w: w, created: at, chain: at}
			h.containers[c.id] = c
		}
	}
}

// findContainer finds a container by id, unique id prefix or name (with or without "/").
func (h *dockerHost) findContainer(ref string) *container {
	ref = strings.TrimPrefix(ref, "/")
	if c, ok := h.containers[ref]; ok {
		return c
	}
	var found *container
	for _, c := range h.containers {
		if c.name == ref {
			return c
		}
		if len(ref) >= 3 && strings.HasPrefix(c.id, ref) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// labels are the labels compose puts on a container.
func (c *container) labels(envID int) map[string]string {
	return map[string]string{
		"com.docker.compose.project":                c.project,
		"com.docker.compose.service":                c.w.service,
		"com.docker.compose.container-number":       strconv.Itoa(c.number),
		"com.docker.compose.oneoff":                 "False",
		"com.docker.compose.config-hash":            c.w.hash,
		"com.docker.compose.project.working_dir":    "/data/compose/" + c.project,
		"com.docker.compose.project.config_files":   "/data/compose/" + c.project + "/docker-compose.yml",
		"com.docker.compose.version":                "2.29.2",
		"com.docker.compose.image":                  "sha256:" + imageID(c.w.image),
		"com.docker.compose.depends_on":             "",
		"com.docker.compose.project.environment_id": strconv.Itoa(envID),
	}
}

func imageID(image string) string {
	sum := sha256.Sum256([]byte(image))
	return hex.EncodeToString(sum[:])
}

// statusText is Docker's human status of `docker ps`.
func statusText(l life, now time.Time) string {
	switch l.state {
	case "running":
		text := "Up " + humanDuration(now.Sub(l.started))
		switch l.health {
		case "starting":
			text += " (health: starting)"
		case "healthy", "unhealthy":
			text += " (" + l.health + ")"
		}
		return text
	case "restarting":
		return fmt.Sprintf("Restarting (%d) %s ago", l.exitCode, humanDuration(now.Sub(l.finished)))
	case "exited":
		return fmt.Sprintf("Exited (%d) %s ago", l.exitCode, humanDuration(now.Sub(l.finished)))
	}
	return "Created"
}

// summary is the container as GET /containers/json lists it.
func (c *container) summary(envID int, now time.Time) papi.DockerContainerSummary {
	l := c.life(now)
	labels := c.labels(envID)
	ports := []papi.DockerPort{}
	if l.state == "running" {
		for _, p := range c.w.ports {
			for _, ip := range bindIPs(p.ip) {
				ports = append(ports, papi.DockerPort{IP: ptr(ip), PrivatePort: ptr(p.target), PublicPort: ptr(p.published), Type: ptr(p.protocol)})
			}
		}
	}
	return papi.DockerContainerSummary{
		Id: ptr(c.id), Names: &[]string{"/" + c.name}, Image: ptr(c.w.image), State: ptr(l.state),
		Status: ptr(statusText(l, now)), Created: ptr(int(c.created.Unix())), Labels: &labels, Ports: &ports,
	}
}

// bindIPs is where Docker binds a published port: both address families unless one is named.
func bindIPs(ip string) []string {
	if ip == "" {
		return []string{"0.0.0.0", "::"}
	}
	return []string{ip}
}

const zeroTime = "0001-01-01T00:00:00Z"

func stamp(t time.Time) string {
	if t.IsZero() {
		return zeroTime
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// inspect is the container as GET /containers/{id}/json answers.
func (c *container) inspect(envID int, now time.Time) papi.DockerContainer {
	l := c.life(now)
	running := l.state == "running" || l.state == "restarting"
	st := &papi.DockerContainerState{
		Status: ptr(l.state), Running: ptr(running), Paused: ptr(false), Restarting: ptr(l.state == "restarting"),
		OOMKilled: ptr(false), Dead: ptr(false), ExitCode: ptr(l.exitCode), Error: ptr(""),
		StartedAt: ptr(stamp(l.started)), FinishedAt: ptr(stamp(l.finished)),
	}
	if l.state == "running" {
		st.ExitCode = ptr(0)
	}
	labels := c.labels(envID)
	cfg := &papi.DockerContainerConfig{Image: ptr(c.w.image), Labels: &labels, Tty: ptr(c.w.tty)}
	if h := c.w.health; h != nil {
		probes := []papi.DockerHealthProbe{}
		for _, p := range l.probes {
			probes = append(probes, papi.DockerHealthProbe{Start: ptr(stamp(p.start)), End: ptr(stamp(p.end)), ExitCode: ptr(p.exitCode), Output: ptr(p.output)})
		}
		health := l.health
		if health == "" {
			health = "unhealthy" // a stopped container keeps a health status; Docker marks it unhealthy
		}
		st.Health = &papi.DockerHealth{Status: ptr(health), FailingStreak: ptr(l.streak), Log: &probes}
		cfg.Healthcheck = &papi.DockerHealthcheck{Test: ptr(append([]string{"CMD"}, h.test...))}
	}
	policy := c.w.restart.name
	if policy == "no" {
		policy = "" // compose leaves the policy empty when the file names none (seen on Docker 20.10)
	}
	bindings := map[string]*[]papi.DockerPortBinding{}
	if l.state == "running" {
		for _, p := range c.w.ports {
			key := fmt.Sprintf("%d/%s", p.target, p.protocol)
			list := deref(bindings[key])
			for _, ip := range bindIPs(p.ip) {
				list = append(list, papi.DockerPortBinding{HostIp: ptr(ip), HostPort: ptr(strconv.Itoa(p.published))})
			}
			bindings[key] = &list
		}
	}
	return papi.DockerContainer{
		Id: ptr(c.id), Name: ptr("/" + c.name), Image: ptr("sha256:" + imageID(c.w.image)), Created: ptr(stamp(c.created)),
		RestartCount: ptr(l.restarts), State: st, Config: cfg,
		HostConfig:      &papi.DockerHostConfig{RestartPolicy: &papi.DockerRestartPolicy{Name: ptr(policy), MaximumRetryCount: ptr(c.w.restart.maxRetries)}},
		NetworkSettings: &papi.DockerNetworkSettings{Ports: &bindings},
	}
}
