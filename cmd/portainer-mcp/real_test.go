package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// TestRealPortainer drives the portainer-mcp binary over stdio against a real Portainer CE on a
// real Docker engine (shared/real-portainer/up.sh; `make test-real`). It is skipped when the
// REAL_* variables are absent. The cases run in parallel: most of their time is spent waiting
// for Portainer's polling. Each makes its own uniquely named stacks, repositories and
// environments and removes them when it ends, failed or not.
func TestRealPortainer(t *testing.T) {
	p := realtest.Load(t)
	for _, c := range []struct {
		name string
		run  func(t *testing.T, p *realtest.Portainer)
	}{
		{"compose life cycle", realComposeLifecycle},
		{"git polling deploys a push", realGitPolling},
		{"webhook deploys a push", realWebhook},
		{"gitops changes on a private repository", realPrivateGitOps},
		{"detach guard and explicit detach", realDetach},
		{"recreate file-based to git, then rename", realRecreate},
		{"bad interval changes nothing", realBadInterval},
		{"sentinel git password never shown", realSentinel},
		{"list_environments pages", realEnvironmentPaging},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, p)
		})
	}
}

// realSession starts the binary against the real Portainer; when the test ends the API key must
// not be on its stderr.
func realSession(t *testing.T, p *realtest.Portainer) *session {
	t.Helper()
	s := start(t, "PORTAINER_URL="+p.URL, "PORTAINER_API_KEY="+p.APIKey)
	s.timeout = 3 * time.Minute
	t.Cleanup(func() {
		if strings.Contains(s.stderr.String(), p.APIKey) {
			t.Error("the API key reached the server's stderr")
		}
	})
	return s
}

// ok calls a tool that must succeed and returns its structured result.
func (s *session) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	res := s.call(name, args)
	if res.IsError {
		s.t.Fatalf("%s %v: unexpected tool error: %s", name, args, text(res))
	}
	return structured(s.t, res)
}

// at reads a nested field of a result ("git", "deployed_commit"); "" when absent.
func at(m map[string]any, path ...string) string {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return fmt.Sprint(int(x))
	default:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
}

func idOf(t *testing.T, m map[string]any, key string) int {
	t.Helper()
	f, ok := m[key].(float64)
	if !ok || f <= 0 {
		t.Fatalf("no %s in %v", key, m)
	}
	return int(f)
}

// eventually checks cond every `every` until it holds, or fails the test after `within`.
func eventually(t *testing.T, within, every time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	begin := time.Now()
	for !cond() {
		if time.Since(begin) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(every)
	}
	return time.Since(begin)
}

