package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestShortTagReference: a short reference that is no branch but a tag is taken as the tag,
// and the answer says so; a full branch reference that does not exist, where a tag of that
// name does, gets the hint to write refs/tags/.
func TestShortTagReference(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		tag := h.sim.Commit(repoA, "refs/tags/v1.0.0", map[string]string{"docker-compose.yml": composeA})
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "tagged", "repository_url": repoA, "reference": "v1.0.0"})
		id := int(out["stack_id"].(float64))
		st := h.stack(id)
		if ref := deref(st.Stack.GitConfig.ReferenceName); ref != "refs/tags/v1.0.0" || deref(st.Stack.GitConfig.ConfigHash) != tag {
			t.Errorf("create: reference %q commit %s, want the tag", ref, deref(st.Stack.GitConfig.ConfigHash))
		}
		if note := fmt.Sprint(out["note"]); !strings.Contains(note, "refs/tags/v1.0.0") || !strings.Contains(note, "tag") {
			t.Errorf("create does not say it took the tag: %v", note)
		}

		v := h.ok("validate_git_repository", map[string]any{"repository_url": repoA, "reference": "v1.0.0"})
		if v["readable"] != true || v["reference"] != "refs/tags/v1.0.0" {
			t.Errorf("validate of a short tag = %v", v)
		}

		other := int(h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "other", "repository_url": repoA})["stack_id"].(float64))
		up := h.ok("update_stack_gitops", map[string]any{"stack_id": other, "reference": "v1.0.0"})
		if ref := deref(h.stack(other).Stack.GitConfig.ReferenceName); ref != "refs/tags/v1.0.0" || !strings.Contains(fmt.Sprint(up["note"]), "refs/tags/v1.0.0") {
			t.Errorf("update: reference %q, note %v", ref, up["note"])
		}

		before := h.state()
		h.fails("update_stack_gitops", map[string]any{"stack_id": other, "reference": "refs/heads/v1.0.0"}, "reference not found", "refs/tags/v1.0.0", "Nothing was changed")
		txt := h.fails("update_stack_gitops", map[string]any{"stack_id": other, "reference": "nonexistent"}, "refs/heads/nonexistent", "Nothing was changed")
		if strings.Contains(txt, "Nothing was created") {
			t.Errorf("an update says nothing was created: %s", txt)
		}
		h.fails("create_stack_from_git", map[string]any{"environment_id": 1, "name": "nope", "repository_url": repoA, "reference": "nonexistent"}, "Nothing was created")
		if h.state() != before {
			t.Error("a refused reference changed something")
		}
	})
}

// TestUnsetEnvOfUnknownName: unset_env of a name the stack does not have is refused with the
// names it has (never values), changing nothing.
func TestUnsetEnvOfUnknownName(t *testing.T) {
	h := newHarness(t)
	id := h.gitStack("app", nil)
	before := h.state()
	txt := h.fails("update_stack_gitops", map[string]any{"stack_id": id, "unset_env": []string{"MODE", "NOPE"}}, "NOPE", "DB_PASSWORD, MODE", "Nothing was changed")
	if strings.Contains(txt, "db-secret-value") || strings.Contains(txt, "prod") {
		t.Errorf("the refusal shows env values: %s", txt)
	}
	if h.state() != before {
		t.Error("the refused unset changed the stack")
	}
	h.ok("update_stack_gitops", map[string]any{"stack_id": id, "unset_env": []string{"MODE"}})
	if env := invariantOf(t, h.stack(id)).Env; len(env) != 1 || env["DB_PASSWORD"] == "" {
		t.Errorf("env after unset MODE = %v", env)
	}
}

// TestSharedSourceRefusalWording: the refusal of an interval change on a shared Source reads
// as English (no "interval ... live on").
func TestSharedSourceRefusalWording(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	a := h.gitStack("alpha", map[string]any{"gitops": "polling", "interval": "5m"})
	h.gitStack("beta", map[string]any{"gitops": "polling", "interval": "5m"})
	txt := h.fails("update_stack_gitops", map[string]any{"stack_id": a, "interval": "10m"}, "beta", "apply_to_shared_source=true", "Nothing was changed")
	if strings.Contains(txt, " live on") {
		t.Errorf("wording: %s", txt)
	}
}
