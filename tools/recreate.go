package tools

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// recreate_stack makes the changes Portainer has no single call for: a file-based stack onto
// Git, another repository, compose path or additional files, a new name. Where the
// capability table says Portainer changes the repository, path and files in place (2.40 and
// later), it does that instead: same stack id, env, webhook and volumes. Otherwise it plans,
// checks, snapshots, deletes, creates, waits for the new deploy, and restores the original if
// anything after the delete fails. Once the delete is sent the flow finishes on a context of
// its own, so a cancelled call never leaves the stack half-moved.

// errInPlaceElsewhere refuses a re-create for what another tool changes in place.
var errInPlaceElsewhere = fmt.Errorf("nothing here needs a re-create: the reference, credentials, TLS and GitOps settings of a Git stack change in place with update_stack_gitops (disable_stack_gitops turns GitOps off), keeping the stack. recreate_stack is for a new repository, compose path, additional files or name")

// outcome is what became of a write.
type outcome int

const (
	failed  outcome = iota // Portainer refused it: nothing changed
	done                   // Portainer did it
	unknown                // no answer came: it may or may not have happened
)

// RecreateStack implements recreate_stack.
func RecreateStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "recreate_stack"
	var in views.RecreateInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	dryRun := in.DryRun == nil || *in.DryRun
	if deref(in.Gitops) == "none" && in.Interval != nil {
		return ArgError(tool, fmt.Errorf("gitops=none turns polling off, so interval %s contradicts it: drop one of the two", *in.Interval)), nil
	}
	unchanged := func(res *mcp.CallToolResult) (*mcp.CallToolResult, error) {
		return sayUnchanged(res, "the flow stops before deleting or changing anything when a check or a read fails."), nil
	}

	st, res := getStack(ctx, d, tool, in.StackId)
	if res != nil {
		return unchanged(res)
	}
	if res := savedCredential(tool, st); res != nil {
		return res, nil
	}
	if t := deref(st.Type); t != papi.StackTypeCompose && t != papi.StackTypeSwarm {
		return ArgError(tool, fmt.Errorf("stack %d is a %s stack; only compose and swarm stacks can be re-created", in.StackId, stackTypeName(st.Type))), nil
	}
	if res := deploying(tool, st); res != nil {
		return res, nil
	}
	if isGit(st) && in.Name == nil && in.RepositoryUrl == nil && in.ComposePath == nil && in.AdditionalFiles == nil {
		return ArgError(tool, errInPlaceElsewhere), nil
	}
	caps := d.Caps(ctx)
	old, res := currentDef(ctx, d, tool, st, caps, deref(in.OldPassword), deref(in.Password))
	if res != nil {
		return unchanged(res)
	}
	target, changes, err := targetDef(d, old, st, in)
	if err != nil {
		return ArgError(tool, err), nil
	}
	p := &recreatePlan{st: st, old: old, target: target, changes: changes}
	p.inPlace = caps.InPlaceGitChange && old.Git != nil && target.Git != nil && strings.EqualFold(old.Name, target.Name)
	if res := p.check(ctx, d, tool); res != nil {
		return unchanged(res)
	}
	if dryRun {
		out := p.view("planned")
		out.DryRun = ptr(true)
		out.Next = ptr("Call recreate_stack again with the same arguments and dry_run=false to do it.")
		return Result(out)
	}
	if res := confirm(ctx, consent{tool: tool, explicit: true, question: p.question()}); res != nil {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("%s: cancelled before anything was changed; stack %d is as it was.", tool, in.StackId)), nil
	}
	if p.inPlace {
		return p.changeInPlace(ctx, d, tool)
	}
	return p.deleteAndCreate(ctx, d, tool)
}

// recreatePlan is one re-create: the stack, what it is and what it becomes.
type recreatePlan struct {
	st             *papi.Stack
	old, target    stackDef
	changes        []string
	kept, warnings []string
	inPlace        bool
	snapshot       string
}

func (p *recreatePlan) id() int { return deref(p.st.Id) }

// view is the structured answer.
func (p *recreatePlan) view(result string) views.RecreateResult {
	v := views.RecreateResult{Result: views.RecreateResultResult(result), StackId: p.id(), Changes: &p.changes, Kept: &p.kept}
	if p.inPlace {
		v.Method = views.InPlace
		v.WillChange = ptr(fmt.Sprintf("stack %d in place: %s", p.id(), p.target.describe()))
	} else {
		v.Method = views.DeleteAndCreate
		v.WillDelete = ptr(fmt.Sprintf("stack %d: %s", p.id(), p.old.describe()))
		v.WillCreate = ptr(p.target.describe())
	}
	if len(p.warnings) > 0 {
		v.Warnings = &p.warnings
	}
	if p.snapshot != "" {
		v.Snapshot = &p.snapshot
	}
	return v
}

