package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// RecreateStack implements recreate_stack: plan, check, snapshot, delete, create, verify,
// and restore the original from the snapshot when anything after the delete fails.
func RecreateStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	res, deleted, err := recreate(ctx, d, a)
	if err == nil && res != nil && res.IsError && !deleted {
		txt := ResultText(res)
		if !strings.Contains(txt, "Nothing was changed") && !strings.Contains(txt, "is unchanged") {
			res.Content = append(res.Content, mcp.NewTextContent("Nothing was changed: the stack is as it was (the flow stops before deleting anything when a check or read fails)."))
		}
	}
	return res, err
}

// recreate runs the flow; deleted tells whether it got as far as deleting the original.
func recreate(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, bool, error) {
	const tool = "recreate_stack"
	var in views.RecreateInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), false, nil
	}
	dryRun := in.DryRun == nil || *in.DryRun

	st, res := getStack(ctx, d, tool, in.StackId)
	if res != nil {
		return res, false, nil
	}
	if res := savedCredential(tool, st); res != nil {
		return res, false, nil
	}
	if t := deref(st.Type); t != papi.StackTypeCompose && t != papi.StackTypeSwarm {
		return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d is a %s stack; only compose and swarm stacks can be re-created. Nothing was changed.", tool, in.StackId, stackTypeName(st.Type))), false, nil
	}
	old, res := currentDef(ctx, d, tool, st, deref(in.OldPassword), deref(in.Password))
	if res != nil {
		return res, false, nil
	}
	target, changes, err := targetDef(d, old, st, in)
	if err != nil {
		return ArgError(tool, err), false, nil
	}

	// Checks that can fail before anything is deleted.
	var kept, warnings []string
	kept = append(kept, fmt.Sprintf("env (%d variables, with values)", len(old.Env)))
	if target.AutoUpdate != nil && old.AutoUpdate != nil && deref(target.AutoUpdate.Webhook) != "" && deref(target.AutoUpdate.Webhook) == deref(old.AutoUpdate.Webhook) {
		kept = append(kept, "webhook URL "+d.WebhookURL(deref(old.AutoUpdate.Webhook)))
	}
	if mechanism(target.AutoUpdate) == mechanism(old.AutoUpdate) && old.AutoUpdate != nil {
		kept = append(kept, "GitOps settings ("+string(mechanism(old.AutoUpdate))+")")
	}
	if !strings.EqualFold(target.Name, old.Name) {
		if err := checkStackName(target.Name); err != nil {
			return ArgError(tool, err), false, nil
		}
		taken, res := findStack(ctx, d, tool, target.EnvironmentID, target.Name)
		if res != nil {
			return res, false, nil
		}
		if taken != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s: the name %q is already used by stack %d on environment %d. Nothing was changed: pick another name.", tool, target.Name, deref(taken.Id), target.EnvironmentID)), false, nil
		}
		warnings = append(warnings, fmt.Sprintf("Renaming: the named volumes of %q stay on the environment under that name; %q starts with new, empty volumes.", old.Name, target.Name))
	} else {
		kept = append(kept, "named volumes (same name, same environment)")
	}
	if target.Git != nil {
		if res := checkSource(ctx, d, tool, target); res != nil {
			return res, false, nil
		}
	}
	if old.Git != nil {
		// The original must be re-creatable if the re-create fails.
		if res := checkSource(ctx, d, tool, old); res != nil {
			res.Content = append(res.Content, mcp.NewTextContent("That is the stack's CURRENT source: if the re-create failed it could not be restored from there, so the flow stops here."))
			return res, false, nil
		}
		warnings = append(warnings, "If the re-create fails, the original is restored from its repository at the latest commit of its reference (Portainer cannot deploy an older commit).")
	}
	if st.Option != nil && deref(st.Option.Prune) {
		warnings = append(warnings, "The stack's prune option is not carried over by Portainer's create: set it again with update_stack_gitops prune=true (Git stacks) after the re-create.")
	}
	warnings = append(warnings, "Portainer's access settings of the stack (ownership, teams) are not carried over: the new stack belongs to the API key's user.")
	if deref(st.Status) == papi.StackStatusInactive {
		warnings = append(warnings, "The stack is stopped now; the re-created stack is started by Portainer's create.")
	}
	plan := map[string]any{
		"stack_id":     in.StackId,
		"will_delete":  fmt.Sprintf("stack %d: %s", in.StackId, old.describe()),
		"will_create":  target.describe(),
		"changes":      changes,
		"kept":         kept,
		"checks":       "passed: new source readable, name free, credentials at hand",
		"new_stack_id": "assigned by Portainer (the stack id changes)",
	}
	if len(warnings) > 0 {
		plan["warnings"] = warnings
	}
	if dryRun {
		plan["dry_run"] = true
		plan["next"] = "Call recreate_stack again with the same arguments and dry_run=false to do it."
		res, err := Result(plan)
		return res, false, err
	}

	// Snapshot, then delete.
	snapPath, err := writeSnapshot(d, st, old, target)
	if err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("%s: could not write the snapshot of stack %d before deleting it (%v). Nothing was changed: set --state-dir (PORTAINER_MCP_STATE_DIR) to a writable directory.", tool, in.StackId, err)), false, nil
	}

	if res := deleteStack(ctx, d, tool, st); res != nil {
		uncertain := isUncertain(res)
		gone, res2 := stackGone(ctx, d, tool, st, uncertain)
		if res2 != nil || !gone {
			msg := fmt.Sprintf("The delete did not go through: the original stack %d is unchanged. Nothing was created. Snapshot: %s", in.StackId, snapPath)
			if uncertain {
				msg = fmt.Sprintf("The delete's outcome is unknown; stack %d still exists after a minute and is unchanged, so nothing was created. "+
					"If Portainer is still removing it, it may yet disappear: check with get_stack %d; if it is gone, restore it from the snapshot %s (%s)",
					in.StackId, in.StackId, snapPath, restoreHint(old))
			}
			res.Content = append(res.Content, mcp.NewTextContent(msg))
			return res, uncertain, nil
		}
		// The delete happened although its answer was lost: go on.
	}

	created, res := createAndFind(ctx, d, tool, target)
	if res == nil {
		out := map[string]any{"result": "re-created", "old_stack_id": in.StackId, "stack": gitopsView(d, created), "snapshot": snapPath, "changes": changes, "kept": kept}
		if problems := target.matches(created); len(problems) > 0 {
			out["warnings"] = append(warnings, "The new stack differs from what was asked: "+strings.Join(problems, "; "))
		} else if len(warnings) > 0 {
			out["warnings"] = warnings
		}
		res, err := Result(out)
		return res, true, err
	}
	failure := ResultText(res)

	// Restore the original.
	restored, res2 := createAndFind(ctx, d, tool, old)
	if res2 == nil {
		msg := fmt.Sprintf("%s: FAILED, ORIGINAL RESTORED. Creating the new stack failed after the original was deleted: %s\n"+
			"The original was re-created from the snapshot as stack %d (%s); its id changed from %d. Snapshot: %s. Fix the cause and run recreate_stack again.",
			tool, failure, deref(restored.Id), old.describe(), in.StackId, snapPath)
		return mcp.NewToolResultError(msg), true, nil
	}
	msg := fmt.Sprintf("%s: FAILED, NOT RESTORED. Creating the new stack failed after the original stack %d was deleted: %s\n"+
		"Restoring the original failed too: %s\n"+
		"The original's definition (compose file or Git source, env with values, GitOps settings, webhook id) is in the snapshot %s. "+
		"To restore it by hand: %s",
		tool, in.StackId, failure, ResultText(res2), snapPath, restoreHint(old))
	return mcp.NewToolResultError(msg), true, nil
}

