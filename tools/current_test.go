package tools_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// Behaviours of current Portainer (2.41 and later), each on the 2.45 profile of the simulator.

// TestDeployFailingAfterItsAnswer: Portainer answers 200 with Status 3, the deploy then fails
// (Status 4); the tool waits and returns Portainer's message, not a success.
func TestDeployFailingAfterItsAnswer(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	bad := "services:\n  app:\n    image: registry.example.com/does-not-exist:1\n"
	txt := h.fails("create_stack", map[string]any{"environment_id": 1, "name": "broken", "compose": bad}, "FAILED after Portainer accepted it", "does-not-exist")
	if !strings.Contains(txt, "pull access denied") {
		t.Errorf("Portainer's own message is missing: %s", txt)
	}
	st, ok := h.byName("broken")
	if !ok || deref(st.Stack.Status) != 4 {
		t.Fatalf("the stack should exist in error (Status 4): %v %+v", ok, st.Stack.Status)
	}
	// A stack in error cannot be started (2.41+): the tool says so and sends nothing.
	before := len(h.sim.Requests())
	h.fails("start_stack", map[string]any{"stack_id": *st.Stack.Id}, "in error", "redeploy")
	for _, r := range h.sim.Requests()[before:] {
		if strings.Contains(r, "/start") {
			t.Errorf("start of a stack in error sent %s", r)
		}
	}
	// wait=false returns at once with the stack deploying.
	release := h.sim.HoldDeploys()
	out := h.ok("create_stack", map[string]any{"environment_id": 1, "name": "later", "compose": composeA, "wait": false})
	if out["status"] != "deploying" || !strings.Contains(out["note"].(string), "still deploying") {
		t.Errorf("wait=false: %v", out)
	}
	// A change while it deploys is refused before anything is sent.
	h.fails("update_stack", map[string]any{"stack_id": out["id"], "compose": composeA}, "being deployed right now")
	release()
}

// TestSharedSourceNeedsConsent: two stacks share a GitOps Source (same URL and credentials);
// changing the credentials through one of them changes both, so it is refused without
// apply_to_shared_source, changing nothing, and done with it, naming the other stack.
func TestSharedSourceNeedsConsent(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	a := h.gitStack("alpha", nil)
	b := h.gitStack("beta", nil)
	sa, sb := h.stack(a).SourceID, h.stack(b).SourceID
	if sa == 0 || sa != sb {
		t.Fatalf("the stacks do not share a Source: %d, %d", sa, sb)
	}
	view := h.ok("get_stack_gitops", map[string]any{"stack_id": a})
	if !strings.Contains(textOf(h.call("get_stack_gitops", map[string]any{"stack_id": a})), `"name":"beta"`) {
		t.Errorf("get_stack_gitops does not show the stack sharing the Source: %v", view["source"])
	}
	before := h.state()
	h.fails("update_stack_gitops", map[string]any{"stack_id": a, "tls_skip_verify": true}, "beta", "apply_to_shared_source=true", "Nothing was changed")
	if h.state() != before {
		t.Fatal("a refused shared change changed something")
	}
	out := h.ok("update_stack_gitops", map[string]any{"stack_id": a, "tls_skip_verify": true, "apply_to_shared_source": true})
	if !strings.Contains(out["note"].(string), "beta") {
		t.Errorf("the answer does not name the other stack: %v", out["note"])
	}
	if !deref(h.stack(b).Stack.GitConfig.TLSSkipVerify) {
		t.Error("the other stack on the Source did not change: was the change really on the Source?")
	}
	h.noLeak()
}

// TestIntervalLivesOnTheSource: on 2.44 and later an interval change goes to the Source, which
// then polls; the stack's view shows it.
func TestIntervalLivesOnTheSource(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	id := h.gitStack("polled", map[string]any{"gitops": "polling", "interval": "5m"})
	src := h.ok("get_gitops_source", map[string]any{"source_id": h.stack(id).SourceID})
	if src["interval"] != "5m" {
		t.Fatalf("the create did not set the Source's interval: %v", src)
	}
	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "interval": "10m"})
	src = h.ok("get_gitops_source", map[string]any{"source_id": h.stack(id).SourceID})
	if src["interval"] != "10m" {
		t.Errorf("Source interval = %v, want 10m", src["interval"])
	}
	if g := h.ok("get_stack_gitops", map[string]any{"stack_id": id})["gitops"].(map[string]any); g["interval"] != "10m" || g["mechanism"] != "polling" {
		t.Errorf("stack view: %v", g)
	}
	commit := h.sim.Commit(private, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  app:\n    image: nginx:9\n"})
	h.sim.PollNow()
	h.sim.Wait()
	if got := deref(h.stack(id).Stack.GitConfig.ConfigHash); got != commit {
		t.Errorf("the Source did not poll the stack: %s, want %s", got, commit)
	}
	h.ok("disable_stack_gitops", map[string]any{"stack_id": id})
	if src = h.ok("get_gitops_source", map[string]any{"source_id": h.stack(id).SourceID}); src["interval"] != nil {
		t.Errorf("disable left the Source polling every %v", src["interval"])
	}
}