// question is what the user is asked before the plan runs.
func (p *recreatePlan) question() string {
	var q string
	if p.inPlace {
		q = fmt.Sprintf("Change stack %s (id %d) in place to %s?", p.old.Name, p.id(), p.target.describe())
	} else {
		q = fmt.Sprintf("Re-create stack %s (id %d)? It is deleted (%s) and created again (%s) under a new id.", p.old.Name, p.id(), p.old.describe(), p.target.describe())
	}
	if len(p.changes) > 0 {
		q += " Changes: " + strings.Join(p.changes, "; ") + "."
	}
	if len(p.warnings) > 0 {
		// Each warning is a sentence with its own full stop.
		q += " Warnings: " + strings.Join(p.warnings, " ")
	}
	return q
}

// check runs everything that can fail before anything is changed, and fills what the plan
// keeps and warns about.
func (p *recreatePlan) check(ctx context.Context, d *Deps, tool string) *mcp.CallToolResult {
	old, target := p.old, p.target
	p.kept = append(p.kept, fmt.Sprintf("env (%d variables, with values)", len(old.Env)))
	if hook := deref(deref(target.AutoUpdate).Webhook); hook != "" && hook == deref(deref(old.AutoUpdate).Webhook) {
		p.kept = append(p.kept, "webhook URL "+d.WebhookURL(hook))
	}
	if old.AutoUpdate != nil && mechanism(target.AutoUpdate) == mechanism(old.AutoUpdate) {
		p.kept = append(p.kept, "GitOps settings ("+string(mechanism(old.AutoUpdate))+")")
	}
	if p.inPlace {
		p.kept = append(p.kept, "the stack id, its named volumes and its access settings (changed in place)")
	}
	if !strings.EqualFold(target.Name, old.Name) {
		if err := checkStackName(target.Name); err != nil {
			return ArgError(tool, err)
		}
		taken, res := findStack(ctx, d, tool, target.EnvironmentID, target.Name)
		if res != nil {
			return res
		}
		if taken != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s: the name %q is already used by stack %d on environment %d. Pick another name.", tool, target.Name, deref(taken.Id), target.EnvironmentID))
		}
		p.warnings = append(p.warnings, fmt.Sprintf("Renaming: the named volumes of %q stay on the environment under that name; %q starts with new, empty volumes.", old.Name, target.Name))
	} else if !p.inPlace {
		p.kept = append(p.kept, "named volumes (same name, same environment)")
	}
	if res := p.sourceChange(ctx, d, tool); res != nil {
		return res
	}
	if target.Git != nil {
		if res := checkSource(ctx, d, tool, target); res != nil {
			return res
		}
	}
	if old.Git != nil {
		// The original must be restorable if the re-create fails.
		if res := checkSource(ctx, d, tool, old); res != nil {
			res.Content = append(res.Content, mcp.NewTextContent("That is the stack's CURRENT source: if the re-create failed it could not be restored from there, so the flow stops here."))
			return res
		}
		p.warnings = append(p.warnings, "If the change fails, the original is restored from its repository at the latest commit of its reference (Portainer cannot deploy an older commit).")
	}
	if !p.inPlace {
		p.warnings = append(p.warnings, "The stack id changes: Portainer gives the new stack its own id.")
		if p.st.Option != nil && deref(p.st.Option.Prune) {
			p.warnings = append(p.warnings, "The stack's prune option is not carried over by Portainer's create: set it again with update_stack_gitops prune=true (Git stacks) after the re-create.")
		}
		p.warnings = append(p.warnings, "Portainer's access settings of the stack (ownership, teams) are not carried over: the new stack belongs to the API key's user.")
	}
	if p.wasStopped() {
		p.kept = append(p.kept, "its stopped state: Portainer starts the stack to deploy it; once it runs as asked it is stopped again")
	}
	return nil
}

// sourceChange refuses what a re-create on the same repository cannot do to a stack on a
// GitOps Source (2.43 and later). Its TLS setting lives on the Source, which Portainer keeps
// when the stack is created or changed with it (PC §3 "With SourceID"), so a new one would be
// ignored. And an in-place change that carries credentials writes them onto the Source, for
// every stack on it (PC §3 "New side effect (2.43+)"): recreate_stack asks no consent for
// that; update_stack_gitops does.
func (p *recreatePlan) sourceChange(ctx context.Context, d *Deps, tool string) *mcp.CallToolResult {
	o, t := p.old.Git, p.target.Git
	if o == nil || t == nil || !d.Caps(ctx).GitSources || deref(p.st.GitSourceId) == 0 || !sameRepo(o.URL, t.URL) {
		return nil
	}
	if t.TLSSkip != o.TLSSkip {
		return ArgError(tool, fmt.Errorf("tls_skip_verify: stack %d takes its TLS setting from GitOps Source %d, which a re-create from the same repository keeps: change it with update_stack_gitops tls_skip_verify, then call recreate_stack without it", p.id(), deref(p.st.GitSourceId)))
	}
	if !p.inPlace || t.SourceID != 0 || t.User == "" {
		return nil
	}
	src, res := d.stackSource(ctx, tool, p.st)
	if res != nil || src == nil {
		return res
	}
	others := src.others(p.id())
	if others.count() == 0 {
		return nil
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d shares GitOps Source %d (%s) with %s, and this change in place would give all of them the credentials sent with it (Portainer writes them onto the Source). %s. "+
		"Change the credentials with update_stack_gitops (apply_to_shared_source=true), then call recreate_stack without username and password: the stack keeps its Source's credentials.",
		tool, p.id(), src.Id, src.Url, others, nothingChanged))
}

