package tools

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// Bounds of get_stack_logs.
const (
	defaultTail = 100
	// scanLines is how many of the newest lines of each container are read when grep or one
	// stream filters them here (Docker's tail counts lines of both streams, before any filter).
	scanLines = 10000
	// logContainers is how many containers of one service are read.
	logContainers = 10
	// maxLogText is the most log text one answer carries (the answer as a whole also stays
	// under MaxText, which is the tighter bound once the log is JSON-encoded).
	maxLogText = 32 << 10
)

// logArgs are get_stack_logs' arguments, checked.
type logArgs struct {
	stackID            int
	service, container string
	tail               int
	since              time.Duration
	grep               *regexp.Regexp
	stream             string
	timestamps         bool
}

func readLogArgs(a Args) (logArgs, error) {
	la := logArgs{service: a.Str("service"), container: a.Str("container"), tail: defaultTail, stream: a.Str("stream"),
		timestamps: a.Bool("timestamps", false)}
	var err error
	if la.stackID, err = a.Int("stack_id"); err != nil {
		return la, err
	}
	if la.service != "" && la.container != "" {
		return la, fmt.Errorf("give service or container, not both")
	}
	if a.Has("tail") {
		if la.tail, err = a.Int("tail"); err != nil {
			return la, err
		}
	}
	if s := a.Str("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return la, fmt.Errorf("since must be a positive Go duration such as 30s, 10m or 2h, got %q", s)
		}
		la.since = d
	}
	if g := a.Str("grep"); g != "" {
		if la.grep, err = regexp.Compile(g); err != nil {
			return la, fmt.Errorf("grep is not a valid Go regular expression: %v", err)
		}
	}
	if la.stream == "" {
		la.stream = "both" // stdout and stderr
	}
	return la, nil
}

// keep is the filter of lines: the stream asked for and the pattern.
func (la *logArgs) keep(l *logLine) bool {
	if (la.stream == "stdout" && l.stderr) || (la.stream == "stderr" && !l.stderr) {
		return false
	}
	return la.grep == nil || la.grep.MatchString(l.text)
}

// filtered tells whether lines are filtered here, so more than tail must be read.
func (la *logArgs) filtered() bool { return la.grep != nil || la.stream != "both" }

// logSource is one log to read: a container's, or a swarm service's.
type logSource struct {
	ref, name string
	service   bool
}

