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

// TestForceUpdateSaysWhatItDoes: force_update=true is saved with a plain word on what it does
// on this Portainer: nothing on releases that ignore it (polling and webhooks still need a new
// commit), a redeploy at every poll where forced polling works, nothing for a webhook.
func TestForceUpdateSaysWhatItDoes(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		polls := h.caps().ForceUpdatePolls
		id := h.gitStack("app", map[string]any{"gitops": "polling", "interval": "5m"})
		out := h.ok("update_stack_gitops", map[string]any{"stack_id": id, "force_update": true})
		note := fmt.Sprint(out["note"])
		if !deref(h.stack(id).Stack.AutoUpdate.ForceUpdate) {
			t.Fatal("force_update was not saved")
		}
		if polls && !strings.Contains(note, "every poll") {
			t.Errorf("%s: the answer does not say each poll redeploys: %s", h.caps().Version, note)
		}
		if !polls && (!strings.Contains(note, "ignores force_update") || !strings.Contains(note, "new commit") || !strings.Contains(note, "redeploy_stack")) {
			t.Errorf("%s: the answer does not say force_update does nothing here: %s", h.caps().Version, note)
		}
		hooked := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "hooked", "repository_url": repoB, "gitops": "webhook", "force_update": true})
		if n := fmt.Sprint(hooked["note"]); !strings.Contains(n, "force_update") || !strings.Contains(n, "new commit") {
			t.Errorf("%s: webhook with force_update: %s", h.caps().Version, n)
		}
	})
}
