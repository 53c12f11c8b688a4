package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// The GitOps Sources API (PC §7), served from 2.43 on (GitSources); before, the routes do not
// exist (see buildHandler), except the list of 2.41.1 and 2.42 (SourcesList,
// repositoriesInUse). Passwords are never answered: SourceDetail has only the username and
// the changed Source is sanitized.

var sourceStatusNames = map[int]string{sourceUnknown: "unknown", sourceHealthy: "healthy", sourceError: "error"}

// GitOpsSourcesList lists the Sources with how many workflows use them (usedBy) and on how
// many environments.
func (s *Sim) GitOpsSourcesList(context.Context, papi.GitOpsSourcesListRequestObject) (papi.GitOpsSourcesListResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := papi.GitOpsSourcesList200JSONResponse{}
	for _, src := range s.sortedSources() {
		stacks := s.sourceStacks(src.ID)
		envs := map[int]bool{}
		for _, r := range stacks {
			envs[r.EndpointID] = true
		}
		item := papi.SourceListItem{Id: ptr(src.ID), Name: ptr(src.Name), Type: ptr("git"), Url: ptr(src.URL),
			Status: ptr(sourceStatusNames[src.Status]), UsedBy: ptr(len(stacks)), Environments: ptr(len(envs))}
		s.sourceCommon(src, &item.Error, &item.LastSync, &item.Interval)
		out = append(out, item)
	}
	return out, nil
}

// sourceCommon fills the optional fields every Source answer shares.
func (s *Sim) sourceCommon(src *source, errText **string, lastSync **int, interval **string) {
	if src.StatusError != "" {
		*errText = ptr(src.StatusError)
	}
	if src.LastSync != 0 {
		*lastSync = ptr(int(src.LastSync))
	}
	if src.Interval != "" {
		*interval = ptr(src.Interval)
	}
}

// lookupSource returns a Source or Portainer's 404.
func (s *Sim) lookupSource(id int) (*source, error) {
	src, ok := s.sources[id]
	if !ok {
		return nil, notFound(msgSourceNotFound)
	}
	return src, nil
}

// GitOpsSourceGet returns one Source: connection settings with the username only.
func (s *Sim) GitOpsSourceGet(_ context.Context, req papi.GitOpsSourceGetRequestObject) (papi.GitOpsSourceGetResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.lookupSource(req.Id)
	if err != nil {
		return nil, err
	}
	d := papi.SourceDetail{Id: ptr(src.ID), Name: ptr(src.Name), Type: ptr("git"), Url: ptr(src.URL),
		Status: ptr(sourceStatusNames[src.Status])}
	s.sourceCommon(src, &d.Error, &d.LastSync, &d.Interval)
	d.Access = &papi.SourceAccess{Public: ptr(false), Teams: &[]int{}, Users: &[]int{1}}
	d.Connection = &papi.SourceConnection{TlsSkipVerify: ptr(src.TLSSkipVerify)}
	if src.Auth != nil {
		d.Connection.Authentication = &papi.SourceConnectionAuth{Username: ptr(src.Auth.Username), Type: ptr("basic")}
	}
	return papi.GitOpsSourceGet200JSONResponse(d), nil
}

