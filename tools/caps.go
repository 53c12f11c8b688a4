package tools

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Behaviours are what a Portainer release does that the tools adapt to. This file is the only
// place that maps versions to behaviours: overlays ask Caps, never a version number. Each
// behaviour names the section of shared/portainer-current.md (PC) or portainer-behaviour.md
// (PB) it comes from.
type Behaviours struct {
	// AsyncDeploy: create, update, Git redeploy and webhooks answer 200 while the stack is
	// still deploying (Status 3); it ends as Status 1, or 4 with Portainer's message in
	// DeploymentStatus, and a second deploy meanwhile gets 409. (PC §1 "Async create", §4, §5:
	// 2.41.0.) The tools wait on Status 3 on every version, so a release that deploys
	// asynchronously without being known to is still waited for.
	AsyncDeploy bool `json:"async_deploy"`
	// SourcesList: GET /gitops/sources answers, for administrators, with the repositories the
	// GitOps workflows use, each item's id a hash of its URL: Sources are not yet records
	// that stacks point to. (PC §7 "Version history": handlers present in 2.41.1, [241]
	// list.go and types.go@1e0ad941; 2.42 added list and detail views. Whether 2.41.0 has
	// the route, and 2.42's other Source routes, are UNVERIFIED: the tools use none of them,
	// they only say what the release has.)
	SourcesList bool `json:"gitops_sources_list"`
	// GitSources: a Git stack's URL, credentials and TLS setting live on a GitOps Source (a
	// record with an integer id: get, update, test, workflows) that other stacks may share;
	// changing them through one stack changes all of them. (PC §3, §7: the migration of stacks
	// onto Sources and Workflows, migrate_2_43_0.go, 2.43.)
	GitSources bool `json:"gitops_sources"`
	// SourcePolling: the polling interval lives on the Source (interval), one poll job per
	// Source; the stack's AutoUpdate.Interval is ignored. (PC §1 "Polling moved off the stack",
	// §7 "Interval": 2.44.)
	SourcePolling bool `json:"source_polling"`
	// InPlaceGitChange: POST /stacks/{id}/git takes RepositoryURL, ConfigFilePath and
	// AdditionalFiles, so a new repository, compose path or additional files keep the stack
	// id, env, webhook and volumes. (PC §3 "Now", from [243] code. 2.40: the release notes,
	// portainer/portainer-docs release-notes.md@0293ed16 "Release 2.40.0 STS", say "Docker
	// Compose GitOps stacks can now have their Git URL, config path, and entry point edited
	// after creation"; for swarm stacks on 2.40-2.42 it is UNVERIFIED. Safe on both readings:
	// recreate_stack reads the stack back after the change, and when Portainer kept the old
	// URL or path it puts the rest back and says so, with nothing deleted.)
	InPlaceGitChange bool `json:"in_place_git_change"`
	// MinInterval: Portainer itself refuses polling intervals under one minute ("interval must
	// be at least 1 minute"). (PC §1 "AutoUpdate": 2.33.2/2.34.) The tools refuse them on every
	// version.
	MinInterval bool `json:"min_interval_1m"`
	// ErroredStackStart: a stack in error (Status 4) cannot be started: 409 "Unable to start
	// stack" with the last deploy's message; redeploy or update it. (PC §8 reads it in
	// stack_start.go@7a49f119, 2.45; the same check is in 2.43.0's, [243]
	// api/http/handler/stacks/stack_start.go@272d3a47. Status 4 exists from 2.41.0, PC §1
	// "Async create"; whether 2.41 and 2.42 refuse the start is UNVERIFIED. Safe on both
	// readings: the table says yes from 2.41, so start_stack refuses a stack in error there
	// before sending anything, changing nothing, and names the tools that do work.)
	ErroredStackStart bool `json:"errored_stack_cannot_start"`
	// PreviewBySource: the file preview takes sourceId and reads the repository with the
	// URL, credentials and TLS setting of that Source, so a new reference of a private Source
	// stack can be checked without its password. ([243]
	// api/http/handler/gitops/git_repo_file_preview.go@272d3a47, json "sourceID", which
	// Portainer decodes case-insensitively; [EE244] gitops.repositoryFilePreviewPayload
	// sourceId. CE's preview has no stackId: only EE 2.44's ([EE244]) does, so the tools do
	// not use it.)
	PreviewBySource bool `json:"preview_by_source"`
	// RedeployAuthFlagNeeded: Git redeploy uses stored credentials only when the request says
	// RepositoryAuthentication=true (PC §5: up to 2.43, portainer#13224). The tools always send
	// it with an empty password when credentials are stored, which works on every version.
	RedeployAuthFlagNeeded bool `json:"redeploy_auth_flag_needed"`
	// ForceUpdatePolls: AutoUpdate.ForceUpdate makes polling redeploy without a new commit.
	// 2.23 stores it and ignores it (PB, measured); 2.44 "Fixed the forced polling usage in
	// Git sources" (PC §7 history).
	ForceUpdatePolls bool `json:"force_update_polls"`
	// RedeployKeepsOmitted: Git redeploy keeps the stored reference when RepositoryReferenceName
	// is empty, keeps the env when Env is omitted and applies Prune only when it is sent (PC §5
	// "Semantics, now"). 2.23 replaced all three (an omitted Env cleared the env). The code read
	// is 2.43's; the redeploy handler was rewritten for the async flow in 2.41.0 ([RN]), so
	// the table sets it from 2.41. Before that the stricter 2.23 reading is assumed.
	RedeployKeepsOmitted bool `json:"redeploy_keeps_omitted"`
	// ReportsSupport: /system/version says itself whether the release is LTS or STS
	// (VersionSupport, PC §9: 2.45). Before, the table's own LTS list decides.
	ReportsSupport bool `json:"reports_version_support"`
	// SharedGitCredentials: the Business Edition keeps saved Git credentials shared by
	// administrators under /cloud/gitcredentials; before, each user's own under
	// /users/{id}/gitcredentials (edge-be.md §4.3: EE 2.31 per user, EE 2.44 shared, absent in
	// 2.43; the releases in between are unverified and read as per user). Meaningful only on
	// the Business Edition (Caps.BusinessEdition).
	SharedGitCredentials bool `json:"shared_git_credentials"`
	// EdgeStatusPerEnvironment: an edge stack's Status has an entry, with an empty history, for
	// every environment of its groups from the start (edge-be.md §2.2: CE 2.45 source; CE 2.23
	// has none until an agent reports or the stack gets a new version; the releases in between
	// are unverified). The tools read a missing entry and an empty history alike: pending.
	EdgeStatusPerEnvironment bool `json:"edge_status_per_environment"`
}

