package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// demoTour shows a person who started the demo in a terminal that it works: a client connects
// over HTTP, lists the demo's stacks, and the tour says how to connect an assistant.
// A tour cut short by the server stopping says nothing.
func demoTour(parent context.Context, cfg config, base string, out io.Writer) {
	url := base + "/mcp"
	ctx, cancel := context.WithTimeout(parent, 20*time.Second)
	defer cancel()
	say := func(format string, args ...any) {
		if parent.Err() == nil {
			fmt.Fprintf(out, format+"\n", args...)
		}
	}
	c, err := client.NewStreamableHttpClient(url)
	if err != nil {
		say("demo: %v", err)
		return
	}
	defer c.Close()
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "demo-tour", Version: version}
	if _, err := c.Initialize(ctx, init); err != nil {
		say("demo: a client could not connect to %s: %v", url, err)
		return
	}
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		say("demo: tools/list: %v", err)
		return
	}
	var req mcp.CallToolRequest
	req.Params.Name = "list_stacks"
	res, err := c.CallTool(ctx, req)
	if err != nil {
		say("demo: list_stacks: %v", err)
		return
	}
	prompts, _ := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	nPrompts := 0
	if prompts != nil {
		nPrompts = len(prompts.Prompts)
	}
	say("")
	say("portainer-mcp demo: a simulated Portainer with demo stacks, served at %s", url)
	say("")
	say("A client just connected and called list_stacks:")
	for _, line := range strings.Split(strings.TrimSpace(tools.ResultText(res)), "\n") {
		say("    %s", line)
	}
	say("")
	say("%d tools and %d prompts are offered. Connect an assistant to the same URL:", len(list.Tools), nPrompts)
	say("  Claude Code:  claude mcp add --transport http portainer-demo %s", url)
	say(`  VS Code:      .vscode/mcp.json  {"servers": {"portainer-demo": {"type": "http", "url": "%s"}}}`, url)
	say("  Inspector:    npx @modelcontextprotocol/inspector   (Streamable HTTP, %s)", url)
	say(`Then ask: "Which stacks run on the local environment?" or "Put the web stack under GitOps".`)
	if more := demoMore(cfg); more != "" {
		say("%s", more)
	}
	say("Ctrl-C stops the demo.")
}

// demoMore says how to start the demo to see what this one does not show: edge stacks, the
// Business Edition, an older Portainer.
func demoMore(cfg config) string {
	var more, flags []string
	if !slices.Contains(cfg.Toolsets, "all") {
		more, flags = append(more, "--toolsets all (edge stacks)"), append(flags, "--toolsets all")
	}
	if cfg.DemoEdition != "BE" {
		more, flags = append(more, "--demo-edition BE (Business Edition)"), append(flags, "--demo-edition BE")
	}
	if cfg.DemoVersion == demoVersions[len(demoVersions)-1] {
		more = append(more, "--demo-version 2.23.0 (an older Portainer)")
	}
	if len(flags) == 0 {
		return ""
	}
	return fmt.Sprintf("More to see: %s\n  (e.g. make demo DEMO_FLAGS=\"%s\").", strings.Join(more, ", "), strings.Join(flags, " "))
}
