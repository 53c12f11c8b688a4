package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// guide is a prompt a user can pick: short steps that name the tools to use. A guide is
// offered only when every tool in needs is (toolsets, read-only mode); a step that uses a
// tool of another toolset is written only when that tool is offered (has).
type guide struct {
	prompt mcp.Prompt
	needs  []string
	check  func(a map[string]string) error // optional: the arguments' values, before steps
	steps  func(a map[string]string, has func(tool string) bool) string
}

var guides = []guide{
	{
		prompt: mcp.NewPrompt("deploy_from_git",
			mcp.WithPromptDescription("Deploy a stack from a Git repository and keep it up to date with GitOps (polling or a webhook)."),
			mcp.WithArgument("repository_url", mcp.RequiredArgument(), mcp.ArgumentDescription("HTTPS URL of the repository")),
			mcp.WithArgument("environment", mcp.ArgumentDescription("environment id or name (default: ask)")),
			mcp.WithArgument("compose_path", mcp.ArgumentDescription("compose file in the repository (default docker-compose.yml)")),
			mcp.WithArgument("gitops", mcp.ArgumentDescription("polling (default, every 5m), webhook, or none")),
		),
		needs: []string{"list_environments", "validate_git_repository", "create_stack_from_git", "get_stack_gitops", "list_stacks"},
		check: func(a map[string]string) error {
			// The first word becomes create_stack_from_git's gitops argument.
			if g := strings.Fields(a["gitops"]); len(g) > 0 && !slices.Contains(gitopsMechanisms, g[0]) {
				return fmt.Errorf("gitops is %q; give %s (polling may add an interval, such as \"polling 10m\")", g[0], strings.Join(gitopsMechanisms, ", "))
			}
			return nil
		},
		steps: func(a map[string]string, _ func(string) bool) string {
			env := or(a["environment"], "the environment I choose (list them with list_environments and ask me)")
			path := or(a["compose_path"], "docker-compose.yml")
			gitops := or(a["gitops"], "polling every 5m")
			return fmt.Sprintf(`Deploy a stack from the Git repository %s with Portainer, on %s, compose file %s, GitOps: %s.
1. Find the environment's id with list_environments.
2. Check with validate_git_repository that Portainer can read %s at the branch I want (ask me the branch if it is not main; give credentials only if the repository is private).
3. Propose a stack name and wait for my go-ahead, then call create_stack_from_git with gitops=%s (an interval for polling).
4. Confirm with get_stack_gitops: the deployed commit, and the webhook URL if there is one (tell me to add it to the repository's webhooks, push events).
Stop and tell me if a step fails; do not retry a create that may have happened: look with list_stacks first.`,
				a["repository_url"], env, path, gitops, path, strings.Fields(gitops + " ")[0])
		},
	},
	{
		prompt: mcp.NewPrompt("put_stack_under_gitops",
			mcp.WithPromptDescription("Move an existing file-based stack onto a Git repository, with GitOps."),
			mcp.WithArgument("stack", mcp.RequiredArgument(), mcp.ArgumentDescription("stack id or name")),
			mcp.WithArgument("repository_url", mcp.RequiredArgument(), mcp.ArgumentDescription("HTTPS URL of the repository that will hold its compose file")),
			mcp.WithArgument("compose_path", mcp.ArgumentDescription("where the compose file is (or will be) in the repository")),
		),
		needs: []string{"get_stack", "get_stack_file", "validate_git_repository", "recreate_stack"},
		steps: func(a map[string]string, _ func(string) bool) string {
			path := or(a["compose_path"], "docker-compose.yml")
			return fmt.Sprintf(`Put stack %s under GitOps with the repository %s (compose file %s).
1. Read the stack with get_stack and its compose file with get_stack_file.
2. If the repository does not have that file yet, show me the compose file to commit there and wait until I say it is pushed.
3. Check with validate_git_repository that Portainer reads %s from %s, and compare it with the running file; tell me the differences.
4. Call recreate_stack with repository_url, compose_path and the GitOps I want (dry run, the default) and show me the plan: what is deleted, created, kept.
5. Only after I agree, run it with dry_run=false. If it says ORIGINAL RESTORED or gives a snapshot path, tell me exactly that.`,
				a["stack"], a["repository_url"], path, path, a["repository_url"])
		},
	},
	{
		prompt: mcp.NewPrompt("why_is_my_stack_unhealthy",
			mcp.WithPromptDescription("Find out why a stack is not running as it should, and what to do about it."),
			mcp.WithArgument("stack", mcp.RequiredArgument(), mcp.ArgumentDescription("stack id or name")),
		),
		needs: []string{"get_stack", "get_stack_status", "get_stack_logs", "get_stack_file", "get_environment"},
		steps: func(a map[string]string, has func(string) bool) string {
			gitops := ""
			if has("get_stack_gitops") {
				gitops = "\n6. For a Git stack, get_stack_gitops: the deployed commit, and whether polling or the webhook failed."
			}
			return fmt.Sprintf(`Find out why stack %s is unhealthy. Read, change nothing.
1. get_stack: its status (active, inactive, deploying, error with Portainer's message) and environment.
2. get_stack_status: each service's containers, their state, health and exit codes, and which are missing.
3. get_stack_logs for the failing service: its last lines (a grep narrows them).
4. get_environment for that environment: is it up, when was its last Docker snapshot?
5. get_stack_file: look for images without a tag, missing env variables (compare with the env names in get_stack), ports or volumes that clash, healthchecks.%s
Then tell me the most likely cause, the evidence, and the one change you propose (which tool, which arguments); wait for my go-ahead before any change.`,
				a["stack"], gitops)
		},
	},
}

