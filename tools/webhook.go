package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// TriggerStackWebhook implements trigger_stack_webhook.
func TriggerStackWebhook(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "trigger_stack_webhook"
	id := strings.TrimSpace(a.Str("webhook_id"))
	if id != "" {
		if err := checkWebhookID(id); err != nil {
			return ArgError(tool, err), nil
		}
	}
	var st *papi.Stack
	if a.Has("stack_id") {
		sid, err := a.Int("stack_id")
		if err != nil {
			return ArgError(tool, err), nil
		}
		var res *mcp.CallToolResult
		if st, res = gitStack(ctx, d, tool, sid); res != nil {
			return res, nil
		}
		hook := deref(deref(st.AutoUpdate).Webhook)
		if hook == "" {
			return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d (%s) has no webhook. Nothing was triggered. Use redeploy_stack to redeploy now, or add a webhook with update_stack_gitops mechanism=webhook.", tool, sid, deref(st.Name))), nil
		}
		if id != "" && id != hook {
			return ArgError(tool, fmt.Errorf("webhook_id %s is not the webhook of stack %d: leave webhook_id out to trigger the stack's own, or leave stack_id out to trigger that webhook", id, sid)), nil
		}
		id = hook
	}
	if id == "" {
		return ArgError(tool, fmt.Errorf("give stack_id or webhook_id")), nil
	}
	wait := a.Bool("wait", false)
	if wait && st == nil {
		return ArgError(tool, fmt.Errorf("wait needs stack_id: the tool reads the stack to see the redeploy finish")), nil
	}
	if st != nil {
		if res := deploying(tool, st); res != nil {
			return res, nil
		}
	}
	var fileBefore string
	if wait {
		fileBefore, _ = d.stackFileText(ctx, deref(st.Id))
	}
	resp, err := d.Client.WebhookInvokeWithResponse(ctx, id)
	if err != nil {
		return d.CallFailed(tool, err), nil
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body), nil
	}
	if !wait {
		return Done("Webhook accepted: Portainer pulls and redeploys the stack in the background when the reference has a new commit. Check the deployed commit with get_stack_gitops in a moment, or call again with wait=true.",
			map[string]any{"webhook_url": d.WebhookURL(id)})
	}
	after, changed, res := d.awaitWebhookRedeploy(ctx, tool, st, DeployWait{Wait: true, Verify: a.Bool("verify", true)})
	if res != nil {
		return res, nil
	}
	if !changed {
		return d.webhookUnseen(ctx, tool, st, fileBefore, id)
	}
	return Done(fmt.Sprintf("Webhook accepted and the stack redeployed: commit %s -> %s.", short(deref(st.GitConfig.ConfigHash)), short(deref(deref(after.GitConfig).ConfigHash))),
		map[string]any{"webhook_url": d.WebhookURL(id), "redeployed": true})
}

// webhookSettle is how long trigger_stack_webhook waits for the redeploy a webhook starts in
// the background: Portainer answers at once and redeploys only on a new commit. No change
// within this time means there was nothing to deploy, or (2.23) a deploy that failed, which
// webhookUnseen tells apart.
const webhookSettle = 45 * time.Second