// changeInPlace changes repository, compose path and files through POST /stacks/{id}/git,
// redeploys, and puts the old settings back if the new ones do not deploy. A lost answer is
// never taken for a failure: the stack is read to see what happened.
func (p *recreatePlan) changeInPlace(ctx context.Context, d *Deps, tool string) (*mcp.CallToolResult, error) {
	id := p.id()
	want := p.gitPayload(p.target)
	// From the moment the change is sent, finish (deploy, or put the old settings back) even
	// if the call is cancelled.
	flow, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*d.deployTimeout()+time.Minute)
	defer cancel()
	Progress(ctx, fmt.Sprintf("changing the Git settings of stack %d in place", id))
	resp, err := d.Client.StackUpdateGitWithResponse(flow, id, &papi.StackUpdateGitParams{EndpointId: p.st.EndpointId}, want)
	var sent *mcp.CallToolResult
	switch {
	case err != nil:
		sent = d.CallFailed(tool, err)
	case resp.JSON200 == nil:
		sent = APIError(tool, resp.HTTPResponse, resp.Body)
		if writeOutcome(nil, resp.StatusCode()) == failed {
			sent.Content = append(sent.Content, mcp.NewTextContent(restartJob(flow, d, p.st)))
			return sayUnchanged(sent, fmt.Sprintf("stack %d is as it was.", id)), nil
		}
	}
	after, res := d.settled(flow, tool, id)
	if res != nil {
		if sent != nil {
			res = sent
		}
		res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf("Whether stack %d now has the new Git settings is not known: check with get_stack_gitops %d before trying again.", id, id)))
		return res, nil
	}
	if problems := sourceDiff(p.target, after); len(problems) > 0 {
		if sent != nil { // the answer was lost and the change did not happen
			return sayUnchanged(sent, fmt.Sprintf("stack %d still has its old settings.", id)), nil
		}
		// This Portainer took the request but ignored the fields: put back the rest.
		_, back := updateGit(flow, d, tool, after, p.gitPayload(p.old))
		msg := fmt.Sprintf("%s: Portainer accepted the change but kept %s, so it cannot change this in place.", tool, strings.Join(problems, "; "))
		if back == nil {
			msg += " The stack's settings were put back as they were; nothing was redeployed."
		}
		return mcp.NewToolResultError(msg), nil
	}
	if problems := verifyGit(after, want, d.Caps(flow)); len(problems) > 0 {
		p.warnings = append(p.warnings, "Reading the stack back shows: "+strings.Join(problems, "; ")+".")
	}
	Progress(ctx, fmt.Sprintf("redeploying stack %d from %s", id, p.target.Git.URL))
	deployed, res := d.redeployAndAwait(flow, tool, after, p.target.Git.Password, DeployWait{Wait: true, Verify: true})
	if res == nil {
		return p.finish(flow, d, tool, "changed in place", deployed)
	}
	failure := cause(tool, deployed, res)
	Progress(ctx, fmt.Sprintf("the new source did not deploy; putting stack %d back", id))
	back, res2 := d.settled(flow, tool, id)
	if res2 == nil {
		back, res2 = updateGit(flow, d, tool, back, p.gitPayload(p.old))
	}
	if res2 == nil {
		back, res2 = d.redeployAndAwait(flow, tool, back, p.old.Git.Password, DeployWait{Wait: true})
	}
	if res2 == nil {
		_, state, _ := p.keepStopped(flow, d, tool, back)
		return mcp.NewToolResultError(fmt.Sprintf("%s: FAILED, ORIGINAL RESTORED. Stack %d did not deploy from the new source, so its old Git settings were put back and redeployed (same stack id).%s Fix the cause and run recreate_stack again.%s",
			tool, id, spaced(state), whatFailed("What failed", failure))), nil
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: FAILED, NOT RESTORED. Stack %d did not deploy from the new source, and putting its old settings back failed too: it still exists (id %d) with the new settings. To go back by hand, give it its old repository %s, compose path %s and reference %s with update_stack_gitops / recreate_stack, then redeploy_stack.%s%s",
		tool, id, id, p.old.Git.URL, p.old.Git.Path, p.old.Git.Ref, whatFailed("What failed", failure), whatFailed("Why putting it back failed", cause(tool, back, res2)))), nil
}

// finish answers a change that worked, after giving the stack its polling interval on its
// GitOps Source where Portainer polls per Source (2.44 and later).
func (p *recreatePlan) finish(ctx context.Context, d *Deps, tool, result string, st *papi.Stack) (*mcp.CallToolResult, error) {
	src, note, res := d.pollOnSource(ctx, tool, deref(st.Id), deref(deref(p.target.AutoUpdate).Interval))
	switch {
	case res != nil:
		// The stack is done; only the Source's interval is not known to be set.
		p.warnings = append(p.warnings, fmt.Sprintf("Setting the polling interval on the stack's GitOps Source failed (%s): check with get_stack_gitops %d and set it with update_stack_gitops.",
			firstLine(cause(tool, nil, res)), deref(st.Id)))
	case note != "":
		p.warnings = append(p.warnings, note)
	}
	st, state, ok := p.keepStopped(ctx, d, tool, st)
	out := p.view(result)
	switch {
	case !ok:
		out.Warnings = ptr(append(deref(out.Warnings), state))
	case state != "":
		out.Next = &state
	}
	if result == "re-created" {
		out.NewStackId = st.Id
	}
	v := gitopsView(d, st, src, d.Caps(ctx))
	out.Stack = &v
	return Result(out)
}

