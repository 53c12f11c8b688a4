package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestStackHealth drives the health tools through the real binary. The simulator's clock runs
// 20 times faster than real time, since the server waits in real time between its reads.
func TestStackHealth(t *testing.T) {
	sm := sim.New(sim.Options{Now: sim.Faster(20)})
	s := start(t, simEnv(t, sm)...)

	compose := "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  api:\n    image: acme/api:2\n    restart: always\n    command: exit 3 2s cannot reach db:5432\n"
	id := int(structured(t, s.call("create_stack", map[string]any{"environment_id": 1, "name": "shop", "compose": compose}))["id"].(float64))
	time.Sleep(150 * time.Millisecond) // 3 simulated seconds: api has crashed once

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