// restStack reads a stack straight from Portainer; ok is false on 404.
func restStack(t *testing.T, p *realtest.Portainer, id int) (papi.Stack, bool) {
	t.Helper()
	resp, err := p.Client.StackInspectWithResponse(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() == 404 {
		return papi.Stack{}, false
	}
	if resp.JSON200 == nil {
		t.Fatalf("GET /stacks/%d: %d %s", id, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON200, true
}

// restStackNamed finds a stack by name on the local environment.
func restStackNamed(t *testing.T, p *realtest.Portainer, name string) (papi.Stack, bool) {
	t.Helper()
	resp, err := p.Client.StackListWithResponse(context.Background(), &papi.StackListParams{})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("GET /stacks: %v", err)
	}
	for _, st := range *resp.JSON200 {
		if strings.EqualFold(deref(st.Name), name) && deref(st.EndpointId) == p.EnvID {
			return st, true
		}
	}
	return papi.Stack{}, false
}

func restFile(t *testing.T, p *realtest.Portainer, id int) string {
	t.Helper()
	resp, err := p.Client.StackFileInspectWithResponse(context.Background(), id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("GET /stacks/%d/file: %v", id, err)
	}
	return deref(resp.JSON200.StackFileContent)
}

// envValues maps a stack's env names to values.
func envValues(st papi.Stack) map[string]string {
	out := map[string]string{}
	for _, e := range deref(st.Env) {
		out[e.Name] = deref(e.Value)
	}
	return out
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func sameJSON(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return string(ra) == string(rb)
}

// gitStack makes a repository under folder (pub or priv) with one commit and a Git stack of it
// through create_stack_from_git with extra arguments; it returns the stack id, the repository and
// the first commit.
func gitStack(t *testing.T, p *realtest.Portainer, s *session, folder, name string, extra map[string]any) (int, *realtest.Repo, string) {
	t.Helper()
	repo := p.Git().NewRepo(t, folder+"/"+name)
	h := repo.Commit("main", composeFile("first"))
	args := map[string]any{"environment_id": p.EnvID, "name": name, "repository_url": repo.URL}
	for k, v := range extra {
		args[k] = v
	}
	return idOf(t, s.ok("create_stack_from_git", args), "stack_id"), repo, h
}

func composeFile(marker string) map[string]string {
	return map[string]string{"docker-compose.yml": realtest.Compose("app", marker)}
}

func realComposeLifecycle(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("life")
	p.RemoveStacksNamed(t, name, name+"-bad")
	secret := "life-secret-" + name

	v1 := realtest.Compose("app", "v1")
	created := s.ok("create_stack", map[string]any{"environment_id": p.EnvID, "name": name, "compose": v1,
		"env": []map[string]any{{"name": "TOKEN", "value": secret}, {"name": "MODE", "value": "one"}}})
	id := idOf(t, created, "id")
	if created["status"] != "active" || created["type"] != "compose" || created["name"] != name {
		t.Errorf("create_stack = %v", created)
	}
	// Portainer answers a compose failure with the same text in message and details, the latter
	// capitalised: the tool must say it once.
	bad := s.call("create_stack", map[string]any{"environment_id": p.EnvID, "name": name + "-bad", "compose": "services: [oops"})
	wantError(t, bad, "yaml: line 1")
	if n := strings.Count(strings.ToLower(text(bad)), "did not find expected"); n != 1 {
		t.Errorf("Portainer's compose error is said %d times:\n%s", n, text(bad))
	}
	first := p.Containers(t, p.EnvID, name)
	if len(first) != 1 || first["app"] == "" {
		t.Fatalf("after create_stack the containers are %v, want app running", first)
	}

	got := s.ok("get_stack", map[string]any{"stack_id": id})
	if got["name"] != name || got["status"] != "active" || strings.Contains(fmt.Sprint(got), secret) {
		t.Errorf("get_stack = %v (env values must stay hidden)", got)
	}
	list := s.ok("list_stacks", map[string]any{"environment_id": p.EnvID, "name": name})
	if list["count"] != float64(1) || at(list["stacks"].([]any)[0].(map[string]any), "id") != fmt.Sprint(id) {
		t.Errorf("list_stacks by name = %v", list)
	}
	if file := s.ok("get_stack_file", map[string]any{"stack_id": id}); file["compose"] != v1 {
		t.Errorf("get_stack_file = %v", file)
	}

	v2 := realtest.Compose("app", "v2")
	s.ok("update_stack", map[string]any{"stack_id": id, "compose": v2})
	if f := restFile(t, p, id); f != v2 {
		t.Errorf("after update_stack Portainer holds %q", f)
	}
	st, _ := restStack(t, p, id)
	if vals := envValues(st); vals["TOKEN"] != secret || vals["MODE"] != "one" || len(vals) != 2 {
		t.Errorf("update_stack without env changed the env: %v", vals)
	}
	if second := p.Containers(t, p.EnvID, name); second["app"] == "" || second["app"] == first["app"] {
		t.Errorf("update_stack did not recreate the container: before %v, after %v", first, second)
	}

	if out := s.ok("stop_stack", map[string]any{"stack_id": id}); out["status"] != "inactive" {
		t.Errorf("stop_stack = %v", out)
	}
	if c := p.Containers(t, p.EnvID, name); len(c) != 0 {
		t.Errorf("containers still run after stop_stack: %v", c)
	}
	wantError(t, s.call("stop_stack", map[string]any{"stack_id": id}), "already stopped", "Nothing was changed")
	if out := s.ok("start_stack", map[string]any{"stack_id": id}); out["status"] != "active" {
		t.Errorf("start_stack = %v", out)
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("no container runs after start_stack: %v", c)
	}
	wantError(t, s.call("start_stack", map[string]any{"stack_id": id}), "already running", "Nothing was changed")

	if out := s.ok("delete_stack", map[string]any{"stack_id": id}); out["ok"] != true {
		t.Errorf("delete_stack = %v", out)
	}
	if _, ok := restStack(t, p, id); ok {
		t.Error("the stack still exists after delete_stack")
	}
	if c := p.Containers(t, p.EnvID, name); len(c) != 0 {
		t.Errorf("containers still run after delete_stack: %v", c)
	}
	wantError(t, s.call("get_stack", map[string]any{"stack_id": id}), "404")
	if strings.Contains(s.stderr.String(), secret) {
		t.Error("an env value reached stderr")
	}
}

func realGitPolling(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("poll")
	p.RemoveStacksNamed(t, name)
	id, repo, h1 := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "1m"})
	g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
	if at(g, "git", "deployed_commit") != h1 || at(g, "gitops", "mechanism") != "polling" || at(g, "gitops", "interval") != "1m" {
		t.Fatalf("get_stack_gitops after create = %v", g)
	}
	before := p.Containers(t, p.EnvID, name)

	h2 := repo.Commit("main", composeFile("c2"))
	took := eventually(t, 2*time.Minute, 5*time.Second, "the pushed commit deployed by polling", func() bool {
		return at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit") == h2
	})
	t.Logf("polling deployed the push after %s", took.Round(time.Second))
	if f := s.ok("get_stack_file", map[string]any{"stack_id": id}); f["compose"] != realtest.Compose("app", "c2") {
		t.Errorf("get_stack_file after the poll = %v", f)
	}
	if after := p.Containers(t, p.EnvID, name); after["app"] == "" || after["app"] == before["app"] {
		t.Errorf("the poll did not redeploy the container: before %v, after %v", before, after)
	}
}

func realWebhook(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("hook")
	p.RemoveStacksNamed(t, name)
	id, repo, h1 := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "webhook"})
	g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
	webhookID := at(g, "gitops", "webhook_id")
	if webhookID == "" || at(g, "gitops", "webhook_url") != p.URL+"/api/stacks/webhooks/"+webhookID {
		t.Fatalf("get_stack_gitops = %v", g)
	}
	if st, _ := restStack(t, p, id); deref(deref(st.AutoUpdate).Webhook) != webhookID || deref(deref(st.GitConfig).ConfigHash) != h1 {
		t.Fatalf("Portainer holds webhook %v and commit %v", deref(deref(st.AutoUpdate).Webhook), deref(deref(st.GitConfig).ConfigHash))
	}
	deployed := func() string {
		return at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit")
	}

	for i, args := range []map[string]any{{"stack_id": id}, {"webhook_id": webhookID}} {
		h := repo.Commit("main", composeFile(fmt.Sprintf("w%d", i+2)))
		if res := s.ok("trigger_stack_webhook", args); res["ok"] != true {
			t.Fatalf("trigger_stack_webhook %v = %v", args, res)
		}
		eventually(t, time.Minute, time.Second, fmt.Sprintf("commit %d deployed by the webhook (%v)", i+2, args), func() bool { return deployed() == h })
	}
}

