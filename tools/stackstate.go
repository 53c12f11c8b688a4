package tools

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"gopkg.in/yaml.v3"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// unit is one container of a compose stack or one task of a swarm stack, as read from Docker.
type unit struct {
	id, name, image string
	state           string // Docker's container state, or the swarm task state
	health          string
	restarts        int
	exitCode        *int
	err             string // State.Error, or the task's error
	probe           string // the last healthcheck output, when it failed
	started         time.Time
	ports           []string
	policy          string // restart policy (compose)
	desired         string // swarm: the task's desired state
	slot            string // swarm: slot (or node, for a global service)
	created         time.Time
	inspected       bool // compose: restart count, health and start time are known
}

// service is one service of a stack with its units.
type service struct {
	name     string
	id       string // swarm service id (or name)
	desired  int    // replicas wanted; -1 when unknown
	ports    []string
	units    []unit // compose: every container; swarm: the current task of every slot
	failures []unit // swarm: failed or rejected tasks kept in the history, newest first
	update   string // swarm: the state of an update in progress or gone wrong
	inFile   bool   // named in the deployed compose file
	seen     bool   // Docker has it
}

// stackState is what runs for a stack at one moment.
type stackState struct {
	st       *papi.Stack
	swarm    bool
	watching bool      // read by a check that compares reads: no guessing from one read
	at       time.Time // Docker's clock at the reading (zero when unknown)
	services []*service
	partial  int // containers whose details were not read (inspectLimit)
}

// Verdicts of a service and of a stack.
const (
	verdictHealthy  views.Verdict = "healthy"
	verdictStarting views.Verdict = "starting"
	verdictDegraded views.Verdict = "degraded"
	verdictDown     views.Verdict = "down"
)

// Conditions of a unit, from good to bad.
type condition int

const (
	condOK       condition = iota // running (and healthy where a healthcheck exists)
	condDone                      // a one-shot container that finished with code 0
	condStarting                  // not running yet, or its healthcheck has not passed yet
	condBad                       // exited, restarting, unhealthy, failed
)

// flapWindow: a running container that has restarted and has been up less than this is
// counted as crash-looping (Docker restarts a failing process within a second at first, so a
// loop is rarely caught between two of its runs otherwise).
const flapWindow = 30 * time.Second

// loopCycle is the longest average time between restarts that still counts as a crash loop:
// a container restarted at least twice since it was created, on average within this, and up
// for less than two such cycles now, is crash-looping slowly (a process that dies every
// minute is not healthy between two deaths). A container that restarted a few times long ago
// and has run since averages far more and is judged by its state alone.
const loopCycle = 10 * time.Minute

// slowLoop says whether u restarts in a slow loop at time at, and how often on average.
func (u *unit) slowLoop(at time.Time) (time.Duration, bool) {
	if u.restarts < 2 || u.created.IsZero() || at.IsZero() || u.started.IsZero() {
		return 0, false
	}
	cycle := at.Sub(u.created) / time.Duration(u.restarts)
	return cycle, cycle > 0 && cycle <= loopCycle && at.Sub(u.started) < 2*cycle
}

// condition judges a unit; why says it in words when it is not fine.
func (sn *stackState) condition(u *unit) (condition, string) {
	if sn.swarm {
		return u.taskCondition()
	}
	at := sn.at
	code := ""
	if u.exitCode != nil {
		code = fmt.Sprintf(" with code %d", *u.exitCode)
	}
	switch u.state {
	case "running":
		switch {
		case u.health == "unhealthy":
			why := "unhealthy"
			if u.probe != "" {
				why += " (healthcheck: " + firstLine(strings.TrimSpace(u.probe)) + ")"
			}
			return condBad, why
		case u.health == "starting":
			return condStarting, "health: starting"
		case !sn.watching && u.restarts > 0 && !at.IsZero() && !u.started.IsZero() && at.Sub(u.started) < flapWindow:
			return condBad, fmt.Sprintf("restarted %s and up only %s: crash-looping", times(u.restarts), max(0, at.Sub(u.started)).Round(time.Second))
		case !sn.watching && u.restarts > 0:
			if cycle, ok := u.slowLoop(at); ok {
				return condBad, fmt.Sprintf("restarted %s since it was created %s ago, about every %s, and up %s: crash-looping",
					times(u.restarts), at.Sub(u.created).Round(time.Second), cycle.Round(time.Second), max(0, at.Sub(u.started)).Round(time.Second))
			}
		}
		return condOK, ""
	case "restarting":
		return condBad, fmt.Sprintf("restarting (crash loop): exited%s, restarted %s", code, times(u.restarts))
	case "exited":
		if u.exitCode != nil && *u.exitCode == 0 && u.policy != "always" && u.policy != "unless-stopped" {
			return condDone, "completed"
		}
		return condBad, "exited" + code
	case "created":
		if u.err != "" {
			return condBad, "could not start: " + u.err
		}
		return condStarting, "created, not started yet"
	}
	return condBad, u.state
}