// gitPayload is the POST /stacks/{id}/git payload that gives the stack def's Git settings.
func (p *recreatePlan) gitPayload(def stackDef) papi.StackGitUpdatePayload {
	out := fullGitState(p.st)
	g := def.Git
	out.RepositoryURL = ptr(g.URL)
	out.ConfigFilePath = ptr(g.Path)
	out.AdditionalFiles = ptr(append([]string{}, def.Additional...))
	out.RepositoryReferenceName = ptr(g.Ref)
	out.TLSSkipVerify = ptr(g.TLSSkip)
	out.AutoUpdate = def.AutoUpdate
	out.Env = ptr(append([]papi.Pair{}, def.Env...))
	switch {
	case g.SourceID != 0:
		out.SourceID = ptr(g.SourceID)
		out.RepositoryAuthentication, out.RepositoryUsername, out.RepositoryPassword = nil, nil, nil
	case g.User != "":
		out.RepositoryAuthentication, out.RepositoryUsername, out.RepositoryPassword = ptr(true), ptr(g.User), ptr(g.Password)
	default:
		out.RepositoryAuthentication, out.RepositoryUsername, out.RepositoryPassword = ptr(false), nil, nil
	}
	return out
}

// sourceDiff says where a stack's repository, path and files differ from def's.
func sourceDiff(def stackDef, st *papi.Stack) []string {
	var out []string
	g := deref(st.GitConfig)
	if !sameRepo(deref(g.URL), def.Git.URL) {
		out = append(out, "the repository "+deref(g.URL))
	}
	if strings.TrimPrefix(deref(g.ConfigFilePath), "/") != strings.TrimPrefix(def.Git.Path, "/") {
		out = append(out, "the compose path "+deref(g.ConfigFilePath))
	}
	if !slices.Equal(deref(st.AdditionalFiles), def.Additional) && (len(deref(st.AdditionalFiles)) > 0 || len(def.Additional) > 0) {
		out = append(out, fmt.Sprintf("the additional files %v", deref(st.AdditionalFiles)))
	}
	return out
}

// sameRepo tells whether two repository URLs name one repository (case and a final .git
// aside).
func sameRepo(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, ".git"), strings.TrimSuffix(b, ".git"))
}