func realPrivateGitOps(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("priv")
	p.RemoveStacksNamed(t, name)
	id, repo, _ := gitStack(t, p, s, "priv", name, map[string]any{"reference": "main", "username": p.GitUser, "password": p.GitPass,
		"env":    []map[string]any{{"name": "A", "value": "alpha"}, {"name": "B", "value": "beta"}},
		"gitops": "polling", "interval": "5m"})
	want := map[string]string{"A": "alpha", "B": "beta"}

	steps := []struct {
		label string
		args  map[string]any
		check func(g map[string]any) bool
	}{
		{"interval 10m", map[string]any{"interval": "10m"}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "polling" && at(g, "gitops", "interval") == "10m"
		}},
		{"mechanism webhook", map[string]any{"mechanism": "webhook"}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "webhook" && at(g, "gitops", "webhook_url") != "" && at(g, "gitops", "interval") == ""
		}},
		{"set_env C", map[string]any{"set_env": []map[string]any{{"name": "C", "value": "gamma"}}}, func(g map[string]any) bool {
			return at(g, "gitops", "mechanism") == "webhook"
		}},
	}
	for i, step := range steps {
		args := map[string]any{"stack_id": id}
		for k, v := range step.args {
			args[k] = v
		}
		s.ok("update_stack_gitops", args)
		if step.label == "set_env C" {
			want["C"] = "gamma"
		}
		g := s.ok("get_stack_gitops", map[string]any{"stack_id": id})
		if !step.check(g) {
			t.Errorf("%s: the change did not take: %v", step.label, g)
		}
		if at(g, "git", "reference") != "refs/heads/main" || at(g, "git", "credentials_stored") != "true" ||
			at(g, "git", "username") != p.GitUser || at(g, "git", "repository_url") != repo.URL {
			t.Errorf("%s: reference, credentials or repository lost: %v", step.label, g)
		}
		st, _ := restStack(t, p, id)
		if got := envValues(st); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: env is %v, want %v", step.label, got, want)
		}
		// The stored password still clones the private repository.
		h := repo.Commit("main", composeFile(fmt.Sprintf("p%d", i+2)))
		s.ok("redeploy_stack", map[string]any{"stack_id": id})
		if got := at(s.ok("get_stack_gitops", map[string]any{"stack_id": id}), "git", "deployed_commit"); got != h {
			t.Errorf("%s: redeploy_stack with the stored credentials deployed %q, want the new commit %q", step.label, got, h)
		}
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the private stack does not run: %v", c)
	}
}

