package tools_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
)

// readOnlyTool tells whether a tool is annotated read-only.
func readOnlyTool(name string) bool {
	for _, d := range mcptools.Tools {
		if d.Name == name {
			return d.ReadOnly
		}
	}
	return false
}

// badStops finds a doubled full stop (an ellipsis aside), a space before a stop, and an empty
// sentence.
var badStops = regexp.MustCompile(`[^.]\.\.(?:[^.]|$)|\s\.|\.\s+\.|:\.`)

// quoted is an argument echoed in an answer, which may be anything.
var quoted = regexp.MustCompile(`"[^"]*"`)

// TestErrorWording drives many error paths and reads every answer: sentences end with one full
// stop, read-only tools never say "Nothing was changed" (a read changes nothing; that sentence
// tells the caller of a change that it did not happen), and a wrong id points at the list that
// has the right one.
func TestErrorWording(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		web := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
		shop := h.gitStack("shop", nil)
		stopped := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "idle", "compose": composeA})["id"].(float64))
		h.ok("stop_stack", map[string]any{"stack_id": stopped})
		cases := []struct {
			tool string
			args map[string]any
			want []string // parts the error must have
		}{
			{"get_stack_logs", map[string]any{"stack_id": web, "container": "nope"}, []string{"its containers: web-app-1."}},
			{"get_stack_logs", map[string]any{"stack_id": web, "service": "nope"}, nil},
			{"get_stack_logs", map[string]any{"stack_id": web, "since": "yesterday"}, nil},
			{"get_stack_logs", map[string]any{"stack_id": web, "grep": "("}, nil},
			{"get_stack", map[string]any{"stack_id": 999}, []string{"Check the stack id with list_stacks"}},
			{"get_stack", map[string]any{"stack_id": "x"}, nil},
			{"get_stack_file", map[string]any{"stack_id": 999}, []string{"list_stacks"}},
			{"get_stack_status", map[string]any{"stack_id": 999}, []string{"list_stacks"}},
			{"get_stack_gitops", map[string]any{"stack_id": web}, []string{"file-based"}},
			{"get_environment", map[string]any{"environment_id": 99}, []string{"list_environments"}},
			{"list_stacks", map[string]any{"limit": 0}, nil},
			{"list_environments", map[string]any{"limit": 9999}, nil},
			{"list_stacks", map[string]any{"bogus": 1}, []string{"unknown argument"}},
			{"create_stack", map[string]any{"environment_id": 99, "name": "x", "compose": composeA}, []string{"Check the environment id with list_environments", "Nothing was changed"}},
			{"create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA}, []string{"name is taken"}},
			{"create_stack", map[string]any{"environment_id": 1, "name": "e", "compose": " "}, []string{"Nothing was changed"}},
			{"create_stack_from_git", map[string]any{"environment_id": 1, "name": "g", "repository_url": repoA, "gitops": "polling", "interval": "5x"}, []string{"Nothing was changed"}},
			{"create_stack_from_git", map[string]any{"environment_id": 1, "name": "g", "repository_url": repoA, "gitops": "polling", "interval": "30s"}, []string{"at least"}},
			{"create_stack_from_git", map[string]any{"environment_id": 99, "name": "g", "repository_url": repoA}, []string{"list_environments"}},
			{"update_stack", map[string]any{"stack_id": 999, "compose": composeA}, []string{"list_stacks"}},
			{"update_stack", map[string]any{"stack_id": shop, "compose": composeA}, []string{"detach_from_git=true", "Nothing was changed"}},
			{"update_stack", map[string]any{"stack_id": web, "prune": true}, []string{"swarm stacks only", "Nothing was changed"}},
			{"delete_stack", map[string]any{"stack_id": 999}, []string{"list_stacks"}},
			{"start_stack", map[string]any{"stack_id": web}, []string{"already running", "Nothing was changed"}},
			{"stop_stack", map[string]any{"stack_id": stopped}, []string{"already stopped", "Nothing was changed"}},
			{"update_stack_gitops", map[string]any{"stack_id": web, "mechanism": "polling", "interval": "5m"}, []string{"file-based"}},
			{"update_stack_gitops", map[string]any{"stack_id": shop, "interval": "0s"}, nil},
			{"redeploy_stack", map[string]any{"stack_id": web}, []string{"nothing to pull"}},
			{"regenerate_stack_webhook", map[string]any{"stack_id": shop}, []string{"has no webhook"}},
			{"trigger_stack_webhook", map[string]any{"webhook_id": ".."}, nil},
			{"restart_stack_service", map[string]any{"stack_id": web, "service": "nope"}, nil},
			{"recreate_stack", map[string]any{"stack_id": 999, "repository_url": repoA}, nil},
			{"validate_git_repository", map[string]any{"repository_url": "nope"}, nil},
			{"list_gitops_sources", map[string]any{"limit": 0}, nil},
			{"get_gitops_source", map[string]any{"source_id": 999}, nil},
			{"update_gitops_source", map[string]any{"source_id": 999, "interval": "5m"}, nil},
		}
		for _, c := range cases {
			txt := h.fails(c.tool, c.args, c.want...)
			if m := badStops.FindString(quoted.ReplaceAllString(txt, `"x"`)); m != "" {
				t.Errorf("%s%v: %q in %s", c.tool, c.args, m, txt)
			}
			if readOnlyTool(c.tool) && strings.Contains(strings.ToLower(txt), "nothing was changed") {
				t.Errorf("%s is read-only and says nothing was changed: %s", c.tool, txt)
			}
		}
	})
}

// TestQuestionsReadRight: the questions put to the user (delete, detach, re-create with its
// warnings) end their sentences with one full stop.
func TestQuestionsReadRight(t *testing.T) {
	h := newHarness(t)
	web := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeVolumes})["id"].(float64))
	shop := h.gitStack("shop", map[string]any{"gitops": "polling", "interval": "5m"})
	a := h.asking(decline)
	h.fails("recreate_stack", map[string]any{"stack_id": web, "repository_url": repoA, "dry_run": false}, "declined")
	h.fails("update_stack", map[string]any{"stack_id": shop, "compose": composeA}, "declined")
	h.fails("delete_stack", map[string]any{"stack_id": web}, "declined")
	if len(a.questions) != 3 {
		t.Fatalf("questions: %q", a.questions)
	}
	for _, q := range a.questions {
		if m := badStops.FindString(q); m != "" {
			t.Errorf("%q in %s", m, q)
		}
	}
	if !strings.Contains(a.questions[0], "Warnings: ") || !strings.Contains(a.questions[2], "Its named volumes stay: app-logs, web_db-data.") {
		t.Errorf("questions: %q", a.questions)
	}
}