// webhookUnseen is the answer when no redeploy showed on the stack within webhookSettle. On
// 2.23 a webhook redeploy that fails leaves no trace on the stack: Portainer clones the new
// commit into the stack's folder (GET /stacks/{id}/file then answers its compose file), runs
// compose up, and on failure runs compose down and only logs "webhook failed to redeploy a
// stack" (measured on a real 2.23; its deployments/deploy.go and deployer.go). So the compose
// file and the containers decide: a new file, or no container running, is a failed deploy,
// never "no new commit".
func (d *Deps) webhookUnseen(ctx context.Context, tool string, st *papi.Stack, fileBefore, hook string) (*mcp.CallToolResult, error) {
	id, name := deref(st.Id), deref(st.Name)
	deployed := short(deref(st.GitConfig.ConfigHash))
	fields := map[string]any{"webhook_url": d.WebhookURL(hook)}
	fileAfter, _ := d.stackFileText(ctx, id)
	pulled := fileBefore != "" && fileAfter != "" && fileAfter != fileBefore
	r := d.whatRuns(ctx, tool, st)
	down := r.ok && len(r.down) > 0
	switch {
	case !pulled && deref(st.Status) == papi.StackStatusInactive:
		return Done(fmt.Sprintf("Webhook accepted; Portainer recorded no redeploy within %s (the deployed commit is %s). The stack is stopped in Portainer: start_stack starts it.",
			webhookSettle, deployed), fields)
	case !pulled && !down:
		return Done(fmt.Sprintf("Webhook accepted; Portainer did not redeploy within %s and the stack's containers run: the reference %s has no new commit (the deployed commit is %s). redeploy_stack redeploys regardless.",
			webhookSettle, deref(st.GitConfig.ReferenceName), deployed), fields)
	case pulled && !down:
		return Done(fmt.Sprintf("Webhook accepted: Portainer pulled a new commit of %s (the stack's compose file changed) but has not recorded it as deployed within %s (the deployed commit is still %s), and the old containers still run. The deploy may still be running, or it failed before it touched them (Portainer reports webhook failures only in its own log). Check get_stack_gitops in a minute; redeploy_stack deploys the new commit now and answers with any error.",
			deref(st.GitConfig.ReferenceName), webhookSettle, deployed), fields)
	}
	what := "the stack now runs no containers"
	if len(r.up) > 0 {
		what = fmt.Sprintf("services %s now run no container (still running: %s)", strings.Join(r.down, ", "), strings.Join(r.up, ", "))
	}
	if !pulled {
		return mcp.NewToolResultError(fmt.Sprintf(
			"%s: stack %d (%s) is down: Portainer recorded no redeploy within %s (the deployed commit is still %s), and %s. A webhook redeploy that failed looks like this (Portainer removes a stack's containers when a deploy fails and reports webhook failures only in its own log), and so do containers stopped by other means: get_stack_status says why; redeploy_stack redeploys and answers with any compose error.",
			tool, id, name, webhookSettle, deployed, what)), nil
	}
	return mcp.NewToolResultError(fmt.Sprintf(
		"%s: the webhook redeploy of stack %d (%s) FAILED. Portainer pulled a new commit of %s (the stack's compose file changed) but did not record it as deployed (the deployed commit is still %s), and %s: Portainer removes a stack's containers when a deploy fails and reports webhook failures only in its own log; redeploy_stack answers with the compose error. To get it back: revert or fix the commit in the repository and push it, then call redeploy_stack; get_stack_status shows the containers.",
		tool, id, name, deref(st.GitConfig.ReferenceName), deployed, what)), nil
}

// awaitWebhookRedeploy waits for the background redeploy a webhook starts: the stack turns
// deploying (2.41 and later) or its update date or deployed commit changes (2.23).
func (d *Deps) awaitWebhookRedeploy(ctx context.Context, tool string, st *papi.Stack, w DeployWait) (*papi.Stack, bool, *mcp.CallToolResult) {
	id := deref(st.Id)
	var waited time.Duration // summed pauses, so tests with an instant clock still end
	for i := 0; waited < webhookSettle; i++ {
		Progress(ctx, fmt.Sprintf("waiting for Portainer to pick up the webhook of stack %d (%s)", id, waited))
		waited += waitStep(i)
		if err := d.sleepCtx(ctx, waitStep(i)); err != nil {
			return st, false, d.waitCancelled(tool, "the webhook redeploy", st, err)
		}
		now, res := getStack(ctx, d, tool, id)
		if res != nil {
			return st, false, res
		}
		if deref(now.Status) == statusDeploying || deref(now.UpdateDate) != deref(st.UpdateDate) ||
			deref(deref(now.GitConfig).ConfigHash) != deref(st.GitConfig.ConfigHash) || newDeployment(st, now) {
			done, res := d.AwaitDeploy(ctx, tool, "the webhook redeploy", now, w)
			return done, true, res
		}
	}
	return st, false, nil
}

// newDeployment tells whether Portainer recorded a deployment since before was read (2.41 and
// later reset DeploymentStatus at each one, PC §1): a deploy that failed before the first
// read shows as Status 4 with a new history.
func newDeployment(before, now *papi.Stack) bool {
	b, n := deref(before.DeploymentStatus), deref(now.DeploymentStatus)
	if len(n) == 0 {
		return false
	}
	return len(b) == 0 || deref(b[0].Time) != deref(n[0].Time) || len(b) != len(n)
}