func realDetach(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name := realtest.Name("detach")
	p.RemoveStacksNamed(t, name)
	id, _, _ := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "5m"})
	before, _ := restStack(t, p, id)
	fileBefore := restFile(t, p, id)

	newFile := realtest.Compose("app", "by-hand")
	wantError(t, s.call("update_stack", map[string]any{"stack_id": id, "compose": newFile}), "detach_from_git", "Nothing was changed")
	after, _ := restStack(t, p, id)
	if !sameJSON(before, after) || restFile(t, p, id) != fileBefore {
		t.Fatalf("the refused update changed the stack:\nbefore %s\nafter  %s", mustJSON(before), mustJSON(after))
	}

	out := s.ok("update_stack", map[string]any{"stack_id": id, "compose": newFile, "detach_from_git": true})
	if out["git"] != nil || !strings.Contains(at(out, "note"), "file-based") {
		t.Errorf("update_stack with detach_from_git = %v", out)
	}
	after, _ = restStack(t, p, id)
	if after.GitConfig != nil || after.AutoUpdate != nil || restFile(t, p, id) != newFile {
		t.Errorf("after the detach Portainer holds GitConfig %v, AutoUpdate %v, file %q", after.GitConfig, after.AutoUpdate, restFile(t, p, id))
	}
	if g := s.ok("get_stack", map[string]any{"stack_id": id}); g["git"] != nil {
		t.Errorf("get_stack still shows Git after the detach: %v", g)
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the detached stack does not run: %v", c)
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func realRecreate(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name, renamed := realtest.Name("recr"), realtest.Name("recr-renamed")
	p.RemoveStacksNamed(t, name, renamed)
	repo := p.Git().NewRepo(t, "pub/"+name)
	h1 := repo.Commit("main", map[string]string{"deploy/compose.yml": realtest.Compose("app", "from-git")})

	oldID := idOf(t, s.ok("create_stack", map[string]any{"environment_id": p.EnvID, "name": name,
		"compose": realtest.Compose("app", "file"), "env": []map[string]any{{"name": "K", "value": "kept-value"}}}), "id")
	args := map[string]any{"stack_id": oldID, "repository_url": repo.URL, "compose_path": "deploy/compose.yml"}
	plan := s.call("recreate_stack", args)
	if plan.IsError || !strings.Contains(text(plan), "dry_run") {
		t.Fatalf("recreate_stack dry run = %s", text(plan))
	}
	if st, ok := restStack(t, p, oldID); !ok || st.GitConfig != nil {
		t.Fatalf("the dry run changed the stack: %v %v", ok, st.GitConfig)
	}

	args["dry_run"] = false
	if res := s.call("recreate_stack", args); res.IsError {
		t.Fatalf("recreate_stack file-based -> Git: %s", text(res))
	}
	st, ok := restStackNamed(t, p, name)
	if !ok {
		t.Fatal("no stack after the re-create")
	}
	gitID := deref(st.Id)
	g := deref(st.GitConfig)
	if gitID == oldID || deref(g.URL) != repo.URL || deref(g.ConfigFilePath) != "deploy/compose.yml" || deref(g.ConfigHash) != h1 {
		t.Errorf("re-created stack %d: GitConfig %s", gitID, mustJSON(st.GitConfig))
	}
	if vals := envValues(st); vals["K"] != "kept-value" {
		t.Errorf("the env was not carried over: %v", vals)
	}
	if _, ok := restStack(t, p, oldID); ok {
		t.Errorf("the original stack %d still exists", oldID)
	}
	if c := p.Containers(t, p.EnvID, name); c["app"] == "" {
		t.Errorf("the re-created stack does not run: %v", c)
	}

	if res := s.call("recreate_stack", map[string]any{"stack_id": gitID, "name": renamed, "dry_run": false}); res.IsError {
		t.Fatalf("recreate_stack rename: %s", text(res))
	}
	if _, ok := restStackNamed(t, p, name); ok {
		t.Errorf("a stack named %s is left after the rename", name)
	}
	st, ok = restStackNamed(t, p, renamed)
	if !ok || deref(deref(st.GitConfig).URL) != repo.URL || envValues(st)["K"] != "kept-value" {
		t.Fatalf("renamed stack: found %v, %s", ok, mustJSON(st))
	}
	if c := p.Containers(t, p.EnvID, renamed); c["app"] == "" {
		t.Errorf("the renamed stack does not run: %v", c)
	}
	if c := p.Containers(t, p.EnvID, name); len(c) != 0 {
		t.Errorf("containers of the old name still run: %v", c)
	}
}

func realBadInterval(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	name, other := realtest.Name("interval"), realtest.Name("interval-new")
	p.RemoveStacksNamed(t, name, other)
	id, repo, _ := gitStack(t, p, s, "pub", name, map[string]any{"gitops": "polling", "interval": "5m"})
	before, _ := restStack(t, p, id)

	for _, bad := range []string{"30s", "5x", "0s", "-5m"} {
		wantError(t, s.call("update_stack_gitops", map[string]any{"stack_id": id, "interval": bad}), "interval")
		wantError(t, s.call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other,
			"repository_url": repo.URL, "gitops": "polling", "interval": bad}), "interval")
		wantError(t, s.call("recreate_stack", map[string]any{"stack_id": id, "name": other, "gitops": "polling", "interval": bad, "dry_run": false}), "interval")
		after, ok := restStack(t, p, id)
		if !ok || !sameJSON(before, after) {
			t.Fatalf("interval %q changed the stack:\nbefore %s\nafter  %s", bad, mustJSON(before), mustJSON(after))
		}
		if _, ok := restStackNamed(t, p, other); ok {
			t.Fatalf("interval %q created a stack", bad)
		}
	}
}