func (u *unit) taskCondition() (condition, string) {
	switch u.state {
	case "running":
		return condOK, ""
	case "complete":
		return condDone, "completed"
	case "new", "pending", "assigned", "accepted", "preparing", "ready", "starting":
		if u.desired == "ready" {
			return condStarting, "waiting to be restarted"
		}
		return condStarting, u.state
	}
	why := "task " + u.state
	if u.err != "" {
		why += ": " + u.err
	}
	return condBad, why
}

// recentFailure is the newest failed task of a swarm service within the flap window, if any.
func (s *service) recentFailure(at time.Time) *unit {
	if len(s.failures) == 0 || at.IsZero() {
		return nil
	}
	f := &s.failures[0]
	if at.Sub(f.started) < flapWindow {
		return f
	}
	return nil
}

// judgeService is a service's verdict with the reason in words ("" when healthy).
func (sn *stackState) judgeService(s *service) (views.Verdict, string) {
	swarm, at := sn.swarm, sn.at
	var ok, done, starting, bad int
	var firstBad, firstStarting *unit
	var badWhy, startWhy string
	for i := range s.units {
		u := &s.units[i]
		c, why := sn.condition(u)
		switch c {
		case condOK:
			ok++
		case condDone:
			done++
		case condStarting:
			starting++
			if firstStarting == nil {
				firstStarting, startWhy = u, why
			}
		case condBad:
			bad++
			if firstBad == nil {
				firstBad, badWhy = u, why
			}
		}
	}
	kind := "container"
	if swarm {
		kind = "task"
	}
	switch {
	case len(s.units) == 0 && s.desired == 0:
		return verdictHealthy, ""
	case len(s.units) == 0 && !s.seen:
		return verdictDown, fmt.Sprintf("no %s (it is in the compose file)", kind)
	case len(s.units) == 0:
		if f := s.lastFailure(); f != nil {
			return verdictDown, "no task runs; the last one failed: " + f.failureText()
		}
		return verdictDown, fmt.Sprintf("no %s runs", kind)
	}
	if f := s.recentFailure(at); f != nil && bad == 0 && !sn.watching {
		bad++
		firstBad, badWhy = f, fmt.Sprintf("%d failed tasks, the last %s ago: %s", len(s.failures), at.Sub(f.started).Round(time.Second), f.failureText())
	}
	if s.update != "" && bad == 0 {
		if strings.HasPrefix(s.update, "updating") || s.update == "rollback_started" {
			starting++
			if startWhy == "" {
				startWhy = "update in progress"
			}
		} else {
			bad++
			badWhy = "update " + s.update
		}
	}
	short := ""
	if s.desired > 0 && ok+done+starting+bad < s.desired {
		short = fmt.Sprintf("%d of %d replicas exist", ok+done+starting+bad, s.desired)
	}
	who := func(u *unit) string {
		if u == nil {
			return ""
		}
		return kind + " " + u.name + " "
	}
	switch {
	case bad > 0 && ok+done > 0:
		return verdictDegraded, who(firstBad) + badWhy
	case bad > 0:
		return verdictDown, who(firstBad) + badWhy
	case starting > 0:
		return verdictStarting, who(firstStarting) + startWhy
	case short != "" && ok+done > 0:
		return verdictDegraded, short
	case short != "":
		return verdictDown, short
	}
	return verdictHealthy, ""
}

