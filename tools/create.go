package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

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

// stackDef is a stack as the tools create it: a Git stack (Git set) or a file-based one
// (File set). Passwords are kept in memory only, never in snapshots.
type stackDef struct {
	EnvironmentID int                      `json:"environment_id"`
	Name          string                   `json:"name"`
	Swarm         bool                     `json:"swarm"`
	Env           []papi.Pair              `json:"env"`
	File          string                   `json:"compose_file,omitempty"`
	Git           *gitSource               `json:"git,omitempty"`
	Additional    []string                 `json:"additional_files,omitempty"`
	AutoUpdate    *papi.AutoUpdateSettings `json:"gitops,omitempty"`
	// FilesystemPath turns on the Business Edition's relative paths: the repository is cloned
	// under this host folder (edge-be.md §4.4).
	FilesystemPath string `json:"filesystem_path,omitempty"`
}

// MarshalJSON leaves the Git password out.
func (s gitSource) MarshalJSON() ([]byte, error) {
	m := map[string]any{"repository_url": s.URL, "reference": s.Ref, "compose_path": s.Path,
		"username": s.User, "credentials": s.User != "" || s.Password != "" || s.SourceID != 0 || s.CredentialID != 0, "tls_skip_verify": s.TLSSkip}
	if s.SourceID != 0 {
		m["source_id"] = s.SourceID
	}
	if s.CredentialID != 0 {
		m["git_credential_id"] = s.CredentialID
	}
	return json.Marshal(m)
}

