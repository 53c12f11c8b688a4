package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// desc is what the re-create flow must keep or produce, read from the simulator.
type desc struct {
	Name, URL, Ref, Path, File string
	Files                      []string
	Env                        map[string]string
	Mechanism, Interval, Hook  string
	User, Password             string
}

func describeStack(st sim.StackState) desc {
	d := desc{Name: deref(st.Stack.Name), Env: map[string]string{}, File: st.File}
	for _, p := range deref(st.Stack.Env) {
		d.Env[p.Name] = deref(p.Value)
	}
	if g := st.Stack.GitConfig; g != nil {
		d.URL, d.Ref, d.Path, d.File = deref(g.URL), deref(g.ReferenceName), deref(g.ConfigFilePath), ""
		if files := deref(st.Stack.AdditionalFiles); len(files) > 0 {
			d.Files = files
		}
		if g.Authentication != nil {
			d.User, d.Password = deref(g.Authentication.Username), deref(g.Authentication.Password)
		}
	}
	if au := st.Stack.AutoUpdate; au != nil {
		d.Interval, d.Hook = deref(au.Interval), deref(au.Webhook)
		d.Mechanism = "on"
	}
	return d
}

func (h *harness) byName(name string) (sim.StackState, bool) { return h.sim.StackByName(1, name) }

func TestRecreateDryRunChangesNothing(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", map[string]any{"gitops": "webhook"})
		before := h.state()
		plan := h.ok("recreate_stack", map[string]any{"stack_id": id, "repository_url": repoB, "old_password": sentinel, "name": "app2"})
		if plan["dry_run"] != true || h.state() != before {
			t.Fatalf("dry run changed something or is not marked: %v", plan)
		}
		txt := fmt.Sprint(plan)
		for _, want := range []string{"will_delete", "will_create", "app-v2.git", "named volumes", "webhook URL", "stack id changes"} {
			if !strings.Contains(txt, want) {
				t.Errorf("plan lacks %q: %s", want, txt)
			}
		}
		h.noLeak()
	})
}

func TestRecreateKinds(t *testing.T) {
	cases := []struct {
		name  string
		setup func(h *harness) int
		args  map[string]any
		want  func(t *testing.T, old, now desc)
	}{
		{"file-based to Git", func(h *harness) int {
			out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": composeA, "env": []map[string]any{{"name": "A", "value": "1"}}})
			return int(out["id"].(float64))
		}, map[string]any{"repository_url": repoA, "gitops": "polling", "interval": "5m"}, func(t *testing.T, old, now desc) {
			if now.URL != repoA || now.Path != "docker-compose.yml" || now.Interval != "5m" || !reflect.DeepEqual(now.Env, old.Env) {
				t.Errorf("file->git: %+v", now)
			}
		}},
		{"new repository URL", func(h *harness) int { return h.gitStack("app", map[string]any{"gitops": "webhook"}) },
			map[string]any{"repository_url": repoB, "old_password": sentinel}, func(t *testing.T, old, now desc) {
				if now.URL != repoB || now.Hook != old.Hook || now.Hook == "" || now.User != "" || !reflect.DeepEqual(now.Env, old.Env) {
					t.Errorf("url: %+v (old %+v)", now, old)
				}
			}},
		{"new compose path", func(h *harness) int { return h.gitStack("app", map[string]any{"gitops": "polling", "interval": "7m"}) },
			map[string]any{"repository_url": repoB, "compose_path": "stack/compose.yml", "old_password": sentinel}, func(t *testing.T, old, now desc) {
				if now.Path != "stack/compose.yml" || now.Interval != "7m" {
					t.Errorf("path: %+v", now)
				}
			}},
		{"additional files", func(h *harness) int {
			out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "app", "repository_url": repoA})
			return int(out["stack_id"].(float64))
		}, map[string]any{"additional_files": []string{"extra.yml"}}, func(t *testing.T, old, now desc) {
			if !reflect.DeepEqual(now.Files, []string{"extra.yml"}) {
				t.Errorf("files: %+v", now)
			}
		}},
		{"rename, credentials kept", func(h *harness) int { return h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"}) },
			map[string]any{"name": "app-renamed", "password": sentinel}, func(t *testing.T, old, now desc) {
				if now.Name != "app-renamed" || now.Password != sentinel || now.User != gitUser || now.URL != old.URL {
					t.Errorf("rename: %+v", now)
				}
			}},
		{"rename a file-based stack", func(h *harness) int {
			out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": composeA})
			return int(out["id"].(float64))
		}, map[string]any{"name": "web2"}, func(t *testing.T, old, now desc) {
			if now.Name != "web2" || now.File != composeA || now.URL != "" {
				t.Errorf("file rename: %+v", now)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			id := c.setup(h)
			old := describeStack(h.stack(id))
			args := map[string]any{"stack_id": id, "dry_run": false}
			for k, v := range c.args {
				args[k] = v
			}
			out := h.ok("recreate_stack", args)
			if out["result"] != "re-created" {
				t.Fatalf("result = %v", out)
			}
			if _, ok := h.sim.Stack(id); ok {
				t.Error("the old stack still exists")
			}
			name := old.Name
			if n, ok := c.args["name"].(string); ok {
				name = n
			}
			st, ok := h.byName(name)
			if !ok {
				t.Fatalf("no stack %s after the re-create", name)
			}
			c.want(t, old, describeStack(st))
			// It worked: the snapshot, which holds env values, is gone.
			if snap, ok := out["snapshot"]; ok || len(snapshotFiles(t, h)) != 0 {
				t.Errorf("snapshot %v left: %v", snap, snapshotFiles(t, h))
			}
			h.noLeak()
		})
	}
}

