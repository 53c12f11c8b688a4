package tools

import (
	"fmt"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// optional values: nil when empty, so results stay small.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optb(b bool) *bool {
	if !b {
		return nil
	}
	return &b
}

func opti(i int) *int {
	if i == 0 {
		return nil
	}
	return &i
}

func stackTypeName(t *papi.StackType) string {
	switch deref(t) {
	case papi.StackTypeSwarm:
		return "swarm"
	case papi.StackTypeCompose:
		return "compose"
	case papi.StackTypeKubernetes:
		return "kubernetes"
	}
	return fmt.Sprintf("type-%d", deref(t))
}

func stackStatusName(s *papi.StackStatus) string {
	switch deref(s) {
	case papi.StackStatusActive:
		return "active"
	case papi.StackStatusInactive:
		return "inactive"
	case papi.StackStatusDeploying:
		return "deploying"
	case papi.StackStatusError:
		return "error"
	}
	return fmt.Sprintf("status-%d", deref(s))
}

func unixTime(sec *int) *string {
	if sec == nil || *sec == 0 {
		return nil
	}
	return opt(time.Unix(int64(*sec), 0).UTC().Format(time.RFC3339))
}

// isGit tells whether a stack is deployed from a Git repository.
func isGit(s *papi.Stack) bool {
	return s.GitConfig != nil && s.GitConfig.URL != nil && *s.GitConfig.URL != ""
}

func envVars(env *[]papi.Pair, values bool) *[]views.EnvVar {
	if env == nil || len(*env) == 0 {
		return nil
	}
	out := make([]views.EnvVar, 0, len(*env))
	for _, p := range *env {
		v := views.EnvVar{Name: p.Name}
		if values {
			v.Value = ptr(deref(p.Value))
		}
		out = append(out, v)
	}
	return &out
}

func envNames(env *[]papi.Pair) *[]string {
	if env == nil || len(*env) == 0 {
		return nil
	}
	out := make([]string, 0, len(*env))
	for _, p := range *env {
		out = append(out, p.Name)
	}
	return &out
}

// credentialsStored: Portainer blanks the password in answers, but keeps the Authentication
// object exactly when credentials are stored (even a token with an empty username). Reading
// it as "no credentials" would make the next POST /stacks/{id}/git delete them.
func credentialsStored(g *papi.RepoConfig) bool {
	return g != nil && g.Authentication != nil
}

func gitView(s *papi.Stack) *views.GitView {
	if !isGit(s) {
		return nil
	}
	g := s.GitConfig
	v := &views.GitView{
		RepositoryUrl:     g.URL,
		Reference:         ptr(deref(g.ReferenceName)),
		ComposePath:       opt(deref(g.ConfigFilePath)),
		DeployedCommit:    opt(deref(g.ConfigHash)),
		CredentialsStored: ptr(credentialsStored(g)),
		TlsSkipVerify:     optb(deref(g.TLSSkipVerify)),
	}
	if g.Authentication != nil {
		v.Username = opt(deref(g.Authentication.Username))
	}
	if s.AdditionalFiles != nil && len(*s.AdditionalFiles) > 0 {
		v.AdditionalFiles = s.AdditionalFiles
	}
	if deref(s.SupportRelativePath) {
		v.FilesystemPath = opt(deref(s.FilesystemPath))
	}
	return v
}

// mechanism names how a Git stack is updated.
func mechanism(au *papi.AutoUpdateSettings) views.GitopsSettingsMechanism {
	if au == nil {
		return views.GitopsSettingsMechanismNone
	}
	poll, hook := deref(au.Interval) != "", deref(au.Webhook) != ""
	switch {
	case poll && hook:
		return views.GitopsSettingsMechanismPollingWebhook
	case poll:
		return views.GitopsSettingsMechanismPolling
	case hook:
		return views.GitopsSettingsMechanismWebhook
	}
	return views.GitopsSettingsMechanismNone
}

// WebhookURL is the address a Git host must POST to.
func (d *Deps) WebhookURL(id string) string {
	return strings.TrimRight(d.PortainerURL, "/") + "/api/stacks/webhooks/" + id
}

