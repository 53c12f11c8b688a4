package tools_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

var toolName = regexp.MustCompile(`\b(get|list|create|recreate|validate|update|redeploy|delete|start|stop|trigger|regenerate|disable)_[a-z_]+\b`)

// TestPrompts: the guides carry their arguments into the text, name only tools that exist,
// refuse a missing required argument, and are offered only with the tools they use.
func TestPrompts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	list, err := h.c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(list.Prompts) != 3 {
		t.Fatalf("prompts: %v %+v", err, list)
	}
	names := map[string]bool{}
	for _, d := range mcptools.Tools {
		names[d.Name] = true
	}
	args := map[string]map[string]string{
		"deploy_from_git":           {"repository_url": "https://git.example.com/acme/shop.git", "gitops": "webhook"},
		"put_stack_under_gitops":    {"stack": "web", "repository_url": "https://git.example.com/acme/web.git"},
		"why_is_my_stack_unhealthy": {"stack": "web"},
	}
	for _, p := range list.Prompts {
		if p.Description == "" || len(p.Arguments) == 0 {
			t.Errorf("%s: no description or arguments", p.Name)
		}
		res, err := h.c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: p.Name, Arguments: args[p.Name]}})
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("%s: %v %+v", p.Name, err, res)
		}
		text := res.Messages[0].Content.(mcp.TextContent).Text
		for _, v := range args[p.Name] {
			if !strings.Contains(text, v) {
				t.Errorf("%s: the text lacks the argument %q:\n%s", p.Name, v, text)
			}
		}
		for _, w := range toolName.FindAllString(text, -1) {
			if !names[w] {
				t.Errorf("%s names a tool that does not exist: %s", p.Name, w)
			}
		}
		if _, err := h.c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: p.Name}}); err == nil || !strings.Contains(err.Error(), "needs the argument") {
			t.Errorf("%s without its arguments: %v", p.Name, err)
		}
	}
	// Read-only: the guides that change things are not offered.
	ro, _ := tools.Select(mcptools.Tools, nil, true)
	srv := tools.NewServer("test", ro, h.deps, nil)
	got := srv.ListPrompts()
	if len(got) != 1 || got["why_is_my_stack_unhealthy"] == nil {
		t.Errorf("read-only prompts: %v", got)
	}
}
