package sim

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// swarmService is one service of a swarm stack (named <stack>_<service>, as docker stack deploy
// names them). Its tasks are computed per slot from the starts of the slot's chains: an
// update (a redeploy that changed the service, or a forced update) shuts the current task of
// every slot down and starts a new chain.
type swarmService struct {
	id, name, stack string
	w               workload
	version         int
	created         time.Time
	updated         time.Time
	spec            papi.DockerServiceSpec
	slots           [][]time.Time // per slot (1-based slot = index+1), the starts of its chains
	updateDone      time.Time     // zero before the first update
	extra           []logEntry    // lines written with WriteLog
}

// nodeID is the one node of every simulated swarm.
const nodeID = "simnode0000000000000000001"

// taskHistory is swarm's default task history retention limit (per slot).
const taskHistory = 5

// newService creates the service of workload w for a stack, started at at.
func (s *Sim) newService(stack string, w workload, at time.Time) *swarmService {
	name := stack + "_" + w.service
	svc := &swarmService{id: swarmID(s.newID(name)), name: name, stack: stack, w: w, version: 1, created: at, updated: at}
	svc.spec = serviceSpec(name, stack, w)
	for range w.replicas {
		svc.slots = append(svc.slots, []time.Time{at})
	}
	return svc
}

// swarmID shortens a hex id to swarm's 25 lower-case base-36 characters.
func swarmID(hexID string) string {
	n, _ := new(big.Int).SetString(hexID, 16)
	id := n.Text(36)
	for len(id) < 25 {
		id = "0" + id
	}
	return id[:25]
}

// serviceSpec is the spec docker stack deploy gives a service.
func serviceSpec(name, stack string, w workload) papi.DockerServiceSpec {
	labels := map[string]any{"com.docker.stack.namespace": stack, "com.docker.stack.image": w.image}
	mode := map[string]any{"Replicated": map[string]any{"Replicas": w.replicas}}
	if w.global {
		mode = map[string]any{"Global": map[string]any{}}
	}
	var ports []any
	for _, p := range w.ports {
		ports = append(ports, map[string]any{"Protocol": p.protocol, "TargetPort": p.target, "PublishedPort": p.published, "PublishMode": "ingress"})
	}
	container := map[string]any{"Image": w.image, "Labels": map[string]any{"com.docker.stack.namespace": stack}, "TTY": w.tty}
	if h := w.health; h != nil {
		container["Healthcheck"] = map[string]any{"Test": append([]string{"CMD"}, h.test...), "Interval": int64(h.interval), "Retries": h.retries}
	}
	return papi.DockerServiceSpec{
		"Name":   name,
		"Labels": labels,
		"TaskTemplate": map[string]any{
			"ContainerSpec": container,
			"RestartPolicy": map[string]any{"Condition": w.restart.name, "Delay": int64(w.restart.delay), "MaxAttempts": w.restart.maxRetries},
			"ForceUpdate":   0,
			"Runtime":       "container",
		},
		"Mode":         mode,
		"EndpointSpec": map[string]any{"Mode": "vip", "Ports": ports},
	}
}

// update restarts every slot at at, as an update of the service does, and counts a version.
func (svc *swarmService) update(at time.Time) {
	for i := range svc.slots {
		svc.slots[i] = append(svc.slots[i], at)
	}
	svc.version++
	svc.updated, svc.updateDone = at, at
}

// scale gives the service n slots: new ones start at at.
func (svc *swarmService) scale(n int, at time.Time) {
	for len(svc.slots) < n {
		svc.slots = append(svc.slots, []time.Time{at})
	}
	svc.slots = svc.slots[:n]
}

// task is one swarm task as computed, with what the API shows of it.
type task struct {
	id   string
	slot int
	taskLife
}

