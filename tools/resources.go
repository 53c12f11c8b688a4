package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Resource templates: a stack and its compose file, for clients that let the user attach
// them to a conversation. {id} is a stack id or a stack name (completion offers both).
const (
	stackURI        = "portainer://stacks/{id}"
	stackComposeURI = "portainer://stacks/{id}/compose"
)

// maxCompletions is the most values one completion answer carries (the MCP limit).
const maxCompletions = 100

func (d *Deps) resourceTemplates() []server.ServerResourceTemplate {
	return []server.ServerResourceTemplate{
		{
			Template: mcp.NewResourceTemplate(stackURI, "stack",
				mcp.WithTemplateDescription("A stack as get_stack shows it: type, status, environment, env names, Git and GitOps settings (no env values, no passwords)."),
				mcp.WithTemplateMIMEType("application/json")),
			Handler: func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
				return d.stackResource(ctx, r, "application/json", GetStack)
			},
		},
		{
			Template: mcp.NewResourceTemplate(stackComposeURI, "stack compose file",
				mcp.WithTemplateDescription("A stack's compose file (a Git stack's at the deployed commit)."),
				mcp.WithTemplateMIMEType("application/yaml")),
			Handler: func(ctx context.Context, r mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
				return d.stackResource(ctx, r, "application/yaml", GetStackFile)
			},
		},
	}
}

// Reads of a stack that does not exist answer "resource not found" (-32002; -32602 from
// protocol 2026-07-28, which mcp-go chooses per request), as the MCP specification asks. mcp-go
// turns any error of a template's handler into an internal error (-32603) and gives a handler no
// way to say "not found", so a hook looks the stack up before the templates are matched and
// gives a missing one's request a URI that no template matches, saying why; mcp-go then answers
// with its own not-found error, which quotes that URI.
func (d *Deps) resourceHooks() *server.Hooks {
	h := &server.Hooks{}
	h.AddBeforeReadResource(func(ctx context.Context, _ any, r *mcp.ReadResourceRequest) {
		if why := d.missingStack(ctx, r.Params.URI); why != "" {
			r.Params.URI += " (" + why + ")"
		}
	})
	return h
}

// missingStack says why the stack of a stack resource's URI does not exist, or "" when it does
// or when that cannot be told (another URI, several stacks of that name, Portainer unreachable:
// the handler answers those).
func (d *Deps) missingStack(ctx context.Context, uri string) string {
	ref, ok := strings.CutPrefix(uri, "portainer://stacks/")
	if !ok {
		return ""
	}
	ref = strings.TrimSuffix(ref, "/compose")
	if ref == "" || strings.Contains(ref, "/") {
		return ""
	}
	id, err := d.stackRef(ctx, ref)
	var none noStack
	switch {
	case errors.As(err, &none):
		return err.Error()
	case err != nil:
		return ""
	}
	resp, err := d.Client.StackInspectWithResponse(ctx, id)
	if err != nil || resp.StatusCode() != http.StatusNotFound {
		return ""
	}
	return fmt.Sprintf("no stack has id %d: use a stack id or name from list_stacks", id)
}

// noStack: no stack has the name a resource URI gives.
type noStack struct{ name string }

func (e noStack) Error() string {
	return fmt.Sprintf("no stack is named %q: use a stack id or name from list_stacks", e.name)
}

// stackResource answers a stack resource with what the matching tool answers as text.
func (d *Deps) stackResource(ctx context.Context, r mcp.ReadResourceRequest, mime string, tool func(context.Context, *Deps, Args, int) (*mcp.CallToolResult, error)) ([]mcp.ResourceContents, error) {
	ref, _ := r.Params.Arguments["id"].(string)
	if v, ok := r.Params.Arguments["id"].([]string); ok && len(v) > 0 {
		ref = v[0]
	}
	scrub := NewScrubber(append([]string{APIKeyFrom(ctx)}, d.Secrets...))
	id, err := d.stackRef(ctx, ref)
	if err != nil {
		return nil, errors.New(scrub.String(err.Error()))
	}
	res, err := tool(ctx, d, Args{}, id)
	if err != nil {
		return nil, err
	}
	text := scrub.String(ResultText(res))
	if res.IsError {
		return nil, errors.New(readOnlyText(text)) // a read: it changed nothing
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: r.Params.URI, MIMEType: mime, Text: text}}, nil
}