// create makes the stack in Portainer, and says what became of the request.
func (s stackDef) create(ctx context.Context, d *Deps, tool string) (*papi.Stack, outcome, *mcp.CallToolResult) {
	if s.Git != nil {
		return createGitStack(ctx, d, tool, s)
	}
	var env *[]papi.Pair
	if len(s.Env) > 0 {
		env = ptr(append([]papi.Pair{}, s.Env...))
	}
	if s.Swarm {
		swarmID, res := d.swarmID(ctx, tool, s.EnvironmentID)
		if res != nil {
			return nil, failed, res
		}
		resp, err := d.Client.StackCreateDockerSwarmStringWithResponse(ctx, &papi.StackCreateDockerSwarmStringParams{EndpointId: s.EnvironmentID},
			papi.SwarmStackFromStringPayload{Name: s.Name, SwarmID: swarmID, StackFileContent: s.File, Env: env})
		if err != nil {
			out, res := d.writeFailed(tool, err)
			return nil, out, res
		}
		return writtenStack(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
	}
	resp, err := d.Client.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: s.EnvironmentID},
		papi.ComposeStackFromStringPayload{Name: s.Name, StackFileContent: s.File, Env: env})
	if err != nil {
		out, res := d.writeFailed(tool, err)
		return nil, out, res
	}
	return writtenStack(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// writtenStack is the stack a write (a create, a redeploy) answered with, what became of the
// write, and its tool error.
func writtenStack(tool string, st *papi.Stack, r *http.Response, body []byte) (*papi.Stack, outcome, *mcp.CallToolResult) {
	st, res := stackOf(tool, st, r, body)
	if res != nil {
		return nil, writeOutcome(nil, statusOf(r)), res
	}
	return st, done, nil
}

// matches lists how a stack in Portainer differs from the definition (nil when it matches).
func (s stackDef) matches(st *papi.Stack, caps Caps) []string {
	var out []string
	if !strings.EqualFold(deref(st.Name), s.Name) || deref(st.EndpointId) != s.EnvironmentID {
		out = append(out, fmt.Sprintf("it is %s on environment %d", deref(st.Name), deref(st.EndpointId)))
	}
	if !samePairs(deref(st.Env), s.Env) {
		out = append(out, "env differs")
	}
	if s.Git == nil {
		if isGit(st) {
			out = append(out, "it is a Git stack")
		}
		return out
	}
	if !isGit(st) {
		return append(out, "it is not a Git stack")
	}
	g := st.GitConfig
	if deref(g.URL) != s.Git.URL || deref(g.ConfigFilePath) != s.Git.Path || deref(g.ReferenceName) != s.Git.Ref {
		out = append(out, fmt.Sprintf("Git source is %s %s at %q", deref(g.URL), deref(g.ConfigFilePath), deref(g.ReferenceName)))
	}
	if d := storedGitopsDiff(s.AutoUpdate, st.AutoUpdate, caps); d != "" {
		out = append(out, d)
	}
	return out
}

// describe is a short human description of a definition.
func (s stackDef) describe() string {
	kind := "compose"
	if s.Swarm {
		kind = "swarm"
	}
	src := "from its compose file (file-based)"
	if s.Git != nil {
		ref := s.Git.Ref
		if ref == "" {
			ref = "default branch"
		}
		src = fmt.Sprintf("from Git %s, %s, at %s", s.Git.URL, s.Git.Path, ref)
		if len(s.Additional) > 0 {
			src += " with " + strings.Join(s.Additional, ", ")
		}
		src += fmt.Sprintf(", GitOps %s", mechanism(s.AutoUpdate))
		if iv := deref(deref(s.AutoUpdate).Interval); iv != "" {
			src += " every " + iv
		}
	}
	return fmt.Sprintf("%s stack %q on environment %d %s, env %d variable(s)", kind, s.Name, s.EnvironmentID, src, len(s.Env))
}

// checkSource checks, through Portainer, that the compose file and every additional file can
// be read at the reference; it returns a tool error when not.
func checkSource(ctx context.Context, d *Deps, tool string, g stackDef) *mcp.CallToolResult {
	_, res := checkGitFiles(ctx, d, tool, g, "", "Nothing was created.")
	return res
}

// checkGitFiles is checkSource for a reference given as given ("" when not known) whose
// refusal ends with nothing ("Nothing was created."). A short reference that is no branch
// but a tag (v1.0.0) is taken as the tag: g.Git.Ref becomes refs/tags/NAME and note says so.
// A full branch reference that does not exist, where a tag of that name does, gets the hint.
func checkGitFiles(ctx context.Context, d *Deps, tool string, g stackDef, given, nothing string) (note string, res *mcp.CallToolResult) {
	for i, path := range append([]string{g.Git.Path}, g.Additional...) {
		s := *g.Git
		s.Path = path
		var problem string
		if i == 0 {
			_, problem, note, res = previewRef(ctx, d, tool, &s, given)
			g.Git.Ref = s.Ref
		} else {
			_, problem, res = previewFile(ctx, d, tool, s)
		}
		if res != nil {
			return "", res
		}
		if problem != "" {
			ref := g.Git.Ref
			if ref == "" {
				ref = "the default branch"
			}
			return "", mcp.NewToolResultError(fmt.Sprintf("%s: Portainer cannot read %s from %s at %s: %s %s Check the repository URL, reference, path and credentials (validate_git_repository tries them without creating anything).",
				tool, path, s.URL, ref, problem, nothing))
		}
	}
	return note, nil
}

// previewRef is previewFile at a reference given as given ("" when not known). When Portainer
// finds no branch refs/heads/NAME but a tag refs/tags/NAME exists, a short reference (NAME)
// is taken as the tag (s.Ref changes, note says so) and a full one gets the hint to write it.
func previewRef(ctx context.Context, d *Deps, tool string, s *gitSource, given string) (content, problem, note string, res *mcp.CallToolResult) {
	content, problem, res = previewFile(ctx, d, tool, *s)
	tag, ok := tagFor(s.Ref, problem)
	if res != nil || problem == "" || !ok {
		return content, problem, "", res
	}
	t := *s
	t.Ref = tag
	tagContent, tagProblem, tagRes := previewFile(ctx, d, tool, t)
	switch {
	case tagRes != nil || tagProblem != "":
		return content, problem, "", nil
	case shortRef(given):
		s.Ref = tag
		return tagContent, "", fmt.Sprintf("Reference %s is a tag, not a branch: %s is used.", strings.TrimSpace(given), tag), nil
	}
	return content, problem + fmt.Sprintf(" Tag %s exists: write reference %s.", strings.TrimPrefix(tag, "refs/tags/"), tag), "", nil
}

// tagFor is the tag reference to try when Portainer found no branch ref (refs/heads/NAME):
// refs/tags/NAME.
func tagFor(ref, problem string) (string, bool) {
	name, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok || !strings.Contains(strings.ToLower(problem), "reference not found") {
		return "", false
	}
	return "refs/tags/" + name, true
}

// shortRef tells whether a reference was given as a name (main, v1.0.0), not as a full
// reference.
func shortRef(given string) bool {
	given = strings.TrimSpace(given)
	return given != "" && !strings.HasPrefix(given, "refs/")
}

// createGitStack creates a Git stack (it does no checks of its own beyond Portainer's).
func createGitStack(ctx context.Context, d *Deps, tool string, g stackDef) (*papi.Stack, outcome, *mcp.CallToolResult) {
	src := *g.Git
	auth := src.SourceID == 0 && (src.User != "" || src.Password != "")
	var env *[]papi.Pair
	if len(g.Env) > 0 {
		env = ptr(append([]papi.Pair{}, g.Env...))
	}
	var files *[]string
	if len(g.Additional) > 0 {
		files = ptr(append([]string{}, g.Additional...))
	}
	var user, pass *string
	if auth {
		user, pass = ptr(src.User), ptr(src.Password)
	}
	payload := papi.ComposeStackFromGitPayload{Name: g.Name, RepositoryURL: src.URL, RepositoryReferenceName: opt(src.Ref),
		RepositoryAuthentication: ptr(auth), RepositoryUsername: user, RepositoryPassword: pass, ComposeFile: ptr(src.Path),
		AdditionalFiles: files, AutoUpdate: g.AutoUpdate, Env: env, TLSSkipVerify: ptr(src.TLSSkip)}
	if g.FilesystemPath != "" {
		payload.SupportRelativePath, payload.FilesystemPath = ptr(true), ptr(g.FilesystemPath)
	}
	if src.CredentialID != 0 && src.Password == "" {
		// A saved credential (Business Edition before Sources): its id, no username or password.
		payload.RepositoryAuthentication, payload.RepositoryGitCredentialID = ptr(true), ptr(src.CredentialID)
	}
	if src.SourceID != 0 {
		// URL, credentials and TLS come from the Source (2.43 and later).
		payload.SourceID = ptr(src.SourceID)
		payload.RepositoryAuthentication, payload.RepositoryUsername, payload.RepositoryPassword = nil, nil, nil
	}
	if g.Swarm {
		swarmID, res := d.swarmID(ctx, tool, g.EnvironmentID)
		if res != nil {
			return nil, failed, res
		}
		// The swarm payload is the compose one plus the swarm id.
		var sp papi.SwarmStackFromGitPayload
		if err := convert(payload, &sp); err != nil {
			return nil, failed, mcp.NewToolResultError(tool + ": " + err.Error())
		}
		sp.SwarmID = swarmID
		resp, err := d.Client.StackCreateDockerSwarmRepositoryWithResponse(ctx, &papi.StackCreateDockerSwarmRepositoryParams{EndpointId: g.EnvironmentID}, sp)
		if err != nil {
			out, res := d.writeFailed(tool, err)
			return nil, out, res
		}
		return writtenStack(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
	}
	resp, err := d.Client.StackCreateDockerStandaloneRepositoryWithResponse(ctx, &papi.StackCreateDockerStandaloneRepositoryParams{EndpointId: g.EnvironmentID}, payload)
	if err != nil {
		out, res := d.writeFailed(tool, err)
		return nil, out, res
	}
	return writtenStack(tool, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// CreateStackFromGit implements create_stack_from_git.
func CreateStackFromGit(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
	const tool = "create_stack_from_git"
	var in views.CreateFromGitInput
	if err := a.Bind(&in); err != nil {
		return ArgError(tool, err), nil
	}
	src := gitSource{URL: strings.TrimSpace(in.RepositoryUrl), Ref: fullRef(deref(in.Reference)), Path: deref(in.ComposePath),
		User: deref(in.Username), Password: deref(in.Password), TLSSkip: deref(in.TlsSkipVerify), CredentialID: deref(in.GitCredentialId)}
	if src.Path == "" {
		src.Path = "docker-compose.yml"
	}
	g := stackDef{EnvironmentID: in.EnvironmentId, Name: in.Name, Git: &src, Additional: deref(in.AdditionalFiles), Env: deref(in.Env)}
	g.Swarm = deref(in.Type) == views.Swarm
	if err := checkStackName(g.Name); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkEnv(g.Env); err != nil {
		return ArgError(tool, err), nil
	}
	if err := checkCredentials(src); err != nil {
		return ArgError(tool, err), nil
	}
	if res := d.savedCredentialArg(ctx, tool, src.CredentialID, src.User, src.Password); res != nil {
		return res, nil
	}
	if err := checkRepoPaths(src.Path, g.Additional); err != nil {
		return ArgError(tool, err), nil
	}
	if in.FilesystemPath != nil {
		if res := d.requireBE(ctx, tool, "filesystem_path (relative paths)"); res != nil {
			return res, nil
		}
		g.FilesystemPath = strings.TrimSpace(*in.FilesystemPath)
		if !strings.HasPrefix(g.FilesystemPath, "/") {
			return ArgError(tool, fmt.Errorf("filesystem_path %q must be an absolute folder on the Docker host, like /opt/stacks", *in.FilesystemPath)), nil
		}
	}
	mech := string(deref(in.Gitops))
	if iv := strings.TrimSpace(deref(in.Interval)); iv != "" {
		if _, err := ParseInterval(iv); err != nil {
			return ArgError(tool, err), nil
		}
		if mech == "" || mech == "none" {
			return ArgError(tool, fmt.Errorf("an interval was given without polling: pass gitops=polling with interval %s to poll (or gitops=polling+webhook for both)", iv)), nil
		}
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
	refNote, res := checkGitFiles(ctx, d, tool, g, deref(in.Reference), "Nothing was created.")
	if res != nil {
		return res, nil
	}
	st, _, res := g.create(ctx, d, tool)
	if res != nil {
		return res, nil
	}
	st, res = d.AwaitDeploy(ctx, tool, "the create", st, waitArgs(a))
	if res != nil {
		return res, nil
	}
	source, note, res := d.pollOnSource(ctx, tool, deref(st.Id), deref(deref(g.AutoUpdate).Interval))
	if res != nil {
		res.Content = append(res.Content, mcp.NewTextContent(fmt.Sprintf("Stack %d was created; only its polling interval, which lives on its GitOps Source, was not set: use update_stack_gitops.", deref(st.Id))))
		return res, nil
	}
	caps := d.Caps(ctx)
	v := gitopsView(d, st, source, caps)
	var notes []string
	for _, n := range []string{refNote, note, defaultedNote(deref(in.Interval), nil, g.AutoUpdate), forceUpdateNote(caps, g.AutoUpdate)} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	if src.CredentialID != 0 {
		notes = append(notes, fmt.Sprintf("It clones with saved Git credential %d.", src.CredentialID))
	}
	if g.AutoUpdate != nil && deref(g.AutoUpdate.Webhook) != "" {
		notes = append(notes, "Give webhook_url to your Git host (push event, POST, no secret) so a push redeploys the stack.")
	}
	if len(notes) > 0 {
		v.Note = ptr(strings.Join(notes, " "))
	}
	return Result(v)
}

// checkRepoPaths checks the compose path and the additional files of a Git stack.
func checkRepoPaths(composePath string, additional []string) error {
	if err := checkRepoPath("compose_path", composePath); err != nil {
		return err
	}
	for _, f := range additional {
		if err := checkRepoPath("additional file", f); err != nil {
			return err
		}
	}
	return nil
}
