package tools

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// MinInterval is the shortest polling interval the tools accept: a shorter one would have
// Portainer clone the repository more often than it can usefully redeploy.
const MinInterval = time.Minute

// DefaultInterval is how often polling runs when it is turned on without an interval (the
// deploy_from_git prompt says so too).
const DefaultInterval = "5m"

// gitStack reads a stack and insists that it is deployed from Git.
func gitStack(ctx context.Context, d *Deps, tool string, id int) (*papi.Stack, *mcp.CallToolResult) {
	st, res := getStack(ctx, d, tool, id)
	if res != nil {
		return nil, res
	}
	if !isGit(st) {
		return nil, mcp.NewToolResultError(fmt.Sprintf(
			"%s: stack %d (%s) is file-based, not deployed from Git, so it has no Git or GitOps settings. Nothing was changed. "+
				"To move it onto Git, use recreate_stack with repository_url (and compose_path); to change its file, use update_stack.",
			tool, id, deref(st.Name)))
	}
	return st, nil
}

// gitStackArg reads the Git stack named by the stack_id argument, for a change.
func gitStackArg(ctx context.Context, d *Deps, a Args, tool string) (*papi.Stack, *mcp.CallToolResult) {
	id, err := a.Int("stack_id")
	if err != nil {
		return nil, ArgError(tool, err)
	}
	st, res := gitStack(ctx, d, tool, id)
	if res == nil {
		res = d.credentialKept(ctx, tool, st)
	}
	return st, res
}

// fullGitState is the POST /stacks/{id}/git payload that leaves a Git stack exactly as it
// is: Portainer replaces every field, so everything must be sent back. Stored credentials
// are kept by sending authentication on, the same username and an empty password.
func fullGitState(st *papi.Stack) papi.StackGitUpdatePayload {
	g := st.GitConfig
	p := papi.StackGitUpdatePayload{
		RepositoryReferenceName:  ptr(deref(g.ReferenceName)),
		RepositoryAuthentication: ptr(credentialsStored(g)),
		TLSSkipVerify:            ptr(deref(g.TLSSkipVerify)),
		Env:                      ptr(append([]papi.Pair{}, deref(st.Env)...)),
	}
	if credentialsStored(g) {
		p.RepositoryUsername = ptr(deref(g.Authentication.Username))
		p.RepositoryPassword = ptr("")
	}
	if id := storedCredential(st); id != 0 {
		p.RepositoryGitCredentialID = &id // a saved credential (Business Edition) is kept by its id
	}
	if st.Option != nil {
		p.Prune = ptr(deref(st.Option.Prune))
	} else {
		p.Prune = ptr(false)
	}
	p.AutoUpdate = sourcePoll{}.apply(st.AutoUpdate) // the stack's own settings
	return p
}

// ParseInterval checks a polling interval: a Go duration of at least MinInterval.
func ParseInterval(s string) (time.Duration, error) {
	dur, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("interval %q is not a duration: write it like 5m, 1h or 1h30m", s)
	}
	if dur < MinInterval {
		return 0, fmt.Errorf("interval %q is too short: it must be at least 1m (Portainer refuses shorter ones), such as %s", s, DefaultInterval)
	}
	return dur, nil
}

// gitopsChange is the GitOps part of a change request.
type gitopsChange struct {
	Mechanism      string
	Interval       string
	ForceUpdate    *bool
	ForcePullImage *bool
}

// apply computes the AutoUpdate that results from a change, generating a webhook id when the
// new mechanism needs one and the stack has none. It never mutates cur.
func (c gitopsChange) apply(d *Deps, cur *papi.AutoUpdateSettings) (*papi.AutoUpdateSettings, error) {
	c.Interval = strings.TrimSpace(c.Interval) // " 5m" is stored as "5m": Portainer does not trim
	var next papi.AutoUpdateSettings
	if cur != nil {
		next = *cur
	}
	next.JobID = nil
	mech := c.Mechanism
	if mech == "" {
		switch m := mechanism(cur); {
		case c.Interval != "" && m == views.GitopsSettingsMechanismWebhook:
			return nil, fmt.Errorf("the stack is updated by webhook and an interval only applies to polling: pass mechanism=polling (or polling+webhook) with the interval")
		case c.Interval != "" && m == views.GitopsSettingsMechanismNone:
			mech = "polling"
		case m == views.GitopsSettingsMechanismNone:
			if c.ForceUpdate != nil || c.ForcePullImage != nil {
				return nil, fmt.Errorf("GitOps is off for this stack: turn it on with update_stack_gitops mechanism=polling (with an interval) or mechanism=webhook first")
			}
			return nil, nil
		default:
			mech = string(m)
		}
	}
	poll, hook := false, false
	switch mech {
	case "polling":
		poll = true
	case "webhook":
		hook = true
	case "polling+webhook":
		poll, hook = true, true
	default:
		return nil, fmt.Errorf("mechanism must be polling, webhook or polling+webhook, got %q", mech)
	}
	if !poll && c.Interval != "" {
		return nil, fmt.Errorf("mechanism webhook does not poll, so an interval (%s) makes no sense: use mechanism=polling+webhook for both, or drop the interval", c.Interval)
	}
	if poll {
		iv := c.Interval
		if iv == "" {
			iv = deref(next.Interval)
		}
		if iv == "" {
			iv = DefaultInterval
		}
		if _, err := ParseInterval(iv); err != nil {
			return nil, err
		}
		next.Interval = &iv
	} else {
		next.Interval = nil
	}
	if hook {
		if deref(next.Webhook) == "" {
			next.Webhook = ptr(d.uuid())
		}
	} else {
		next.Webhook = nil
	}
	if c.ForceUpdate != nil {
		next.ForceUpdate = c.ForceUpdate
	}
	if c.ForcePullImage != nil {
		next.ForcePullImage = c.ForcePullImage
	}
	return &next, nil
}

