package tools

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// stackNameRe is Portainer's rule for stack names (compose project names).
var stackNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// DefaultRef is the reference used when none is given: Portainer's file preview reads
// refs/heads/main then, so the stack is deployed from the same reference that was checked.
const DefaultRef = "refs/heads/main"

// fullRef turns a branch name into a full reference (main -> refs/heads/main): Portainer
// clones full reference names only. Tags must be written refs/tags/NAME.
func fullRef(ref string) string {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return DefaultRef
	case strings.HasPrefix(ref, "refs/"):
		return ref
	}
	return "refs/heads/" + ref
}

// checkCredentials applies Portainer's rule (authentication needs a username and a
// password) before anything is sent, and keeps credentials out of repository URLs, where
// they would be stored and shown in clear.
func checkCredentials(s gitSource) error {
	if u, err := url.Parse(s.URL); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("repository_url %q is not a URL like https://git.example.com/team/app.git", stripUserinfo(s.URL))
	} else if u.User != nil {
		return fmt.Errorf("repository_url carries credentials: give them as username and password, never in the URL")
	}
	switch {
	case s.Password != "" && s.User == "":
		return fmt.Errorf("a password needs a username (for a token, the user name your Git host expects)")
	case s.User != "" && s.Password == "":
		return fmt.Errorf("username %s was given without a password or token: Portainer needs both", s.User)
	}
	return nil
}

// stripUserinfo removes user:password@ from a URL-like string.
func stripUserinfo(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 && (strings.Index(rest, "/") < 0 || at < strings.Index(rest, "/")) {
			return raw[:i+3] + rest[at+1:]
		}
	}
	return raw
}

func checkStackName(name string) error {
	if !stackNameRe.MatchString(name) {
		return fmt.Errorf("stack name %q is not valid: use lower case letters, digits, '-' and '_', starting with a letter or digit", name)
	}
	return nil
}

// gitDeploy is everything needed to create a Git stack.
type gitDeploy struct {
	EnvironmentID   int
	Name            string
	Swarm           bool
	Source          gitSource
	AdditionalFiles []string
	Env             []papi.Pair
	AutoUpdate      *papi.AutoUpdateSettings
}

// checkSource checks, through Portainer, that the compose file and every additional file can
// be read at the reference; it returns a tool error when not.
func checkSource(ctx context.Context, d *Deps, tool string, g gitDeploy) *mcp.CallToolResult {
	for _, path := range append([]string{g.Source.Path}, g.AdditionalFiles...) {
		s := g.Source
		s.Path = path
		_, problem, res := previewFile(ctx, d, tool, s)
		if res != nil {
			return res
		}
		if problem != "" {
			ref := s.Ref
			if ref == "" {
				ref = "the default branch"
			}
			return mcp.NewToolResultError(fmt.Sprintf("%s: Portainer cannot read %s from %s at %s: %s Nothing was created. Check the repository URL, reference, path and credentials (validate_git_repository tries them without creating anything).",
				tool, path, s.URL, ref, problem))
		}
	}
	return nil
}

// createGitStack creates a Git stack (it does no checks of its own beyond Portainer's).
func createGitStack(ctx context.Context, d *Deps, tool string, g gitDeploy) (*papi.Stack, *mcp.CallToolResult) {
	auth := g.Source.User != "" || g.Source.Password != ""
	var env *[]papi.Pair
	if len(g.Env) > 0 {
		env = ptr(append([]papi.Pair{}, g.Env...))
	}
	var files *[]string
	if len(g.AdditionalFiles) > 0 {
		files = ptr(append([]string{}, g.AdditionalFiles...))
	}
	var user, pass *string
	if auth {
		user, pass = ptr(g.Source.User), ptr(g.Source.Password)
	}
	payload := papi.ComposeStackFromGitPayload{Name: g.Name, RepositoryURL: g.Source.URL, RepositoryReferenceName: opt(g.Source.Ref),
		RepositoryAuthentication: ptr(auth), RepositoryUsername: user, RepositoryPassword: pass, ComposeFile: ptr(g.Source.Path),
		AdditionalFiles: files, AutoUpdate: g.AutoUpdate, Env: env, TLSSkipVerify: ptr(g.Source.TLSSkip)}
	if g.Swarm {
		swarmID, res := d.swarmID(ctx, tool, g.EnvironmentID)
		if res != nil {
			return nil, res
		}
		// The swarm payload is the compose one plus the swarm id.
		var sp papi.SwarmStackFromGitPayload
		if err := convert(payload, &sp); err != nil {
			return nil, mcp.NewToolResultError(tool + ": " + err.Error())
		}
		sp.SwarmID = swarmID
		resp, err := d.Client.StackCreateDockerSwarmRepositoryWithResponse(ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: g.EnvironmentID}, sp)
		if err != nil {
			return nil, d.CallFailed(tool, err)
		}
		return stackOf(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
	}
	resp, err := d.Client.StackCreateDockerStandaloneRepositoryWithResponse(ctx, &papi.StackCreateDockerStandaloneRepositoryParams{EndpointId: g.EnvironmentID}, payload)
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	return stackOf(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// CreateStackFromGit implements create_stack_from_git.
func CreateStackFromGit(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "create_stack_from_git"
	var in views.CreateFromGitInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	g := gitDeploy{
		EnvironmentID: in.EnvironmentId, Name: in.Name,
		Source: gitSource{URL: strings.TrimSpace(in.RepositoryUrl), Ref: fullRef(deref(in.Reference)), Path: deref(in.ComposePath),
			User: deref(in.Username), Password: deref(in.Password), TLSSkip: deref(in.TlsSkipVerify)},
		AdditionalFiles: deref(in.AdditionalFiles), Env: deref(in.Env),
	}
	if g.Source.Path == "" {
		g.Source.Path = "docker-compose.yml"
	}
	g.Swarm = deref(in.Type) == views.Swarm
	if err := checkStackName(g.Name); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkEnv(g.Env); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkCredentials(g.Source); err != nil {
		return ArgError(tool, err), nil
	}
	mech := string(deref(in.Gitops))
	if (mech == "" || mech == "none") && deref(in.Interval) != "" {
		return ArgError(tool, fmt.Errorf("an interval was given without polling: pass gitops=polling to poll every %s", deref(in.Interval))), nil
	}
	if mech != "" && mech != "none" {
		au, err := gitopsChange{Mechanism: mech, Interval: deref(in.Interval), ForceUpdate: in.ForceUpdate, ForcePullImage: in.ForcePullImage}.apply(d, nil)
		if err != nil {
			return ArgError(tool, err), nil
		}
		g.AutoUpdate = au
	} else if in.ForceUpdate != nil || in.ForcePullImage != nil {
		return ArgError(tool, fmt.Errorf("force_update and force_pull_image apply to GitOps updates: set gitops=polling or webhook")), nil
	}
	if res := checkSource(ctx, d, tool, g); res != nil {
		return res, nil
	}
	st, res := createGitStack(ctx, d, tool, g)
	if res != nil {
		return res, nil
	}
	v := gitopsView(d, st)
	if g.AutoUpdate != nil && deref(g.AutoUpdate.Webhook) != "" {
		v.Note = ptr("Give webhook_url to your Git host (push event, POST, no secret) so a push redeploys the stack.")
	}
	return Result(v)
}