// serverPrompts are the guides whose tools are all offered.
func serverPrompts(defs []Def) []server.ServerPrompt {
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	var out []server.ServerPrompt
	for _, g := range guides {
		if !subset(g.needs, names) {
			continue
		}
		out = append(out, server.ServerPrompt{Prompt: g.prompt, Handler: g.handler(func(t string) bool { return slices.Contains(names, t) })})
	}
	return out
}

// gitopsMechanisms are the values of create_stack_from_git's gitops argument.
var gitopsMechanisms = []string{"none", "polling", "webhook", "polling+webhook"}

// maxPromptArg bounds each prompt argument: they are names, ids, URLs and paths.
const maxPromptArg = 500

func (g guide) handler(has func(string) bool) server.PromptHandlerFunc {
	return func(_ context.Context, r mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		args := map[string]string{}
		var secrets []string
		for _, arg := range g.prompt.Arguments {
			v := strings.TrimSpace(r.Params.Arguments[arg.Name])
			if arg.Required && v == "" {
				return nil, fmt.Errorf("prompt %s needs the argument %s", g.prompt.Name, arg.Name)
			}
			if len(v) > maxPromptArg {
				return nil, fmt.Errorf("prompt %s: argument %s is %d characters; give at most %d (a name, an id, a URL or a path)",
					g.prompt.Name, arg.Name, len(v), maxPromptArg)
			}
			if strings.ContainsFunc(v, unicode.IsControl) {
				return nil, fmt.Errorf("prompt %s: argument %s holds a line break or control character; give one line (a name, an id, a URL or a path)",
					g.prompt.Name, arg.Name)
			}
			secrets = append(secrets, userinfoPasswords(v)...)
			args[arg.Name] = v
		}
		for name := range r.Params.Arguments {
			if !slices.ContainsFunc(g.prompt.Arguments, func(a mcp.PromptArgument) bool { return a.Name == name }) {
				return nil, fmt.Errorf("prompt %s has no argument %q; it takes %s", g.prompt.Name, name, argNames(g.prompt.Arguments))
			}
		}
		if g.check != nil {
			if err := g.check(args); err != nil {
				return nil, fmt.Errorf("prompt %s: %w", g.prompt.Name, err)
			}
		}
		text := g.steps(args, has)
		if len(secrets) > 0 {
			// A password written into a repository URL stays out of the conversation: the
			// tools take credentials as their own arguments.
			text = NewScrubber(secrets).String(text) + "\nThe repository URL held a password; it was left out. Ask me for the credentials when a tool needs them (username and password arguments), and never put them in a URL."
		}
		return mcp.NewGetPromptResult(g.prompt.Description,
			[]mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
	}
}

func argNames(args []mcp.PromptArgument) string {
	var names []string
	for _, a := range args {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

func subset(need, have []string) bool {
	for _, n := range need {
		if !slices.Contains(have, n) {
			return false
		}
	}
	return true
}

func or(v, fallback string) string {
	if strings.TrimSpace(v) == "" {
		return fallback
	}
	return v
}