// defaultedNote says that polling was turned on at the default interval, when no interval was
// given and the stack had none ("" otherwise).
func defaultedNote(given string, cur, next *papi.AutoUpdateSettings) string {
	if strings.TrimSpace(given) != "" || deref(deref(cur).Interval) != "" || deref(deref(next).Interval) != DefaultInterval {
		return ""
	}
	return "Polling every " + DefaultInterval + " (the default; pass interval for another)."
}

// forceUpdateNote says what force_update=true does on this Portainer, from the capability
// table: 2.23 stores it and ignores it (PB, measured); from 2.44 it makes every poll redeploy
// (ForceUpdatePolls). A webhook redeploys only on a new commit either way (PC §6).
func forceUpdateNote(c Caps, au *papi.AutoUpdateSettings) string {
	switch {
	case au == nil || !deref(au.ForceUpdate):
		return ""
	case !c.ForceUpdatePolls:
		v := "this Portainer"
		if c.Version != "" {
			v = "Portainer " + c.Version
		}
		return fmt.Sprintf("force_update is saved, but %s ignores force_update: polling and webhooks redeploy only when the reference has a new commit (redeploy_stack redeploys now regardless).", v)
	case deref(au.Interval) != "":
		return fmt.Sprintf("force_update: every poll (every %s) redeploys, even without a new commit; a webhook still needs a new commit.", deref(au.Interval))
	}
	return "force_update applies to polling only: a webhook redeploys only on a new commit."
}

// updateGit sends a full Git state, then reads the stack back and checks that it is still
// a Git stack and that what was sent took effect.
func updateGit(ctx context.Context, d *Deps, tool string, st *papi.Stack, p papi.StackGitUpdatePayload) (*papi.Stack, *mcp.CallToolResult) {
	id := deref(st.Id)
	resp, err := d.Client.StackUpdateGitWithResponse(ctx, id, &papi.StackUpdateGitParams{EndpointId: st.EndpointId}, p)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		res := APIError(tool, resp.HTTPResponse, resp.Body)
		res.Content = append(res.Content, mcp.NewTextContent(restartJob(ctx, d, st)))
		return nil, res
	}
	after, res := getStack(ctx, d, tool, id)
	if res != nil {
		return nil, res
	}
	if problems := verifyGit(after, p, d.Caps(ctx)); len(problems) > 0 {
		return nil, mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but reading stack %d back shows: %s. Check it with get_stack_gitops before trying again.",
			tool, id, strings.Join(problems, "; ")))
	}
	return after, nil
}

// restartJob: Portainer stops a stack's polling job before it checks a Git settings change,
// and does not restart it when the check fails. Sending the stack's own state back starts
// the job again. It returns what happened, for the error message.
func restartJob(ctx context.Context, d *Deps, st *papi.Stack) string {
	// From 2.44 polling runs per Source, not per stack: nothing of the stack's to restart.
	if st.AutoUpdate == nil || deref(st.AutoUpdate.Interval) == "" || d.Caps(ctx).SourcePolling {
		return "The stack's settings were not changed."
	}
	resp, err := d.Client.StackUpdateGitWithResponse(ctx, deref(st.Id), &papi.StackUpdateGitParams{EndpointId: st.EndpointId}, fullGitState(st))
	if err == nil && resp.JSON200 != nil {
		return "The stack's settings were not changed; its polling, which Portainer stops on a failed change, was started again."
	}
	return "The stack's settings were not changed, but Portainer stops polling on a failed change and restarting it failed too: " +
		"check with get_stack_gitops and run update_stack_gitops with the same interval once the cause is fixed."
}

