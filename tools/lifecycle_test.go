package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

const composeVolumes = `services:
  db:
    image: postgres:16
    volumes:
      - db-data:/var/lib/postgresql/data
      - shared:/shared
      - logs:/logs
volumes:
  db-data:
  shared:
    external: true
  logs:
    name: app-logs
`

// TestDeleteSaysWhatItDeleted: the answer of delete_stack names the stack, its id and its
// environment, and speaks of kept volumes only when the compose file declares named ones,
// naming them as Docker does (external ones are not the stack's).
func TestDeleteSaysWhatItDeleted(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		for _, c := range []struct {
			name, compose, says string
			kept                []any
		}{
			{"plain", composeA, "Deleted stack plain (id %d) on environment 1 and its containers.", nil},
			{"data", composeVolumes, "Deleted stack data (id %d) on environment 1 and its containers. Its named volumes were kept: app-logs, data_db-data.",
				[]any{"app-logs", "data_db-data"}},
		} {
			id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": c.name, "compose": c.compose})["id"].(float64))
			out := h.ok("delete_stack", map[string]any{"stack_id": id, "confirm_name": c.name})
			if want := fmt.Sprintf(c.says, id); out["message"] != want {
				t.Errorf("%s: message %q, want %q", c.name, out["message"], want)
			}
			if out["name"] != c.name || out["stack_id"] != float64(id) || out["environment_id"] != float64(1) || fmt.Sprint(out["volumes_kept"]) != fmt.Sprint(orNil(c.kept)) {
				t.Errorf("%s: %v", c.name, out)
			}
		}
	})
}

func orNil(v []any) any {
	if v == nil {
		return nil
	}
	return v
}

// TestStopNamesKeptVolumes: stopping a compose stack says its named volumes stay only when it
// has some.
func TestStopNamesKeptVolumes(t *testing.T) {
	h := newHarness(t)
	plain := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "plain", "compose": composeA})["id"].(float64))
	data := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "data", "compose": composeVolumes})["id"].(float64))
	if note := h.ok("stop_stack", map[string]any{"stack_id": plain})["note"].(string); strings.Contains(note, "volume") {
		t.Errorf("plain: %s", note)
	}
	if note := h.ok("stop_stack", map[string]any{"stack_id": data})["note"].(string); !strings.Contains(note, "Its named volumes stay: app-logs, data_db-data.") {
		t.Errorf("data: %s", note)
	}
}
