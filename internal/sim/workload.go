package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// workload is one service of a deployed compose file as the simulated Docker runs it: what
// its containers (or swarm tasks) are and do, read from the compose text by the convention in
// the package documentation.
type workload struct {
	service       string
	image         string
	replicas      int
	global        bool // swarm deploy.mode: global (one task on the one simulated node)
	ports         []portMap
	restart       restartPolicy
	health        *healthSpec
	exit          *exitSpec // nil: the process runs until it is stopped
	missing       string    // the command, when it does not exist: the container cannot start
	tty           bool
	containerName string
	hash          string // the service's definition: a redeploy recreates changed services only
}

// restartPolicy is compose's restart (no, always, on-failure[:N], unless-stopped) or swarm's
// deploy.restart_policy (condition none, on-failure, any; max_attempts; delay).
type restartPolicy struct {
	name       string
	maxRetries int
	delay      time.Duration // swarm only: the pause before a task is replaced (default 5s)
}

// restarts tells whether a process that exited with code, after restarts restarts, is started again.
func (p restartPolicy) restarts(code, restarts int) bool {
	switch p.name {
	case "always", "unless-stopped", "any":
		return p.maxRetries == 0 || restarts < p.maxRetries
	case "on-failure":
		return code != 0 && (p.maxRetries == 0 || restarts < p.maxRetries)
	}
	return false
}

// healthSpec is a healthcheck: probes every interval from the start; failures in the start
// period do not count; retries failures in a row make the container unhealthy.
type healthSpec struct {
	test        []string
	interval    time.Duration
	startPeriod time.Duration
	retries     int
	failing     bool // by convention: the test says false or fail*
}

// exitSpec is a process that exits with code after running for after, writing message.
type exitSpec struct {
	code    int
	after   time.Duration
	message string
}

// portMap is one published port.
type portMap struct {
	ip        string
	published int
	target    int
	protocol  string
}

// Defaults of Docker and of the convention.
const (
	defaultExitAfter      = time.Second      // how long an `exit N` process runs
	defaultHealthInterval = 30 * time.Second // Docker's healthcheck interval
	defaultHealthRetries  = 3                // Docker's healthcheck retries
	defaultSwarmDelay     = 5 * time.Second  // swarm's restart_policy.delay
)

// composeService is the part of a compose service the simulator reads.
type composeService struct {
	Image         string         `yaml:"image"`
	Command       any            `yaml:"command"`
	Ports         []any          `yaml:"ports"`
	Restart       string         `yaml:"restart"`
	Scale         any            `yaml:"scale"`
	Tty           bool           `yaml:"tty"`
	ContainerName string         `yaml:"container_name"`
	Profiles      []string       `yaml:"profiles"`
	Healthcheck   *composeHealth `yaml:"healthcheck"`
	Deploy        struct {
		Mode          string `yaml:"mode"`
		Replicas      any    `yaml:"replicas"`
		RestartPolicy *struct {
			Condition   string `yaml:"condition"`
			MaxAttempts int    `yaml:"max_attempts"`
			Delay       string `yaml:"delay"`
		} `yaml:"restart_policy"`
	} `yaml:"deploy"`
}

type composeHealth struct {
	Test        any    `yaml:"test"`
	Interval    string `yaml:"interval"`
	Retries     *int   `yaml:"retries"`
	StartPeriod string `yaml:"start_period"`
	Disable     bool   `yaml:"disable"`
}

// workloads reads the services of a deployed compose file (env interpolated as compose does),
// sorted by name. Services with profiles are left out: compose up does not start them.
func workloads(content string, env []papi.Pair, swarm bool) []workload {
	text := interpolate(content, env)
	var doc struct {
		Services map[string]yaml.Node `yaml:"services"`
	}
	if yaml.Unmarshal([]byte(text), &doc) != nil {
		return nil
	}
	var out []workload
	for _, name := range slices.Sorted(maps.Keys(doc.Services)) {
		node := doc.Services[name]
		var svc composeService
		if node.Decode(&svc) != nil || len(svc.Profiles) > 0 {
			continue
		}
		raw, _ := yaml.Marshal(&node)
		sum := sha256.Sum256(raw)
		out = append(out, svc.workload(name, swarm, hex.EncodeToString(sum[:])))
	}
	return out
}