func realSentinel(t *testing.T, p *realtest.Portainer) {
	core := strings.TrimPrefix(realtest.Name("x"), "x-") + strings.TrimPrefix(realtest.Name("x"), "x-")
	sentinel := "Snt" + core + `&<>"%+/=`
	wrong := "Wrg" + core + `&<>`
	const user = "sentinel-user"
	git := realtest.NewGitServer(t, user, sentinel)
	s := realSession(t, p)
	name, other := realtest.Name("sentinel"), realtest.Name("sentinel-b")
	p.RemoveStacksNamed(t, name, other)
	repo := git.NewRepo(t, "team/"+name)
	repo.Commit("main", composeFile("s1"))

	var outputs []string
	call := func(tool string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res := s.call(tool, args)
		raw, _ := json.Marshal(res)
		outputs = append(outputs, tool+": "+string(raw))
		return res
	}
	if res := call("validate_git_repository", map[string]any{"repository_url": repo.URL, "username": user, "password": sentinel}); res.IsError || structured(t, res)["readable"] != true {
		t.Fatalf("validate_git_repository with the right password: %s", text(res))
	}
	if res := call("validate_git_repository", map[string]any{"repository_url": repo.URL, "username": user, "password": wrong}); !res.IsError && structured(t, res)["readable"] != false {
		t.Errorf("validate_git_repository with a wrong password: %s", text(res))
	}
	wantError(t, call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other,
		"repository_url": repo.URL, "username": user, "password": wrong}))
	u, _ := url.Parse(repo.URL)
	u.User = url.UserPassword(user, sentinel)
	wantError(t, call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": other, "repository_url": u.String()}))
	wantError(t, call("validate_git_repository", map[string]any{"repository_url": u.String()}))

	res := call("create_stack_from_git", map[string]any{"environment_id": p.EnvID, "name": name,
		"repository_url": repo.URL, "username": user, "password": sentinel, "gitops": "webhook",
		"env": []map[string]any{{"name": "E", "value": "e"}}})
	id := idOf(t, structured(t, res), "stack_id")
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"get_stack", map[string]any{"stack_id": id, "show_env_values": true}},
		{"get_stack_gitops", map[string]any{"stack_id": id}},
		{"list_gitops_stacks", map[string]any{"environment_id": p.EnvID}},
		{"list_stacks", map[string]any{"name": name}},
		{"get_stack_file", map[string]any{"stack_id": id}},
		{"update_stack_gitops", map[string]any{"stack_id": id, "interval": "10m", "mechanism": "polling+webhook", "repository_username": user, "repository_password": sentinel}},
		{"redeploy_stack", map[string]any{"stack_id": id}},
		{"redeploy_stack", map[string]any{"stack_id": id, "repository_password": sentinel}},
		{"trigger_stack_webhook", map[string]any{"stack_id": id}},
		{"recreate_stack", map[string]any{"stack_id": id, "name": other, "password": sentinel}},
	} {
		if res := call(c.tool, c.args); res.IsError {
			t.Errorf("%s: %s", c.tool, text(res))
		}
	}
	// Wrong passwords make Portainer's errors, which must not carry them either.
	wantError(t, call("redeploy_stack", map[string]any{"stack_id": id, "repository_password": wrong}))
	wantError(t, call("update_stack_gitops", map[string]any{"stack_id": id, "repository_username": user, "repository_password": wrong}))
	if g := structured(t, call("get_stack_gitops", map[string]any{"stack_id": id})); at(g, "git", "credentials_stored") != "true" {
		t.Errorf("credentials lost: %v", g)
	}

	forms := sentinelForms(user, sentinel, wrong, core)
	check := func(where, s string) {
		for _, f := range forms {
			if strings.Contains(s, f) {
				t.Errorf("the Git password (as %q) is in %s", f, where)
			}
		}
	}
	for _, o := range outputs {
		check("a tool result", o)
	}
	check("a notification", s.notes.String())
	check("the server's stderr", s.stderr.String())
	if len(outputs) < 15 {
		t.Errorf("only %d outputs checked", len(outputs))
	}
}

