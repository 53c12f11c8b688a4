package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// TestRealPortainerEdge drives the edge tools against the real CE 2.23: Edge Compute turned
// on (it is off by default and after every restart, edge-be.md §1.5; left on), an edge environment with
// no agent, an edge group, and edge stacks created, listed, updated and deleted. With no agent
// they stay pending, and the answers say so; a report fabricated through the agents' own route
// (edge-be.md §2.2) shows as deployed, then as an error. The Business Edition's tools are not
// offered. Skipped without the REAL_* variables, like the rest of the real suite.
func TestRealPortainerEdge(t *testing.T) {
	p := realtest.Load(t)
	ctx := context.Background()
	edgeComputeOn(t, p)
	env := p.AddEdgeEnvironment(t, realtest.Name("edge-env"))
	groupName := realtest.Name("edge-group")
	grp, err := p.Client.EdgeGroupCreateWithResponse(ctx, papi.EdgeGroupPayload{Name: groupName, Endpoints: &[]int{env}})
	if err != nil || grp.JSON200 == nil {
		t.Fatalf("creating an edge group: %v %s", err, grp.Body)
	}
	group := deref(grp.JSON200.Id)
	t.Cleanup(func() {
		if r, err := p.Client.EdgeGroupDeleteWithResponse(context.Background(), group); err != nil || (r.StatusCode() != 204 && r.StatusCode() != 404) {
			t.Errorf("clean-up: edge group %d not deleted: %v", group, err)
		}
	})
	name := realtest.Name("edge")
	removeEdgeStacksNamed(t, p, name, name+"-git")

	s := start(t, "PORTAINER_URL="+p.URL, "PORTAINER_API_KEY="+p.APIKey, "PORTAINER_TOOLSETS=all")
	s.timeout = 3 * time.Minute
	s.waitDetected()
	s.waitTools(-1)
	for _, d := range mcptools.Tools {
		if _, listed := s.tools[d.Name]; listed != (d.Edition == "") {
			t.Errorf("CE 2.23 lists %s: %v (edition %q)", d.Name, listed, d.Edition)
		}
	}

	groups := s.ok("list_edge_groups", map[string]any{"limit": 500})
	if !strings.Contains(at(groups, "edge_groups"), `"name":"`+groupName+`"`) || !strings.Contains(at(groups, "edge_groups"), strconv.Itoa(env)) {
		t.Errorf("list_edge_groups lacks the group or its environment: %v", groups)
	}

	compose := realtest.Compose("kiosk", "v1")
	out := s.ok("create_edge_stack", map[string]any{"name": name, "edge_group_ids": []int{group}, "compose": compose})
	id := idOf(t, out, "id")
	if !strings.HasPrefix(at(out, "status"), "pending: no agent has picked it up") || at(out, "pending") != "1" || at(out, "deployed") != "0" {
		t.Errorf("a new edge stack without an agent must say pending: %v", out)
	}
	if !strings.Contains(at(out, "environment_status"), "no edge agent has ever connected") {
		t.Errorf("the environment's row does not say that no agent ever connected: %s", at(out, "environment_status"))
	}
	wantError(t, s.call("create_edge_stack", map[string]any{"name": name, "edge_group_ids": []int{group}, "compose": compose}), "409", "unique across Portainer")
	wantError(t, s.call("create_edge_stack", map[string]any{"name": name + "-env", "edge_group_ids": []int{group}, "compose": compose,
		"env": []map[string]any{{"name": "A", "value": "1"}}}), "needs Portainer Business Edition", "Community Edition (CE 2.23.0)")

	list := s.ok("list_edge_stacks", map[string]any{"name": name})
	if at(list, "total") != "1" || !strings.Contains(at(list, "edge_stacks"), `"pending":1`) {
		t.Errorf("list_edge_stacks: %v", list)
	}

	report := func(status int, errText string) {
		t.Helper()
		edgeID := "no-agent"
		r, err := p.Client.EdgeStackStatusUpdateWithResponse(ctx, id, &papi.EdgeStackStatusUpdateParams{XPortainerAgentEdgeID: &edgeID},
			papi.EdgeStackStatusPayload{EndpointID: env, Status: &status, Error: &errText})
		if err != nil || r.StatusCode() != http.StatusOK {
			t.Fatalf("fabricated agent report %d: %v %s", status, err, r.Body)
		}
	}
	report(7, "")
	out = s.ok("get_edge_stack", map[string]any{"edge_stack_id": id})
	if at(out, "deployed") != "1" || !strings.HasPrefix(at(out, "status"), "deployed on all 1") {
		t.Errorf("after a running report: %v", out)
	}
	report(2, "pull access denied")
	out = s.ok("get_edge_stack", map[string]any{"edge_stack_id": id})
	if at(out, "failed") != "1" || !strings.Contains(at(out, "environment_status"), "pull access denied") {
		t.Errorf("after an error report: %v", out)
	}

	v2 := realtest.Compose("kiosk", "v2")
	out = s.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "compose": v2})
	if at(out, "version") != "2" || at(out, "pending") != "1" || !strings.HasPrefix(at(out, "status"), "pending") {
		t.Errorf("a new version without an agent is pending again: %v", out)
	}
	if file := s.ok("get_edge_stack_file", map[string]any{"edge_stack_id": id}); at(file, "compose") != v2 {
		t.Errorf("get_edge_stack_file: %v", file)
	}
	renamed := groupName + "-renamed"
	if r, err := p.Client.EdgeGroupUpdateWithResponse(ctx, group, papi.EdgeGroupPayload{Name: renamed, Endpoints: &[]int{env}}); err != nil || r.JSON200 == nil {
		t.Fatalf("updating the edge group: %v %s", err, r.Body)
	}
	if groups = s.ok("list_edge_groups", map[string]any{"limit": 500}); !strings.Contains(at(groups, "edge_groups"), renamed) {
		t.Errorf("list_edge_groups after a rename: %v", groups)
	}

	// From Git: the file is checked first, then Portainer CE clones once.
	repo := p.Git().NewRepo(t, "pub/"+name)
	repo.Commit("main", map[string]string{"sub/compose.yml": compose})
	wantError(t, s.call("create_edge_stack", map[string]any{"name": name + "-git", "edge_group_ids": []int{group}, "repository_url": repo.URL}),
		"cannot read docker-compose.yml", "Nothing was created")
	out = s.ok("create_edge_stack", map[string]any{"name": name + "-git", "edge_group_ids": []int{group}, "repository_url": repo.URL, "compose_path": "sub/compose.yml"})
	gitID := idOf(t, out, "id")
	if !strings.Contains(at(out, "note"), "cloned "+repo.URL+" once") || at(out, "git") != "" {
		t.Errorf("CE Git edge stack: %v", out)
	}
	if file := s.ok("get_edge_stack_file", map[string]any{"edge_stack_id": gitID}); at(file, "compose") != compose {
		t.Errorf("the cloned file: %v", file)
	}

	for del, delName := range map[int]string{id: name, gitID: name + "-git"} {
		wantError(t, s.call("delete_edge_stack", map[string]any{"edge_stack_id": del}), "confirm_name", "Nothing was changed")
		if done := s.ok("delete_edge_stack", map[string]any{"edge_stack_id": del, "confirm_name": delName}); done["ok"] != true {
			t.Errorf("delete_edge_stack %d: %v", del, done)
		}
		wantError(t, s.call("get_edge_stack", map[string]any{"edge_stack_id": del}), "404", "list_edge_stacks")
	}
}