// deleteAndCreate snapshots, deletes, creates and waits for the new stack, restoring the
// original when anything after the delete fails. The snapshot is removed when the new stack
// runs as asked or nothing was changed, and kept (its path in the answer) otherwise.
func (p *recreatePlan) deleteAndCreate(ctx context.Context, d *Deps, tool string) (*mcp.CallToolResult, error) {
	id := p.id()
	d.PruneSnapshots(ctx)
	snap, err := writeSnapshot(d, p.st, p.old, p.target)
	if err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("%s: could not write the snapshot of stack %d before deleting it (%v). Nothing was changed: set --state-dir (PORTAINER_MCP_STATE_DIR) to a writable directory.", tool, id, err)), nil
	}
	p.snapshot = snap
	// The delete is sent: from here the flow runs to its end on its own context, whatever
	// happens to the call.
	flow, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*d.deployTimeout()+3*time.Minute)
	defer cancel()

	Progress(ctx, fmt.Sprintf("deleting stack %d (snapshot %s)", id, snap))
	switch out, res := deleteStack(flow, d, tool, p.st); out {
	case failed:
		// Portainer runs compose down and removes the stack before steps that can still
		// answer an error: look before saying nothing happened.
		if gone, _ := d.stackGoneNow(flow, p.st); !gone {
			msg := fmt.Sprintf("The delete did not go through: stack %d is unchanged and nothing was created.", id)
			if d.removeSnapshot(snap) != nil {
				msg += " Its snapshot could not be removed: delete " + snap + ", it holds env values."
			}
			res.Content = append(res.Content, mcp.NewTextContent(msg))
			return res, nil
		}
	case unknown:
		gone, waited := d.stackGone(flow, tool, p.st)
		if !gone {
			res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf(
				"The delete's outcome is unknown: stack %d still exists, unchanged, after %s of waiting, so nothing was created. If Portainer is still removing it, it may yet disappear: check with get_stack %d; if it is gone, restore it from the snapshot %s (%s)",
				id, waited.Round(time.Second), id, snap, restoreHint(p.old))))
			return res, nil
		}
		// It was deleted although the answer was lost: go on.
	}

	Progress(ctx, fmt.Sprintf("creating %s", p.target.describe()))
	created, res := createAndFind(flow, d, tool, p.target)
	var newSt *papi.Stack
	if res == nil {
		newSt, res = d.AwaitDeploy(flow, tool, "the create", created, DeployWait{Wait: true, Verify: true})
		if res == nil {
			problems := p.target.matches(newSt, d.Caps(flow))
			if len(problems) > 0 {
				// The original's definition may still be wanted: the snapshot stays.
				p.warnings = append(p.warnings, "The new stack differs from what was asked: "+strings.Join(problems, "; ")+".")
			} else {
				p.dropSnapshot(d)
			}
			return p.finish(flow, d, tool, "re-created", newSt)
		}
		if deref(newSt.Status) == statusDeploying {
			// Still deploying at the deadline: its outcome is Portainer's to tell.
			res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf("The original stack %d was deleted; the new stack %d is still deploying. Snapshot of the original: %s. If the new one ends in error, restore the original: %s",
				id, deref(newSt.Id), snap, restoreHint(p.old))))
			return res, nil
		}
		// The new stack exists but does not work: remove it before restoring the original
		// under the same name.
		Progress(ctx, fmt.Sprintf("the new stack %d failed; removing it", deref(newSt.Id)))
		if out, res2 := deleteStack(flow, d, tool, newSt); out != done {
			if gone, _ := d.stackGone(flow, tool, newSt); !gone {
				return mcp.NewToolResultError(fmt.Sprintf("%s: FAILED, NOT RESTORED. The original stack %d was deleted and the new stack %d does not work; removing it failed too, so the original was not restored beside it. Snapshot of the original: %s. To restore it by hand: delete_stack %d, then %s%s%s",
					tool, id, deref(newSt.Id), snap, deref(newSt.Id), restoreHint(p.old), whatFailed("What failed", cause(tool, newSt, res)), whatFailed("Why the removal failed", cause(tool, nil, res2)))), nil
			}
		}
	}
	failure := cause(tool, newSt, res)

	Progress(ctx, "restoring the original from the snapshot")
	restored, res2 := createAndFind(flow, d, tool, p.old)
	if res2 == nil {
		restored, res2 = d.AwaitDeploy(flow, tool, "the restore", restored, DeployWait{Wait: true})
	}
	if res2 == nil {
		restored, state, _ := p.keepStopped(flow, d, tool, restored)
		return mcp.NewToolResultError(fmt.Sprintf("%s: FAILED, ORIGINAL RESTORED. The new stack did not come up after the original stack %d was deleted, so the original was re-created from the snapshot as stack %d (%s); its id changed from %d.%s Snapshot: %s. Fix the cause and run recreate_stack again.%s",
			tool, id, deref(restored.Id), p.old.describe(), id, spaced(state), snap, whatFailed("What failed", failure))), nil
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: FAILED, NOT RESTORED. The new stack did not come up after the original stack %d was deleted, and restoring the original failed too. "+
		"The original's definition (compose file or Git source, env with values, GitOps settings, webhook id) is in the snapshot %s. To restore it by hand: %s%s%s",
		tool, id, snap, restoreHint(p.old), whatFailed("What failed", failure), whatFailed("Why the restore failed", cause(tool, restored, res2)))), nil
}

// dropSnapshot removes the snapshot of a re-create that worked; one that cannot be removed is
// named in a warning, since it holds env values.
func (p *recreatePlan) dropSnapshot(d *Deps) {
	if p.snapshot == "" {
		return
	}
	if err := d.removeSnapshot(p.snapshot); err != nil {
		p.warnings = append(p.warnings, fmt.Sprintf("The snapshot %s could not be removed (%v): delete it, it holds the original's env values.", p.snapshot, err))
		return
	}
	p.snapshot = ""
}

// keepStopped stops st again when the original stack was stopped: Portainer's create, and a
// redeploy, start a stack. It returns the stack as it is now and, when the original was
// stopped, a sentence saying what state st is in; ok is false when st runs although the
// original did not.
func (p *recreatePlan) keepStopped(ctx context.Context, d *Deps, tool string, st *papi.Stack) (now *papi.Stack, state string, ok bool) {
	if !p.wasStopped() || st == nil {
		return st, "", true
	}
	id := deref(st.Id)
	var res *mcp.CallToolResult
	if deref(st.Status) == papi.StackStatusActive {
		Progress(ctx, fmt.Sprintf("stopping stack %d again, as the original was stopped", id))
		var stopped *papi.Stack
		if stopped, res = d.stopStack(ctx, tool, st); res == nil {
			st = stopped
		} else if read, res2 := d.readStackRetry(ctx, tool, id); res2 == nil {
			st = read // the answer may be lost while the stop went through
		}
	}
	if deref(st.Status) == papi.StackStatusInactive {
		return st, fmt.Sprintf("Stack %d is stopped, as the original was: start_stack %d starts it.", id, id), true
	}
	why := ""
	if res != nil {
		why = " (stopping it failed: " + cause(tool, nil, res) + ")"
	}
	return st, fmt.Sprintf("Stack %d is %s although the original was stopped%s: stop_stack %d stops it.", id, stackStatusName(st.Status), why, id), false
}

func (p *recreatePlan) wasStopped() bool { return deref(p.st.Status) == papi.StackStatusInactive }

