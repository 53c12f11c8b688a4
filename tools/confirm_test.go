package tools_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// asker is a user behind a client that can ask (elicitation): it records each question and
// gives the scripted answer.
type asker struct {
	mu        sync.Mutex
	questions []string
	answer    func() (*mcp.ElicitationResult, error)
}

func (a *asker) Elicit(_ context.Context, r mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	a.mu.Lock()
	a.questions = append(a.questions, r.Params.Message)
	a.mu.Unlock()
	return a.answer()
}

func accept(confirm bool) func() (*mcp.ElicitationResult, error) {
	return func() (*mcp.ElicitationResult, error) {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": confirm}}}, nil
	}
}

func decline() (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
}

func noAnswer() (*mcp.ElicitationResult, error) {
	return nil, errors.New("the client's window was closed")
}

// asking makes the harness's client one whose user answers with answer.
func (h *harness) asking(answer func() (*mcp.ElicitationResult, error)) *asker {
	h.t.Helper()
	a := &asker{answer: answer}
	h.connect(client.WithElicitationHandler(a))
	return a
}

// connect gives the harness a new client on a new server over the same Deps (after a test
// changed them, e.g. gave them an audit log).
func (h *harness) connect(opts ...client.ClientOption) {
	h.t.Helper()
	mc, err := client.NewInProcessClientWithOptions(tools.NewServer("test", mcptools.Tools, h.deps, nil), opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.Start(ctx); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { mc.Close() })
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	if _, err := mc.Initialize(ctx, init); err != nil {
		h.t.Fatal(err)
	}
	h.c = mc
}

// TestConsent: a change that deletes, detaches from Git or reaches a shared Source asks the
// user when the client can ask, else needs its explicit argument; never both skipped.
func TestConsent(t *testing.T) {
	type setup struct {
		h    *harness
		id   int
		args map[string]any
	}
	detach := func(t *testing.T) setup {
		h := newHarness(t)
		id := h.gitStack("shop", nil)
		return setup{h, id, map[string]any{"stack_id": id, "compose": composeA}}
	}
	shared := func(t *testing.T) setup {
		h := newHarnessOn(t, "2.45.0")
		id := h.gitStack("alpha", nil)
		h.gitStack("beta", nil)
		return setup{h, id, map[string]any{"stack_id": id, "tls_skip_verify": true}}
	}
	del := func(t *testing.T) setup {
		h := newHarness(t)
		id := h.gitStack("shop", nil)
		return setup{h, id, map[string]any{"stack_id": id}}
	}
	tests := []struct {
		name     string
		tool     string
		setup    func(*testing.T) setup
		explicit string // the argument that says yes, set to true when non-empty
		answer   func() (*mcp.ElicitationResult, error)
		asked    string // a part of the question, when the user must be asked
		changed  bool
		says     []string
	}{
		{"detach, no client question, no argument", "update_stack", detach, "", nil, "", false, []string{"detach_from_git=true", "Nothing was changed"}},
		{"detach, no client question, argument", "update_stack", detach, "detach_from_git", nil, "", true, nil},
		{"detach, asked, yes", "update_stack", detach, "", accept(true), "Detach stack shop", true, nil},
		{"detach, asked, box not ticked", "update_stack", detach, "", accept(false), "Detach stack shop", false, []string{"did not tick", "Nothing was changed"}},
		{"detach, argument but asked, no", "update_stack", detach, "detach_from_git", decline, "Detach stack shop", false, []string{"declined", "Nothing was changed"}},
		{"detach, asking fails, no argument", "update_stack", detach, "", noAnswer, "Detach stack shop", false, []string{"could not be asked to confirm", "window was closed", "Nothing was changed"}},
		// The argument does not stand in for a question that failed: the user may be there
		// and have meant to refuse.
		{"detach, asking fails, argument", "update_stack", detach, "detach_from_git", noAnswer, "Detach stack shop", false, []string{"could not be asked to confirm"}},
		{"delete, asking fails", "delete_stack", del, "", noAnswer, "Delete stack shop", false, []string{"could not be asked to confirm", "Nothing was changed"}},
		{"shared Source, no question, no argument", "update_stack_gitops", shared, "", nil, "", false, []string{"apply_to_shared_source=true", "beta"}},
		{"shared Source, asked, yes", "update_stack_gitops", shared, "", accept(true), "shares GitOps Source", true, nil},
		{"shared Source, argument, asked, no", "update_stack_gitops", shared, "apply_to_shared_source", decline, "beta", false, []string{"declined"}},
		{"delete, no question, no name", "delete_stack", del, "", nil, "", false, []string{`confirm_name="shop"`, "Nothing was changed"}},
		{"delete, no question, name", "delete_stack", del, "confirm_name", nil, "", true, nil},
		{"delete, name, asked, no", "delete_stack", del, "confirm_name", decline, "Delete stack shop", false, []string{"declined"}},
		{"delete, asked, yes", "delete_stack", del, "", accept(true), "Delete stack shop", true, nil},
		{"delete, asked, no", "delete_stack", del, "", decline, "cannot be undone", false, []string{"declined", "Nothing was changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.setup(t)
			h := s.h
			var a *asker
			if tt.answer != nil {
				a = h.asking(tt.answer)
			}
			if tt.explicit != "" {
				s.args[tt.explicit] = true
				if tt.explicit == "confirm_name" {
					s.args[tt.explicit] = "shop"
				}
			}
			before := h.state()
			res := h.call(tt.tool, s.args)
			txt := textOf(res)
			if changed := h.state() != before; changed != tt.changed || res.IsError == tt.changed {
				t.Fatalf("changed=%v error=%v, want changed=%v: %s", changed, res.IsError, tt.changed, txt)
			}
			for _, p := range tt.says {
				if !strings.Contains(txt, p) {
					t.Errorf("answer lacks %q: %s", p, txt)
				}
			}
			switch {
			case a == nil:
			case len(a.questions) != 1:
				t.Errorf("asked %d times, want once: %q", len(a.questions), a.questions)
			case !strings.Contains(a.questions[0], tt.asked):
				t.Errorf("question %q lacks %q", a.questions[0], tt.asked)
			}
			h.noLeak()
			for _, q := range questions(a) {
				if strings.Contains(q, "db-secret-value") || strings.Contains(q, sentinel) {
					t.Errorf("a secret in the question: %s", q)
				}
			}
		})
	}
}

func questions(a *asker) []string {
	if a == nil {
		return nil
	}
	return a.questions
}

// TestRecreateAsksBeforeItRuns: the plan (dry run) asks nothing; running it asks once, and a
// no leaves the stack as it was.
func TestRecreateAsksBeforeItRuns(t *testing.T) {
	h := newHarness(t)
	id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
	a := h.asking(decline)
	args := map[string]any{"stack_id": id, "repository_url": repoA}
	h.ok("recreate_stack", args)
	if len(a.questions) != 0 {
		t.Fatalf("a dry run asked: %q", a.questions)
	}
	before := h.state()
	args["dry_run"] = false
	h.fails("recreate_stack", args, "declined", "Nothing was changed")
	if h.state() != before || len(a.questions) != 1 || !strings.Contains(a.questions[0], "Re-create stack web") {
		t.Fatalf("questions %q; state changed: %v", a.questions, h.state() != before)
	}
	a.answer = accept(true)
	out := h.ok("recreate_stack", args)
	if out["result"] != "re-created" || out["new_stack_id"] == nil {
		t.Errorf("after yes: %v", out)
	}
}