func TestRecreateRefusesTakenName(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := h.gitStack("app", nil)
		h.ok("create_stack", map[string]any{"environment_id": 1, "name": "taken", "compose": composeA})
		before := h.state()
		h.fails("recreate_stack", map[string]any{"stack_id": id, "name": "taken", "password": sentinel, "dry_run": false}, "already used")
		if h.state() != before {
			t.Error("Portainer changed")
		}
	})
}

// flow is one re-create to break: a starting stack and the change asked of it.
type flow struct {
	name    string
	setup   func(h *harness) int
	args    map[string]any
	newName string
	isNew   func(now, orig desc) bool
}

var flows = []flow{
	{
		// A Git stack with stored credentials, env with values and a webhook, moved to
		// another repository and compose path.
		name: "git-to-git",
		setup: func(h *harness) int {
			return h.gitStack("app", map[string]any{"gitops": "polling+webhook", "interval": "5m"})
		},
		args:    map[string]any{"repository_url": repoB, "compose_path": "stack/compose.yml", "old_password": sentinel, "dry_run": false},
		newName: "app",
		isNew: func(now, orig desc) bool {
			return now.URL == repoB && now.Path == "stack/compose.yml" && reflect.DeepEqual(now.Env, orig.Env) && now.Hook == orig.Hook && now.Interval == orig.Interval
		},
	},
	{
		// A file-based stack moved onto Git under a new name.
		name: "file-to-git-renamed",
		setup: func(h *harness) int {
			out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "app", "compose": composeA,
				"env": []map[string]any{{"name": "TOKEN", "value": "t-1"}}})
			return int(out["id"].(float64))
		},
		args:    map[string]any{"repository_url": repoA, "name": "app-git", "gitops": "webhook", "dry_run": false},
		newName: "app-git",
		isNew: func(now, orig desc) bool {
			return now.URL == repoA && now.Hook != "" && reflect.DeepEqual(now.Env, orig.Env)
		},
	},
}

func (f flow) start(t *testing.T, version string) (*harness, int, desc, int) {
	h := newHarnessOn(t, version)
	id := f.setup(h)
	return h, id, describeStack(h.stack(id)), len(h.sim.Requests())
}

// calls runs the flow once without faults and returns the Portainer calls it makes.
func (f flow) calls(t *testing.T, version string) []string {
	t.Helper()
	h, id, _, skip := f.start(t, version)
	if msg, isErr := f.run(h, id); isErr {
		t.Fatalf("%s fails without faults on %s: %s", f.name, version, msg)
	}
	return h.sim.Requests()[skip:]
}

func (f flow) run(h *harness, id int) (string, bool) {
	args := map[string]any{"stack_id": id}
	for k, v := range f.args {
		args[k] = v
	}
	res := h.call("recreate_stack", args)
	return textOf(res), res.IsError
}