// release is one row of the table: the behaviours of every version from From on, up to the
// next row.
type release struct {
	From  [2]int // major, minor
	Patch int    // first patch of From that behaves so (0: all)
	B     Behaviours
	Note  string
}

// releases is the table, oldest first. Versions older than the first row are treated as the
// first row, with a warning; newer than the last as the last, with a warning.
var releases = []release{
	{From: [2]int{2, 19}, B: Behaviours{RedeployAuthFlagNeeded: true}},
	{From: [2]int{2, 33}, Patch: 2, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true},
		Note: "Portainer refuses polling intervals under 1m"},
	{From: [2]int{2, 39}, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true},
		Note: "whether compose deploys finish in the background is unverified for 2.39; the tools wait on Status 3 either way"},
	{From: [2]int{2, 40}, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true}, Note: noteSwarmInPlace},
	{From: [2]int{2, 41}, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true},
		Note: noteSwarmInPlace + "; " + noteErroredStart},
	{From: [2]int{2, 41}, Patch: 1, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true},
		Note: noteSwarmInPlace + "; " + noteErroredStart},
	{From: [2]int{2, 43}, B: Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, PreviewBySource: true}},
	{From: [2]int{2, 44}, B: Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewBySource: true, SharedGitCredentials: true}},
	{From: [2]int{2, 45}, B: Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewBySource: true, SharedGitCredentials: true, ReportsSupport: true, EdgeStatusPerEnvironment: true}},
}

// Notes of rows whose behaviour is partly unverified, said by get_portainer_info.
const (
	noteSwarmInPlace = "in-place Git changes of swarm stacks are unverified before 2.43: recreate_stack reads the stack back and puts it back when Portainer ignored them"
	noteErroredStart = "whether a stack in error can be started is unverified before 2.43: start_stack refuses it before sending anything"
)

// ltsMinors are the long-term-support releases (Portainer's VersionSupport says so itself
// from 2.45 on).
var ltsMinors = map[int]bool{21: true, 27: true, 33: true, 39: true, 45: true}

// Caps is what the server knows of the Portainer it talks to.
type Caps struct {
	Version  string `json:"version"`
	Edition  string `json:"edition"`           // CE or BE ("" until known)
	Support  string `json:"support,omitempty"` // LTS or STS
	Detected bool   `json:"detected"`
	Warning  string `json:"warning,omitempty"`
	Note     string `json:"note,omitempty"`
	Behaviours
}