func (svc composeService) workload(name string, swarm bool, hash string) workload {
	w := workload{service: name, image: svc.Image, replicas: 1, tty: svc.Tty, containerName: svc.ContainerName, hash: hash}
	if n, ok := intOf(svc.Deploy.Replicas); ok {
		w.replicas = n
	} else if n, ok := intOf(svc.Scale); ok && !swarm {
		w.replicas = n
	}
	w.global = swarm && svc.Deploy.Mode == "global"
	if w.global {
		w.replicas = 1
	}
	for _, p := range svc.Ports {
		if pm, ok := parsePort(p); ok {
			w.ports = append(w.ports, pm)
		}
	}
	if swarm {
		w.restart = restartPolicy{name: "any", delay: defaultSwarmDelay}
		if rp := svc.Deploy.RestartPolicy; rp != nil {
			if rp.Condition != "" {
				w.restart.name = rp.Condition
			}
			w.restart.maxRetries = rp.MaxAttempts
			if d, err := time.ParseDuration(rp.Delay); err == nil {
				w.restart.delay = d
			}
		}
	} else {
		policy, max, _ := strings.Cut(svc.Restart, ":")
		w.restart = restartPolicy{name: policy}
		if policy == "" {
			w.restart.name = "no"
		}
		w.restart.maxRetries, _ = strconv.Atoi(max)
	}
	words := commandWords(svc.Command)
	switch {
	case len(words) > 0 && strings.Contains(words[0], "does-not-exist"):
		w.missing = words[0]
	case len(words) > 0 && words[0] == "exit":
		w.exit = parseExit(words[1:])
	}
	if hc := svc.Healthcheck; hc != nil && !hc.Disable {
		test := commandWords(hc.Test)
		if len(test) > 0 && test[0] != "NONE" {
			h := &healthSpec{test: test, interval: defaultHealthInterval, retries: defaultHealthRetries}
			if d, err := time.ParseDuration(hc.Interval); err == nil && d > 0 {
				h.interval = d
			}
			if d, err := time.ParseDuration(hc.StartPeriod); err == nil {
				h.startPeriod = d
			}
			if hc.Retries != nil && *hc.Retries > 0 {
				h.retries = *hc.Retries
			}
			for _, word := range test {
				if word == "false" || strings.HasPrefix(word, "fail") {
					h.failing = true
				}
			}
			w.health = h
		}
	}
	return w
}

// parseExit reads the words after `exit`: a code (default 0), then optionally how long the
// process runs (a Go duration, default 1s), then the message it writes to stderr.
func parseExit(words []string) *exitSpec {
	e := &exitSpec{after: defaultExitAfter}
	if len(words) > 0 {
		if n, err := strconv.Atoi(words[0]); err == nil {
			e.code = n
			words = words[1:]
		}
	}
	if len(words) > 0 {
		if d, err := time.ParseDuration(words[0]); err == nil && d > 0 {
			e.after = d
			words = words[1:]
		}
	}
	e.message = strings.Join(words, " ")
	if e.message == "" {
		e.message = fmt.Sprintf("exiting with code %d", e.code)
	}
	return e
}

// commandWords is a command or healthcheck test as words: a list as is (a leading CMD or
// CMD-SHELL dropped), a string split on blanks.
func commandWords(v any) []string {
	var words []string
	switch c := v.(type) {
	case string:
		words = strings.Fields(c)
	case []any:
		for _, x := range c {
			words = append(words, fmt.Sprint(x))
		}
	}
	if len(words) > 0 && (words[0] == "CMD" || words[0] == "CMD-SHELL") {
		words = words[1:]
		if len(words) == 1 {
			words = strings.Fields(words[0])
		}
	}
	return words
}

func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

// parsePort reads the short ("8080:80", "127.0.0.1:8080:80/udp", "80") and long
// ({target, published, protocol}) port syntaxes. An unpublished port is left out.
func parsePort(v any) (portMap, bool) {
	pm := portMap{protocol: "tcp"}
	switch p := v.(type) {
	case map[string]any:
		t, _ := intOf(p["target"])
		pub, _ := intOf(fmt.Sprint(p["published"]))
		pm.target, pm.published = t, pub
		if proto, ok := p["protocol"].(string); ok {
			pm.protocol = proto
		}
		if ip, ok := p["host_ip"].(string); ok {
			pm.ip = ip
		}
	case string, int:
		s := fmt.Sprint(p)
		if spec, proto, ok := strings.Cut(s, "/"); ok {
			s, pm.protocol = spec, proto
		}
		parts := strings.Split(s, ":")
		if len(parts) < 2 {
			return pm, false
		}
		if len(parts) == 3 {
			pm.ip = parts[0]
			parts = parts[1:]
		}
		pm.published, _ = strconv.Atoi(parts[0])
		pm.target, _ = strconv.Atoi(parts[1])
	default:
		return pm, false
	}
	return pm, pm.published > 0 && pm.target > 0
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// interpolate replaces ${VAR}, ${VAR:-default}, ${VAR-default} and $VAR with the stack's env,
// as compose does with the env Portainer passes it.
func interpolate(text string, env []papi.Pair) string {
	values := map[string]string{}
	for _, p := range env {
		values[p.Name] = deref(p.Value)
	}
	text = strings.ReplaceAll(text, "$$", "\x00")
	text = varRef.ReplaceAllStringFunc(text, func(m string) string {
		sub := varRef.FindStringSubmatch(m)
		name := sub[1] + sub[4]
		v, set := values[name] // never the simulator's own environment
		switch sub[2] {
		case ":-":
			if v == "" {
				return sub[3]
			}
		case "-":
			if !set {
				return sub[3]
			}
		}
		return v
	})
	return strings.ReplaceAll(text, "\x00", "$")
}

// missingCommandError is Docker's answer when a container's command does not exist; compose up
// fails with it and Portainer removes the stack's containers again.
func missingCommandError(cmd string) string {
	reason := fmt.Sprintf("exec: %q: stat %s: no such file or directory", cmd, cmd)
	if !strings.Contains(cmd, "/") {
		reason = fmt.Sprintf("exec: %q: executable file not found in $PATH", cmd)
	}
	return "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: " + reason + ": unknown"
}