// GitOpsSourcesUpdateGit changes only what is sent: an omitted password keeps the stored one,
// `authentication: {}` removes the credentials, a blank name is ignored. The result must stay
// unique on URL + credentials (409). The status is re-tested and, from 2.44, the poll job
// follows the interval (PC §7, update_git.go).
func (s *Sim) GitOpsSourcesUpdateGit(_ context.Context, req papi.GitOpsSourcesUpdateGitRequestObject) (papi.GitOpsSourcesUpdateGitResponseObject, error) {
	b := req.Body
	if b.Url != nil && !isURL(*b.Url) {
		return nil, badPayload("invalid repository URL. Must correspond to a valid URL format")
	}
	if b.Interval != nil {
		if problem := sourceIntervalProblem(*b.Interval); problem != "" {
			return nil, badPayload(problem)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.lookupSource(req.Id)
	if err != nil {
		return nil, err
	}
	next := *src
	next.Auth = src.Auth.clone()
	if b.Name != nil && strings.TrimSpace(*b.Name) != "" {
		next.Name = *b.Name
	}
	if b.Url != nil {
		next.URL = *b.Url
	}
	if b.TlsSkipVerify != nil {
		next.TLSSkipVerify = *b.TlsSkipVerify
	}
	if b.Interval != nil {
		next.Interval = *b.Interval
		next.jobNext = time.Time{}
	}
	if a := b.Authentication; a != nil {
		if a.Username == nil && a.Password == nil {
			next.Auth = nil
		} else {
			if next.Auth == nil {
				next.Auth = &gitAuth{}
			}
			if a.Username != nil {
				next.Auth.Username = *a.Username
			}
			if a.Password != nil {
				next.Auth.Password = *a.Password
			}
		}
	}
	if s.duplicateSource(&next) != nil {
		return nil, newErr(http.StatusConflict, msgDuplicateSource, "source already exists")
	}
	*src = next
	s.testSource(src)
	out := papi.Source{Id: ptr(src.ID), Name: ptr(src.Name), Type: ptr(1), Status: ptr(src.Status)}
	if src.StatusError != "" {
		out.StatusError = ptr(src.StatusError)
	}
	if src.Interval != "" {
		out.Interval = ptr(src.Interval)
	}
	if src.LastSync != 0 {
		out.LastSync = ptr(int(src.LastSync))
	}
	out.Git = &papi.SourceGit{URL: ptr(src.URL), TLSSkipVerify: ptr(src.TLSSkipVerify)}
	if src.Auth != nil {
		out.Git.Authentication = &papi.GitAuthentication{Username: ptr(src.Auth.Username), Password: ptr(""), GitCredentialID: ptr(0)}
	}
	return papi.GitOpsSourcesUpdateGit200JSONResponse(out), nil
}

// sourceIntervalProblem validates a Source interval (PC §7: utils.go, minPollingInterval =
// time.Minute); an empty one turns polling off.
func sourceIntervalProblem(interval string) string {
	if interval == "" {
		return ""
	}
	every, err := time.ParseDuration(interval)
	if err != nil {
		return "invalid interval format"
	}
	if every < time.Minute {
		return msgIntervalTooShort
	}
	return ""
}

// GitOpsSourcesTestById tests that the repository answers with the Source's settings, the
// fields sent overriding them; it changes nothing.
func (s *Sim) GitOpsSourcesTestById(_ context.Context, req papi.GitOpsSourcesTestByIdRequestObject) (papi.GitOpsSourcesTestByIdResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.lookupSource(req.Id)
	if err != nil {
		return nil, err
	}
	url, auth := src.URL, src.Auth.clone()
	if b := req.Body; b != nil {
		if b.Url != nil {
			url = *b.Url
		}
		if a := b.Authentication; a != nil {
			if a.Username == nil && a.Password == nil {
				auth = nil
			} else {
				if auth == nil {
					auth = &gitAuth{}
				}
				if a.Username != nil {
					auth.Username = *a.Username
				}
				if a.Password != nil {
					auth.Password = *a.Password
				}
			}
		}
	}
	if err := s.gitReach(url, auth); err != nil {
		return papi.GitOpsSourcesTestById200JSONResponse{Success: ptr(false), Error: ptr(cloneError(err))}, nil
	}
	return papi.GitOpsSourcesTestById200JSONResponse{Success: ptr(true)}, nil
}

// GitOpsSourceWorkflows lists the workflows (here: one per stack) that use a Source, each with
// its Git configuration, password blanked.
func (s *Sim) GitOpsSourceWorkflows(_ context.Context, req papi.GitOpsSourceWorkflowsRequestObject) (papi.GitOpsSourceWorkflowsResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupSource(req.Id); err != nil {
		return nil, err
	}
	out := papi.GitOpsSourceWorkflows200JSONResponse{}
	for _, r := range s.sourceStacks(req.Id) {
		w := s.workflows[r.WorkflowID]
		platform := "dockerStandalone"
		if r.Type == papi.StackTypeSwarm {
			platform = "dockerSwarm"
		}
		gc := r.toAPI(s.repoConfig(r), true).GitConfig
		out = append(out, papi.SourceWorkflow{Id: ptr(w.ID), Name: ptr(w.Name), Type: ptr("stack"), Platform: ptr(platform),
			SourceId: ptr(w.SourceID), GitConfig: gc, Target: &papi.SourceWorkflowTarget{EndpointId: ptr(r.EndpointID)}})
	}
	return out, nil
}

// SourceState is the simulator's truth about a Source, for tests.
type SourceState struct {
	ID            int
	Name          string
	URL           string
	Username      string
	Password      string
	HasAuth       bool
	TLSSkipVerify bool
	Interval      string
	JobRunning    bool  // a poll job runs (2.44 and later)
	Stacks        []int // stacks whose Workflow uses it
}

// Source returns a Source's state.
func (s *Sim) Source(id int) (SourceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.sources[id]
	if !ok {
		return SourceState{}, false
	}
	st := SourceState{ID: src.ID, Name: src.Name, URL: src.URL, TLSSkipVerify: src.TLSSkipVerify, Interval: src.Interval,
		JobRunning: s.b.SourcePolling && s.sourceJobRuns(src), HasAuth: src.Auth != nil}
	st.Username, st.Password = src.Auth.credentials()
	for _, r := range s.sourceStacks(src.ID) {
		st.Stacks = append(st.Stacks, r.ID)
	}
	return st, true
}

// Sources returns every Source, by id.
func (s *Sim) Sources() []SourceState {
	s.mu.Lock()
	ids := make([]int, 0, len(s.sources))
	for _, src := range s.sortedSources() {
		ids = append(ids, src.ID)
	}
	s.mu.Unlock()
	out := make([]SourceState, 0, len(ids))
	for _, id := range ids {
		if st, ok := s.Source(id); ok {
			out = append(out, st)
		}
	}
	return out
}

// repositoriesInUse answers GET /gitops/sources before Sources are records (SourcesList
// without GitSources): for administrators only (403 "Access denied" otherwise), one item per
// repository URL the Git stacks use, its id a hash of the URL (PC §7: handlers present in
// 2.41.1; [241] api/http/handler/gitops/sources/list.go and types.go@1e0ad941). The shape is
// not the one api/portainer.yaml describes (2.43's, integer ids), so it is written here. The
// status is "unknown": how 2.41 rates a workflow's repository is UNVERIFIED, and the tools
// do not read this list.
func (s *Sim) repositoriesInUse(w http.ResponseWriter, r *http.Request) {
	if s.standardUser(r) {
		writeError(w, http.StatusForbidden, "Access denied", "Access denied")
		return
	}
	s.mu.Lock()
	type use struct{ stacks, envs map[int]bool }
	byURL := map[string]*use{}
	var urls []string
	for _, rec := range s.sortedStacks() {
		g := s.repoConfig(rec)
		if g == nil {
			continue
		}
		u, ok := byURL[g.URL]
		if !ok {
			u = &use{stacks: map[int]bool{}, envs: map[int]bool{}}
			byURL[g.URL] = u
			urls = append(urls, g.URL)
		}
		u.stacks[rec.ID], u.envs[rec.EndpointID] = true, true
	}
	s.mu.Unlock()
	out := []map[string]any{}
	for _, url := range urls {
		sum := sha256.Sum256([]byte(url))
		out = append(out, map[string]any{"id": hex.EncodeToString(sum[:8]), "name": strings.TrimSuffix(path.Base(url), ".git"),
			"type": "git", "url": url, "status": "unknown", "usedBy": len(byURL[url].stacks),
			"environments": len(byURL[url].envs), "lastSync": 0})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
