package sim

import (
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// source is a GitOps Source (PC §7, 2.43 and later): the repository URL, credentials and TLS
// setting shared by every stack whose Workflow points at it, and (2.44 and later) the polling
// interval.
type source struct {
	ID            int
	Name          string
	URL           string
	Auth          *gitAuth
	TLSSkipVerify bool
	Interval      string // Go duration; "" = no polling (PC §7 "Interval")
	Status        int    // 0 unknown, 1 healthy, 2 error
	StatusError   string
	LastSync      int64

	jobNext time.Time // real time of the next poll, for StartPolling
}

// workflow links one stack to its Source: Portainer's Workflow with one artifact whose file
// names the Source (PC §7 "How a stack links to a Source"). The artifact's path, reference and
// hash stay on the stack record (stackRec.Git).
type workflow struct {
	ID       int
	Name     string
	StackID  int
	SourceID int
}

// normalizeRepoURL is the identity of a repository URL: scheme and host in lower case, no
// credentials, no trailing slash or ".git" (PC §1: normalize_source.go, NormalizeURL).
func normalizeRepoURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return strings.ToLower(raw)
	}
	u.User = nil
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	return u.String()
}

// sameGitSource tells whether a Source has the identity URL + username + password; the TLS
// setting is not part of it (PC §1 "With inline repository fields", §7 "Uniqueness").
func sameGitSource(src *source, rawURL string, auth *gitAuth) bool {
	var u1, p1, u2, p2 string
	if src.Auth != nil {
		u1, p1 = src.Auth.Username, src.Auth.Password
	}
	if auth != nil {
		u2, p2 = auth.Username, auth.Password
	}
	return normalizeRepoURL(src.URL) == normalizeRepoURL(rawURL) && u1 == u2 && p1 == p2
}

// duplicateSource returns another Source with the identity of src, if any.
func (s *Sim) duplicateSource(src *source) *source {
	for _, o := range s.sortedSources() {
		if o.ID != src.ID && sameGitSource(o, src.URL, src.Auth) {
			return o
		}
	}
	return nil
}

// findOrCreateSource reuses the Source with this URL and credentials, or creates one named
// after the repository (PC §1 "With inline repository fields": FindOrCreateGitSource). A new
// Source takes the TLS setting given; a reused one keeps its own.
func (s *Sim) findOrCreateSource(rawURL string, auth *gitAuth, tlsSkipVerify bool) *source {
	for _, src := range s.sortedSources() {
		if sameGitSource(src, rawURL, auth) {
			return src
		}
	}
	src := &source{ID: s.nextSourceID, Name: repoName(rawURL), URL: rawURL, TLSSkipVerify: tlsSkipVerify}
	if auth != nil {
		a := *auth
		src.Auth = &a
	}
	s.nextSourceID++
	s.sources[src.ID] = src
	s.testSource(src)
	return src
}

// repoName is the last part of a repository URL without ".git".
func repoName(rawURL string) string {
	name := strings.TrimSuffix(path.Base(strings.TrimSuffix(normalizeRepoURL(rawURL), "/")), ".git")
	if name == "" || name == "." || name == "/" {
		return "git source"
	}
	return name
}

// testSource checks that the repository answers with the Source's settings and records the
// outcome as its status (PC §7: the status is re-tested after a change).
func (s *Sim) testSource(src *source) {
	src.Status, src.StatusError = sourceHealthy, ""
	if err := s.gitReach(src.URL, src.Auth); err != nil {
		src.Status, src.StatusError = sourceError, cloneError(err)
	}
}

// Source statuses (portainer.Source status).
const (
	sourceUnknown = 0
	sourceHealthy = 1
	sourceError   = 2
)

// gitReach is a ls-remote: the repository exists and takes the credentials.
func (s *Sim) gitReach(rawURL string, auth *gitAuth) error {
	rp, ok := s.repos[repoKey(rawURL)]
	if !ok {
		return errRepoNotFound
	}
	if rp.username != "" && (auth == nil || auth.Username != rp.username || auth.Password != rp.password) {
		return errGitAuth
	}
	return nil
}