// TestRecreateFaultTable makes each Portainer call of each flow fail in turn (an error
// answer, a refusal, a dropped connection, and a call that happened but whose answer was lost) and
// checks that afterwards either the new stack exists as asked or the original exists as it
// was, and that the result says which. Never neither.
func TestRecreateFaultTable(t *testing.T) {
	for _, version := range profiles {
		for _, fl := range flows {
			calls := fl.calls(t, version)
			if len(calls) < 5 {
				t.Fatalf("%s made only %d calls: %v", fl.name, len(calls), calls)
			}
			modes := []struct {
				name string
				f    sim.Fault
			}{
				{"500", sim.Fault{Status: 500, Message: "injected"}},
				// A refusal whose hint says "Nothing was changed" on its own.
				{"400", sim.Fault{Status: 400, Message: "injected refusal"}},
				{"drop", sim.Fault{Drop: true}},
				// Twice: Go's client retries a read dropped once, unseen.
				{"drop twice", sim.Fault{Drop: true, Times: 2}},
				{"after", sim.Fault{After: true, Status: 502}},
			}
			for k, call := range calls {
				method, target, _ := strings.Cut(call, " ")
				path, _, _ := strings.Cut(target, "?")
				for _, m := range modes {
					if m.f.Times == 2 && method != "GET" {
						continue // a write failed twice is the create and the restore: TestRecreateRestoreFails
					}
					t.Run(fmt.Sprintf("%s/%s/%02d %s %s %s", version, fl.name, k, method, path, m.name), func(t *testing.T) {
						h, id, orig, skip := fl.start(t, version)
						// The fault must hit this call: count the flow's matching calls up to it
						// (a fault sees only the requests made after it is injected).
						nth := 0
						for _, r := range calls[:k+1] {
							rm, rt, _ := strings.Cut(r, " ")
							rp, _, _ := strings.Cut(rt, "?")
							if rm == method && strings.HasPrefix(rp, path) {
								nth++
							}
						}
						f := m.f
						f.Method, f.PathPrefix, f.Nth = method, path, nth
						h.sim.InjectFault(f)
						msg, isErr := fl.run(h, id)
						if !fired(h, skip, call) {
							t.Fatalf("the fault never hit %s: %v", call, h.sim.Requests()[skip:])
						}

						newSt, newOK := h.byName(fl.newName)
						oldSt, oldOK := h.byName(orig.Name)
						asNew := newOK && fl.isNew(describeStack(newSt), orig)
						asOld := oldOK && reflect.DeepEqual(describeStack(oldSt), orig)
						switch {
						case asNew && !(asOld && fl.newName != orig.Name):
							if isErr && !strings.Contains(msg, "differs") {
								t.Errorf("the new stack exists as asked, but the tool reported failure: %s", msg)
							}
						case asOld && !(newOK && fl.newName != orig.Name):
							if !isErr {
								t.Errorf("the original is as it was, but the tool reported success: %s", msg)
							}
							if !strings.Contains(msg, "RESTORED") && !strings.Contains(msg, "unchanged") && !strings.Contains(msg, "Nothing was changed") {
								t.Errorf("the error does not say the original is unchanged or restored: %s", msg)
							}
						default:
							t.Fatalf("NEITHER only the new stack nor only the original exists as it should.\nnew (exists %v): %+v\nold (exists %v): %+v\noriginal: %+v\nmessage: %s\nrequests: %v",
								newOK, describeStack(newSt), oldOK, describeStack(oldSt), orig, msg, h.sim.Requests()[skip:])
						}
						for _, p := range readsBadly(msg) {
							t.Errorf("%s:\n%s", p, msg)
						}
						n := countStacks(h, fl.newName)
						if fl.newName != orig.Name {
							n += countStacks(h, orig.Name)
						}
						if n != 1 {
							t.Errorf("%d stacks named %s/%s", n, orig.Name, fl.newName)
						}
						h.noLeak()
					})
				}
			}
		}
	}
}

// fired tells whether the flow sent call at all (a fault that misses tests nothing).
func fired(h *harness, skip int, call string) bool {
	for _, r := range h.sim.Requests()[skip:] {
		if r == call {
			return true
		}
	}
	return false
}

func countStacks(h *harness, name string) int {
	n := 0
	for _, s := range h.sim.Stacks() {
		if strings.EqualFold(deref(s.Stack.Name), name) {
			n++
		}
	}
	return n
}