// stackRef is the id of the stack named by ref: its id, or its name when one stack has it.
// Names of digits alone are valid ("2024"): a number that is no visible stack's id but is one
// stack's name is that stack; a number that is both is the id.
func (d *Deps) stackRef(ctx context.Context, ref string) (int, error) {
	n, err := strconv.Atoi(ref)
	isID := err == nil && n > 0
	stacks, err := d.allStacks(ctx)
	if err != nil {
		if isID {
			return n, nil // the read by id says what is wrong
		}
		return 0, err
	}
	var ids []string
	var id int
	for _, st := range stacks {
		if isID && st.Id == n {
			return n, nil
		}
		if strings.EqualFold(st.Name, ref) {
			id = st.Id
			ids = append(ids, fmt.Sprintf("%d (environment %d)", id, st.EndpointId))
		}
	}
	switch {
	case len(ids) == 0 && isID:
		return n, nil
	case len(ids) == 0:
		return 0, noStack{ref}
	case len(ids) == 1:
		return id, nil
	}
	return 0, fmt.Errorf("%d stacks are named %q: %s; use the id", len(ids), ref, strings.Join(ids, ", "))
}

// allStacks is every stack the caller may see, read as the list tools read it, or why not.
func (d *Deps) allStacks(ctx context.Context) ([]papi.StackSummary, error) {
	stacks, res := allStacks(ctx, d, "reading the list of stacks")
	if res != nil {
		return nil, errors.New(readOnlyText(ResultText(res)))
	}
	return stacks, nil
}

// completer completes the stack of a resource template and the stack and environment
// arguments of the prompts, from what the caller's key may see.
type completer struct{ d *Deps }

func (c completer) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if (uri != stackURI && uri != stackComposeURI) || arg.Name != "id" {
		return &mcp.Completion{Values: []string{}}, nil
	}
	return c.stacks(ctx, arg.Value)
}

func (c completer) CompletePromptArgument(ctx context.Context, _ string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	switch arg.Name {
	case "stack":
		return c.stacks(ctx, arg.Value)
	case "environment":
		return c.environments(ctx, arg.Value)
	}
	return &mcp.Completion{Values: []string{}}, nil
}

// stacks offers the ids that start with prefix and the names that do (case aside).
func (c completer) stacks(ctx context.Context, prefix string) (*mcp.Completion, error) {
	stacks, err := c.d.allStacks(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, st := range stacks {
		names = append(names, strconv.Itoa(st.Id), st.Name)
	}
	return complete(names, prefix), nil
}

func (c completer) environments(ctx context.Context, prefix string) (*mcp.Completion, error) {
	resp, err := c.d.Client.EndpointListWithResponse(ctx, &papi.EndpointListParams{Limit: ptr(MaxLimit)})
	if err != nil {
		return nil, errors.New(c.d.describeCallError(err))
	}
	if resp.JSON200 == nil {
		return nil, fmt.Errorf("Portainer answered %s to the list of environments", resp.Status())
	}
	var names []string
	for _, e := range *resp.JSON200 {
		names = append(names, strconv.Itoa(deref(e.Id)), deref(e.Name))
	}
	return complete(names, prefix), nil
}

// complete keeps the distinct values that start with prefix, sorted, at most maxCompletions.
func complete(values []string, prefix string) *mcp.Completion {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range values {
		if v != "" && !seen[v] && strings.HasPrefix(strings.ToLower(v), strings.ToLower(prefix)) {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	c := &mcp.Completion{Values: out, Total: len(out)}
	if len(out) > maxCompletions {
		c.Values, c.HasMore = out[:maxCompletions], true
	}
	return c
}