// sayUnchanged ends the answer of a re-create stopped before it changed anything with
// "Nothing was changed: detail", saying it once: the failed step's own message may say it
// already, and then only the detail is added.
func sayUnchanged(res *mcp.CallToolResult, detail string) *mcp.CallToolResult {
	text := nothingChanged + ": " + detail
	if strings.Contains(ResultText(res), nothingChanged) {
		text = strings.ToUpper(detail[:1]) + detail[1:]
	}
	res.Content = append(res.Content, mcp.NewTextContent(text))
	return res
}

// cause is what a failed step said went wrong, to quote in a re-create's own answer: without
// the tool's name in front and without the advice meant for a caller of that step alone (the
// re-create gives its own, and says itself what was changed: a step's "Nothing was changed"
// is about that step only), and without a final full stop.
func cause(tool string, st *papi.Stack, res *mcp.CallToolResult) string {
	if st != nil && deref(st.Status) == statusError {
		msg := deployMessage(st)
		if msg == "" {
			msg = "Portainer gave no message"
		}
		return fmt.Sprintf("Portainer's deploy of stack %d (%s) ended in error: %s", deref(st.Id), deref(st.Name), msg)
	}
	var text string
	if res != nil && len(res.Content) > 0 {
		if t, ok := res.Content[0].(mcp.TextContent); ok {
			text = t.Text
		}
	}
	text = withoutHint(tool, strings.TrimPrefix(text, tool+": "))
	if i := strings.Index(text, uncertainOutcome); i >= 0 {
		text = text[:i]
	}
	text = readOnlyText(text)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for len(lines) > 1 && strings.Contains(strings.ToLower(lines[len(lines)-1]), "fix the cause") {
		lines = lines[:len(lines)-1]
	}
	text = strings.TrimRight(strings.TrimSpace(strings.Join(lines, "\n")), ".")
	if text == "" {
		return "no reason was given"
	}
	return text
}

// withoutHint takes off the advice APIError puts after Portainer's message: the text is
// "Portainer answered <status>[: <message>]. <hint for that tool, status and message>".
func withoutHint(tool, text string) string {
	var status int
	if _, err := fmt.Sscanf(text, "Portainer answered %d", &status); err != nil {
		return text
	}
	prefix := fmt.Sprintf("Portainer answered %d %s", status, http.StatusText(status))
	for i := strings.LastIndex(text, ". "); i > 0; i = strings.LastIndex(text[:i], ". ") {
		head := text[:i]
		said := strings.TrimPrefix(strings.TrimPrefix(head, prefix), ": ")
		if joinSentences(hint(tool, status, said)) == text[i+2:] { // APIError ends it with a full stop
			return head
		}
	}
	return text
}

// whatFailed is a labelled line of a failure's answer: one sentence, or a quoted block that
// ends as it ends (a log).
func whatFailed(label, cause string) string {
	if !strings.Contains(cause, "\n") {
		cause += "."
	}
	return "\n" + label + ": " + cause
}

