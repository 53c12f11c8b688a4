package tools_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestStackResources: the two templates read a stack and its compose file by id or by name;
// an unknown or ambiguous name says what to use instead.
func TestStackResources(t *testing.T) {
	h := newHarness(t)
	web := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
	h.gitStack("shop", nil)
	year := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "2024", "compose": composeA})["id"].(float64))
	h.ok("create_stack", map[string]any{"environment_id": 1, "name": strconv.Itoa(web), "compose": composeA}) // the first row reads web
	ctx := context.Background()
	list, err := h.c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil || len(list.ResourceTemplates) != 2 {
		t.Fatalf("templates: %v %+v", err, list)
	}
	tests := []struct {
		uri, mime string
		has       []string
		fails     string
	}{
		{"portainer://stacks/" + strconv.Itoa(web), "application/json", []string{`"name":"web"`, `"status":"active"`}, ""},
		{"portainer://stacks/web/compose", "application/yaml", []string{"image: nginx:1.27"}, ""},
		{"portainer://stacks/SHOP", "application/json", []string{`"repository_url":"` + private}, ""},
		// a name of digits that is no stack's id is that stack
		{"portainer://stacks/2024", "application/json", []string{`"name":"2024"`, `"id":` + strconv.Itoa(year) + `,`}, ""},
		{"portainer://stacks/nope", "", nil, `no stack is named "nope"`},
		{"portainer://stacks/999/compose", "", nil, "999"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			res, err := h.c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: tt.uri}})
			if tt.fails != "" {
				if err == nil || !strings.Contains(err.Error(), tt.fails) {
					t.Fatalf("want an error with %q, got %v %+v", tt.fails, err, res)
				}
				return
			}
			if err != nil || len(res.Contents) != 1 {
				t.Fatalf("%v %+v", err, res)
			}
			c := res.Contents[0].(mcp.TextResourceContents)
			if c.URI != tt.uri || c.MIMEType != tt.mime {
				t.Errorf("uri %s mime %s", c.URI, c.MIMEType)
			}
			for _, p := range tt.has {
				if !strings.Contains(c.Text, p) {
					t.Errorf("lacks %q: %s", p, c.Text)
				}
			}
			if strings.Contains(c.Text, sentinel) || strings.Contains(c.Text, "db-secret-value") {
				t.Errorf("a secret in the resource: %s", c.Text)
			}
		})
	}
	h.gitStack("web", map[string]any{"environment_id": 2, "name": "web"}) // a second "web", on the swarm
	if _, err := h.c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "portainer://stacks/web"}}); err == nil || !strings.Contains(err.Error(), "2 stacks are named") {
		t.Errorf("an ambiguous name: %v", err)
	}
}

// TestMissingStackResource: a stack that does not exist is "resource not found" (-32002), not
// an internal error, by id and by name, for both templates; the message says which.
func TestMissingStackResource(t *testing.T) {
	h := newHarness(t)
	h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})
	ctx := context.Background()
	for _, uri := range []string{"portainer://stacks/999", "portainer://stacks/999/compose", "portainer://stacks/nope", "portainer://stacks/nope/compose"} {
		_, err := h.c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
		if !errors.Is(err, mcp.ErrResourceNotFound) || !strings.Contains(err.Error(), "list_stacks") {
			t.Errorf("%s: %v, want resource not found naming list_stacks", uri, err)
		}
	}
	// Other failures stay what they are.
	h.gitStack("web", map[string]any{"environment_id": 2, "name": "web"})
	if _, err := h.c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "portainer://stacks/web"}}); errors.Is(err, mcp.ErrResourceNotFound) {
		t.Errorf("an ambiguous name is not a missing stack: %v", err)
	}
}

// TestCompletion: the stack of a resource template and the stack and environment arguments
// of prompts complete from ids and names, by prefix, case aside.
func TestCompletion(t *testing.T) {
	h := newHarness(t)
	h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})
	h.ok("create_stack", map[string]any{"environment_id": 1, "name": "worker", "compose": composeA})
	h.ok("create_stack", map[string]any{"environment_id": 1, "name": "api", "compose": composeA})
	tests := []struct {
		ref       any
		arg, pref string
		want      string
	}{
		{mcp.ResourceReference{Type: "ref/resource", URI: "portainer://stacks/{id}"}, "id", "W", "web,worker"},
		{mcp.ResourceReference{Type: "ref/resource", URI: "portainer://stacks/{id}/compose"}, "id", "", "1,2,3,api,web,worker"},
		{mcp.ResourceReference{Type: "ref/resource", URI: "portainer://stacks/{id}"}, "id", "2", "2"},
		{mcp.PromptReference{Type: "ref/prompt", Name: "why_is_my_stack_unhealthy"}, "stack", "a", "api"},
		{mcp.PromptReference{Type: "ref/prompt", Name: "deploy_from_git"}, "environment", "s", "swarm"},
		{mcp.PromptReference{Type: "ref/prompt", Name: "deploy_from_git"}, "repository_url", "h", ""},
		{mcp.PromptReference{Type: "ref/prompt", Name: "no_such_prompt"}, "stack", "", "1,2,3,api,web,worker"},
	}
	for _, tt := range tests {
		var req mcp.CompleteRequest
		req.Params.Ref = tt.ref
		req.Params.Argument.Name, req.Params.Argument.Value = tt.arg, tt.pref
		res, err := h.c.Complete(context.Background(), req)
		if err != nil {
			t.Fatalf("%v %s=%q: %v", tt.ref, tt.arg, tt.pref, err)
		}
		if got := strings.Join(res.Completion.Values, ","); got != tt.want {
			t.Errorf("%v %s=%q: got %q, want %q", tt.ref, tt.arg, tt.pref, got, tt.want)
		}
	}
}