func verifyGit(st *papi.Stack, p papi.StackGitUpdatePayload, caps Caps) []string {
	var out []string
	if !isGit(st) {
		return []string{"it is no longer a Git stack"}
	}
	if deref(st.GitConfig.ReferenceName) != deref(p.RepositoryReferenceName) {
		out = append(out, fmt.Sprintf("reference is %q, not %q", deref(st.GitConfig.ReferenceName), deref(p.RepositoryReferenceName)))
	}
	// With SourceID the credentials are the Source's (PC §3 "With SourceID"): none are sent.
	if p.SourceID == nil && credentialsStored(st.GitConfig) != deref(p.RepositoryAuthentication) {
		out = append(out, fmt.Sprintf("credentials stored is %v, not %v", credentialsStored(st.GitConfig), deref(p.RepositoryAuthentication)))
	}
	if want := deref(p.RepositoryGitCredentialID); want != 0 && deref(p.RepositoryPassword) == "" && storedCredential(st) != want {
		out = append(out, fmt.Sprintf("it uses saved Git credential %d, not %d", storedCredential(st), want))
	}
	if !samePairs(deref(st.Env), deref(p.Env)) {
		out = append(out, "env differs from what was sent")
	}
	if d := storedGitopsDiff(p.AutoUpdate, st.AutoUpdate, caps); d != "" {
		out = append(out, d)
	}
	return out
}

// storedGitopsDiff is gitopsDiff between the GitOps settings sent for a stack and those it
// stores. From 2.44 the interval lives on the Source and the stack's own field may be cleared
// (PC §1), so only the rest is compared there.
func storedGitopsDiff(want, got *papi.AutoUpdateSettings, caps Caps) string {
	if caps.SourcePolling {
		want, got = withoutInterval(want), withoutInterval(got)
	}
	return gitopsDiff(want, got)
}

func withoutInterval(au *papi.AutoUpdateSettings) *papi.AutoUpdateSettings {
	if au == nil || deref(au.Webhook) == "" {
		return nil
	}
	c := *au
	c.Interval = nil
	return &c
}

// gitopsDiff says how the GitOps settings got differ from want ("" when they agree on
// mechanism, interval and webhook).
func gitopsDiff(want, got *papi.AutoUpdateSettings) string {
	if mechanism(want) != mechanism(got) {
		return fmt.Sprintf("GitOps is %s, not %s", mechanism(got), mechanism(want))
	}
	w, g := deref(want), deref(got)
	if deref(w.Interval) != deref(g.Interval) || deref(w.Webhook) != deref(g.Webhook) {
		return fmt.Sprintf("GitOps interval/webhook is %q/%q, not %q/%q", deref(g.Interval), deref(g.Webhook), deref(w.Interval), deref(w.Webhook))
	}
	return ""
}