// GetStackLogs implements get_stack_logs.
func GetStackLogs(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "get_stack_logs"
	la, err := readLogArgs(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	st, res := d.dockerStack(ctx, tool, la.stackID)
	if res != nil {
		return res, nil
	}
	service, sources, at, res := d.logSources(ctx, tool, st, &la)
	if res != nil {
		return res, nil
	}
	var notes []string
	if len(sources) > logContainers {
		notes = append(notes, fmt.Sprintf("The service has %d containers: the logs of the first %d were read; name one with container.", len(sources), logContainers))
		sources = sources[:logContainers]
	}
	req := logRequest{tail: la.tail}
	if la.filtered() {
		req.tail = scanLines
	}
	if la.since > 0 {
		if at.IsZero() {
			at = time.Now()
		}
		req.since = at.Add(-la.since)
	}
	// Lines are scrubbed before they are cut or filtered: a cut could leave the first part of
	// a secret, and a grep over the raw text would tell, by which lines come back, what a
	// redacted value is.
	stackScrub := d.stackScrubber(st)
	callScrub := (*Scrubber)(nil)
	if c := callFrom(ctx); c != nil {
		callScrub = c.scrub
	}
	scrub := func(text string) string {
		text = stackScrub.String(text)
		if callScrub != nil {
			text = callScrub.String(text)
		}
		return text
	}
	var lines []logLine
	total, scanned := 0, false
	for _, src := range sources {
		seen := 0
		lr := &logReader{max: la.tail, scrub: scrub, keep: func(l *logLine) bool {
			seen++
			return la.keep(l)
		}}
		if err := d.readLogOf(ctx, deref(st.EndpointId), src.ref, src.service, req, lr, src.name); err != nil {
			if ctx.Err() != nil {
				return d.CallFailed(tool, ctx.Err()), nil
			}
			notes = append(notes, fmt.Sprintf("The log of %s could not be read: %v.", src.name, err))
			continue
		}
		if lr.cut {
			notes = append(notes, fmt.Sprintf("The log of %s is over %d MB: only its older part was read; use since to read recent lines.", src.name, maxLogStream>>20))
		}
		scanned = scanned || (la.filtered() && seen >= scanLines)
		total += lr.total
		lines = append(lines, lr.newest()...)
	}
	if scanned {
		notes = append(notes, fmt.Sprintf("Only the newest %d lines of each container were searched; use since to narrow the time instead.", scanLines))
	}
	if len(sources) > 1 {
		slices.SortStableFunc(lines, func(x, y logLine) int { return x.at.Compare(y.at) })
	}
	if len(lines) > la.tail {
		lines = lines[len(lines)-la.tail:]
	}
	text := stackScrub.String(formatLog(lines, la.timestamps, len(sources) > 1))
	v := views.StackLogsView{StackId: la.stackID, Service: service, Lines: len(lines)}
	if !sources[0].service {
		names := make([]string, 0, len(sources))
		for _, s := range sources {
			names = append(names, s.name)
		}
		v.Containers = &names
	}
	if len(lines) == 0 {
		notes = append(notes, "No log lines"+la.matching()+".")
	} else if total > len(lines) {
		notes = append(notes, fmt.Sprintf("Showing the newest %d of the %d lines read%s; tail gives more (at most 2000).", len(lines), total, la.matching()))
	}
	return logResult(v, text, notes)
}

// matching describes the filters in a note.
func (la *logArgs) matching() string {
	var parts []string
	if la.grep != nil {
		parts = append(parts, fmt.Sprintf("matching %q", la.grep.String()))
	}
	if la.stream != "both" {
		parts = append(parts, "on "+la.stream)
	}
	if la.since > 0 {
		parts = append(parts, "in the last "+la.since.String())
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, ", ")
}

// logSources finds what to read: the service's containers (compose), the service (swarm), or
// the one container named. It also returns the service's name and Docker's time.
func (d *Deps) logSources(ctx context.Context, tool string, st *papi.Stack, la *logArgs) (string, []logSource, time.Time, *mcp.CallToolResult) {
	envID, name := deref(st.EndpointId), deref(st.Name)
	stopped := ""
	if deref(st.Status) == papi.StackStatusInactive {
		stopped = " The stack is stopped: start_stack starts it."
	}
	if deref(st.Type) == papi.StackTypeSwarm {
		if la.container != "" {
			return "", nil, time.Time{}, ArgError(tool, fmt.Errorf("stack %d is a swarm stack: its logs are read per service; give service instead of container", deref(st.Id)))
		}
		list, at, res := d.stackServices(ctx, tool, envID, name)
		if res != nil {
			return "", nil, at, res
		}
		names := serviceIDs(list, name)
		svc, err := pickService(st, names, la.service, stopped)
		if err != nil {
			return "", nil, at, ArgError(tool, err)
		}
		return svc, []logSource{{ref: names[svc], name: name + "_" + svc, service: true}}, at, nil
	}
	list, at, res := d.projectContainers(ctx, tool, envID, name, "")
	if res != nil {
		return "", nil, at, res
	}
	sortContainers(list)
	if la.container != "" {
		for i := range list {
			c := &list[i]
			if n := containerName(c); n == strings.TrimPrefix(la.container, "/") || (len(la.container) >= 4 && strings.HasPrefix(deref(c.Id), la.container)) {
				return deref(c.Labels)[labelService], []logSource{{ref: deref(c.Id), name: n}}, at, nil
			}
		}
		var names []string
		for i := range list {
			names = append(names, containerName(&list[i]))
		}
		return "", nil, at, ArgError(tool, fmt.Errorf("stack %d has no container %q; its containers: %s.%s", deref(st.Id), la.container, listOrNone(names), stopped))
	}
	svc, err := pickService(st, composeServices(list), la.service, stopped)
	if err != nil {
		return "", nil, at, ArgError(tool, err)
	}
	var out []logSource
	for i := range list {
		if deref(list[i].Labels)[labelService] == svc {
			out = append(out, logSource{ref: deref(list[i].Id), name: containerName(&list[i])})
		}
	}
	return svc, out, at, nil
}

// pickService chooses the service a call means: the one named (with or without the
// "<stack>_" prefix swarm adds), or the only one.
func pickService(st *papi.Stack, services map[string]string, want, stopped string) (string, error) {
	names := sortedKeys(services)
	want = strings.TrimPrefix(want, deref(st.Name)+"_")
	switch {
	case len(names) == 0:
		return "", fmt.Errorf("stack %d (%s) runs no containers, so there is no log to read.%s get_stack_status says more", deref(st.Id), deref(st.Name), stopped)
	case want == "" && len(names) == 1:
		return names[0], nil
	case want == "":
		return "", fmt.Errorf("stack %d has %d services (%s): name one with service", deref(st.Id), len(names), listOrNone(names))
	case !slices.Contains(names, want):
		return "", fmt.Errorf("stack %d has no service %q; its services: %s", deref(st.Id), want, listOrNone(names))
	}
	return want, nil
}

// listOrNone lists names for a message, at most 20.
func listOrNone(names []string) string {
	switch {
	case len(names) == 0:
		return "none"
	case len(names) > 20:
		return strings.Join(names[:20], ", ") + fmt.Sprintf(" and %d more", len(names)-20)
	}
	return strings.Join(names, ", ")
}

// formatLog writes lines as text: optionally each with its time, and with the container's
// name when lines of several are merged.
func formatLog(lines []logLine, timestamps, sources bool) string {
	var b strings.Builder
	for _, l := range lines {
		if timestamps && !l.at.IsZero() {
			b.WriteString(l.at.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
			b.WriteByte(' ')
		}
		if sources {
			b.WriteString(l.source)
			b.WriteString(" | ")
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// logResult cuts the log to the newest lines that fit (maxLogText, and the whole answer
// under MaxText once encoded) and builds the answer: the text is the log itself.
func logResult(v views.StackLogsView, text string, notes []string) (*mcp.CallToolResult, error) {
	full, budget := text, maxLogText
	for {
		cut := false
		text, cut = CutText(full, budget, true)
		v.Log = text
		all := slices.Clone(notes)
		if cut {
			kept := strings.Count(text, "\n")
			v.Lines = kept
			all = append(all, fmt.Sprintf("Cut to the newest %d lines to keep the answer short: narrow it with tail, since or grep.", kept))
		}
		v.Note = nil
		if len(all) > 0 {
			v.Note = ptr(strings.Join(all, " "))
		}
		raw, err := encodeJSON(v)
		if err != nil {
			return nil, err
		}
		shown := text
		if v.Note != nil {
			shown += "[" + *v.Note + "]"
		}
		if len(raw) <= MaxText && len(shown) <= MaxText || budget == 0 {
			return rawResult(raw, shown), nil
		}
		budget = max(0, min(budget, len(text))*MaxText/max(len(raw), len(shown))*9/10)
	}
}

// stackScrubber removes from container output the values of the stack's env variables that
// hold secrets (a process that prints its configuration would show them); the API key and
// the call's own secrets are scrubbed from every answer by the server.
func (d *Deps) stackScrubber(st *papi.Stack) *Scrubber {
	var secrets []string
	for _, p := range deref(st.Env) {
		if secretName(p.Name) {
			secrets = append(secrets, deref(p.Value))
		}
	}
	return NewScrubber(secrets)
}
