package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// TestRealStackHealth checks the health tools and the check after a deploy on a real Portainer
// and Docker engine: local/tiny runs and logs "tiny started on :8080"; with pids_limit 1 the
// Go runtime cannot start its threads and exits with code 2, a crash loop under restart: always;
// a command that does not exist fails compose up, and Portainer removes what it created.
func TestRealStackHealth(t *testing.T) {
	p := realtest.Load(t)
	t.Run("running, logs, restart", func(t *testing.T) {
		t.Parallel()
		s := realSession(t, p)
		name := realtest.Name("health")
		p.RemoveStacksNamed(t, name)
		id := idOf(t, s.ok("create_stack", map[string]any{"environment_id": p.EnvID, "name": name, "compose": realtest.Compose("web", "v1")}), "id")

		st := s.ok("get_stack_status", map[string]any{"stack_id": id}) // create_stack waited until it ran
		web := st["services"].([]any)[0].(map[string]any)
		if st["verdict"] != "healthy" || web["name"] != "web" || web["running"] != 1.0 || !strings.Contains(fmt.Sprint(web["units"]), "image:local/tiny:latest") {
			t.Errorf("get_stack_status = %v", st)
		}
		if logs := s.call("get_stack_logs", map[string]any{"stack_id": id}); logs.IsError || !strings.Contains(text(logs), "tiny started on :8080") {
			t.Errorf("get_stack_logs: %s", text(logs))
		}
		if grep := s.ok("get_stack_logs", map[string]any{"stack_id": id, "grep": `started on :\d+`, "timestamps": true}); grep["lines"] != 1.0 {
			t.Errorf("grep: %v", grep)
		}
		restarted := s.ok("restart_stack_service", map[string]any{"stack_id": id, "service": "web"})
		if restarted["verdict"] != "healthy" || fmt.Sprint(restarted["restarted"]) != "["+name+"-web-1]" {
			t.Errorf("restart_stack_service = %v", restarted)
		}
		if again := s.call("get_stack_logs", map[string]any{"stack_id": id}); strings.Count(text(again), "tiny started on :8080") != 2 {
			t.Errorf("after the restart the log shows two starts: %s", text(again))
		}
	})
	t.Run("a crash loop fails the deploy with its exit code and log", func(t *testing.T) {
		t.Parallel()
		s := realSession(t, p)
		name := realtest.Name("crash")
		p.RemoveStacksNamed(t, name)
		crash := "services:\n  app:\n    image: local/tiny:latest\n    pull_policy: never\n    restart: always\n    pids_limit: 1\n"
		begin := time.Now()
		wantError(t, s.call("create_stack", map[string]any{"environment_id": p.EnvID, "name": name, "compose": crash}),
			"was deployed (Portainer reported success), but its containers do not run", "Service app", name+"-app-1", "code 2",
			"Last 20 lines of its log", "runtime.")
		t.Logf("the crash loop was reported after %s", time.Since(begin).Round(time.Millisecond))
		st, ok := restStackNamed(t, p, name)
		if !ok {
			t.Fatal("the stack is gone: a failed check must leave it deployed")
		}
		status := s.ok("get_stack_status", map[string]any{"stack_id": deref(st.Id)})
		if status["verdict"] != "down" || !strings.Contains(fmt.Sprint(status["reasons"]), "service app is down") {
			t.Errorf("get_stack_status = %v", status)
		}
		if l := s.ok("get_stack_logs", map[string]any{"stack_id": deref(st.Id), "grep": "failed to create new OS thread", "tail": 1}); l["lines"] != 1.0 {
			t.Errorf("grep in the crash log: %v", l)
		}
		wantError(t, s.call("restart_stack_service", map[string]any{"stack_id": deref(st.Id), "service": "app"}),
			"service app of stack", "does not run after the restart", "code 2")
	})
	t.Run("a command that does not exist", func(t *testing.T) {
		t.Parallel()
		s := realSession(t, p)
		name, other := realtest.Name("nocmd"), realtest.Name("nocmd-up")
		p.RemoveStacksNamed(t, name, other)
		missing := "services:\n  app:\n    image: local/tiny:latest\n    pull_policy: never\n    command: [\"/does-not-exist\"]\n"
		wantError(t, s.call("create_stack", map[string]any{"environment_id": p.EnvID, "name": name, "compose": missing}),
			"500", `exec: "/does-not-exist": stat /does-not-exist: no such file or directory`)
		if _, ok := restStackNamed(t, p, name); ok {
			t.Error("Portainer kept the stack of a failed create")
		}
		// On a running stack the same change fails too, and Portainer runs compose down: the stack
		// stays active with nothing running, which get_stack_status says.
		id := idOf(t, s.ok("create_stack", map[string]any{"environment_id": p.EnvID, "name": other, "compose": realtest.Compose("app", "v1")}), "id")
		wantError(t, s.call("update_stack", map[string]any{"stack_id": id, "compose": missing}), "500", "/does-not-exist")
		st := s.ok("get_stack_status", map[string]any{"stack_id": id})
		if st["verdict"] != "down" || st["status"] != "active" || !strings.Contains(fmt.Sprint(st["reasons"]), "no container of the stack exists") {
			t.Errorf("after a failed update: %v", st)
		}
	})
}