// spaced is s after a space, or nothing.
func spaced(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// currentDef reads what is needed to create the stack again. With GitOps Sources (2.43 and
// later) a Git stack's credentials stay on its Source, which outlives the stack, so it is
// re-created from the Source and no password is needed; before, Portainer never returns the
// stored password, so the caller must give it.
func currentDef(ctx context.Context, d *Deps, tool string, st *papi.Stack, caps Caps, oldPassword, password string) (stackDef, *mcp.CallToolResult) {
	def := stackDef{EnvironmentID: deref(st.EndpointId), Name: deref(st.Name), Swarm: deref(st.Type) == papi.StackTypeSwarm, Env: deref(st.Env)}
	file, res := d.stackFile(ctx, tool, deref(st.Id))
	if res != nil {
		return def, res
	}
	def.File = file
	if !isGit(st) {
		return def, nil
	}
	g := st.GitConfig
	def.Git = &gitSource{URL: deref(g.URL), Ref: deref(g.ReferenceName), Path: deref(g.ConfigFilePath), TLSSkip: deref(g.TLSSkipVerify)}
	def.Additional = deref(st.AdditionalFiles)
	if deref(st.SupportRelativePath) {
		def.FilesystemPath = deref(st.FilesystemPath)
	}
	// The GitOps settings as they work: from 2.44 the Source's interval polls the stack, and
	// its own is cleared (PC §1 "Polling moved off the stack").
	poll, res := d.stackPoll(ctx, tool, st)
	if res != nil {
		return def, res
	}
	def.AutoUpdate = poll.apply(st.AutoUpdate)
	if !credentialsStored(g) {
		return def, nil
	}
	def.Git.User = deref(g.Authentication.Username)
	def.Git.Password = oldPassword
	if def.Git.Password == "" {
		def.Git.Password = password
	}
	if def.Git.Password == "" && caps.GitSources && deref(st.GitSourceId) != 0 {
		def.Git.SourceID = deref(st.GitSourceId)
	}
	if def.Git.Password == "" && def.Git.SourceID == 0 {
		return def, mcp.NewToolResultError(fmt.Sprintf(
			"%s: stack %d (%s) has stored Git credentials (user %s), and Portainer never returns passwords. "+
				"Pass the password again (password, or old_password when the new source uses other credentials): re-creating the stack, and restoring it if that fails, needs it.",
			tool, deref(st.Id), deref(st.Name), def.Git.User))
	}
	return def, nil
}

// targetDef applies the requested changes to the current definition. It refuses
// contradictions and changes that other tools make in place.
func targetDef(d *Deps, old stackDef, st *papi.Stack, in views.RecreateInput) (stackDef, []string, error) {
	t := old
	t.Env = append([]papi.Pair{}, old.Env...)
	mech := string(deref(in.Gitops)) // gitops=none with an interval is refused by RecreateStack
	var changes []string
	if in.Name != nil && *in.Name != old.Name {
		if err := checkStackName(*in.Name); err != nil {
			return t, nil, err
		}
		if strings.EqualFold(*in.Name, old.Name) {
			return t, nil, fmt.Errorf("the stack is already named %q: names compare without case in Portainer", old.Name)
		}
		t.Name = *in.Name
		changes = append(changes, fmt.Sprintf("name %q -> %q", old.Name, t.Name))
	}
	structural := len(changes) > 0 || in.RepositoryUrl != nil || in.ComposePath != nil || in.AdditionalFiles != nil
	if old.Git != nil && !structural {
		return t, nil, errInPlaceElsewhere
	}
	gitAsked := in.RepositoryUrl != nil || in.Reference != nil || in.ComposePath != nil || in.AdditionalFiles != nil || in.Username != nil ||
		in.TlsSkipVerify != nil || in.Gitops != nil || in.Interval != nil
	if old.Git == nil && !gitAsked {
		if len(changes) == 0 {
			return t, nil, fmt.Errorf("nothing to change: give repository_url to move the stack onto Git, or name to rename it")
		}
		return t, changes, nil
	}
	if old.Git == nil && in.RepositoryUrl == nil {
		return t, nil, fmt.Errorf("stack %d is file-based: moving it onto Git needs repository_url (and compose_path if the file is not docker-compose.yml)", deref(st.Id))
	}
	src := gitSource{}
	if old.Git != nil {
		src = *old.Git
	}
	if in.RepositoryUrl != nil && strings.TrimSpace(*in.RepositoryUrl) != src.URL {
		changes = append(changes, fmt.Sprintf("repository %s -> %s", orNone(src.URL), strings.TrimSpace(*in.RepositoryUrl)))
		src.URL = strings.TrimSpace(*in.RepositoryUrl)
		// Another repository: its own credentials only when given, and not the old Source.
		src.User, src.Password, src.SourceID = "", "", 0
	}
	if in.Reference != nil && fullRef(*in.Reference) != src.Ref {
		changes = append(changes, fmt.Sprintf("reference %q -> %q", src.Ref, fullRef(*in.Reference)))
		src.Ref = fullRef(*in.Reference)
	}
	if old.Git == nil && src.Ref == "" {
		src.Ref = DefaultRef
	}
	if in.ComposePath != nil && *in.ComposePath != src.Path {
		changes = append(changes, fmt.Sprintf("compose path %s -> %s", orNone(src.Path), *in.ComposePath))
		src.Path = *in.ComposePath
	}
	if src.Path == "" {
		src.Path = "docker-compose.yml"
	}
	if in.AdditionalFiles != nil && !slices.Equal(*in.AdditionalFiles, old.Additional) {
		changes = append(changes, fmt.Sprintf("additional files [%s] -> [%s]", strings.Join(old.Additional, ", "), strings.Join(*in.AdditionalFiles, ", ")))
		t.Additional = *in.AdditionalFiles
	}
	if err := checkRepoPaths(src.Path, t.Additional); err != nil {
		return t, nil, err
	}
	if in.Username != nil {
		if in.Password == nil {
			return t, nil, fmt.Errorf("username %s was given without a password or token: Portainer needs both", *in.Username)
		}
		src.User, src.SourceID = *in.Username, 0
	}
	if in.Password != nil && (src.SourceID == 0 || in.Username != nil) {
		src.Password = *in.Password
	}
	if src.SourceID == 0 {
		if err := checkCredentials(src); err != nil {
			return t, nil, err
		}
	}
	if in.TlsSkipVerify != nil {
		src.TLSSkip = *in.TlsSkipVerify
	}
	t.Git = &src
	switch mech {
	case "", "keep":
		if in.Interval != nil {
			au, err := gitopsChange{Interval: *in.Interval}.apply(d, old.AutoUpdate)
			if err != nil {
				return t, nil, err
			}
			t.AutoUpdate = au
		}
	case "none":
		t.AutoUpdate = nil
	default:
		au, err := gitopsChange{Mechanism: mech, Interval: deref(in.Interval)}.apply(d, old.AutoUpdate)
		if err != nil {
			return t, nil, err
		}
		t.AutoUpdate = au
	}
	if mechanism(t.AutoUpdate) != mechanism(old.AutoUpdate) || deref(deref(t.AutoUpdate).Interval) != deref(deref(old.AutoUpdate).Interval) {
		changes = append(changes, fmt.Sprintf("GitOps %s -> %s", mechanism(old.AutoUpdate), mechanism(t.AutoUpdate)))
	}
	if old.Git == nil {
		changes = append([]string{"file-based -> Git"}, changes...)
		t.File = ""
	}
	if len(changes) == 0 {
		return t, nil, fmt.Errorf("nothing to change: the stack already has this source and name (to pull new commits use redeploy_stack; for GitOps settings use update_stack_gitops)")
	}
	return t, changes, nil
}

// findStack finds a stack by name (case-insensitive, as Portainer compares) on an environment.
func findStack(ctx context.Context, d *Deps, tool string, envID int, name string) (*papi.Stack, *mcp.CallToolResult) {
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return nil, res
	}
	for i := range all {
		s := &all[i]
		if s.EndpointId == envID && strings.EqualFold(s.Name, name) {
			return getStack(ctx, d, tool, s.Id)
		}
	}
	return nil, nil
}