// TestRecreateRestoreFails: when both the new create and the restore fail, the error gives
// the snapshot's path and how to restore by hand, and the snapshot holds what is needed.
func TestRecreateRestoreFails(t *testing.T) {
	h, id, orig, _ := flows[0].start(t, "")
	h.sim.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Times: -1, Status: 500, Message: "disk full"})
	msg, isErr := flows[0].run(h, id)
	if !isErr || !strings.Contains(msg, "NOT RESTORED") || !strings.Contains(msg, "snapshot") || !strings.Contains(msg, "create_stack_from_git") {
		t.Fatalf("message: %s", msg)
	}
	i := strings.Index(msg, h.deps.StateDir)
	if i < 0 {
		t.Fatalf("the error does not give the snapshot path: %s", msg)
	}
	path := strings.Fields(msg[i:])[0]
	path = strings.TrimRight(path, ".,")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("snapshot %s: %v", path, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("snapshot %s: %v %v", path, err, info)
	}
	if !json.Valid(raw) {
		t.Error("the snapshot is not JSON")
	}
	for _, want := range []string{orig.URL, orig.Hook, "db-secret-value", orig.Interval, gitUser} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("snapshot lacks %q", want)
		}
	}
	if strings.Contains(string(raw), sentinel) {
		t.Error("snapshot holds the password")
	}
	h.noLeak()
}

// TestRecreateSlowCreateIsNotRestoredBeside: the create's connection drops while Portainer
// goes on deploying, and the stack appears only later. The flow must keep looking and
// report the new stack, not restore the original beside it.
func TestRecreateSlowCreateIsNotRestoredBeside(t *testing.T) {
	h, id, orig, _ := flows[0].start(t, "")
	h.sim.InjectFault(sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Nth: 1, Drop: true})
	st := h.stack(id)
	waits := 0
	h.deps.Sleep = func(time.Duration) {
		waits++
		if waits != 2 {
			return
		}
		// Portainer finishes the deploy late.
		env := deref(st.Stack.Env)
		au := *st.Stack.AutoUpdate
		au.JobID = nil
		resp, err := h.deps.Client.StackCreateDockerStandaloneRepositoryWithResponse(context.Background(),
			&papi.StackCreateDockerStandaloneRepositoryParams{EndpointId: 1},
			papi.ComposeStackFromGitPayload{Name: "app", RepositoryURL: repoB, RepositoryReferenceName: ptr("refs/heads/main"),
				ComposeFile: ptr("stack/compose.yml"), Env: &env, AutoUpdate: &au})
		if err != nil || resp.JSON200 == nil {
			t.Errorf("late create: %v %s", err, resp.Body)
		}
	}
	msg, isErr := flows[0].run(h, id)
	if isErr {
		t.Fatalf("reported a failure: %s", msg)
	}
	if n := countStacks(h, "app"); n != 1 {
		t.Fatalf("%d stacks named app", n)
	}
	now, _ := h.byName("app")
	if d := describeStack(now); d.URL != repoB || d.Hook != orig.Hook {
		t.Errorf("stack now: %+v", d)
	}
	if waits < 2 {
		t.Errorf("the flow did not keep looking (%d waits)", waits)
	}
}

// doubleStop is a doubled full stop ending a sentence (an ellipsis is not one, nor a path's
// '..').
var doubleStop = regexp.MustCompile(`(^|[^.])\.\.(\s|$)`)

// readsBadly lists what makes a recreate_stack answer read badly: the tool named more than
// once (a step's error pasted whole), advice given twice or quoted from a failed step,
// "Nothing was changed" said twice, a doubled full stop. The harness runs it over every recreate_stack answer (checkRecreate).
func readsBadly(msg string) []string {
	var out []string
	if n := strings.Count(msg, "recreate_stack:"); n > 1 {
		out = append(out, fmt.Sprintf("the tool is named %d times", n))
	}
	if n := strings.Count(strings.ToLower(msg), "fix the cause"); n > 1 {
		out = append(out, fmt.Sprintf("%q is said %d times", "fix the cause", n))
	}
	if strings.Contains(msg, "try again") && strings.Contains(msg, "recreate_stack again") {
		out = append(out, "two pieces of advice to try again")
	}
	if n := strings.Count(strings.ToLower(msg), "nothing was changed"); n > 1 {
		out = append(out, fmt.Sprintf("%q is said %d times", "Nothing was changed", n))
	}
	if strings.Contains(msg, "FAILED") && strings.Contains(msg, "Fix the request as the message says") {
		out = append(out, "a failed step's own advice quoted in the re-create's answer")
	}
	if doubleStop.MatchString(msg) {
		out = append(out, "a doubled full stop")
	}
	return out
}