// lastFailure is the newest failed task of a swarm service.
func (s *service) lastFailure() *unit {
	if len(s.failures) == 0 {
		return nil
	}
	return &s.failures[0]
}

// failureText is what a failed task says.
func (u *unit) failureText() string {
	if u.err != "" {
		return u.err
	}
	if u.exitCode != nil {
		return fmt.Sprintf("exit code %d", *u.exitCode)
	}
	return u.state
}

// times is "1 time", "3 times".
func times(n int) string {
	if n == 1 {
		return "1 time"
	}
	return strconv.Itoa(n) + " times"
}

// verdictOrder ranks verdicts from best to worst.
var verdictOrder = map[views.Verdict]int{verdictHealthy: 0, verdictStarting: 1, verdictDegraded: 2, verdictDown: 3}

// judge is the stack's verdict and the reasons for it.
func (sn *stackState) judge() (views.Verdict, []string) {
	var reasons []string
	switch deref(sn.st.Status) {
	case papi.StackStatusInactive:
		return verdictDown, []string{"the stack is stopped in Portainer (start_stack starts it)"}
	case statusDeploying:
		return verdictStarting, []string{"Portainer is still deploying it"}
	}
	if !slices.ContainsFunc(sn.services, func(s *service) bool { return s.seen }) {
		what := "container"
		if sn.swarm {
			what = "service"
		}
		return verdictDown, []string{fmt.Sprintf("no %s of the stack exists on environment %d: they were removed outside Portainer, or the last deploy failed (Portainer removes the containers of a failed deploy); redeploy it", what, deref(sn.st.EndpointId))}
	}
	count := map[views.Verdict]int{}
	for _, s := range sn.services {
		v, why := sn.judgeService(s)
		count[v]++
		if v != verdictHealthy {
			reasons = append(reasons, fmt.Sprintf("service %s is %s: %s", s.name, v, why))
		}
	}
	verdict := verdictHealthy
	switch {
	case count[verdictDown] == len(sn.services):
		verdict = verdictDown
	case count[verdictDown]+count[verdictDegraded] > 0:
		verdict = verdictDegraded
	case count[verdictStarting] > 0:
		verdict = verdictStarting
	}
	if deref(sn.st.Status) == statusError {
		msg := deployMessage(sn.st)
		if msg == "" {
			msg = "Portainer gave no message"
		}
		reasons = append([]string{"the last deploy failed: " + msg}, reasons...)
		if verdictOrder[verdict] < verdictOrder[verdictDegraded] {
			verdict = verdictDegraded
		}
	}
	for _, s := range sn.services {
		if s.seen && !s.inFile && sn.fileRead() {
			reasons = append(reasons, fmt.Sprintf("service %s is not in the compose file: left over from an earlier deploy (Portainer deploys without --remove-orphans)", s.name))
		}
	}
	return verdict, reasons
}

// fileRead tells whether the compose file's services are known.
func (sn *stackState) fileRead() bool {
	for _, s := range sn.services {
		if s.inFile {
			return true
		}
	}
	return false
}

// read takes a snapshot of what runs for stack st (only one service when only is not empty).
func (d *Deps) read(ctx context.Context, tool string, st *papi.Stack, only string) (*stackState, *mcp.CallToolResult) {
	return d.readWith(ctx, tool, st, only, d.deployedServices(ctx, st))
}

// deployedServices is the services of the compose file a stack has deployed, or nil.
func (d *Deps) deployedServices(ctx context.Context, st *papi.Stack) map[string]int {
	if deref(st.Status) != papi.StackStatusActive && deref(st.Status) != statusError {
		return nil
	}
	return d.fileServices(ctx, st)
}