// parseVersion reads "2.45.0", "v2.39.5", "2.45.0-rc1".
func parseVersion(v string) (major, minor, patch int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return 0, 0, 0, false
	}
	var err error
	if major, err = strconv.Atoi(parts[0]); err != nil {
		return 0, 0, 0, false
	}
	if minor, err = strconv.Atoi(parts[1]); err != nil {
		return 0, 0, 0, false
	}
	if len(parts) > 2 {
		patch, _ = strconv.Atoi(parts[2])
	}
	return major, minor, patch, true
}

// FullVersion reads a Portainer version as the table does (2.45, v2.45.0, 2.45.1-rc1) and
// writes it as major.minor.patch; ok is false when it is not a version.
func FullVersion(v string) (full string, ok bool) {
	major, minor, patch, ok := parseVersion(v)
	if !ok {
		return "", false
	}
	return fmt.Sprintf("%d.%d.%d", major, minor, patch), true
}

func before(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// CapsFor maps a version and edition to behaviours.
func CapsFor(version, edition, support string) Caps {
	c := Caps{Version: version, Edition: normalizeEdition(edition), Support: support, Detected: true}
	major, minor, patch, ok := parseVersion(version)
	last := releases[len(releases)-1]
	if !ok {
		c.Behaviours = last.B
		c.Warning = fmt.Sprintf("Portainer reported the version %q, which cannot be read; the tools assume the newest known behaviour (%d.%d)", version, last.From[0], last.From[1])
	} else {
		v := [3]int{major, minor, patch}
		row := releases[0]
		for _, r := range releases {
			if !before(v, [3]int{r.From[0], r.From[1], r.Patch}) {
				row = r
			}
		}
		c.Behaviours, c.Note = row.B, row.Note
		switch first := releases[0].From; {
		case before(v, [3]int{first[0], first[1], 0}):
			c.Warning = fmt.Sprintf("Portainer %s is older than %d.%d, the oldest release these tools know; they behave as for %d.%d", version, first[0], first[1], first[0], first[1])
		case before([3]int{last.From[0], last.From[1] + 1, 0}, v) || v == [3]int{last.From[0], last.From[1] + 1, 0}:
			c.Warning = fmt.Sprintf("Portainer %s is newer than %d.%d, the newest release these tools know; they use its behaviour, which may have changed since", version, last.From[0], last.From[1])
		}
		if c.Support == "" && major == 2 {
			c.Support = "STS"
			if ltsMinors[minor] {
				c.Support = "LTS"
			}
		}
	}
	return c
}

// BusinessEdition tells whether the Business Edition's endpoints exist (edge stack GitOps and
// webhooks, saved Git credentials, change windows): /system/version's ServerEdition (PC §9).
func (c Caps) BusinessEdition() bool { return c.Edition == "BE" }

func normalizeEdition(e string) string {
	switch strings.ToUpper(strings.TrimSpace(e)) {
	case "BE", "EE":
		return "BE"
	case "CE":
		return "CE"
	}
	return ""
}

// unknownCaps is what the tools assume while Portainer has not said what it is: the newest
// known behaviour, so that waits and checks are the strictest.
func unknownCaps(reason string) Caps {
	last := releases[len(releases)-1]
	return Caps{Behaviours: last.B, Warning: "Portainer's version is not known yet (" + reason + "); the tools assume the newest known behaviour"}
}

// capsState detects Portainer's version and edition once, in the background or on the first
// call that needs them, and remembers the answer.
type capsState struct {
	mu       sync.Mutex
	caps     Caps
	known    bool // version known
	lastFail string
	lastTry  time.Time
}

// complete tells whether the version and the edition are known (the edition needs an
// authenticated call).
func (st *capsState) complete() bool { return st.known && st.caps.Edition != "" }

// Caps returns what is known of Portainer, detecting it first if needed (a call bounded by
// the read timeout; it never blocks initialize or tools/list, which do not call this).
func (d *Deps) Caps(ctx context.Context) Caps {
	c := d.caps0(ctx)
	d.offerEditionTools(c)
	return c
}

func (d *Deps) caps0(ctx context.Context) Caps {
	st := d.capsState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.complete() {
		return st.caps
	}
	// Do not hammer an unreachable Portainer: retry detection at most every 5 seconds.
	if !st.lastTry.IsZero() && time.Since(st.lastTry) < 5*time.Second && !st.known {
		return unknownCaps(st.lastFail)
	}
	st.lastTry = time.Now()
	d.detect(ctx, st)
	if !st.known {
		return unknownCaps(st.lastFail)
	}
	return st.caps
}

// DetectCaps runs detection now (the server calls it in the background at start). The
// Business Edition tools are offered as soon as it says so.
func (d *Deps) DetectCaps(ctx context.Context) (Caps, error) {
	c, err := d.detectNow(ctx)
	d.offerEditionTools(c)
	return c, err
}

func (d *Deps) detectNow(ctx context.Context) (Caps, error) {
	st := d.capsState()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lastTry = time.Now()
	d.detect(ctx, st)
	if !st.known {
		return unknownCaps(st.lastFail), fmt.Errorf("%s", st.lastFail)
	}
	return st.caps, nil
}

// knownCaps is what is known of Portainer without asking it.
func (d *Deps) knownCaps() (Caps, bool) {
	st := d.capsState()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.caps, st.complete()
}

func (d *Deps) capsState() *capsState {
	d.capsOnce.Do(func() {
		if d.caps == nil {
			d.caps = &capsState{}
		}
	})
	return d.caps
}

// detect asks Portainer: /system/version (authenticated: version, edition, support), or,
// without a usable key, the public /system/status (version only).
func (d *Deps) detect(ctx context.Context, st *capsState) {
	ctx, cancel := context.WithTimeout(ctx, d.readTimeout())
	defer cancel()
	ver, err := d.Client.SystemVersionWithResponse(ctx)
	if err == nil && ver.JSON200 != nil && deref(ver.JSON200.ServerVersion) != "" {
		v := ver.JSON200
		st.caps = CapsFor(deref(v.ServerVersion), deref(v.ServerEdition), deref(v.VersionSupport))
		st.known = true
		return
	}
	if st.known {
		return
	}
	status, err2 := d.Client.SystemStatusWithResponse(ctx)
	if err2 == nil && status.JSON200 != nil && deref(status.JSON200.Version) != "" {
		st.caps = CapsFor(deref(status.JSON200.Version), "", "")
		st.known = true
		return
	}
	switch {
	case err != nil:
		st.lastFail = d.describeCallError(err)
	case err2 != nil:
		st.lastFail = d.describeCallError(err2)
	default:
		st.lastFail = fmt.Sprintf("Portainer answered %d to /system/version", ver.StatusCode())
	}
}

// SetCaps fixes what the server knows of Portainer (tests, and the demo's simulator).
func (d *Deps) SetCaps(c Caps) {
	st := d.capsState()
	st.mu.Lock()
	st.caps, st.known = c, true
	st.mu.Unlock()
	d.offerEditionTools(c)
}

// versionInfo is what get_portainer_info shows of the table.
func (c Caps) describe() []string {
	var out []string
	b := c.Behaviours
	add := func(on bool, yes, no string) {
		if on && yes != "" {
			out = append(out, yes)
		} else if !on && no != "" {
			out = append(out, no)
		}
	}
	add(b.AsyncDeploy, "deploys finish after Portainer answers (Status 3, then 1 or 4): the deploy tools wait for the result", "deploys finish before Portainer answers")
	add(b.GitSources, "Git settings live on shared GitOps Sources: credential and TLS changes apply to every stack on the Source", "Git settings are stored per stack")
	add(b.SourcesList && !b.GitSources, "Portainer lists the repositories its GitOps workflows use (administrators only), but stacks are not on Sources yet", "")
	add(b.SourcePolling, "the polling interval is set on the GitOps Source, for every stack on it", "")
	add(b.InPlaceGitChange, "repository URL, compose path and additional files change in place (same stack id, env, webhook, volumes)", "a new repository URL, compose path or additional files needs recreate_stack (delete and create)")
	add(b.MinInterval, "Portainer refuses polling intervals under 1m", "")
	add(b.ErroredStackStart, "a stack in error cannot be started: redeploy or update it", "")
	add(b.ForceUpdatePolls, "force_update makes polling redeploy without a new commit", "force_update is stored but polling and webhooks still redeploy only on a new commit")
	add(c.BusinessEdition(), "Business Edition tools are available: edge stack GitOps and webhooks, saved Git credentials, change windows, relative paths", "Community Edition: edge stacks from Git are cloned once (no GitOps), no saved Git credentials or change windows")
	return out
}
