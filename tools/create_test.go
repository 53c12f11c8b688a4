package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestIntervalAdviceWorks: an interval without polling is checked first, so the advice given
// is one that then works; polling without an interval polls every 5m, and says so.
func TestIntervalAdviceWorks(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		before := h.state()
		txt := h.fails("create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "interval": "30s"}, "too short", "at least 1m", "Nothing was changed")
		if strings.Contains(txt, "to poll every 30s") {
			t.Errorf("advice that would be refused: %s", txt)
		}
		h.fails("create_stack_from_git", map[string]any{"environment_id": 1, "name": "w", "repository_url": repoA, "interval": "10m"}, "gitops=polling", "10m")
		if h.state() != before {
			t.Fatal("a refused create changed something")
		}

		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "polled", "repository_url": repoA, "gitops": "polling"})
		if g := out["gitops"].(map[string]any); g["mechanism"] != "polling" || g["interval"] != "5m" {
			t.Errorf("polling without an interval: %v", g)
		}
		if note := fmt.Sprint(out["note"]); !strings.Contains(note, "5m") || !strings.Contains(note, "default") {
			t.Errorf("the answer does not say the default was taken: %v", note)
		}

		id := int(h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "later", "repository_url": repoB})["stack_id"].(float64))
		up := h.ok("update_stack_gitops", map[string]any{"stack_id": id, "mechanism": "polling"})
		if g := up["gitops"].(map[string]any); g["interval"] != "5m" || !strings.Contains(fmt.Sprint(up["note"]), "default") {
			t.Errorf("update to polling without an interval: %v, note %v", g, up["note"])
		}
	})
}
