package sim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// TestFailedGitRedeployOn223: on 2.23 a Git redeploy or a webhook whose new commit fails to
// deploy leaves the stack as Portainer stored it (active, the old commit, the old update
// date) but with the new commit cloned in its project folder (GET /file answers the new
// compose file) and, for compose, no container: Portainer runs compose down after a failed
// compose up. Measured on a real 2.23 (shared/real-portainer) and read in its source
// (deployments/deployer.go DeployComposeStack, git/backup.go CloneWithBackup,
// deployments/deploy.go redeployWhenChangedSecondStage).
func TestFailedGitRedeployOn223(t *testing.T) {
	const broken = "services:\n  billing:\n    image: ghcr.io/acme/billing:2\n    command: /does-not-exist\n"
	for _, via := range []string{"webhook", "redeploy"} {
		t.Run(via, func(t *testing.T) {
			h := newHarness(t, sim.Options{})
			id := h.createPrivate(t, "billing", hook1)
			before := h.state(t, id)
			if n := running(h.sim, "billing"); n != 1 {
				t.Fatalf("setup: %d running containers", n)
			}
			h.sim.Commit(sim.PrivateRepoURL, "refs/heads/main", map[string]string{"docker-compose.yml": broken})
			if via == "webhook" {
				status, body := h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
				wantStatus(t, status, body, http.StatusNoContent)
				h.sim.Wait()
			} else {
				resp := h.redeploy(t, id, papi.StackGitRedeployPayload{RepositoryReferenceName: ptr("refs/heads/main"),
					RepositoryAuthentication: ptr(true), RepositoryUsername: ptr(sim.PrivateRepoUser), RepositoryPassword: ptr("")})
				wantError(t, resp.StatusCode(), resp.Body, 500, "failed to deploy a stack", `exec: "/does-not-exist"`)
			}
			after := h.state(t, id)
			if deref(after.Stack.Status) != papi.StackStatusActive || deref(after.Stack.GitConfig.ConfigHash) != deref(before.Stack.GitConfig.ConfigHash) ||
				deref(after.Stack.UpdateDate) != deref(before.Stack.UpdateDate) || after.Deploys != before.Deploys {
				t.Errorf("the stack record changed: %+v", after.Stack)
			}
			if after.File != broken || !strings.Contains(fileOf(t, h, id), "/does-not-exist") {
				t.Errorf("the project folder does not hold the new commit: %q", after.File)
			}
			if n := running(h.sim, "billing"); n != 0 {
				t.Errorf("%d containers run after the failed deploy; Portainer removes them", n)
			}
		})
	}
}

func running(s *sim.Sim, stack string) int {
	n := 0
	for _, c := range s.Containers(1) {
		if c.Stack == stack && c.State == "running" {
			n++
		}
	}
	return n
}

func fileOf(t *testing.T, h *harness, id int) string {
	t.Helper()
	resp, err := h.c.StackFileInspectWithResponse(h.ctx, id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("GET /stacks/%d/file: %v", id, err)
	}
	return deref(resp.JSON200.StackFileContent)
}