// TestInPlaceURLChangeKeepsIdAndWebhook: on 2.40 and later recreate_stack changes the
// repository in place: same stack id, same webhook, same env, nothing deleted.
func TestInPlaceURLChangeKeepsIdAndWebhook(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	id := h.gitStack("moving", map[string]any{"gitops": "webhook"})
	before := h.stack(id)
	hook := deref(before.Stack.AutoUpdate.Webhook)
	plan := h.ok("recreate_stack", map[string]any{"stack_id": id, "repository_url": repoB, "compose_path": "stack/compose.yml"})
	if plan["method"] != "in place" {
		t.Fatalf("plan: %v", plan)
	}
	out := h.ok("recreate_stack", map[string]any{"stack_id": id, "repository_url": repoB, "compose_path": "stack/compose.yml", "dry_run": false})
	if out["result"] != "changed in place" || out["new_stack_id"] != nil {
		t.Fatalf("result: %v", out)
	}
	now := h.stack(id)
	if deref(now.Stack.GitConfig.URL) != repoB || deref(now.Stack.AutoUpdate.Webhook) != hook || len(deref(now.Stack.Env)) != 2 {
		t.Errorf("after: url %s webhook %s env %v", deref(now.Stack.GitConfig.URL), deref(now.Stack.AutoUpdate.Webhook), now.Stack.Env)
	}
	for _, r := range h.sim.Requests() {
		if strings.HasPrefix(r, "DELETE") {
			t.Errorf("an in-place change deleted something: %s", r)
		}
	}
}

// TestProgressWhileDeploying: a client that gives a progressToken receives progress
// notifications while a slow deploy runs.
func TestProgressWhileDeploying(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	var mu sync.Mutex
	var got []string
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			got = append(got, n.Params.AdditionalFields["message"].(string))
			mu.Unlock()
		}
	})
	release := h.sim.HoldDeploys()
	go func() {
		// Release the deploy once two notifications came, or after 3 s (then the test fails
		// on their count instead of hanging).
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= 2 {
				break
			}
		}
		release()
	}()
	var req mcp.CallToolRequest
	req.Params.Name = "create_stack"
	req.Params.Arguments = map[string]any{"environment_id": 1, "name": "slow", "compose": composeA}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := h.c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("create_stack: %v %s", err, textOf(res))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 || !strings.Contains(got[0], "deploying stack") {
		t.Errorf("progress notifications: %q", got)
	}
}

// TestSourcesInListsAndChecks: from 2.44 list_gitops_stacks shows the Source's interval; a
// Source can be checked with its stored credentials; before 2.43 the tool says there are none.
func TestSourcesInListsAndChecks(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	id := h.gitStack("polled", map[string]any{"gitops": "polling", "interval": "5m"})
	srcID := h.stack(id).SourceID
	// Change the Source directly: the list follows it, not the stack's own (deprecated) field.
	h.ok("update_gitops_source", map[string]any{"source_id": srcID, "interval": "15m"})
	rows := h.ok("list_gitops_stacks", nil)["stacks"].([]any)
	if len(rows) != 1 {
		t.Fatalf("rows: %v", rows)
	}
	if row := rows[0].(map[string]any); row["interval"] != "15m" || row["gitops"] != "polling" || row["source_id"] != float64(srcID) {
		t.Errorf("row: %v", row)
	}
	// A username alone would pair with the stored password: refused, and the Source keeps its own.
	h.fails("update_gitops_source", map[string]any{"source_id": srcID, "username": "someone-else"}, "give password", "stored password", "Nothing was changed")
	if src := h.ok("get_gitops_source", map[string]any{"source_id": srcID}); src["username"] == "someone-else" {
		t.Errorf("the refused username reached the Source: %v", src)
	}
	out := h.ok("validate_git_repository", map[string]any{"source_id": srcID})
	if out["readable"] != true || out["repository_url"] != private || !strings.Contains(out["first_lines"].(string), "services:") {
		t.Errorf("validate by Source: %v", out)
	}
	h.fails("validate_git_repository", map[string]any{"source_id": srcID, "password": "x"}, "source_id alone")
	h.fails("validate_git_repository", map[string]any{}, "give repository_url")
	h.noLeak()

	old := newHarnessOn(t, "2.23.0")
	old.fails("validate_git_repository", map[string]any{"source_id": 1}, "no GitOps Sources", "2.43")
}