// currentDef reads what is needed to create the stack again.
func currentDef(ctx context.Context, d *Deps, tool string, st *papi.Stack, oldPassword, password string) (stackDef, *mcp.CallToolResult) {
	def := stackDef{EnvironmentID: deref(st.EndpointId), Name: deref(st.Name), Swarm: deref(st.Type) == papi.StackTypeSwarm, Env: deref(st.Env)}
	f, err := d.Client.StackFileInspectWithResponse(ctx, deref(st.Id))
	if err != nil {
		return def, d.CallFailed(tool, err)
	}
	if f.JSON200 == nil {
		return def, APIError(tool, f.HTTPResponse, f.Body)
	}
	def.File = deref(f.JSON200.StackFileContent)
	if !isGit(st) {
		return def, nil
	}
	g := st.GitConfig
	def.Git = &gitSource{URL: deref(g.URL), Ref: deref(g.ReferenceName), Path: deref(g.ConfigFilePath), TLSSkip: deref(g.TLSSkipVerify)}
	def.Additional = deref(st.AdditionalFiles)
	if st.AutoUpdate != nil && mechanism(st.AutoUpdate) != views.GitopsSettingsMechanismNone {
		au := *st.AutoUpdate
		au.JobID = nil
		def.AutoUpdate = &au
	}
	if credentialsStored(g) {
		def.Git.User = deref(g.Authentication.Username)
		def.Git.Password = oldPassword
		if def.Git.Password == "" {
			def.Git.Password = password
		}
		if def.Git.Password == "" {
			return def, mcp.NewToolResultError(fmt.Sprintf(
				"%s: stack %d (%s) has stored Git credentials (user %s), and Portainer never returns passwords. Nothing was changed. "+
					"Pass the password again (password, or old_password when the new source uses other credentials): re-creating the stack, and restoring it if that fails, needs it.",
				tool, deref(st.Id), deref(st.Name), def.Git.User))
		}
	}
	return def, nil
}