// readWith is read with the services of the deployed file already known.
func (d *Deps) readWith(ctx context.Context, tool string, st *papi.Stack, only string, files map[string]int) (*stackState, *mcp.CallToolResult) {
	sn := &stackState{st: st, swarm: deref(st.Type) == papi.StackTypeSwarm}
	byName := map[string]*service{}
	get := func(name string) *service {
		s, ok := byName[name]
		if !ok {
			s = &service{name: name, desired: -1}
			byName[name] = s
		}
		return s
	}
	for name, replicas := range files {
		if only == "" || only == name {
			s := get(name)
			s.inFile, s.desired = true, replicas
		}
	}
	var res *mcp.CallToolResult
	if sn.swarm {
		res = d.readSwarm(ctx, tool, sn, only, get)
	} else {
		res = d.readCompose(ctx, tool, sn, only, get)
	}
	if res != nil {
		return nil, res
	}
	for _, name := range sortedKeys(byName) {
		sn.services = append(sn.services, byName[name])
	}
	return sn, nil
}

func (d *Deps) readCompose(ctx context.Context, tool string, sn *stackState, only string, get func(string) *service) *mcp.CallToolResult {
	envID, name := deref(sn.st.EndpointId), deref(sn.st.Name)
	list, at, res := d.projectContainers(ctx, tool, envID, name, only)
	if res != nil {
		return res
	}
	sn.at = at
	sortContainers(list)
	var ids []string
	for i := range list {
		if i < inspectLimit {
			ids = append(ids, deref(list[i].Id))
		}
	}
	sn.partial = max(0, len(list)-inspectLimit)
	details := d.inspectAll(ctx, envID, ids)
	for i := range list {
		c := &list[i]
		labels := deref(c.Labels)
		s := get(labels[labelService])
		s.seen = true
		s.units = append(s.units, containerUnit(c, details[deref(c.Id)]))
	}
	return nil
}

// sortContainers sorts containers by name.
func sortContainers(list []papi.DockerContainerSummary) {
	slices.SortFunc(list, func(a, b papi.DockerContainerSummary) int {
		return strings.Compare(containerName(&a), containerName(&b))
	})
}

// composeServices is the set of compose services the containers belong to.
func composeServices(list []papi.DockerContainerSummary) map[string]string {
	out := map[string]string{}
	for i := range list {
		out[deref(list[i].Labels)[labelService]] = ""
	}
	return out
}

// serviceName is a swarm service's name in the compose file: without the "<stack>_" prefix.
func serviceName(ds *papi.DockerService, stack string) string {
	return strings.TrimPrefix(specString(ds.Spec, "Name"), stack+"_")
}

// serviceIDs maps the services of a swarm stack, by their names in the compose file, to their ids.
func serviceIDs(list []papi.DockerService, stack string) map[string]string {
	out := map[string]string{}
	for i := range list {
		out[serviceName(&list[i], stack)] = deref(list[i].ID)
	}
	return out
}

func containerName(c *papi.DockerContainerSummary) string {
	if names := deref(c.Names); len(names) > 0 {
		return strings.TrimPrefix(names[0], "/")
	}
	return short(deref(c.Id))
}