func samePairs(a, b []papi.Pair) bool {
	norm := func(ps []papi.Pair) map[string]string {
		m := map[string]string{}
		for _, p := range ps {
			m[p.Name] = deref(p.Value)
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// redeploy pulls and redeploys a Git stack with its stored credentials and current env.
// It says what became of the redeploy when it failed.
func redeploy(ctx context.Context, d *Deps, tool string, st *papi.Stack, pullImage, prune *bool, password string) (*papi.Stack, outcome, *mcp.CallToolResult) {
	g := st.GitConfig
	body := papi.StackGitRedeployPayload{
		RepositoryReferenceName:  ptr(deref(g.ReferenceName)),
		RepositoryAuthentication: ptr(credentialsStored(g) || password != ""),
		Env:                      ptr(append([]papi.Pair{}, deref(st.Env)...)),
		PullImage:                ptr(deref(pullImage)),
	}
	if deref(body.RepositoryAuthentication) {
		if g.Authentication != nil {
			body.RepositoryUsername = ptr(deref(g.Authentication.Username))
		}
		body.RepositoryPassword = ptr(password)
		if id := storedCredential(st); id != 0 && password == "" {
			body.RepositoryGitCredentialID = &id
		}
	}
	switch {
	case prune != nil:
		body.Prune = prune
	case st.Option != nil:
		body.Prune = ptr(deref(st.Option.Prune))
	}
	resp, err := d.Client.StackGitRedeployWithResponse(ctx, deref(st.Id), &papi.StackGitRedeployParams{EndpointId: st.EndpointId}, body)
	if err != nil {
		what, res := d.writeFailed(tool, err)
		return nil, what, res
	}
	out, what, res := writtenStack(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
	if res != nil && resp.StatusCode() == http.StatusInternalServerError {
		// A deploy that failed (500 with compose's error) may have taken the stack down.
		if now := d.afterFailure(ctx, tool, deref(st.Id)); now != "" {
			res.Content = append(res.Content, mcp.NewTextContent(now))
		}
	}
	return out, what, res
}

// changeRequest reads the arguments of enable/update_stack_gitops.
func changeRequest(a Args) (views.GitopsChangeInput, error) {
	var in views.GitopsChangeInput
	err := a.Bind(&in)
	return in, err
}

// UpdateStackGitops implements update_stack_gitops.
func UpdateStackGitops(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	return changeGitops(ctx, d, a, "update_stack_gitops")
}

func changeGitops(ctx context.Context, d *Deps, a Args, tool string) (*mcp.CallToolResult, error) {
	in, err := changeRequest(a)
	if err != nil {
		return ArgError(tool, err), nil
	}
	change := gitopsChange{Mechanism: string(deref(in.Mechanism)), Interval: strings.TrimSpace(deref(in.Interval)), ForceUpdate: in.ForceUpdate, ForcePullImage: in.ForcePullImage}
	if change.Interval != "" {
		if _, err := ParseInterval(change.Interval); err != nil {
			return ArgError(tool, err), nil
		}
	}
	if err := checkEnv(deref(in.SetEnv)); err != nil {
		return ArgError(tool, err), nil
	}
	if deref(in.RemoveCredentials) && (in.Username != nil || in.Password != nil || in.GitCredentialId != nil) {
		return ArgError(tool, fmt.Errorf("remove_credentials cannot be combined with username, password or git_credential_id")), nil
	}
	if in.GitCredentialId != nil {
		if *in.GitCredentialId == 0 {
			return ArgError(tool, fmt.Errorf("git_credential_id 0 names no credential: to drop the stack's credentials, pass remove_credentials=true")), nil
		}
		if res := d.savedCredentialArg(ctx, tool, *in.GitCredentialId, deref(in.Username), deref(in.Password)); res != nil {
			return res, nil
		}
	}

	st, res := gitStack(ctx, d, tool, in.StackId)
	if res == nil {
		res = d.credentialKept(ctx, tool, st)
	}
	if res == nil {
		res = deploying(tool, st)
	}
	if res != nil {
		return res, nil
	}
	if err := checkUnset(deref(st.Env), deref(in.SetEnv), deref(in.UnsetEnv)); err != nil {
		return ArgError(tool, err), nil
	}
	caps := d.Caps(ctx)
	src, res := d.stackSource(ctx, tool, st)
	if res != nil {
		return res, nil
	}
	cur := src.poll(caps).apply(st.AutoUpdate)
	p := fullGitState(st)
	p.AutoUpdate = cur
	touchesGitops := change.Mechanism != "" || change.Interval != "" || change.ForceUpdate != nil || change.ForcePullImage != nil
	if touchesGitops {
		au, err := change.apply(d, cur)
		if err != nil {
			return ArgError(tool, err), nil
		}
		p.AutoUpdate = au
	}
	if in.Reference != nil {
		p.RepositoryReferenceName = ptr(fullRef(*in.Reference))
	}
	if in.Prune != nil {
		p.Prune = in.Prune
	}
	if in.TlsSkipVerify != nil {
		p.TLSSkipVerify = in.TlsSkipVerify
	}
	if in.SetEnv != nil || in.UnsetEnv != nil {
		p.Env = ptr(editEnv(deref(p.Env), deref(in.SetEnv), deref(in.UnsetEnv)))
	}
	switch {
	case deref(in.RemoveCredentials):
		p.RepositoryAuthentication, p.RepositoryUsername, p.RepositoryPassword, p.RepositoryGitCredentialID = ptr(false), nil, nil, nil
	case in.GitCredentialId != nil:
		p.RepositoryAuthentication, p.RepositoryUsername, p.RepositoryPassword, p.RepositoryGitCredentialID = ptr(true), nil, ptr(""), in.GitCredentialId
	case in.Username != nil || in.Password != nil:
		if in.Username == nil && !credentialsStored(st.GitConfig) {
			return ArgError(tool, fmt.Errorf("the stack has no stored credentials: give username with password")), nil
		}
		p.RepositoryAuthentication, p.RepositoryGitCredentialID = ptr(true), nil
		if in.Username != nil {
			p.RepositoryUsername = in.Username
		}
		p.RepositoryPassword = ptr(deref(in.Password))
	}
	before := fullGitState(st)
	before.AutoUpdate = cur
	if reflect.DeepEqual(p, before) && !deref(in.Redeploy) {
		v := gitopsView(d, st, src, caps)
		v.Note = ptr("Nothing to change: the stack already has these settings.")
		return Result(v)
	}

	// What Portainer applies to the stack's Source changes every stack on it.
	credsChange := deref(in.RemoveCredentials) || in.Username != nil || in.Password != nil || in.GitCredentialId != nil ||
		(in.TlsSkipVerify != nil && *in.TlsSkipVerify != deref(st.GitConfig.TLSSkipVerify))
	if credsChange && caps.GitSources {
		if res := sharedConsent(ctx, tool, a, st, src, "the credentials and TLS setting"); res != nil {
			return res, nil
		}
	}
	newInterval := deref(deref(p.AutoUpdate).Interval)
	intervalOnSource := caps.SourcePolling && src != nil && newInterval != deref(src.Interval)
	if intervalOnSource {
		if res := sharedConsent(ctx, tool, a, st, src, "the polling interval (Portainer 2.44 and later poll per Source)"); res != nil {
			return res, nil
		}
	}
	notes := []string{}
	if in.Reference != nil && deref(p.RepositoryReferenceName) != deref(st.GitConfig.ReferenceName) {
		ref, note, res := checkNewReference(ctx, d, tool, st, p, deref(in.Reference), caps)
		if res != nil {
			return res, nil
		}
		p.RepositoryReferenceName = &ref
		if note != "" {
			notes = append(notes, note)
		}
	}

	after, res := updateGit(ctx, d, tool, st, p)
	if res != nil {
		return res, nil
	}
	if intervalOnSource {
		if res := d.setSourceInterval(ctx, tool, src, newInterval); res != nil {
			res.Content = append(res.Content, mcp.NewTextContent("The stack's own settings were saved; only the interval, which lives on its GitOps Source, was not changed: retry with update_gitops_source."))
			return res, nil
		}
		if others := src.others(deref(st.Id)); others.count() > 0 {
			notes = append(notes, fmt.Sprintf("The interval is set on GitOps Source %d, so it applies to %s too.", src.Id, others))
		}
	}
	if credsChange && src != nil {
		if others := src.others(deref(st.Id)); others.count() > 0 {
			notes = append(notes, fmt.Sprintf("The credentials and TLS setting live on GitOps Source %d: they changed for %s too.", src.Id, others))
		}
	}
	if src != nil {
		if src, res = d.getSource(ctx, tool, src.Id); res != nil {
			return res, nil
		}
		if intervalOnSource && deref(src.Interval) != newInterval {
			return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer accepted the change, but GitOps Source %d polls at %q, not %q: check it with get_gitops_source.", tool, src.Id, deref(src.Interval), newInterval)), nil
		}
	}
	v := gitopsView(d, after, src, caps)
	if deref(in.Redeploy) {
		red, _, res := redeploy(ctx, d, tool, after, nil, nil, "")
		if res == nil {
			red, res = d.AwaitDeploy(ctx, tool, "the redeploy", red, waitArgs(a))
		}
		if res != nil {
			res.Content = append(res.Content, mcp.NewTextContent("The settings change itself was saved; only the redeploy failed. Fix the cause and call redeploy_stack."))
			return res, nil
		}
		v = gitopsView(d, red, src, caps)
		v.Redeployed = ptr(true)
	} else {
		notes = append(notes, "Saved without redeploying: the running stack changes on the next update, or call redeploy_stack now.")
	}
	if n := defaultedNote(change.Interval, cur, p.AutoUpdate); n != "" {
		notes = append(notes, n)
	}
	if deref(in.ForceUpdate) {
		notes = append(notes, forceUpdateNote(caps, p.AutoUpdate))
	}
	if old, now := cur, p.AutoUpdate; deref(deref(old).Webhook) != "" && deref(deref(now).Webhook) == "" {
		notes = append(notes, "The old webhook URL no longer works.")
	}
	if len(notes) > 0 {
		v.Note = ptr(strings.Join(notes, " "))
	}
	return Result(v)
}

// checkNewReference checks, before a new reference is saved, that the compose file and every
// additional file can be read there: otherwise the next redeploy fails and leaves the stack
// undeployable. A private repository is read with the new credentials when given, else with
// those its GitOps Source stores (2.43 and later), else the password is needed. It returns the
// reference to save: a short name that is a tag, not a branch, becomes refs/tags/NAME (note
// says so).
func checkNewReference(ctx context.Context, d *Deps, tool string, st *papi.Stack, p papi.StackGitUpdatePayload, given string, caps Caps) (string, string, *mcp.CallToolResult) {
	g := st.GitConfig
	src := gitSource{URL: deref(g.URL), Ref: deref(p.RepositoryReferenceName), Path: deref(g.ConfigFilePath), TLSSkip: deref(p.TLSSkipVerify)}
	switch {
	case deref(p.RepositoryAuthentication) && deref(p.RepositoryPassword) != "":
		src.User, src.Password = deref(p.RepositoryUsername), deref(p.RepositoryPassword)
	case deref(p.RepositoryAuthentication) && deref(p.RepositoryGitCredentialID) != 0:
		src.CredentialID = deref(p.RepositoryGitCredentialID)
	case deref(p.RepositoryAuthentication) && caps.PreviewBySource && deref(st.GitSourceId) != 0:
		src.SourceID = deref(st.GitSourceId)
	case deref(p.RepositoryAuthentication):
		return "", "", ArgError(tool, fmt.Errorf("before saving reference %s the tool checks that the compose file and additional files exist there, and this stack's repository needs its password, which Portainer never returns: pass password (the same one; it is stored again)", src.Ref))
	}
	note, res := checkGitFiles(ctx, d, tool, stackDef{Git: &src, Additional: deref(st.AdditionalFiles)}, given, "Nothing was changed.")
	return src.Ref, note, res
}

// checkUnset refuses unset_env names the stack does not have, naming those it has (never
// their values), and a name given in both set_env and unset_env: a typo must not pass for a
// removal.
func checkUnset(env, set []papi.Pair, unset []string) error {
	var have, missing []string
	for _, p := range env {
		have = append(have, p.Name)
	}
	for _, u := range unset {
		if slices.ContainsFunc(set, func(p papi.Pair) bool { return p.Name == u }) {
			return fmt.Errorf("%s is in both set_env and unset_env: name it in one", u)
		}
		if !slices.Contains(have, u) {
			missing = append(missing, u)
		}
	}
	switch {
	case len(missing) == 0:
		return nil
	case len(have) == 0:
		return fmt.Errorf("unset_env names %s, but the stack has no env variables", strings.Join(missing, ", "))
	}
	return fmt.Errorf("unset_env names %s, which the stack does not have; its variables are %s", strings.Join(missing, ", "), listOrNone(have))
}

func editEnv(env []papi.Pair, set []papi.Pair, unset []string) []papi.Pair {
	out := append([]papi.Pair{}, env...)
	for _, s := range set {
		found := false
		for i := range out {
			if out[i].Name == s.Name {
				out[i].Value, found = s.Value, true
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	drop := map[string]bool{}
	for _, u := range unset {
		drop[u] = true
	}
	kept := out[:0]
	for _, p := range out {
		if !drop[p.Name] {
			kept = append(kept, p)
		}
	}
	return kept
}

// DisableStackGitops implements disable_stack_gitops.
func DisableStackGitops(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "disable_stack_gitops"
	st, res := gitStackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	caps := d.Caps(ctx)
	src, res := d.stackSource(ctx, tool, st)
	if res != nil {
		return res, nil
	}
	cur := src.poll(caps).apply(st.AutoUpdate)
	if mechanism(cur) == views.GitopsSettingsMechanismNone {
		v := gitopsView(d, st, src, caps)
		v.Note = ptr("GitOps was already off; nothing was changed.")
		return Result(v)
	}
	sourcePolls := caps.SourcePolling && src != nil && deref(src.Interval) != ""
	if sourcePolls {
		if res := sharedConsent(ctx, tool, a, st, src, "polling (Portainer 2.44 and later poll per Source)"); res != nil {
			return res, nil
		}
	}
	p := fullGitState(st)
	p.AutoUpdate = nil
	after, res := updateGit(ctx, d, tool, st, p)
	if res != nil {
		return res, nil
	}
	note := "GitOps is off: no polling, no webhook. The stack is still a Git stack; redeploy_stack pulls the latest commit on demand."
	if sourcePolls {
		if res := d.setSourceInterval(ctx, tool, src, ""); res != nil {
			res.Content = append(res.Content, mcp.NewTextContent("The webhook was removed, but polling, which lives on the GitOps Source, is still on: retry with update_gitops_source interval=\"\"."))
			return res, nil
		}
		if others := src.others(deref(st.Id)); others.count() > 0 {
			note += fmt.Sprintf(" Polling was stopped on GitOps Source %d, so %s no longer poll either.", src.Id, others)
		}
		if src, res = d.getSource(ctx, tool, src.Id); res != nil {
			return res, nil
		}
	}
	v := gitopsView(d, after, src, caps)
	if deref(deref(cur).Webhook) != "" {
		note += " The old webhook URL no longer works."
	}
	v.Note = &note
	return Result(v)
}

// RegenerateStackWebhook implements regenerate_stack_webhook.
func RegenerateStackWebhook(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "regenerate_stack_webhook"
	st, res := gitStackArg(ctx, d, a, tool)
	if res != nil {
		return res, nil
	}
	id := deref(st.Id)
	old := ""
	if st.AutoUpdate != nil {
		old = deref(st.AutoUpdate.Webhook)
	}
	if old == "" {
		return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d (%s) has no webhook. Nothing was changed. Add one with update_stack_gitops mechanism=webhook (or polling+webhook).", tool, id, deref(st.Name))), nil
	}
	p := fullGitState(st)
	p.AutoUpdate.Webhook = ptr(d.uuid())
	after, res := updateGit(ctx, d, tool, st, p)
	if res != nil {
		return res, nil
	}
	v, unread := d.gitopsViewAfter(ctx, tool, after)
	v.Note = ptr(joinSentences(fmt.Sprintf("New webhook URL above. The old one (%s) stopped working: update whatever calls it (your Git host's webhook settings).", d.WebhookURL(old)), unread))
	return Result(v)
}

// GetStackGitops implements get_stack_gitops.
func GetStackGitops(ctx context.Context, d *Deps, a Args, stackID int) (*mcp.CallToolResult, error) {
	const tool = "get_stack_gitops"
	st, res := gitStack(ctx, d, tool, stackID)
	if res != nil {
		return res, nil
	}
	src, res := d.stackSource(ctx, tool, st)
	if res != nil {
		return res, nil
	}
	return Result(gitopsView(d, st, src, d.Caps(ctx)))
}

// RedeployStack implements redeploy_stack.
func RedeployStack(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "redeploy_stack"
	var in struct {
		StackID  int    `json:"stack_id"`
		Pull     *bool  `json:"pull_image"`
		Prune    *bool  `json:"prune"`
		Password string `json:"password"`
	}
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	st, res := getStack(ctx, d, tool, in.StackID)
	if res != nil {
		return res, nil
	}
	if res := d.credentialKept(ctx, tool, st); res != nil {
		return res, nil
	}
	if !isGit(st) {
		return mcp.NewToolResultError(fmt.Sprintf("%s: stack %d (%s) is file-based, so there is nothing to pull. Nothing was changed. Use update_stack to redeploy it with its compose file (pull_image=true re-pulls images).", tool, in.StackID, deref(st.Name))), nil
	}
	if res := deploying(tool, st); res != nil {
		return res, nil
	}
	before := deref(st.GitConfig.ConfigHash)
	after, _, res := redeploy(ctx, d, tool, st, in.Pull, in.Prune, in.Password)
	if res != nil {
		return res, nil
	}
	after, res = d.AwaitDeploy(ctx, tool, "the redeploy", after, waitArgs(a))
	if res != nil {
		return res, nil
	}
	v, unread := d.gitopsViewAfter(ctx, tool, after)
	v.Redeployed = ptr(true)
	now := deref(after.GitConfig).ConfigHash
	what := fmt.Sprintf("Redeployed at the same commit %s (no new commit on the reference).", short(before))
	if deref(now) != before {
		what = fmt.Sprintf("Redeployed: commit %s -> %s.", short(before), short(deref(now)))
	}
	v.Note = ptr(joinSentences(what, unread))
	return Result(v)
}

// gitopsViewAfter is the GitOps view of stack st after a change that went through, with its
// Source where Portainer has them, so that the polling shown is the one that works (from 2.44
// the Source's). A Source that cannot be read does not fail the answer: the view keeps the
// stack's own settings and the sentence returned says so.
func (d *Deps) gitopsViewAfter(ctx context.Context, tool string, st *papi.Stack) (views.GitopsView, string) {
	caps := d.Caps(ctx)
	src, res := d.stackSource(ctx, tool, st)
	if res != nil {
		return gitopsView(d, st, nil, Caps{}), fmt.Sprintf("GitOps Source %d could not be read: the GitOps settings shown are the stack's own; get_stack_gitops shows the Source's.", deref(st.GitSourceId))
	}
	return gitopsView(d, st, src, caps), ""
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	if commit == "" {
		return "(unknown)"
	}
	return commit
}

// ValidateGitRepository implements validate_git_repository.
func ValidateGitRepository(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "validate_git_repository"
	var in struct {
		URL      string `json:"repository_url"`
		Ref      string `json:"reference"`
		Path     string `json:"compose_path"`
		User     string `json:"username"`
		Password string `json:"password"`
		TLSSkip  bool   `json:"tls_skip_verify"`
		SourceID int    `json:"source_id"`
		CredID   int    `json:"git_credential_id"`
	}
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	if in.Path == "" {
		in.Path = "docker-compose.yml"
	}
	if err := checkRepoPath("compose_path", in.Path); err != nil {
		return ArgError(tool, err), nil
	}
	given := in.Ref
	in.Ref = fullRef(in.Ref)
	src := gitSource{URL: in.URL, Ref: in.Ref, Path: in.Path, User: in.User, Password: in.Password, TLSSkip: in.TLSSkip, CredentialID: in.CredID}
	out := map[string]any{"reference": in.Ref, "compose_path": in.Path}
	if res := d.savedCredentialArg(ctx, tool, in.CredID, in.User, in.Password); res != nil {
		return res, nil
	}
	switch {
	case in.SourceID != 0:
		if in.URL != "" || in.User != "" || in.Password != "" || in.CredID != 0 {
			return ArgError(tool, fmt.Errorf("give source_id alone, or repository_url with its credentials: a Source brings its own")), nil
		}
		c := d.Caps(ctx)
		if !c.GitSources {
			return noSources(tool, c), nil
		}
		// The Source's own connection test first (2.43 and later), then its file.
		info, res := d.getSource(ctx, tool, in.SourceID)
		if res != nil {
			return res, nil
		}
		test, err := d.Client.GitOpsSourcesTestByIdWithResponse(ctx, in.SourceID, papi.GitSourceUpdatePayload{})
		if err != nil {
			return d.CallFailed(tool, err), nil
		}
		if test.JSON200 == nil {
			return APIError(tool, test.HTTPResponse, test.Body), nil
		}
		out["repository_url"], out["source_id"] = info.Url, in.SourceID
		if !deref(test.JSON200.Success) {
			out["readable"], out["problem"] = false, "Portainer cannot reach the Source: "+orNone(deref(test.JSON200.Error))
			return Result(out)
		}
		src.URL, src.SourceID = info.Url, in.SourceID
	case in.URL == "":
		return ArgError(tool, fmt.Errorf("give repository_url (with username and password for a private one), or source_id")), nil
	default:
		if err := checkCredentials(src); err != nil {
			return ArgError(tool, err), nil
		}
		out["repository_url"] = in.URL
	}
	content, problem, note, res := previewRef(ctx, d, tool, &src, given)
	if res != nil {
		return res, nil
	}
	out["reference"] = src.Ref
	if note != "" {
		out["note"] = note
	}
	out["readable"] = problem == ""
	if problem != "" {
		out["problem"] = problem
		return Result(out)
	}
	lines := strings.Split(content, "\n")
	out["lines"] = len(lines)
	if len(lines) > 15 {
		lines = lines[:15]
	}
	out["first_lines"] = strings.Join(lines, "\n")
	return Result(out)
}

// gitSource is a repository, reference and file, with credentials: given (User and
// Password), or stored in Portainer (CredentialID: a saved Git credential; SourceID: a GitOps
// Source, 2.43 and later).
type gitSource struct {
	URL, Ref, Path, User, Password string
	TLSSkip                        bool
	SourceID                       int
	CredentialID                   int // a saved Git credential (Business Edition before Sources)
}

// previewFile asks Portainer for a file of a repository. problem is Portainer's reason when
// it answered that it cannot read it; res is a tool error when Portainer could not be asked.
func previewFile(ctx context.Context, d *Deps, tool string, s gitSource) (content, problem string, res *mcp.CallToolResult) {
	body := papi.RepositoryFilePreviewPayload{Repository: s.URL, Reference: opt(s.Ref), TargetFile: ptr(s.Path), TLSSkipVerify: optb(s.TLSSkip)}
	// A password given wins; without one, the credentials a Source stores are used: a
	// username alone would only fail authentication.
	switch {
	case s.Password != "":
		body.Username, body.Password = ptr(s.User), ptr(s.Password)
	case s.CredentialID != 0:
		body.GitCredentialID = ptr(s.CredentialID)
	case s.SourceID != 0:
		body.SourceId = ptr(s.SourceID)
	case s.User != "":
		body.Username, body.Password = ptr(s.User), ptr("")
	}
	resp, err := d.Client.GitOperationRepoFilePreviewWithResponse(ctx, body)
	if err != nil {
		return "", "", d.CallFailed(tool, err)
	}
	if resp.JSON200 != nil {
		return deref(resp.JSON200.FileContent), "", nil
	}
	switch st := resp.StatusCode(); {
	case st == 401 || st == 403:
		return "", "", APIError(tool, resp.HTTPResponse, resp.Body)
	case st >= 400:
		return "", fmt.Sprintf("Portainer answered %d: %s.", st, portainerSaid(resp.Body)), nil
	}
	return "", "", APIError(tool, resp.HTTPResponse, resp.Body)
}
