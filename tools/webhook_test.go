package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

const composeBroken = "services:\n  app:\n    image: nginx:1.28\n    command: /does-not-exist\n"

// TestWebhookDeployThatFails: a webhook whose new commit cannot deploy is reported as a failed
// deploy that left the stack down, with the way back; never as "no new commit". On 2.23
// Portainer records nothing (the stack stays active at the old commit, its containers are
// gone, its folder holds the new commit); later releases say Status 4.
func TestWebhookDeployThatFails(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		out := h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "hooked", "repository_url": repoA, "gitops": "webhook"})
		id := int(out["stack_id"].(float64))

		// No new commit, containers running: nothing to deploy, as before.
		quiet := h.ok("trigger_stack_webhook", map[string]any{"stack_id": id, "wait": true})
		if msg := fmt.Sprint(quiet["message"]); !strings.Contains(msg, "no new commit") {
			t.Errorf("no new commit: %s", msg)
		}

		h.sim.Commit(repoA, "refs/heads/main", map[string]string{"docker-compose.yml": composeBroken})
		txt := h.fails("trigger_stack_webhook", map[string]any{"stack_id": id, "wait": true}, "FAILED", "runs no containers", "revert", "redeploy_stack")
		if strings.Contains(txt, "only when the reference has a new commit") || strings.Contains(txt, "no new commit") {
			t.Errorf("a failed deploy blamed on a missing commit: %s", txt)
		}

		// No new commit, but the containers have stopped: the stack is down, whatever the cause.
		const exits = "https://git.example.com/team/exits.git"
		h.sim.AddRepo(exits, "", "")
		h.sim.Commit(exits, "refs/heads/main", map[string]string{"docker-compose.yml": "services:\n  job:\n    image: busybox\n    command: exit 3 1ms\n"})
		out = h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "exits", "repository_url": exits, "gitops": "webhook", "verify": false})
		exitsID := int(out["stack_id"].(float64))
		h.fails("trigger_stack_webhook", map[string]any{"stack_id": exitsID, "wait": true, "verify": false}, "is down", "runs no containers", "get_stack_status")

		// A stack stopped in Portainer is said to be stopped, not down by accident.
		h.ok("stop_stack", map[string]any{"stack_id": exitsID})
		if msg := fmt.Sprint(h.ok("trigger_stack_webhook", map[string]any{"stack_id": exitsID, "wait": true})["message"]); !strings.Contains(msg, "stopped") || !strings.Contains(msg, "start_stack") {
			t.Errorf("webhook of a stopped stack: %s", msg)
		}
	})
}

// TestFailedRedeploySaysTheStackIsDown: a redeploy that fails says what Portainer left running
// (here: nothing) and how to get the stack back; so does a GitOps change with redeploy=true.
func TestFailedRedeploySaysTheStackIsDown(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		a := int(h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "alpha", "repository_url": repoA})["stack_id"].(float64))
		b := int(h.ok("create_stack_from_git", map[string]any{"environment_id": 1, "name": "beta", "repository_url": repoA})["stack_id"].(float64))
		good := deref(h.stack(a).Stack.GitConfig.ConfigHash)
		h.sim.Commit(repoA, "refs/heads/main", map[string]string{"docker-compose.yml": composeBroken})

		txt := h.fails("redeploy_stack", map[string]any{"stack_id": a}, "alpha", "runs no containers", "revert", "redeploy_stack")
		if !h.caps().AsyncDeploy && !strings.Contains(txt, good[:12]) {
			t.Errorf("2.23-style: the answer does not name the commit Portainer still shows: %s", txt)
		}
		h.fails("update_stack_gitops", map[string]any{"stack_id": b, "set_env": []map[string]any{{"name": "A", "value": "1"}}, "redeploy": true},
			"beta", "runs no containers", "settings change itself was saved")
	})
}