// TestRecreateFailureReadsWell: a failed re-create says in one sentence each what failed,
// what became of the original and what to do, whatever the step that failed said.
func TestRecreateFailureReadsWell(t *testing.T) {
	cases := []struct {
		name  string
		clock bool // containers follow the harness's clock
		args  map[string]any
		fault *sim.Fault
		cause string
	}{
		{"create refused", false, map[string]any{"name": "app2", "password": sentinel},
			&sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Nth: 1, Status: 500, Message: "injected"}, "injected"},
		{"new source does not deploy", false, map[string]any{"repository_url": repoBroken, "old_password": sentinel}, nil, "does-not-exist"},
		{"new source's container exits", true, map[string]any{"repository_url": repoCrash, "old_password": sentinel}, nil, "disk full"},
		{"create and restore refused", false, map[string]any{"name": "app2", "password": sentinel},
			&sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Times: -1, Status: 500, Message: "injected"}, "injected"},
	}
	for _, c := range cases {
		for _, version := range profiles {
			t.Run(c.name+"/"+version, func(t *testing.T) {
				h := newHarnessOn(t, version)
				if c.clock {
					h = clockHarnessOn(t, version)
				}
				addBadRepos(h)
				id := h.gitStack("app", nil)
				if c.fault != nil {
					h.sim.InjectFault(*c.fault)
				}
				args := map[string]any{"stack_id": id, "dry_run": false}
				for k, v := range c.args {
					args[k] = v
				}
				msg := h.fails("recreate_stack", args, "FAILED", c.cause)
				for _, p := range readsBadly(msg) {
					t.Errorf("%s:\n%s", p, msg)
				}
			})
		}
	}
}

// TestRecreateQuestionReadsWell: the question asked before a re-create ends its sentences
// with one full stop.
func TestRecreateQuestionReadsWell(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("app", nil)
	a := h.asking(decline)
	h.fails("recreate_stack", map[string]any{"stack_id": id, "name": "app2", "password": sentinel, "dry_run": false}, "declined")
	if len(a.questions) != 1 {
		t.Fatalf("questions: %q", a.questions)
	}
	for _, p := range readsBadly(a.questions[0]) {
		t.Errorf("%s: %s", p, a.questions[0])
	}
}

// TestRecreateInPlaceSharedSource: from 2.43 a stack's TLS setting lives on its GitOps Source,
// which a re-create from the same repository keeps, and an in-place change that carries
// credentials would rewrite the Source every stack on it uses (PC §3): both are refused,
// changing nothing; without them the change goes through and leaves the Source as it was.
func TestRecreateInPlaceSharedSource(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	h.sim.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": composeA, "deploy/compose.yml": composeA})
	a := h.gitStack("alpha", nil)
	b := h.gitStack("beta", nil)
	srcID := h.stack(b).SourceID
	if srcID == 0 || h.stack(a).SourceID != srcID {
		t.Fatalf("alpha and beta are not on one Source: %d, %d", h.stack(a).SourceID, srcID)
	}
	for _, c := range []struct {
		extra map[string]any
		say   string
	}{{map[string]any{"tls_skip_verify": true}, "update_stack_gitops tls_skip_verify"}, {map[string]any{"username": gitUser, "password": sentinel}, "beta"}} {
		extra := c.extra
		args := map[string]any{"stack_id": a, "compose_path": "deploy/compose.yml", "dry_run": false}
		for k, v := range extra {
			args[k] = v
		}
		before := h.state()
		h.fails("recreate_stack", args, c.say, "update_stack_gitops", "Nothing was changed")
		if h.state() != before {
			t.Fatalf("the refused in-place change %v changed the simulator", extra)
		}
	}
	out := h.ok("recreate_stack", map[string]any{"stack_id": a, "compose_path": "deploy/compose.yml", "dry_run": false})
	if out["method"] != "in place" {
		t.Fatalf("method = %v, want in place", out["method"])
	}
	if w := fmt.Sprint(out["warnings"]); strings.Contains(w, "Reading the stack back") {
		t.Errorf("a change on the stack's Source warns of a difference: %s", w)
	}
	if src, _ := h.sim.Source(srcID); src.TLSSkipVerify || src.Password != sentinel {
		t.Errorf("the Source beta uses changed: TLS skip %v, password kept %v", src.TLSSkipVerify, src.Password == sentinel)
	}
	h.noLeak()
}