// containerUnit reads a container from the list and, when there is one, its inspection.
func containerUnit(c *papi.DockerContainerSummary, in *papi.DockerContainer) unit {
	u := unit{id: deref(c.Id), name: containerName(c), image: deref(c.Image), state: deref(c.State)}
	if c.Created != nil {
		u.created = time.Unix(int64(*c.Created), 0)
	}
	u.health, u.exitCode = statusHints(deref(c.Status))
	seen := map[string]bool{}
	for _, p := range deref(c.Ports) {
		if deref(p.PublicPort) == 0 {
			continue
		}
		ip := deref(p.IP)
		if ip == "0.0.0.0" || ip == "::" {
			ip = ""
		} else {
			ip += ":"
		}
		text := fmt.Sprintf("%s%d->%d/%s", ip, deref(p.PublicPort), deref(p.PrivatePort), deref(p.Type))
		if !seen[text] {
			seen[text] = true
			u.ports = append(u.ports, text)
		}
	}
	if in == nil {
		return u
	}
	u.inspected = true
	u.restarts = deref(in.RestartCount)
	if st := in.State; st != nil {
		u.state = deref(st.Status)
		u.err = deref(st.Error)
		if st.ExitCode != nil && u.state != "running" && u.state != "created" {
			u.exitCode = ptr(*st.ExitCode)
		}
		if u.state == "created" && u.err != "" && st.ExitCode != nil {
			u.exitCode = ptr(*st.ExitCode)
		}
		if t, err := time.Parse(time.RFC3339Nano, deref(st.StartedAt)); err == nil && t.Year() > 1 {
			u.started = t
		}
		if h := st.Health; h != nil {
			u.health = deref(h.Status)
			if probes := deref(h.Log); len(probes) > 0 && deref(probes[len(probes)-1].ExitCode) != 0 {
				u.probe = deref(probes[len(probes)-1].Output)
			}
		}
	}
	if hc := in.HostConfig; hc != nil && hc.RestartPolicy != nil {
		u.policy = deref(hc.RestartPolicy.Name)
	}
	if u.state != "running" {
		u.health = ""
	}
	return u
}

// statusHints reads the health and exit code from Docker's status text ("Up 5 minutes
// (healthy)", "Exited (3) 2 seconds ago", "Restarting (1) 1 second ago"), for containers that
// were not inspected.
func statusHints(status string) (health string, exitCode *int) {
	switch {
	case strings.Contains(status, "(healthy)"):
		health = "healthy"
	case strings.Contains(status, "(unhealthy)"):
		health = "unhealthy"
	case strings.Contains(status, "(health: starting)"):
		health = "starting"
	}
	if strings.HasPrefix(status, "Exited (") || strings.HasPrefix(status, "Restarting (") {
		inner, _, _ := strings.Cut(status[strings.IndexByte(status, '(')+1:], ")")
		if n, err := strconv.Atoi(inner); err == nil {
			exitCode = &n
		}
	}
	return health, exitCode
}

func (d *Deps) readSwarm(ctx context.Context, tool string, sn *stackState, only string, get func(string) *service) *mcp.CallToolResult {
	envID, stack := deref(sn.st.EndpointId), deref(sn.st.Name)
	list, at, res := d.stackServices(ctx, tool, envID, stack)
	if res != nil {
		return res
	}
	sn.at = at
	byID := map[string]*service{}
	var ids []string
	for i := range list {
		ds := &list[i]
		name := serviceName(ds, stack)
		if only != "" && name != only {
			continue
		}
		s := get(name)
		s.seen, s.id = true, deref(ds.ID)
		if n, ok := specNumber(ds.Spec, "Mode", "Replicated", "Replicas"); ok {
			s.desired = n
		} else {
			s.desired = -1 // global: one task per node
		}
		if ds.Endpoint != nil {
			for _, p := range deref(ds.Endpoint.Ports) {
				if deref(p.PublishedPort) > 0 {
					s.ports = append(s.ports, fmt.Sprintf("%d->%d/%s", deref(p.PublishedPort), deref(p.TargetPort), deref(p.Protocol)))
				}
			}
		}
		if us := ds.UpdateStatus; us != nil && deref(us.State) != "" && deref(us.State) != "completed" && deref(us.State) != "rollback_completed" {
			s.update = deref(us.State)
			if m := deref(us.Message); m != "" {
				s.update += " (" + m + ")"
			}
		}
		byID[s.id] = s
		ids = append(ids, s.id)
	}
	tasks, res := d.serviceTasks(ctx, tool, envID, ids)
	if res != nil {
		return res
	}
	for i := range tasks {
		t := &tasks[i]
		s := byID[deref(t.ServiceID)]
		if s == nil {
			continue
		}
		u := taskUnit(s, t)
		switch {
		case u.desired == "running" || u.desired == "ready":
			s.units = append(s.units, u)
		case u.state == "failed" || u.state == "rejected":
			s.failures = append(s.failures, u)
		}
	}
	for _, s := range byID {
		slices.SortFunc(s.units, func(a, b unit) int { return strings.Compare(a.name, b.name) })
		slices.SortFunc(s.failures, func(a, b unit) int { return b.started.Compare(a.started) })
	}
	return nil
}

