package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// newSim is a simulator whose clock runs 50 times faster than real time: the server checks
// in real time that a deploy's containers stay up for 5 seconds, a tenth of a second then.
func newSim(o sim.Options) *sim.Sim {
	if o.Now == nil {
		o.Now = sim.Faster(50)
	}
	return sim.New(o)
}

// TestStackHealth drives the health tools through the real binary: a crash loop fails the
// create with its exit code and log, and status, logs and restart tell the rest.
func TestStackHealth(t *testing.T) {
	sm := newSim(sim.Options{})
	s := start(t, simEnv(t, sm)...)

	compose := "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  api:\n    image: acme/api:2\n    restart: always\n    command: exit 3 2s cannot reach db:5432\n"
	wantError(t, s.call("create_stack", map[string]any{"environment_id": 1, "name": "shop", "compose": compose}),
		"(shop) was deployed", "Service api", "code 3", "cannot reach db:5432")
	list := structured(t, s.call("list_stacks", map[string]any{"name": "shop"}))
	id := int(list["stacks"].([]any)[0].(map[string]any)["id"].(float64))

	st := structured(t, s.call("get_stack_status", map[string]any{"stack_id": id}))
	if st["verdict"] != "degraded" || !strings.Contains(fmt.Sprint(st["reasons"]), "service api is down") {
		t.Errorf("get_stack_status = %v", st)
	}
	logs := s.call("get_stack_logs", map[string]any{"stack_id": id, "service": "api", "stream": "stderr"})
	if !strings.HasPrefix(text(logs), "cannot reach db:5432\n") {
		t.Errorf("get_stack_logs text %q", text(logs))
	}

	ok := structured(t, s.call("restart_stack_service", map[string]any{"stack_id": id, "service": "web"}))
	if ok["verdict"] != "healthy" || fmt.Sprint(ok["restarted"]) != "[shop-web-1]" {
		t.Errorf("restart web = %v", ok)
	}
	wantError(t, s.call("restart_stack_service", map[string]any{"stack_id": id, "service": "api"}),
		"service api of stack", "shop-api-1", "code 3", "cannot reach db:5432")

	sw := int(structured(t, s.call("create_stack", map[string]any{"environment_id": 2, "name": "q", "type": "swarm",
		"compose": "services:\n  web:\n    image: nginx\n    deploy: {replicas: 2}\n"}))["id"].(float64))
	if st := structured(t, s.call("get_stack_status", map[string]any{"stack_id": sw})); st["verdict"] != "healthy" || st["type"] != "swarm" {
		t.Errorf("swarm status = %v", st)
	}
	structured(t, s.call("stop_stack", map[string]any{"stack_id": id}))
	if st := structured(t, s.call("get_stack_status", map[string]any{"stack_id": id})); st["verdict"] != "down" {
		t.Errorf("stopped stack = %v", st)
	}
}