func deleteStack(ctx context.Context, d *Deps, tool string, st *papi.Stack) (outcome, *mcp.CallToolResult) {
	resp, err := d.Client.StackDeleteWithResponse(ctx, deref(st.Id), &papi.StackDeleteParams{EndpointId: st.EndpointId})
	if err != nil {
		return unknown, d.CallFailed(tool, err)
	}
	if resp.StatusCode() == 404 { // already gone
		return done, nil
	}
	out := writeOutcome(nil, resp.StatusCode())
	if out == done {
		return done, nil
	}
	return out, APIError(tool, resp.HTTPResponse, resp.Body)
}

// settleWaits are the waits between looks at a stack whose create or delete has an unknown
// outcome: about a minute in all, as long as Portainer may still be running compose.
var settleWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second}

// stackGone looks, for about a minute, whether a stack whose delete has an unknown outcome
// disappears. It returns whether it did and how long it waited.
func (d *Deps) stackGone(ctx context.Context, tool string, st *papi.Stack) (bool, time.Duration) {
	var waited time.Duration
	for i := 0; ; i++ {
		resp, err := d.Client.StackInspectWithResponse(ctx, deref(st.Id))
		if err == nil && resp.StatusCode() == 404 {
			return true, waited
		}
		if i == len(settleWaits) {
			return false, waited
		}
		waited += settleWaits[i]
		if d.sleepCtx(ctx, settleWaits[i]) != nil {
			return false, waited
		}
	}
}

// stackGoneNow reads a stack once (trying again if the read fails): whether it is gone.
func (d *Deps) stackGoneNow(ctx context.Context, st *papi.Stack) (bool, error) {
	var err error
	for i := 0; i < 3; i++ {
		var resp *papi.StackInspectResponse
		if resp, err = d.Client.StackInspectWithResponse(ctx, deref(st.Id)); err == nil {
			return resp.StatusCode() == 404, nil
		}
		if d.sleepCtx(ctx, waitStep(i)) != nil {
			break
		}
	}
	return false, err
}

// createAndFind creates a stack. When the create's outcome is unknown (no answer, a proxy
// error) it keeps looking for the stack by name for about a minute: a slow deploy may still
// finish, and restoring the original beside it would leave two stacks.
func createAndFind(ctx context.Context, d *Deps, tool string, def stackDef) (*papi.Stack, *mcp.CallToolResult) {
	st, out, res := def.create(ctx, d, tool)
	switch out {
	case done:
		return st, nil
	case failed:
		return nil, res
	}
	for i := 0; ; i++ {
		found, lookErr := findStack(ctx, d, tool, def.EnvironmentID, def.Name)
		if lookErr == nil && found != nil && len(def.matches(found, d.Caps(ctx))) == 0 {
			return found, nil
		}
		if i == len(settleWaits) || d.sleepCtx(ctx, settleWaits[i]) != nil {
			return nil, res
		}
	}
}

func restoreHint(old stackDef) string {
	kind := map[bool]string{true: "swarm", false: "compose"}[old.Swarm]
	if old.Git == nil {
		return fmt.Sprintf("call create_stack with environment_id=%d, name=%q, type=%s, compose = original.compose_file and env = original.env from the snapshot.",
			old.EnvironmentID, old.Name, kind)
	}
	h := fmt.Sprintf("call create_stack_from_git with environment_id=%d, name=%q, type=%s, repository_url=%q, reference=%q, compose_path=%q, additional_files and env from original in the snapshot",
		old.EnvironmentID, old.Name, kind, old.Git.URL, old.Git.Ref, old.Git.Path)
	if old.Git.User != "" {
		h += fmt.Sprintf(", username=%q and the Git password (not stored in the snapshot)", old.Git.User)
	}
	if old.AutoUpdate != nil {
		h += fmt.Sprintf(", then restore GitOps %s", mechanism(old.AutoUpdate))
		if iv := deref(old.AutoUpdate.Interval); iv != "" {
			h += fmt.Sprintf(" (interval %s)", iv)
		}
		if hook := deref(old.AutoUpdate.Webhook); hook != "" {
			h += fmt.Sprintf("; the old webhook id %s can only be kept through Portainer's API (AutoUpdate.Webhook)", hook)
		}
	}
	return h + "."
}
