package sim

import (
	"slices"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// gitAuth is the stored repository credential of a Git stack.
type gitAuth struct {
	Username string
	Password string
}

// credentials returns the username and password, or two empty strings.
func (a *gitAuth) credentials() (string, string) {
	if a == nil {
		return "", ""
	}
	return a.Username, a.Password
}

// clone returns a copy (nil stays nil).
func (a *gitAuth) clone() *gitAuth {
	if a == nil {
		return nil
	}
	c := *a
	return &c
}

// gitConfig is the stored Git configuration of a stack (Portainer's RepoConfig).
type gitConfig struct {
	URL            string
	ReferenceName  string
	ConfigFilePath string
	Auth           *gitAuth
	ConfigHash     string
	TLSSkipVerify  bool
	credID         int // Business Edition: the saved Git credential it uses
}

// autoUpdate is the stored GitOps configuration of a stack.
type autoUpdate struct {
	Interval       string
	Webhook        string
	ForceUpdate    bool
	ForcePullImage bool
	JobID          string
}

// stackRec is the simulator's record of one stack: what Portainer keeps in its database, the
// deployed compose file, and the state of the auto-update job.
type stackRec struct {
	ID              int
	Name            string
	Type            papi.StackType
	EndpointID      int
	SwarmID         string
	EntryPoint      string
	Env             []papi.Pair
	Status          papi.StackStatus
	CreationDate    int64
	CreatedBy       string
	UpdateDate      int64
	UpdatedBy       string
	AdditionalFiles []string
	AutoUpdate      *autoUpdate
	Prune           *bool      // Option{Prune}; nil when Portainer stores no Option
	Git             *gitConfig // on Sources profiles: reference, path and hash only (the artifact)
	FromAppTemplate bool
	// Business Edition relative paths (edge-be.md §4.4: top-level fields, not in GitConfig).
	SupportRelativePath bool
	FilesystemPath      string

	// 2.4x fields (PC §1 "DeploymentStatus shape", §2).
	DeploymentStatus      []deployStep
	DeploymentStartStatus papi.StackStatus
	WorkflowID            int         // the stack's Workflow, which names its Source (GitSources)
	Current               *deployInfo // CurrentDeploymentInfo

	deploySeq     int       // the deployment a background deploy belongs to
	file          string    // the compose file that is deployed
	jobRunning    bool      // the auto-update (polling) job runs
	jobNext       time.Time // real time of the next poll, for StartPolling
	deploys       int       // how many times the stack was deployed
	volumesReused bool      // the project found named volumes of an earlier stack
	stoppedAt     time.Time // real time of the last stop (swarm restart delay)
}

// clone returns a deep copy of the record.
func (r *stackRec) clone() *stackRec {
	c := *r
	c.Env = clonePairs(r.Env)
	c.AdditionalFiles = slices.Clone(r.AdditionalFiles)
	if r.AutoUpdate != nil {
		au := *r.AutoUpdate
		c.AutoUpdate = &au
	}
	if r.Prune != nil {
		p := *r.Prune
		c.Prune = &p
	}
	c.Git = r.Git.clone()
	c.DeploymentStatus = slices.Clone(r.DeploymentStatus)
	if r.Current != nil {
		cur := *r.Current
		cur.AdditionalFiles = slices.Clone(r.Current.AdditionalFiles)
		c.Current = &cur
	}
	return &c
}

// clone returns a deep copy of a Git configuration (nil stays nil).
func (g *gitConfig) clone() *gitConfig {
	if g == nil {
		return nil
	}
	c := *g
	if g.Auth != nil {
		a := *g.Auth
		c.Auth = &a
	}
	return &c
}

// deployStep is one entry of DeploymentStatus.
type deployStep struct {
	Status  papi.StackStatus
	Time    int64
	Message string
}

// deployInfo is CurrentDeploymentInfo: what the last deployment used.
type deployInfo struct {
	ConfigHash      string
	RepositoryURL   string
	ConfigFilePath  string
	ReferenceName   string
	AdditionalFiles []string
	SourceID        int
}

func clonePairs(in []papi.Pair) []papi.Pair {
	if in == nil {
		return nil
	}
	out := make([]papi.Pair, len(in))
	for i, p := range in {
		out[i] = papi.Pair{Name: p.Name}
		if p.Value != nil {
			out[i].Value = ptr(*p.Value)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// deref returns the value behind p, or the zero value when p is nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// toAPI converts the record to the wire model, with g as its Git configuration (on Sources
// profiles computed from the Source, PC §2). With redact, the Git password is blanked as
// Portainer does in every answer.
func (r *stackRec) toAPI(g *gitConfig, redact bool) papi.Stack {
	env := clonePairs(r.Env)
	if env == nil {
		env = []papi.Pair{}
	}
	st := papi.Stack{
		Id:              ptr(r.ID),
		Name:            ptr(r.Name),
		Type:            ptr(r.Type),
		EndpointId:      ptr(r.EndpointID),
		SwarmId:         ptr(r.SwarmID),
		EntryPoint:      ptr(r.EntryPoint),
		Env:             &env,
		Status:          ptr(r.Status),
		ProjectPath:     ptr(projectPath(r.ID)),
		CreationDate:    ptr(int(r.CreationDate)),
		CreatedBy:       ptr(r.CreatedBy),
		UpdateDate:      ptr(int(r.UpdateDate)),
		UpdatedBy:       ptr(r.UpdatedBy),
		FromAppTemplate: ptr(r.FromAppTemplate),
		Namespace:       ptr(""),
	}
	if r.AdditionalFiles != nil {
		st.AdditionalFiles = ptr(slices.Clone(r.AdditionalFiles))
	}
	if au := r.AutoUpdate; au != nil {
		st.AutoUpdate = &papi.AutoUpdateSettings{
			Interval:       ptr(au.Interval),
			Webhook:        ptr(au.Webhook),
			ForceUpdate:    ptr(au.ForceUpdate),
			ForcePullImage: ptr(au.ForcePullImage),
			JobID:          ptr(au.JobID),
		}
	}
	if r.Prune != nil {
		st.Option = &papi.StackOption{Prune: ptr(*r.Prune)}
	}
	if r.DeploymentStatus != nil {
		steps := make([]papi.StackDeploymentStatus, len(r.DeploymentStatus))
		for i, d := range r.DeploymentStatus {
			steps[i] = papi.StackDeploymentStatus{Status: ptr(d.Status), Time: ptr(int(d.Time))}
			if d.Message != "" {
				steps[i].Message = ptr(d.Message)
			}
		}
		st.DeploymentStatus = &steps
		st.DeploymentStartStatus = ptr(r.DeploymentStartStatus)
	}
	if r.WorkflowID != 0 {
		st.WorkflowID = ptr(r.WorkflowID)
	}
	if r.SupportRelativePath {
		st.SupportRelativePath, st.FilesystemPath = ptr(true), ptr(r.FilesystemPath)
	}
	if c := r.Current; c != nil {
		st.CurrentDeploymentInfo = &papi.StackDeploymentInfo{ConfigHash: ptr(c.ConfigHash), RepositoryURL: ptr(c.RepositoryURL),
			ConfigFilePath: ptr(c.ConfigFilePath), ReferenceName: ptr(c.ReferenceName), SourceID: ptr(c.SourceID)}
		if c.AdditionalFiles != nil {
			st.CurrentDeploymentInfo.AdditionalFiles = ptr(slices.Clone(c.AdditionalFiles))
		}
	}
	if g != nil {
		rc := &papi.RepoConfig{
			URL:            ptr(g.URL),
			ReferenceName:  ptr(g.ReferenceName),
			ConfigFilePath: ptr(g.ConfigFilePath),
			ConfigHash:     ptr(g.ConfigHash),
			TLSSkipVerify:  ptr(g.TLSSkipVerify),
		}
		if g.Auth != nil {
			rc.Authentication = authView(g, redact)
		}
		st.GitConfig = rc
	}
	return st
}

func projectPath(id int) string { return "/data/compose/" + itoa(id) }

// autoUpdateFrom converts a payload's GitOps settings to the stored form.
func autoUpdateFrom(in *papi.AutoUpdateSettings) *autoUpdate {
	if in == nil {
		return nil
	}
	return &autoUpdate{
		Interval:       deref(in.Interval),
		Webhook:        deref(in.Webhook),
		ForceUpdate:    deref(in.ForceUpdate),
		ForcePullImage: deref(in.ForcePullImage),
		JobID:          deref(in.JobID),
	}
}

// StackState is the full internal truth about one stack, for tests: the stack as stored
// (with the Git password and env values; on Sources profiles those of its Source), the
// deployed compose file and the job state.
type StackState struct {
	Stack         papi.Stack
	File          string
	JobRunning    bool // the stack's own polling job (before per-Source polling)
	Deploys       int
	VolumesReused bool // the stack was deployed onto named volumes an earlier stack left behind
	SourceID      int  // the Source of its Workflow (Sources profiles)
}

func (s *Sim) state(r *stackRec) StackState {
	return StackState{
		Stack:         r.toAPI(s.repoConfig(r), false),
		SourceID:      s.sourceIDOf(r),
		File:          r.file,
		JobRunning:    r.jobRunning,
		Deploys:       r.deploys,
		VolumesReused: r.volumesReused,
	}
}
