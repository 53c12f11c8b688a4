package sim

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// defaultRef is the branch a clone without a reference gets (the repository's HEAD).
const defaultRef = "refs/heads/main"

// repo is an in-memory Git repository: references point to commits, a commit is a whole tree.
type repo struct {
	username string // empty: public repository
	password string
	refs     map[string]string            // reference -> commit hash
	commits  map[string]map[string]string // commit hash -> path -> content
	seq      int
}

// Errors of the simulated Git service, worded like go-git and Portainer's git package.
var (
	errRepoNotFound = errors.New("repository not found")
	errRefNotFound  = errors.New("reference not found")
	errGitAuth      = errors.New(msgAuthFailed)
)

// repoKey identifies a repository by URL the way a Git host does: with or without ".git" or a
// trailing slash, host in any case.
func repoKey(url string) string { return normalizeRepoURL(url) }

// AddRepo adds a repository, or changes the credentials of an existing one (its references
// stay). An empty username makes it public; otherwise a clone needs exactly that username and
// password. A new repository has no reference until Commit; its HEAD is refs/heads/main.
func (s *Sim) AddRepo(url, username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRepo(url, username, password)
}

func (s *Sim) addRepo(url, username, password string) *repo {
	key := repoKey(url)
	rp, ok := s.repos[key]
	if !ok {
		rp = &repo{refs: map[string]string{}, commits: map[string]map[string]string{}}
		s.repos[key] = rp
	}
	rp.username, rp.password = username, password
	return rp
}

// Commit records a new commit on ref (created if missing) whose tree is exactly files, and
// returns its hash (40 hex digits). An unknown repository is added as a public one.
func (s *Sim) Commit(url, ref string, files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commit(url, ref, files)
}

func (s *Sim) commit(url, ref string, files map[string]string) string {
	rp, ok := s.repos[repoKey(url)]
	if !ok {
		rp = s.addRepo(url, "", "")
	}
	rp.seq++
	h := sha1.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", repoKey(url), ref, rp.seq)
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", p, files[p])
	}
	hash := hex.EncodeToString(h.Sum(nil))
	rp.commits[hash] = maps.Clone(files)
	rp.refs[ref] = hash
	return hash
}

// DeleteRef removes a branch or tag.
func (s *Sim) DeleteRef(url, ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp, ok := s.repos[repoKey(url)]; ok {
		delete(rp.refs, ref)
	}
}

// gitResolve "clones" url at ref with the given credentials and returns the commit and its tree.
// An empty ref is the default branch. References must be full names (refs/heads/..., refs/tags/...).
func (s *Sim) gitResolve(url, ref, username, password string) (string, map[string]string, error) {
	rp, ok := s.repos[repoKey(url)]
	if !ok {
		return "", nil, errRepoNotFound
	}
	if rp.username != "" {
		if username != rp.username || password != rp.password {
			return "", nil, errGitAuth
		}
	}
	if ref == "" {
		ref = defaultRef
	}
	hash, ok := rp.refs[ref]
	if !ok {
		return "", nil, errRefNotFound
	}
	return hash, rp.commits[hash], nil
}

// cloneError words a clone failure as Portainer's git service does; refused credentials are
// "Invalid git credential: authentication failed, ..." (measured on a real 2.23's redeploy).
func cloneError(err error) string {
	if errors.Is(err, errGitAuth) {
		return msgInvalidGitCred + ": " + msgAuthFailed
	}
	return "failed to clone git repository: " + err.Error()
}

// latestCommitError words a failure of Portainer's LatestCommitID (a ls-remote).
func latestCommitError(err error, ref string) string {
	switch {
	case errors.Is(err, errGitAuth):
		return msgAuthFailed
	case errors.Is(err, errRefNotFound):
		return fmt.Sprintf("could not find ref %q in the repository", ref)
	}
	return "failed to list repository refs: " + err.Error()
}

// gitFiles picks the compose file and checks the additional files of a Git stack in a tree. It
// returns the compose file, or the error compose gives for a missing file.
func gitFiles(tree map[string]string, stackID int, composePath string, additional []string) (string, error) {
	for _, p := range append([]string{composePath}, additional...) {
		if _, ok := tree[strings.TrimPrefix(p, "/")]; !ok {
			// compose's words, newline included (measured on a real 2.23)
			return "", fmt.Errorf("stat %s/%s: no such file or directory\n", projectPath(stackID), strings.TrimPrefix(p, "/"))
		}
	}
	return tree[strings.TrimPrefix(composePath, "/")], nil
}
