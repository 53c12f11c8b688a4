package tools

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Checks of what callers give before anything reaches Portainer: each error says what is
// allowed, and nothing is sent.

// maxStackName: Docker puts the stack name into container, network and volume names and
// their DNS names, whose labels hold at most 63 characters.
const maxStackName = 63

var (
	// nameDrop is what Portainer's NormalizeStackName removes after lower-casing a name.
	nameDrop = regexp.MustCompile(`[^-_a-z0-9]+`)
	// stackNameRe is a compose project name: what Portainer keeps unchanged.
	stackNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	// envNameRe is a variable name compose can interpolate (${NAME}).
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// uuidRe is a webhook id as Portainer checks it (lower-case UUID).
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// checkStackName refuses a name Portainer would silently change (it lower-cases names and
// drops every character but a-z, 0-9, '-' and '_'), saying which name it would use.
func checkStackName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the stack name is empty: use lower case letters, digits, '-' and '_'")
	case len(name) > maxStackName:
		return fmt.Errorf("the stack name has %d characters; at most %d are allowed (Docker uses it in container and network names)", len(name), maxStackName)
	case stackNameRe.MatchString(name):
		return nil
	}
	would := nameDrop.ReplaceAllString(strings.ToLower(name), "")
	if would == "" || !stackNameRe.MatchString(would) {
		return fmt.Errorf("stack name %q is not valid: use lower case letters, digits, '-' and '_', starting with a letter or digit", name)
	}
	return fmt.Errorf("stack name %q is not valid: Portainer would silently turn it into %q. Use lower case letters, digits, '-' and '_', starting with a letter or digit (for example %q)", name, would, would)
}