// sentinelForms are the ways a password can show: as is, its random core, escaped for JSON,
// URL queries and paths, and inside basic-auth base64.
func sentinelForms(user string, passwords ...string) []string {
	var forms []string
	for _, pw := range passwords {
		js, _ := json.Marshal(pw)
		forms = append(forms, pw, strings.Trim(string(js), `"`), url.QueryEscape(pw), url.PathEscape(pw),
			base64.StdEncoding.EncodeToString([]byte(user+":"+pw)), base64.StdEncoding.EncodeToString([]byte(pw)))
	}
	return slices.Compact(forms)
}

func realEnvironmentPaging(t *testing.T, p *realtest.Portainer) {
	s := realSession(t, p)
	tag := realtest.Name("envpage")
	var ids []int
	for _, suffix := range []string{"a", "b", "c"} {
		ids = append(ids, p.AddEnvironment(t, tag+"-"+suffix))
	}
	slices.Sort(ids)
	rowIDs := func(m map[string]any) []int {
		var out []int
		for _, r := range m["environments"].([]any) {
			out = append(out, int(r.(map[string]any)["id"].(float64)))
		}
		return out
	}
	for off, id := range ids {
		page := s.ok("list_environments", map[string]any{"search": tag, "limit": 1, "offset": off})
		if got := rowIDs(page); !slices.Equal(got, []int{id}) || page["total"] != float64(3) || page["offset"] != float64(off) {
			t.Errorf("offset %d: environments %v, total %v, offset %v; want [%d] of 3", off, got, page["total"], page["offset"], id)
		}
		next, hasNext := page["next_offset"]
		if off < 2 && next != float64(off+1) || off == 2 && hasNext {
			t.Errorf("offset %d: next_offset %v", off, next)
		}
	}
	if got := rowIDs(s.ok("list_environments", map[string]any{"search": tag, "limit": 2, "offset": 1})); !slices.Equal(got, ids[1:]) {
		t.Errorf("limit 2 offset 1: %v, want %v", got, ids[1:])
	}
	if page := s.ok("list_environments", map[string]any{"search": tag, "limit": 1, "offset": 3}); len(page["environments"].([]any)) != 0 {
		t.Errorf("offset 3 of 3: %v", page)
	}
	// Walk every environment one at a time: none twice, none missed. Another run sharing this
	// Portainer may add or remove environments meanwhile: a walk whose total changed is retried.
	var seen []int
	for try := 0; try < 3; try++ {
		seen = nil
		totals := map[any]bool{}
		for off := 0; off < 100; {
			page := s.ok("list_environments", map[string]any{"limit": 1, "offset": off})
			seen = append(seen, rowIDs(page)...)
			totals[page["total"]] = true
			next, ok := page["next_offset"].(float64)
			if !ok {
				break
			}
			off = int(next)
		}
		if len(totals) == 1 {
			break
		}
	}
	for _, id := range append(slices.Clone(ids), p.EnvID) {
		if n := len(slices.DeleteFunc(slices.Clone(seen), func(x int) bool { return x != id })); n != 1 {
			t.Errorf("paging one at a time saw environment %d %d times (all: %v)", id, n, seen)
		}
	}
}
