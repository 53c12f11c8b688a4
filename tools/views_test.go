package tools_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// gitopsSeen is a Git stack's GitOps as each view shows it: list_stacks, get_stack,
// list_gitops_stacks and get_stack_gitops.
type gitopsSeen struct{ list, get, gitopsList, gitops string }

// gitopsEverywhere reads stack id's mechanism and interval ("polling 5m", "none") from every view.
func (h *harness) gitopsEverywhere(id int) gitopsSeen {
	h.t.Helper()
	say := func(m, iv any) string { return strings.TrimSpace(str(m) + " " + str(iv)) }
	var s gitopsSeen
	for _, r := range h.ok("list_stacks", nil)["stacks"].([]any) {
		if row := r.(map[string]any); row["id"] == float64(id) {
			s.list = say(row["gitops"], row["interval"])
		}
	}
	g, _ := h.ok("get_stack", map[string]any{"stack_id": id})["gitops"].(map[string]any)
	s.get = say(g["mechanism"], g["interval"])
	for _, r := range h.ok("list_gitops_stacks", nil)["stacks"].([]any) {
		if row := r.(map[string]any); row["stack_id"] == float64(id) {
			s.gitopsList = say(row["gitops"], row["interval"])
		}
	}
	g, _ = h.ok("get_stack_gitops", map[string]any{"stack_id": id})["gitops"].(map[string]any)
	s.gitops = say(g["mechanism"], g["interval"])
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func (s gitopsSeen) all(want string) bool {
	return s.list == want && s.get == want && s.gitopsList == want && s.gitops == want
}

// TestViewsShowPollingAsItWorks: every view says how a Git stack is really kept up to date.
// Before 2.44 that is the stack's own settings; from 2.44 polling runs per GitOps Source, so
// a stack that polls through its Source says so, the stacks sharing a Source say the same,
// and a change of the Source's interval shows at once everywhere.
func TestViewsShowPollingAsItWorks(t *testing.T) {
	eachProfile(t, func(t *testing.T, h *harness) {
		shop := h.gitStack("shop", map[string]any{"gitops": "polling", "interval": "5m"})
		quiet := h.gitStack("quiet", nil) // same repository and credentials: same Source from 2.43
		if got := h.gitopsEverywhere(shop); !got.all("polling 5m") {
			t.Errorf("shop: %+v, want polling 5m everywhere", got)
		}
		want := "none"
		if h.caps().SourcePolling {
			want = "polling 5m" // its Source polls it
		}
		if got := h.gitopsEverywhere(quiet); !got.all(want) {
			t.Errorf("quiet: %+v, want %s everywhere", got, want)
		}
		if !h.caps().SourcePolling {
			return
		}
		h.ok("update_gitops_source", map[string]any{"source_id": h.stack(shop).SourceID, "interval": "30m", "apply_to_shared_source": true})
		for _, id := range []int{shop, quiet} {
			if got := h.gitopsEverywhere(id); !got.all("polling 30m") {
				t.Errorf("stack %d after the Source's change: %+v, want polling 30m everywhere", id, got)
			}
		}
		// The detach question names what is really lost.
		txt := h.fails("update_stack", map[string]any{"stack_id": quiet, "compose": composeA}, "polling every 30m")
		if strings.Contains(txt, "GitOps none") {
			t.Errorf("refusal: %s", txt)
		}
	})
}

// TestSeededDemoShowsSourcePolling: the demo's Git stack, migrated as Portainer 2.44 migrates
// (its own interval cleared, its Source polling every 5m, no deployment recorded since), shows
// polling every 5m in every view; on 2.23 and 2.39 it polls by itself.
func TestSeededDemoShowsSourcePolling(t *testing.T) {
	for _, v := range profiles {
		t.Run(v, func(t *testing.T) {
			d := seededDeps(t, v)
			ctx := context.Background()
			res, err := tools.ListStacks(ctx, d, tools.Args{})
			if err != nil || res.IsError {
				t.Fatalf("list_stacks: %v %s", err, tools.ResultText(res))
			}
			if txt := tools.ResultText(res); !strings.Contains(txt, "monitoring\tcompose\tactive\t1\tyes\tpolling\t5m") {
				t.Errorf("list_stacks:\n%s", txt)
			}
			res, _ = tools.GetStack(ctx, d, tools.Args{}, 2)
			if txt := tools.ResultText(res); !strings.Contains(txt, `"gitops":{"interval":"5m","mechanism":"polling"}`) {
				t.Errorf("get_stack: %s", txt)
			}
			res, _ = tools.ListGitopsStacks(ctx, d, tools.Args{})
			if txt := tools.ResultText(res); !strings.Contains(txt, "\tpolling\t5m\t") {
				t.Errorf("list_gitops_stacks:\n%s", txt)
			}
		})
	}
}

// seededDeps are Deps on a simulator with the demo's seed data, playing release v.
func seededDeps(t *testing.T, v string) *tools.Deps {
	t.Helper()
	s := sim.New(sim.Options{Version: v})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	c, err := papi.NewClientWithResponses(srv.URL+"/api", papi.WithHTTPClient(&http.Client{
		Transport: &tools.Transport{APIKey: "sim-api-key", Read: 5 * time.Second, Write: 30 * time.Second}}))
	if err != nil {
		t.Fatal(err)
	}
	return &tools.Deps{Client: c, PortainerURL: srv.URL, StateDir: t.TempDir(), Timeout: 5 * time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// TestListsTellSourcesOfOneURL: two Sources of one repository (other credentials) poll at
// their own intervals, and each stack in a list shows its own Source's.
func TestListsTellSourcesOfOneURL(t *testing.T) {
	h := newHarnessOn(t, "2.45.0")
	git := func(name string, extra map[string]any) int {
		args := map[string]any{"environment_id": 1, "name": name, "repository_url": repoA}
		for k, v := range extra {
			args[k] = v
		}
		return int(h.ok("create_stack_from_git", args)["stack_id"].(float64))
	}
	open := git("open", map[string]any{"gitops": "polling", "interval": "5m"})
	authed := git("authed", map[string]any{"username": "reader", "password": "token-1"})
	if a, b := h.stack(open).SourceID, h.stack(authed).SourceID; a == b || a == 0 || b == 0 {
		t.Fatalf("Sources %d and %d: want two", a, b)
	}
	if got := h.gitopsEverywhere(open); !got.all("polling 5m") {
		t.Errorf("open: %+v", got)
	}
	if got := h.gitopsEverywhere(authed); !got.all("none") {
		t.Errorf("authed: %+v", got)
	}
	// One list of the Sources per page, and the workflows of the two Sources that share the
	// URL, whatever the number of rows.
	for i := range 5 {
		git(fmt.Sprintf("more-%d", i), nil)
	}
	before := len(h.sim.Requests())
	h.ok("list_stacks", nil)
	lists, workflows := 0, 0
	for _, r := range h.sim.Requests()[before:] {
		switch path := strings.SplitN(r, "?", 2)[0]; {
		case strings.HasSuffix(path, "/gitops/sources"):
			lists++
		case strings.HasSuffix(path, "/workflows"):
			workflows++
		}
	}
	if lists != 1 || workflows != 2 {
		t.Errorf("list_stacks read the Sources %d times and workflows %d times, want 1 and 2: %v", lists, workflows, h.sim.Requests()[before:])
	}
}