// checkEnv refuses env lists Portainer would store but compose could not use: names must be
// variable names (no '=', no spaces), each once, and values one line (Portainer writes them
// into a .env file, one per line).
func checkEnv(env []papi.Pair) error {
	seen := map[string]bool{}
	for _, p := range env {
		switch {
		case strings.TrimSpace(p.Name) == "":
			return fmt.Errorf("every env entry needs a name")
		case !envNameRe.MatchString(p.Name):
			return fmt.Errorf("env name %q is not valid: use letters, digits and '_', not starting with a digit (no '=', spaces or dots)", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("env names %s twice", p.Name)
		case strings.ContainsAny(deref(p.Value), "\n\r\x00"):
			return fmt.Errorf("the value of env %s has a line break: values must be one line (Portainer writes them into a .env file)", p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// checkRepoPath refuses file paths that leave the repository: absolute paths and '..'.
func checkRepoPath(what, p string) error {
	switch {
	case strings.TrimSpace(p) == "":
		return fmt.Errorf("%s is empty: give a path inside the repository, like deploy/compose.yml", what)
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) > 1 && p[1] == ':'):
		return fmt.Errorf("%s %q is absolute: give a path inside the repository, like deploy/compose.yml", what, p)
	case strings.Contains(p, `\`):
		return fmt.Errorf("%s %q uses '\\': write paths with '/'", what, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Errorf("%s %q leaves the repository ('..'): give a path inside it", what, p)
		}
	}
	if path.Clean(p) == "." {
		return fmt.Errorf("%s %q names no file", what, p)
	}
	return nil
}

// checkRepoURL accepts what Portainer can clone: HTTP(S) URLs without credentials in them.
// Portainer clones with go-git and HTTP basic authentication only: ssh:// and git@host:path
// need SSH keys it never uses, git:// fails with "invalid auth method", file:// would read
// Portainer's own disk. An error quotes the URL with its password hidden.
func checkRepoURL(raw string) error {
	shown := HideUserinfo(raw)
	if strings.TrimSpace(raw) == "" {
		return fmt.Errorf("repository_url is empty: give the repository's https URL, like https://git.example.com/team/app.git")
	}
	if scpLike.MatchString(raw) {
		return fmt.Errorf("repository_url %q is an SSH address: Portainer clones over HTTP(S) only (a username and a token for private repositories); give the repository's https URL", shown)
	}
	u, err := url.Parse(raw)
	if err != nil && hasUserinfo(raw) {
		// A password with characters a URL may not carry (<, >, ", spaces) fails to parse:
		// it is still credentials in the URL.
		return errURLCredentials
	}
	if err != nil || u.Scheme == "" || !strings.Contains(raw, "://") {
		return fmt.Errorf("repository_url %q is not a URL like https://git.example.com/team/app.git", shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "ssh", "git+ssh", "git":
		return fmt.Errorf("repository_url uses %s://: Portainer clones over HTTP(S) only (a username and a token for private repositories); give the repository's https URL", u.Scheme)
	default:
		return fmt.Errorf("repository_url uses %s://, which Portainer cannot clone: give the repository's https URL", u.Scheme)
	}
	if u.Host == "" {
		return fmt.Errorf("repository_url %q has no host: write it like https://git.example.com/team/app.git", shown)
	}
	if u.User != nil {
		return errURLCredentials
	}
	return nil
}

var errURLCredentials = fmt.Errorf("repository_url carries credentials: give them as username and password, never in the URL (Portainer would store and show them)")

// hasUserinfo tells whether a URL-like text that does not parse has user[:password]@ after
// its scheme: an '@' before the path, or after a ':' that comes before the path (a password
// may hold a '/').
func hasUserinfo(raw string) bool {
	i := strings.Index(raw, "://")
	if i < 0 {
		return false
	}
	rest := raw[i+3:]
	at := strings.LastIndex(rest, "@")
	if at <= 0 {
		return false
	}
	info := rest[:at]
	slash := strings.IndexAny(info, "/?#")
	colon := strings.Index(info, ":")
	return slash < 0 || (colon >= 0 && colon < slash)
}

// scpLike is git's user[:password]@host:path form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9._-]+(:[^@/]*)?@[A-Za-z0-9.-]+:[^/]`)

// checkCredentials applies Portainer's rule (authentication needs a username and a
// password) before anything is sent, after checking the URL.
func checkCredentials(s gitSource) error {
	if err := checkRepoURL(s.URL); err != nil {
		return err
	}
	switch {
	case s.Password != "" && s.User == "":
		return fmt.Errorf("a password needs a username (for a token, the user name your Git host expects)")
	case s.User != "" && s.Password == "":
		return fmt.Errorf("username %s was given without a password or token: Portainer needs both", s.User)
	}
	return nil
}

// checkWebhookID refuses anything but a lower-case UUID, before it goes into a URL path.
func checkWebhookID(id string) error {
	if !uuidRe.MatchString(id) {
		return fmt.Errorf("webhook_id %q is not a webhook id: it is a lower-case UUID like 3f6c1a2e-8b4d-4e1f-9a7c-0d5e6f7a8b9c (get_stack_gitops shows a stack's)", id)
	}
	return nil
}

// HideUserinfo hides the credentials of a URL-like text, even a malformed one, so that an
// error quoting it never shows a password: of an SSH address (git@host:path, ssh://) only the
// password, since its user is a login name; of any other URL the whole userinfo, since a user
// alone may be a token (https://TOKEN@host).
func HideUserinfo(raw string) string {
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	start := 0
	if i := strings.LastIndex(raw[:at], "//"); i >= 0 {
		start = i + 2
	}
	if sshAddress(raw) {
		user, _, withPassword := strings.Cut(raw[start:at], ":")
		if !withPassword {
			return raw
		}
		return raw[:start] + user + ":" + Redacted + raw[at:]
	}
	return raw[:start] + Redacted + raw[at:]
}

// sshAddress tells whether raw is an SSH address: ssh:// or git+ssh://, or git's
// user@host:path form.
func sshAddress(raw string) bool {
	lower := strings.ToLower(raw)
	return strings.HasPrefix(lower, "ssh://") || strings.HasPrefix(lower, "git+ssh://") || scpLike.MatchString(raw)
}
