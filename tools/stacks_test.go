package tools_test

import (
	"strings"
	"testing"
)

// envOf is a stack's env in the simulator, as NAME=value lines in order.
func (h *harness) envOf(id int) string {
	h.t.Helper()
	var out []string
	for _, p := range *h.stack(id).Stack.Env {
		out = append(out, p.Name+"="+deref(p.Value))
	}
	return strings.Join(out, " ")
}

// TestUpdateStackEnv: set_env and unset_env change the variables they name and keep the
// others; env replaces them all and the answer names those it removed (never a value); an
// unset of a variable the stack does not have is refused with the names it has.
func TestUpdateStackEnv(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA,
			"env": []map[string]any{{"name": "GREETING", "value": "hello"}, {"name": "DB_PASSWORD", "value": "db-secret-value"}}})["id"].(float64))

		out := h.ok("update_stack", map[string]any{"stack_id": id, "set_env": []map[string]any{{"name": "GREETING", "value": "bonjour"}, {"name": "MODE", "value": "prod"}}})
		if got := h.envOf(id); got != "GREETING=bonjour DB_PASSWORD=db-secret-value MODE=prod" {
			t.Errorf("after set_env: %s", got)
		}
		if note, _ := out["note"].(string); strings.Contains(note, "removed") {
			t.Errorf("set_env note: %s", note)
		}

		before := h.state()
		txt := h.fails("update_stack", map[string]any{"stack_id": id, "unset_env": []string{"GREETNG"}}, "GREETNG", "GREETING, DB_PASSWORD, MODE", "Nothing was changed")
		if h.state() != before || strings.Contains(txt, "bonjour") {
			t.Errorf("a refused unset changed the stack or showed a value: %s", txt)
		}
		h.fails("update_stack", map[string]any{"stack_id": id, "env": []map[string]any{{"name": "A", "value": "1"}}, "unset_env": []string{"MODE"}}, "not both", "Nothing was changed")
		h.fails("update_stack", map[string]any{"stack_id": id, "set_env": []map[string]any{{"name": "A B", "value": "1"}}}, "not valid", "Nothing was changed")
		h.fails("update_stack", map[string]any{"stack_id": id, "set_env": []map[string]any{{"name": "MODE", "value": "x"}}, "unset_env": []string{"MODE"}}, "MODE", "Nothing was changed")
		if h.state() != before {
			t.Error("a refused update changed the stack")
		}

		h.ok("update_stack", map[string]any{"stack_id": id, "unset_env": []string{"MODE"}})
		if got := h.envOf(id); got != "GREETING=bonjour DB_PASSWORD=db-secret-value" {
			t.Errorf("after unset_env: %s", got)
		}

		out = h.ok("update_stack", map[string]any{"stack_id": id, "env": []map[string]any{{"name": "GREETING", "value": "hi"}}})
		if got := h.envOf(id); got != "GREETING=hi" {
			t.Errorf("after env: %s", got)
		}
		note, _ := out["note"].(string)
		if !strings.Contains(note, "DB_PASSWORD") || strings.Contains(note, "db-secret-value") || strings.Contains(note, "GREETING") {
			t.Errorf("env replaced: the note must name DB_PASSWORD only, without its value: %q", note)
		}
		h.noLeak()
	})
}