// tasks lists the tasks of every slot up to now, at most taskHistory per slot, oldest first.
func (svc *swarmService) tasks(now time.Time) []task {
	var out []task
	for i, chains := range svc.slots {
		var slot []task
		for c, start := range chains {
			if start.After(now) {
				break
			}
			end, last := now, c == len(chains)-1
			if !last {
				end = chains[c+1]
			}
			for k, t := range svc.w.swarmLife(start, end) {
				if !last && t.desired != "shutdown" { // the update shut it down
					t.state, t.desired, t.ended = "shutdown", "shutdown", end
				}
				slot = append(slot, task{id: swarmID(fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%d/%d", svc.id, i, c, k))))), slot: i + 1, taskLife: t})
			}
		}
		if len(slot) > taskHistory {
			slot = slot[len(slot)-taskHistory:]
		}
		out = append(out, slot...)
	}
	return out
}

// logAt is the log of every task of the service, oldest first.
func (svc *swarmService) logAt(now time.Time) []logEntry {
	var out []logEntry
	for _, chains := range svc.slots {
		for c, start := range chains {
			end := now
			if c < len(chains)-1 {
				end = chains[c+1]
			}
			if start.After(now) {
				break
			}
			for _, t := range svc.w.swarmLife(start, end) {
				out = append(out, t.log...)
			}
		}
	}
	out = append(out, svc.extra...)
	slices.SortStableFunc(out, func(a, b logEntry) int { return a.at.Compare(b.at) })
	return out
}

// view is the service as GET /services answers it.
func (svc *swarmService) view() papi.DockerService {
	var ports []papi.DockerEndpointPort
	for _, p := range svc.w.ports {
		ports = append(ports, papi.DockerEndpointPort{Protocol: ptr(p.protocol), TargetPort: ptr(p.target), PublishedPort: ptr(p.published)})
	}
	spec := svc.spec
	out := papi.DockerService{
		ID: ptr(svc.id), Version: &papi.DockerObjectVersion{Index: ptr(svc.version)},
		CreatedAt: ptr(stamp(svc.created)), UpdatedAt: ptr(stamp(svc.updated)), Spec: &spec,
		Endpoint: &papi.DockerServiceEndpoint{Ports: &ports},
	}
	if !svc.updateDone.IsZero() {
		out.UpdateStatus = &papi.DockerUpdateStatus{State: ptr("completed"), Message: ptr("update completed"),
			StartedAt: ptr(stamp(svc.updateDone)), CompletedAt: ptr(stamp(svc.updateDone))}
	}
	return out
}

// view is the task as GET /tasks answers it.
func (t task) view(svc *swarmService) papi.DockerTask {
	msg := map[string]string{"ready": "ready", "starting": "starting", "running": "started", "failed": "started",
		"complete": "finished", "shutdown": "shutdown"}[t.state]
	at := t.started
	if !t.ended.IsZero() {
		at = t.ended
	}
	st := &papi.DockerTaskStatus{Timestamp: ptr(stamp(at)), State: ptr(t.state), Message: ptr(msg)}
	if t.err != "" {
		st.Err = ptr(t.err)
	}
	if t.state != "ready" {
		st.ContainerStatus = &papi.DockerTaskContainerStatus{ContainerID: ptr(strings.Repeat(t.id, 3)[:64]), ExitCode: ptr(t.exitCode)}
	}
	slot := t.slot
	if svc.w.global {
		slot = 0
	}
	return papi.DockerTask{
		ID: ptr(t.id), ServiceID: ptr(svc.id), NodeID: ptr(nodeID), Slot: ptr(slot), DesiredState: ptr(t.desired),
		CreatedAt: ptr(stamp(t.created)), UpdatedAt: ptr(stamp(at)), Labels: &map[string]string{},
		Spec:   &papi.DockerTaskSpec{ContainerSpec: &papi.DockerContainerSpec{Image: ptr(svc.w.image)}},
		Status: st,
	}
}

// findService finds a service by id, unique id prefix or name.
func (h *dockerHost) findService(ref string) *swarmService {
	var found *swarmService
	for _, svc := range h.services {
		if svc.id == ref || svc.name == ref {
			return svc
		}
		if len(ref) >= 3 && strings.HasPrefix(svc.id, ref) {
			if found != nil {
				return nil
			}
			found = svc
		}
	}
	return found
}

// stackServices is the services of a swarm stack, by name.
func (h *dockerHost) stackServices(stack string) []*swarmService {
	var out []*swarmService
	for _, svc := range h.services {
		if svc.stack == stack {
			out = append(out, svc)
		}
	}
	slices.SortFunc(out, func(a, b *swarmService) int { return strings.Compare(a.name, b.name) })
	return out
}

// stackDeploy is `docker stack deploy` of a stack's file at time at: new services are created,
// changed ones updated (their tasks replaced); with prune, services no longer in the file are
// removed.
func (s *Sim) stackDeploy(h *dockerHost, r *stackRec, at time.Time) {
	keep := map[string]bool{}
	for _, w := range workloads(r.file, r.Env, true) {
		name := r.Name + "_" + w.service
		keep[name] = true
		svc := h.findService(name)
		switch {
		case svc == nil:
			svc = s.newService(r.Name, w, at)
			h.services[svc.id] = svc
		case svc.w.hash != w.hash:
			svc.w, svc.spec = w, serviceSpec(name, r.Name, w)
			svc.scale(w.replicas, at)
			svc.update(at)
		}
	}
	if deref(r.Prune) {
		for _, svc := range h.stackServices(r.Name) {
			if !keep[svc.name] {
				delete(h.services, svc.id)
			}
		}
	}
}