// taskUnit reads a swarm task.
func taskUnit(s *service, t *papi.DockerTask) unit {
	u := unit{id: deref(t.ID), desired: deref(t.DesiredState)}
	slot := strconv.Itoa(deref(t.Slot))
	if deref(t.Slot) == 0 {
		slot = short(deref(t.NodeID)) // a global service's tasks are one per node
	}
	u.slot, u.name = slot, s.name+"."+slot
	if t.Spec != nil && t.Spec.ContainerSpec != nil {
		u.image = deref(t.Spec.ContainerSpec.Image)
		if i := strings.Index(u.image, "@sha256:"); i > 0 {
			u.image = u.image[:i] // swarm pins the digest; the tag is what the file says
		}
	}
	if st := t.Status; st != nil {
		u.state, u.err = deref(st.State), deref(st.Err)
		if at, err := time.Parse(time.RFC3339Nano, deref(st.Timestamp)); err == nil {
			u.started = at
		}
		if cs := st.ContainerStatus; cs != nil && cs.ExitCode != nil && u.state != "running" && u.state != "starting" {
			u.exitCode = ptr(*cs.ExitCode)
		}
	}
	if at, err := time.Parse(time.RFC3339Nano, deref(t.CreatedAt)); err == nil {
		u.created = at
	}
	return u
}

// specString and specNumber read a swarm service spec, which is kept as a map so that an
// update sends it back whole.
func specString(spec *papi.DockerServiceSpec, path ...string) string {
	s, _ := specAt(spec, path...).(string)
	return s
}

func specNumber(spec *papi.DockerServiceSpec, path ...string) (int, bool) {
	n, ok := specAt(spec, path...).(float64)
	return int(n), ok
}

func specAt(spec *papi.DockerServiceSpec, path ...string) any {
	if spec == nil {
		return nil
	}
	var v any = map[string]any(*spec)
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// fileServices is the services of the stack's deployed compose file and how many replicas
// each asks for (-1 when the file does not say a number). Services with profiles are left
// out, since compose up does not start them. Nil when the file cannot be read or parsed: the
// status then rests on what Docker has.
func (d *Deps) fileServices(ctx context.Context, st *papi.Stack) map[string]int {
	file, ok := d.stackFileText(ctx, deref(st.Id))
	if !ok {
		return nil
	}
	var doc struct {
		Services map[string]struct {
			Profiles []string `yaml:"profiles"`
			Scale    any      `yaml:"scale"`
			Deploy   struct {
				Mode     string `yaml:"mode"`
				Replicas any    `yaml:"replicas"`
			} `yaml:"deploy"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal([]byte(file), &doc) != nil {
		return nil
	}
	swarm := deref(st.Type) == papi.StackTypeSwarm
	out := map[string]int{}
	for name, s := range doc.Services {
		if len(s.Profiles) > 0 {
			continue
		}
		n := 1
		if v, ok := s.Deploy.Replicas.(int); ok {
			n = v
		} else if v, ok := s.Scale.(int); ok && !swarm {
			n = v
		} else if s.Deploy.Replicas != nil || s.Scale != nil || (swarm && s.Deploy.Mode == "global") {
			n = -1 // a variable or a global service: not known here
		}
		out[name] = n
	}
	return out
}

// unitView is a unit as the tools show it.
func unitView(u *unit) views.UnitStatus {
	v := views.UnitStatus{Name: u.name, State: u.state, Health: opt(u.health), Image: opt(u.image), Error: opt(u.err),
		ExitCode: u.exitCode}
	if u.restarts > 0 {
		v.Restarts = ptr(u.restarts)
	}
	if len(u.ports) > 0 {
		v.Ports = ptr(slices.Clone(u.ports))
	}
	if !u.started.IsZero() && (u.state == "running" || u.state == "starting") {
		v.Started = opt(u.started.UTC().Format(time.RFC3339))
	}
	return v
}