// gitopsSettings are a Git stack's GitOps settings as they work: au is its AutoUpdate with
// the polling that applies (sourcePoll.apply).
func gitopsSettings(d *Deps, s *papi.Stack, au *papi.AutoUpdateSettings) *views.GitopsSettings {
	if !isGit(s) {
		return nil
	}
	g := &views.GitopsSettings{Mechanism: mechanism(au)}
	if g.Mechanism == views.GitopsSettingsMechanismNone {
		return g
	}
	g.Interval = opt(deref(au.Interval))
	if id := deref(au.Webhook); id != "" {
		g.WebhookId = &id
		g.WebhookUrl = ptr(d.WebhookURL(id))
	}
	g.ForceUpdate = optb(deref(au.ForceUpdate))
	g.ForcePullImage = optb(deref(au.ForcePullImage))
	return g
}

// stackView is a stack as the stack tools show it; poll is how its Source polls it (the zero
// value: by its own settings).
func stackView(d *Deps, s *papi.Stack, showEnv bool, poll sourcePoll) views.StackView {
	v := views.StackView{
		Id:            deref(s.Id),
		Name:          deref(s.Name),
		Type:          stackTypeName(s.Type),
		Status:        stackStatusName(s.Status),
		EnvironmentId: deref(s.EndpointId),
		SwarmId:       opt(deref(s.SwarmId)),
		EntryPoint:    opt(deref(s.EntryPoint)),
		Env:           envVars(s.Env, showEnv),
		Created:       unixTime(s.CreationDate),
		CreatedBy:     opt(deref(s.CreatedBy)),
		Updated:       unixTime(s.UpdateDate),
		UpdatedBy:     opt(deref(s.UpdatedBy)),
		Git:           gitView(s),
		Gitops:        gitopsSettings(d, s, poll.apply(s.AutoUpdate)),
	}
	if s.Option != nil {
		v.Prune = optb(deref(s.Option.Prune))
	}
	return v
}

// stackRow is a stack as list_stacks shows it; poll is how its Source polls it.
func stackRow(s *papi.StackSummary, poll sourcePoll) views.StackRow {
	r := views.StackRow{
		Id:            s.Id,
		Name:          s.Name,
		Type:          stackTypeName(&s.Type),
		Status:        stackStatusName(&s.Status),
		EnvironmentId: s.EndpointId,
	}
	if summaryIsGit(s) {
		au := poll.apply(summaryAutoUpdate(s))
		r.Git = ptr(true)
		r.Gitops = ptr(string(mechanism(au)))
		r.Interval = opt(deref(deref(au).Interval))
	}
	return r
}

func summaryIsGit(s *papi.StackSummary) bool {
	return s.GitConfig != nil && deref(s.GitConfig.URL) != ""
}

// summaryAutoUpdate is the GitOps settings of a list item (nil when it has none).
func summaryAutoUpdate(s *papi.StackSummary) *papi.AutoUpdateSettings {
	if s.AutoUpdate == nil {
		return nil
	}
	return &papi.AutoUpdateSettings{Interval: s.AutoUpdate.Interval, Webhook: s.AutoUpdate.Webhook}
}

// gitopsRow is a Git stack as list_gitops_stacks shows it; poll is how its Source polls it,
// and sourceID its Source when known.
func gitopsRow(d *Deps, s *papi.StackSummary, poll sourcePoll, sourceID int) views.GitopsRow {
	g := s.GitConfig
	au := poll.apply(summaryAutoUpdate(s))
	r := views.GitopsRow{
		StackId:           s.Id,
		Name:              s.Name,
		EnvironmentId:     s.EndpointId,
		RepositoryUrl:     deref(g.URL),
		Reference:         opt(deref(g.ReferenceName)),
		ComposePath:       opt(deref(g.ConfigFilePath)),
		DeployedCommit:    opt(deref(g.ConfigHash)),
		CredentialsStored: optb(g.Authentication != nil),
		Gitops:            views.GitopsRowGitops(mechanism(au)),
		SourceId:          opti(sourceID),
	}
	if au != nil {
		r.Interval = opt(deref(au.Interval))
		if id := deref(au.Webhook); id != "" {
			r.WebhookUrl = ptr(d.WebhookURL(id))
		}
	}
	return r
}