func (s *Sim) sortedSources() []*source {
	out := make([]*source, 0, len(s.sources))
	for _, src := range s.sources {
		out = append(out, src)
	}
	slices.SortFunc(out, func(a, b *source) int { return a.ID - b.ID })
	return out
}

// attachWorkflow creates the stack's Workflow on src and sets its WorkflowID (PC §1 step 4).
func (s *Sim) attachWorkflow(r *stackRec, src *source) {
	w := &workflow{ID: s.nextWorkflowID, Name: r.Name, StackID: r.ID, SourceID: src.ID}
	s.nextWorkflowID++
	s.workflows[w.ID] = w
	r.WorkflowID = w.ID
}

// dropWorkflow deletes the stack's Workflow; its Source stays (PC §4 detach, §8 delete).
func (s *Sim) dropWorkflow(r *stackRec) {
	delete(s.workflows, r.WorkflowID)
	r.WorkflowID = 0
}

// sourceOf returns the Source of a stack's Workflow, or nil (no Workflow, or a profile
// without Sources).
func (s *Sim) sourceOf(r *stackRec) *source {
	w, ok := s.workflows[r.WorkflowID]
	if !ok || r.WorkflowID == 0 {
		return nil
	}
	return s.sources[w.SourceID]
}

func (s *Sim) sourceIDOf(r *stackRec) int {
	if src := s.sourceOf(r); src != nil {
		return src.ID
	}
	return 0
}

// sourceStacks returns the stacks whose Workflow uses the Source, by id.
func (s *Sim) sourceStacks(srcID int) []*stackRec {
	var out []*stackRec
	for _, r := range s.sortedStacks() {
		if w, ok := s.workflows[r.WorkflowID]; ok && r.WorkflowID != 0 && w.SourceID == srcID {
			out = append(out, r)
		}
	}
	return out
}

// repoConfig returns a copy of the stack's Git configuration as Portainer answers it: on
// Sources profiles the URL, credentials and TLS setting come from the Source and the rest
// from the artifact (PC §2 "GitConfig is computed, not stored"). Nil for a file-based stack.
func (s *Sim) repoConfig(r *stackRec) *gitConfig {
	g := r.Git.clone()
	if g == nil {
		return nil
	}
	if src := s.sourceOf(r); src != nil {
		g.URL, g.TLSSkipVerify, g.Auth = src.URL, src.TLSSkipVerify, nil
		if src.Auth != nil {
			a := *src.Auth
			g.Auth = &a
		}
	}
	return g
}

// setRepo stores where a Git stack's repository is and how to reach it: on the stack before
// Sources; on Sources profiles in a Source found or created for URL + credentials, which the
// stack's Workflow then names (PC §1 "With inline repository fields").
func (s *Sim) setRepo(r *stackRec, rawURL string, auth *gitAuth, tlsSkipVerify bool) {
	if !s.b.GitSources {
		r.Git.URL, r.Git.Auth, r.Git.TLSSkipVerify = rawURL, auth, tlsSkipVerify
		return
	}
	src := s.findOrCreateSource(rawURL, auth, tlsSkipVerify)
	r.Git.URL, r.Git.Auth, r.Git.TLSSkipVerify = "", nil, false
	if w, ok := s.workflows[r.WorkflowID]; ok && r.WorkflowID != 0 {
		w.SourceID = src.ID
		return
	}
	s.attachWorkflow(r, src)
}

// recordDeployment fills CurrentDeploymentInfo from what a deployment uses (PC §2; Sources
// era).
func (s *Sim) recordDeployment(r *stackRec, g *gitConfig) {
	if !s.b.GitSources || g == nil {
		return
	}
	r.Current = &deployInfo{ConfigHash: g.ConfigHash, RepositoryURL: g.URL, ConfigFilePath: g.ConfigFilePath,
		ReferenceName: g.ReferenceName, AdditionalFiles: slices.Clone(r.AdditionalFiles), SourceID: s.sourceIDOf(r)}
}