// targetDef applies the requested changes to the current definition.
func targetDef(d *Deps, old stackDef, st *papi.Stack, in views.RecreateInput) (stackDef, []string, error) {
	t := old
	t.Env = append([]papi.Pair{}, old.Env...)
	var changes []string
	if in.Name != nil && *in.Name != old.Name {
		t.Name = *in.Name
		changes = append(changes, fmt.Sprintf("name %q -> %q", old.Name, t.Name))
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
		changes = append(changes, fmt.Sprintf("repository %s -> %s", orNone(src.URL), *in.RepositoryUrl))
		src.URL = strings.TrimSpace(*in.RepositoryUrl)
		src.User, src.Password = "", "" // another repository: its credentials only when given
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
	if in.AdditionalFiles != nil {
		changes = append(changes, fmt.Sprintf("additional files [%s] -> [%s]", strings.Join(old.Additional, ", "), strings.Join(*in.AdditionalFiles, ", ")))
		t.Additional = *in.AdditionalFiles
	}
	if in.Username != nil {
		if in.Password == nil {
			return t, nil, fmt.Errorf("username %s was given without a password or token: Portainer needs both", *in.Username)
		}
		src.User = *in.Username
	}
	if in.Password != nil {
		src.Password = *in.Password
	}
	if err := checkCredentials(src); err != nil {
		return t, nil, err
	}
	if in.TlsSkipVerify != nil {
		src.TLSSkip = *in.TlsSkipVerify
	}
	t.Git = &src
	switch mech := string(deref(in.Gitops)); mech {
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

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// findStack finds a stack by name (case-insensitive, as Portainer compares) on an environment.
func findStack(ctx context.Context, d *Deps, tool string, envID int, name string) (*papi.Stack, *mcp.CallToolResult) {
	all, res := allStacks(ctx, d, tool)
	if res != nil {
		return nil, res
	}
	for i := range all {
		s := &all[i]
		if deref(s.EndpointId) == envID && strings.EqualFold(deref(s.Name), name) {
			return getStack(ctx, d, tool, deref(s.Id))
		}
	}
	return nil, nil
}

func deleteStack(ctx context.Context, d *Deps, tool string, st *papi.Stack) *mcp.CallToolResult {
	resp, err := d.Client.StackDeleteWithResponse(ctx, deref(st.Id), &papi.StackDeleteParams{EndpointId: st.EndpointId})
	if err != nil {
		return d.CallFailed(tool, err)
	}
	if resp.StatusCode()/100 != 2 {
		return APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return nil
}

// stackGone tells whether a stack no longer exists (reading it answers 404). When the
// delete's outcome is unknown (it timed out or the connection dropped), Portainer may still
// be running compose down, so it keeps looking for a while.
func stackGone(ctx context.Context, d *Deps, tool string, st *papi.Stack, uncertain bool) (bool, *mcp.CallToolResult) {
	var last *mcp.CallToolResult
	tries := 3
	if uncertain {
		tries = len(settleWaits)
	}
	for attempt := 0; attempt < tries; attempt++ {
		resp, err := d.Client.StackInspectWithResponse(ctx, deref(st.Id))
		if err == nil {
			switch resp.StatusCode() {
			case 404:
				return true, nil
			case 200:
				if !uncertain || attempt == tries-1 {
					return false, nil
				}
			default:
				last = APIError(tool, resp.HTTPResponse, resp.Body)
			}
		} else {
			last = d.CallFailed(tool, err)
		}
		d.settle(attempt, uncertain)
	}
	if last == nil {
		return false, nil
	}
	return false, last
}

// createAndFind creates a stack; when the create's answer is an error, it looks the stack up
// by name, since Portainer may have created it before the answer was lost. When the outcome
// is unknown (timeout, dropped connection) it keeps looking for a while: a slow deploy may
// still finish, and restoring the original beside it would leave two stacks.
func createAndFind(ctx context.Context, d *Deps, tool string, def stackDef) (*papi.Stack, *mcp.CallToolResult) {
	st, res := def.create(ctx, d, tool)
	if res == nil {
		return st, nil
	}
	uncertain := isUncertain(res)
	tries := 3
	if uncertain {
		tries = len(settleWaits)
	}
	for attempt := 0; attempt < tries; attempt++ {
		found, lookErr := findStack(ctx, d, tool, def.EnvironmentID, def.Name)
		if lookErr == nil {
			if found != nil && len(def.matches(found)) == 0 {
				return found, nil
			}
			if !uncertain {
				return nil, res
			}
		}
		d.settle(attempt, uncertain)
	}
	return nil, res
}

// settleWaits are the waits between looks at a stack whose create or delete has an unknown
// outcome: about a minute in all.
var settleWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second}

func (d *Deps) settle(attempt int, uncertain bool) {
	if !uncertain {
		d.pause(attempt)
		return
	}
	if d.Sleep != nil {
		d.Sleep(settleWaits[attempt])
		return
	}
	time.Sleep(settleWaits[attempt])
}

// isUncertain tells whether a tool error says a write may or may not have happened.
func isUncertain(r *mcp.CallToolResult) bool {
	return r != nil && strings.Contains(ResultText(r), uncertainOutcome)
}

func (d *Deps) pause(attempt int) {
	wait := time.Duration(attempt+1) * 200 * time.Millisecond
	if d.Sleep != nil {
		d.Sleep(wait)
		return
	}
	time.Sleep(wait)
}

// ResultText is the text of a tool result, its parts joined by newlines.
func ResultText(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// snapshot is what recreate_stack writes before deleting a stack.
type snapshot struct {
	Taken     string      `json:"taken"`
	StackID   int         `json:"stack_id"`
	Original  stackDef    `json:"original"`
	Target    stackDef    `json:"target"`
	Portainer *papi.Stack `json:"portainer_stack"`
	Restore   string      `json:"how_to_restore"`
}

func writeSnapshot(d *Deps, st *papi.Stack, old, target stackDef) (string, error) {
	dir := d.StateDir
	if dir == "" {
		return "", fmt.Errorf("no state directory is set")
	}
	dir = filepath.Join(dir, "snapshots")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	raw := *st
	if raw.GitConfig != nil && raw.GitConfig.Authentication != nil {
		auth := *raw.GitConfig.Authentication
		auth.Password = nil
		gc := *raw.GitConfig
		gc.Authentication = &auth
		raw.GitConfig = &gc
	}
	snap := snapshot{Taken: time.Now().UTC().Format(time.RFC3339), StackID: deref(st.Id), Original: old, Target: target, Portainer: &raw, Restore: restoreHint(old)}
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("stack-%d-%s-%s.json", deref(st.Id), old.Name, time.Now().UTC().Format("20060102T150405.000"))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

func restoreHint(old stackDef) string {
	if old.Git == nil {
		return fmt.Sprintf("call create_stack with environment_id=%d, name=%q, type=%s, compose = original.compose_file and env = original.env from the snapshot.",
			old.EnvironmentID, old.Name, map[bool]string{true: "swarm", false: "compose"}[old.Swarm])
	}
	h := fmt.Sprintf("call create_stack_from_git with environment_id=%d, name=%q, type=%s, repository_url=%q, reference=%q, compose_path=%q, additional_files and env from original in the snapshot",
		old.EnvironmentID, old.Name, map[bool]string{true: "swarm", false: "compose"}[old.Swarm], old.Git.URL, old.Git.Ref, old.Git.Path)
	if old.Git.User != "" {
		h += fmt.Sprintf(", username=%q and the Git password (not stored in the snapshot)", old.Git.User)
	}
	if old.AutoUpdate != nil {
		h += fmt.Sprintf(", then restore GitOps %s (interval %q); the old webhook id %s can only be kept through Portainer's API (AutoUpdate.Webhook)", mechanism(old.AutoUpdate), deref(old.AutoUpdate.Interval), deref(old.AutoUpdate.Webhook))
	}
	return h + "."
}