// gitopsView is a Git stack as the GitOps tools show it, with src, its GitOps Source (nil
// before 2.43 or when not read): from 2.44 the Source's interval is the one that polls
// (sourcePoll.apply).
func gitopsView(d *Deps, s *papi.Stack, src *sourceInfo, caps Caps) views.GitopsView {
	v := views.GitopsView{
		StackId:       deref(s.Id),
		Name:          deref(s.Name),
		EnvironmentId: deref(s.EndpointId),
		Type:          ptr(stackTypeName(s.Type)),
		Status:        ptr(stackStatusName(s.Status)),
		Git:           gitView(s),
		Gitops:        gitopsSettings(d, s, src.poll(caps).apply(s.AutoUpdate)),
		EnvNames:      envNames(s.Env),
	}
	if s.Option != nil {
		v.Prune = optb(deref(s.Option.Prune))
	}
	if src != nil {
		sv := src.SourceView
		v.Source = &sv
	}
	return v
}

var endpointTypeNames = map[papi.EndpointType]string{
	papi.EndpointTypeDocker:          "docker",
	papi.EndpointTypeAgentDocker:     "agent-docker",
	papi.EndpointTypeAzure:           "azure",
	papi.EndpointTypeEdgeDocker:      "edge-docker",
	papi.EndpointTypeKubernetesLocal: "kubernetes-local",
	papi.EndpointTypeAgentKubernetes: "agent-kubernetes",
	papi.EndpointTypeEdgeKubernetes:  "edge-kubernetes",
}

func environmentRow(e *papi.Endpoint) views.EnvironmentRow {
	r := views.EnvironmentRow{
		Id:      deref(e.Id),
		Name:    deref(e.Name),
		Type:    endpointTypeNames[deref(e.Type)],
		Status:  "down",
		Url:     opt(deref(e.URL)),
		GroupId: opti(deref(e.GroupId)),
	}
	if r.Type == "" {
		r.Type = fmt.Sprintf("type-%d", deref(e.Type))
	}
	if deref(e.Status) == papi.EndpointStatusUp {
		r.Status = "up"
	}
	if e.Snapshots != nil && len(*e.Snapshots) > 0 {
		snap := (*e.Snapshots)[len(*e.Snapshots)-1]
		r.DockerVersion = opt(deref(snap.DockerVersion))
		r.Swarm = optb(deref(snap.Swarm))
		r.RunningContainers = snap.RunningContainerCount
		r.Stacks = snap.StackCount
	}
	return r
}

// environmentView is one environment as get_environment shows it: the row plus the rest of
// its last snapshot.
func environmentView(e *papi.Endpoint) views.EnvironmentView {
	r := environmentRow(e)
	v := views.EnvironmentView{
		Id: r.Id, Name: r.Name, Type: r.Type, Status: r.Status, Url: r.Url, GroupId: r.GroupId,
		DockerVersion: r.DockerVersion, Swarm: r.Swarm, RunningContainers: r.RunningContainers, Stacks: r.Stacks,
		PublicUrl: opt(deref(e.PublicURL)),
	}
	if e.TagIds != nil && len(*e.TagIds) > 0 {
		v.TagIds = e.TagIds
	}
	v.ChangeWindow = changeWindowView(e.ChangeWindow)
	if e.Snapshots != nil && len(*e.Snapshots) > 0 {
		snap := (*e.Snapshots)[len(*e.Snapshots)-1]
		v.StoppedContainers = snap.StoppedContainerCount
		v.Services = snap.ServiceCount
		v.Volumes = snap.VolumeCount
		v.Images = snap.ImageCount
		v.Cpus = snap.TotalCPU
		v.MemoryBytes = snap.TotalMemory
		v.SnapshotTime = unixTime(snap.Time)
	}
	return v
}
