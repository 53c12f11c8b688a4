package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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

	if out := s.ok("delete_stack", map[string]any{"stack_id": id, "confirm_name": name}); out["ok"] != true {
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
