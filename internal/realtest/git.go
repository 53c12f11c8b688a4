package realtest

import (
	"crypto/subtle"
	"maps"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// GitServer is a smart-HTTP Git server Portainer can clone from: up.sh's, or one a test starts.
type GitServer struct {
	URL  string // http://127.0.0.1:PORT
	Root string // its folder of bare repositories
}

// Git is up.sh's Git server: repositories under priv/ need p.GitUser and p.GitPass.
func (p *Portainer) Git() GitServer { return GitServer{URL: p.GitURL, Root: p.GitRoot} }

// gitBackend is the CGI program that serves Git over HTTP (Debian's git package).
const gitBackend = "/usr/lib/git-core/git-http-backend"

// NewGitServer starts a Git server of the test's own on loopback whose every repository needs
// user and password, for a password no other Git server knows (a sentinel).
func NewGitServer(t testing.TB, user, password string) GitServer {
	t.Helper()
	if _, err := os.Stat(gitBackend); err != nil {
		t.Fatalf("no %s: install git (up.sh does)", gitBackend)
	}
	root := t.TempDir()
	backend := &cgi.Handler{Path: gitBackend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, pw, ok := r.BasicAuth()
		if !ok || u != user || subtle.ConstantTimeCompare([]byte(pw), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return GitServer{URL: srv.URL, Root: root}
}

// Repo is a bare repository on a Git server and a work tree that pushes to it.
type Repo struct {
	URL  string // what Portainer clones
	bare string
	work string
	t    testing.TB
}

// NewRepo makes the bare repository path+".git" (path like "pub/web-1a2b") with HEAD on main,
// removed when the test ends.
func (g GitServer) NewRepo(t testing.TB, path string) *Repo {
	t.Helper()
	r := &Repo{URL: g.URL + "/" + path + ".git", bare: filepath.Join(g.Root, path+".git"), work: t.TempDir(), t: t}
	if err := os.MkdirAll(filepath.Dir(r.bare), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(r.bare) })
	r.git("", "init", "-q", "--bare", "-b", "main", r.bare)
	r.git(r.work, "init", "-q", "-b", "main")
	return r
}

// Commit makes a commit on branch (created if needed) whose tree is exactly files, pushes it,
// and returns its hash.
func (r *Repo) Commit(branch string, files map[string]string) string {
	r.t.Helper()
	if r.git(r.work, "branch", "--list", branch) != "" {
		r.git(r.work, "checkout", "-q", branch)
	} else {
		r.git(r.work, "checkout", "-q", "--orphan", branch)
	}
	r.git(r.work, "rm", "-rq", "--ignore-unmatch", ".")
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(r.work, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git(r.work, "add", "-A")
	r.git(r.work, "commit", "-q", "--allow-empty", "-m", "commit on "+branch)
	r.git(r.work, "push", "-q", "--force", r.bare, "HEAD:refs/heads/"+branch)
	return r.git(r.work, "rev-parse", "HEAD")
}

// Tag tags the commit last made on branch as name and pushes the tag.
func (r *Repo) Tag(branch, name string) {
	r.t.Helper()
	r.git(r.work, "tag", "-f", name, branch)
	r.git(r.work, "push", "-q", "--force", r.bare, "refs/tags/"+name)
}

// git runs git in dir (none: the current folder) and returns its trimmed output; a failure
// fails the test.
func (r *Repo) git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=realtest", "GIT_AUTHOR_EMAIL=realtest@localhost",
		"GIT_COMMITTER_NAME=realtest", "GIT_COMMITTER_EMAIL=realtest@localhost", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
