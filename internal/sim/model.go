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

// gitConfig is the stored Git configuration of a stack (Portainer's RepoConfig).
type gitConfig struct {
	URL            string
	ReferenceName  string
	ConfigFilePath string
	Auth           *gitAuth
	ConfigHash     string
	TLSSkipVerify  bool
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
	Prune           *bool // Option{Prune}; nil when Portainer stores no Option
	Git             *gitConfig
	FromAppTemplate bool

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
	if r.Git != nil {
		g := *r.Git
		if r.Git.Auth != nil {
			a := *r.Git.Auth
			g.Auth = &a
		}
		c.Git = &g
	}
	return &c
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

// toAPI converts the record to the wire model. With redact, the stored Git password is blanked
// as Portainer does in every answer.
func (r *stackRec) toAPI(redact bool) papi.Stack {
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
	if g := r.Git; g != nil {
		rc := &papi.RepoConfig{
			URL:            ptr(g.URL),
			ReferenceName:  ptr(g.ReferenceName),
			ConfigFilePath: ptr(g.ConfigFilePath),
			ConfigHash:     ptr(g.ConfigHash),
			TLSSkipVerify:  ptr(g.TLSSkipVerify),
		}
		if g.Auth != nil {
			pw := g.Auth.Password
			if redact {
				pw = ""
			}
			rc.Authentication = &papi.GitAuthentication{
				Username:        ptr(g.Auth.Username),
				Password:        ptr(pw),
				GitCredentialID: ptr(0),
			}
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
// (with the Git password and env values), the deployed compose file and the job state.
type StackState struct {
	Stack         papi.Stack
	File          string
	JobRunning    bool
	Deploys       int
	VolumesReused bool // the stack was deployed onto named volumes an earlier stack left behind
}

func (r *stackRec) state() StackState {
	return StackState{
		Stack:         r.toAPI(false),
		File:          r.file,
		JobRunning:    r.jobRunning,
		Deploys:       r.deploys,
		VolumesReused: r.volumesReused,
	}
}