// edgeComputeOn turns Edge Compute on. It is left on: the simulator's edge differential test may
// run at the same time, and CE 2.23 turns it off again at its next start (edge-be.md §1.5).
func edgeComputeOn(t *testing.T, p *realtest.Portainer) {
	t.Helper()
	on := true
	r, err := p.Client.SettingsUpdateWithResponse(context.Background(), papi.SettingsUpdatePayload{EnableEdgeComputeFeatures: &on})
	if err == nil && (r.JSON200 == nil || !deref(r.JSON200.EnableEdgeComputeFeatures)) {
		err = &statusError{r.StatusCode(), string(r.Body)}
	}
	if err != nil {
		t.Fatalf("turning Edge Compute on: %v", err)
	}
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return strconv.Itoa(e.status) + " " + e.body }

// removeEdgeStacksNamed deletes, when the test ends, the edge stacks with these names, even
// after a failure half-way (before the edge group and environment they use go).
func removeEdgeStacksNamed(t *testing.T, p *realtest.Portainer, names ...string) {
	t.Helper()
	t.Cleanup(func() {
		resp, err := p.Client.EdgeStackListWithResponse(context.Background())
		if err != nil || resp.JSON200 == nil {
			t.Errorf("clean-up: cannot list edge stacks: %v", err)
			return
		}
		for _, st := range *resp.JSON200 {
			for _, n := range names {
				if strings.EqualFold(deref(st.Name), n) {
					if _, err := p.Client.EdgeStackDeleteWithResponse(context.Background(), deref(st.Id)); err != nil {
						t.Errorf("clean-up: edge stack %s: %v", n, err)
					}
				}
			}
		}
	})
}
