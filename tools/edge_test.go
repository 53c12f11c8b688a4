package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

const edgeComposeA = "services:\n  kiosk:\n    image: nginx:1.27\n"

// edgeStatusOf is an environment's row of a get_edge_stack answer.
func edgeStatusOf(out map[string]any, env int) map[string]any {
	rows, _ := out["environment_status"].([]any)
	for _, r := range rows {
		m := r.(map[string]any)
		if int(m["environment_id"].(float64)) == env {
			return m
		}
	}
	return nil
}

func num(m map[string]any, k string) int {
	f, _ := m[k].(float64)
	return int(f)
}

// TestEdgeStackPendingUntilAgentsReport: a new edge stack is pending, said plainly, until an
// agent reports; a report moves one environment to deployed, an error report to error with
// its message; a new version makes every environment pending again. On 2.23 (no status
// entries until a report) and 2.45 (an empty entry per environment from the start).
func TestEdgeStackPendingUntilAgentsReport(t *testing.T) {
	for _, version := range []string{"2.23.0", "2.45.0"} {
		t.Run(version, func(t *testing.T) {
			h := newHarnessFor(t, harnessOpts{Version: version, Edge: true})
			out := h.ok("create_edge_stack", map[string]any{"name": "kiosk", "edge_group_ids": []int{1}, "compose": edgeComposeA})
			id := num(out, "id")
			if out["status"] == nil || !strings.HasPrefix(out["status"].(string), "pending: no agent has picked it up") ||
				num(out, "pending") != 2 || num(out, "deployed") != 0 || num(out, "environments") != 2 {
				t.Fatalf("a new edge stack must say pending: %v", out)
			}
			if note, _ := out["note"].(string); !strings.Contains(note, "pending until an agent reports") {
				t.Errorf("create note: %q", note)
			}
			for _, env := range []int{3, 4} {
				row := edgeStatusOf(out, env)
				if row == nil || row["status"] != "pending" || row["detail"] != "no edge agent has ever connected to this environment" || row["name"] == nil {
					t.Errorf("environment %d: %v", env, row)
				}
			}

			h.sim.AgentReport(id, 3, 0, 8, "")
			h.sim.AgentReport(id, 3, 0, 7, "")
			h.sim.AgentReport(id, 4, 0, 2, "pull access denied for nginx")
			out = h.ok("get_edge_stack", map[string]any{"edge_stack_id": id})
			if num(out, "deployed") != 1 || num(out, "failed") != 1 || num(out, "pending") != 0 {
				t.Fatalf("after reports: %v", out)
			}
			if s := out["status"].(string); !strings.Contains(s, "error on 1") || !strings.Contains(s, "deployed on 1") {
				t.Errorf("summary %q", s)
			}
			if row := edgeStatusOf(out, 4); row["status"] != "error" || row["error"] != "pull access denied for nginx" {
				t.Errorf("error row: %v", row)
			}
			rows := out["environment_status"].([]any)
			if rows[0].(map[string]any)["status"] != "error" {
				t.Errorf("errors come first: %v", rows)
			}
			list := h.ok("list_edge_stacks", nil)
			row := list["edge_stacks"].([]any)[0].(map[string]any)
			if num(row, "deployed") != 1 || num(row, "failed") != 1 || num(row, "pending") != 0 || num(row, "environments") != 2 {
				t.Errorf("list row: %v", row)
			}

			out = h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "compose": strings.ReplaceAll(edgeComposeA, "1.27", "1.28")})
			if num(out, "version") != 2 || num(out, "pending") != 2 || !strings.HasPrefix(out["status"].(string), "pending") {
				t.Errorf("a new version is pending everywhere again: %v", out)
			}
			if st, _ := h.sim.EdgeStack(id); !strings.Contains(st.File, "1.28") {
				t.Errorf("file not written: %q", st.File)
			}
			file := h.ok("get_edge_stack_file", map[string]any{"edge_stack_id": id})
			if !strings.Contains(file["compose"].(string), "1.28") {
				t.Errorf("get_edge_stack_file: %v", file)
			}
		})
	}
}

// TestEdgeStackGroupsAndDelete: groups change without a new version, an empty group is said
// to deploy nothing, delete removes it and a second delete points at list_edge_stacks.
func TestEdgeStackGroupsAndDelete(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Edge: true})
	out := h.ok("create_edge_stack", map[string]any{"name": "lonely", "edge_group_ids": []int{3}, "compose": edgeComposeA})
	id := num(out, "id")
	if num(out, "environments") != 0 || !strings.Contains(out["status"].(string), "not deployed anywhere") ||
		!strings.Contains(out["note"].(string), "hold no edge environment") {
		t.Errorf("an edge stack on an empty group: %v", out)
	}
	out = h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "edge_group_ids": []int{2}})
	if num(out, "version") != 1 || num(out, "environments") != 2 || !strings.Contains(out["note"].(string), "Edge groups changed") {
		t.Errorf("groups change: %v", out)
	}
	again := h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "edge_group_ids": []int{2}})
	if !strings.Contains(again["note"].(string), "Nothing to change") {
		t.Errorf("same groups: %v", again)
	}
	h.fails("update_edge_stack", map[string]any{"edge_stack_id": id, "edge_group_ids": []int{99}}, "Portainer answered 500", "edge group was not found")
	h.fails("create_edge_stack", map[string]any{"name": "k", "edge_group_ids": []int{4}, "compose": edgeComposeA}, "do not match the environment type", "Docker edge environments")
	h.fails("create_edge_stack", map[string]any{"name": "LONELY", "edge_group_ids": []int{1}, "compose": edgeComposeA}, "stack name \"LONELY\" is not valid")
	h.fails("create_edge_stack", map[string]any{"name": "lonely", "edge_group_ids": []int{1}, "compose": edgeComposeA}, "409", "unique across Portainer")
	done := h.ok("delete_edge_stack", map[string]any{"edge_stack_id": id, "confirm_name": "lonely"})
	if done["ok"] != true {
		t.Errorf("delete: %v", done)
	}
	if _, ok := h.sim.EdgeStack(id); ok {
		t.Error("still there after delete")
	}
	h.fails("get_edge_stack", map[string]any{"edge_stack_id": id}, "404", "list_edge_stacks")
}

// TestEdgeArgumentsRefused: contradictions are refused before anything reaches Portainer.
func TestEdgeArgumentsRefused(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Edge: true})
	before := len(h.sim.Requests())
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{}, "compose": edgeComposeA}, "at least one edge group"},
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{1}}, "either compose"},
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{1}, "compose": edgeComposeA, "repository_url": repoA}, "either compose"},
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{1}, "compose": edgeComposeA, "reference": "main"}, "apply to repository_url only"},
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{1}, "repository_url": "ssh://git@h/x"}, "HTTP(S) only"},
		{"create_edge_stack", map[string]any{"name": "a", "edge_group_ids": []int{1}, "repository_url": repoA, "compose_path": "../x.yml"}, "leaves the repository"},
		{"update_edge_stack", map[string]any{"edge_stack_id": 1}, "nothing to change"},
		{"update_edge_stack", map[string]any{"edge_stack_id": 1, "edge_group_ids": []int{}}, "at least one edge group"},
	} {
		h.fails(c.tool, c.args, c.want, "Nothing was changed")
	}
	if after := h.sim.Requests(); len(after) != before {
		t.Errorf("refused arguments reached Portainer: %v", after[before:])
	}
}

// TestEdgeStackFromGitCE: the file is read through Portainer first (a wrong path creates
// nothing); CE clones once and the answer says the stack keeps no link to Git.
func TestEdgeStackFromGitCE(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Edge: true})
	h.fails("create_edge_stack", map[string]any{"name": "g", "edge_group_ids": []int{1}, "repository_url": repoA, "compose_path": "nope.yml"},
		"cannot read nope.yml", "Nothing was created")
	if out := h.ok("list_edge_stacks", nil); num(out, "total") != 0 {
		t.Fatalf("a failed check created an edge stack: %v", out)
	}
	out := h.ok("create_edge_stack", map[string]any{"name": "g", "edge_group_ids": []int{1}, "repository_url": private,
		"username": gitUser, "password": sentinel, "compose_path": "docker-compose.yml"})
	if out["git"] != nil || !strings.Contains(out["note"].(string), "cloned "+private+" once") {
		t.Errorf("CE Git edge stack: %v", out)
	}
	if st, _ := h.sim.EdgeStack(num(out, "id")); st.File != composeA {
		t.Errorf("cloned file %q", st.File)
	}
	h.noLeak()
}

// TestEdgeComputeOff: Portainer's 503 comes with what to do.
func TestEdgeComputeOff(t *testing.T) {
	h := newHarness(t)
	h.fails("list_edge_stacks", nil, "503", "Edge compute features are disabled", "EnableEdgeComputeFeatures")
}

// TestBusinessEditionOptionsOnCE: the Business Edition's options of tools every edition has
// are refused on CE, naming the edition, and nothing is sent.
func TestBusinessEditionOptionsOnCE(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edge: true})
	id := num(h.ok("create_edge_stack", map[string]any{"name": "e", "edge_group_ids": []int{1}, "compose": edgeComposeA}), "id")
	state := h.state()
	edge, _ := h.sim.EdgeStack(id)
	for _, c := range []struct {
		tool string
		args map[string]any
		what string
	}{
		{"create_stack_from_git", map[string]any{"environment_id": 1, "name": "rel", "repository_url": repoA, "filesystem_path": "/opt/stacks"}, "filesystem_path (relative paths)"},
		{"create_edge_stack", map[string]any{"name": "x", "edge_group_ids": []int{1}, "compose": edgeComposeA, "env": []map[string]any{{"name": "A", "value": "1"}}}, "env on an edge stack"},
		{"create_edge_stack", map[string]any{"name": "x", "edge_group_ids": []int{1}, "repository_url": repoA, "gitops": "polling", "interval": "5m"}, "gitops on an edge stack"},
		{"create_edge_stack", map[string]any{"name": "x", "edge_group_ids": []int{1}, "repository_url": repoA, "filesystem_path": "/opt"}, "filesystem_path"},
		{"update_edge_stack", map[string]any{"edge_stack_id": id, "env": []map[string]any{{"name": "A", "value": "1"}}}, "env on an edge stack"},
	} {
		h.fails(c.tool, c.args, c.what, "needs Portainer Business Edition", "Community Edition (CE 2.45.0)", "Nothing was changed")
	}
	if h.state() != state {
		t.Error("a refused Business Edition option changed a stack")
	}
	if after, _ := h.sim.EdgeStack(id); jsonOf(after) != jsonOf(edge) {
		t.Error("a refused Business Edition option changed the edge stack")
	}
	if out := h.ok("list_edge_stacks", nil); num(out, "total") != 1 {
		t.Errorf("a refused option created an edge stack: %v", out)
	}
}

// listed is the set of tools the client is offered now.
func (h *harness) listed() map[string]bool {
	h.t.Helper()
	list, err := h.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, tl := range list.Tools {
		out[tl.Name] = true
	}
	return out
}

func beTools() []string {
	var out []string
	for _, d := range mcptools.Tools {
		if d.Edition == "BE" {
			out = append(out, d.Name)
		}
	}
	return out
}

// TestBusinessEditionToolsOffered: none on CE, even after detection; on BE none until the
// edition is known, then all of them with notifications/tools/list_changed; when Portainer
// cannot be reached at first, none until a later call learns the edition.
func TestBusinessEditionToolsOffered(t *testing.T) {
	be := beTools()
	if len(be) < 6 {
		t.Fatalf("Business Edition tools: %v", be)
	}
	ce := newHarnessFor(t, harnessOpts{Version: "2.45.0"})
	ce.ok("get_portainer_info", nil)
	for _, name := range be {
		if ce.listed()[name] {
			t.Errorf("the Community Edition lists %s", name)
		}
	}

	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE", Undetected: true})
	changed := make(chan struct{}, 8)
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == mcp.MethodNotificationToolsListChanged {
			changed <- struct{}{}
		}
	})
	for _, name := range be {
		if h.listed()[name] {
			t.Errorf("%s is listed before the edition is known", name)
		}
	}
	// Portainer unreachable: the edition stays unknown and nothing is added.
	h.sim.InjectFault(simDrop("/api/system/"))
	h.fails("get_portainer_info", nil)
	if got := h.listed(); got[be[0]] || len(changed) != 0 {
		t.Fatalf("tools added while the edition is unknown: %v", got)
	}
	h.sim.ClearFaults()
	info := h.ok("get_portainer_info", nil)
	if info["edition"] != "BE" {
		t.Fatalf("edition %v", info["edition"])
	}
	waitFor(t, changed)
	got := h.listed()
	for _, name := range be {
		if !got[name] {
			t.Errorf("the Business Edition does not list %s", name)
		}
	}
	if !strings.Contains(h.log.String(), "Business Edition") {
		t.Errorf("the log does not say the tools were added: %s", h.log.String())
	}
}

// simDrop drops every request under prefix: Portainer cannot be reached there.
func simDrop(prefix string) sim.Fault {
	return sim.Fault{PathPrefix: prefix, Drop: true, Times: -1}
}

// waitFor waits for one signal on ch, failing after 5 seconds.
func waitFor(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no notifications/tools/list_changed within 5s")
	}
}

func jsonOf(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// TestEdgeDeleteConsent: deleting an edge stack or a saved Git credential asks the user when
// the client can ask; a refusal deletes nothing.
func TestEdgeDeleteConsent(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE", Edge: true})
	id := num(h.ok("create_edge_stack", map[string]any{"name": "kiosk", "edge_group_ids": []int{1}, "compose": edgeComposeA}), "id")
	cred := num(h.ok("create_git_credential", map[string]any{"name": "ci", "username": "bot", "password": sentinel}), "id")
	a := h.asking(decline)
	h.fails("delete_edge_stack", map[string]any{"edge_stack_id": id}, "declined", "Nothing was changed")
	h.fails("delete_git_credential", map[string]any{"credential_id": cred}, "declined")
	if _, ok := h.sim.EdgeStack(id); !ok || num(h.ok("list_git_credentials", nil), "total") != 1 {
		t.Fatal("a declined delete deleted")
	}
	if len(a.questions) != 2 || !strings.Contains(a.questions[0], "Delete edge stack kiosk") || !strings.Contains(a.questions[1], "Git credential") {
		t.Errorf("questions: %q", a.questions)
	}
	h.asking(accept(true))
	h.ok("delete_edge_stack", map[string]any{"edge_stack_id": id})
	h.ok("delete_git_credential", map[string]any{"credential_id": cred})
	if _, ok := h.sim.EdgeStack(id); ok || num(h.ok("list_git_credentials", nil), "total") != 0 {
		t.Error("an accepted delete did not delete")
	}
	h.noLeak()
}

// TestEdgeAudit: edge writes are logged with the edge stack's id, never as a stack's; a saved
// credential's id is not taken for a stack's either.
func TestEdgeAudit(t *testing.T) {
	h := newHarnessFor(t, harnessOpts{Version: "2.45.0", Edition: "BE", Edge: true})
	var buf lockedBuf
	h.deps.Audit = tools.NewAuditor(&buf)
	h.connect()
	id := num(h.ok("create_edge_stack", map[string]any{"name": "kiosk", "edge_group_ids": []int{1}, "compose": edgeComposeA}), "id")
	h.ok("update_edge_stack", map[string]any{"edge_stack_id": id, "edge_group_ids": []int{2}})
	h.ok("create_git_credential", map[string]any{"name": "ci", "username": "bot", "password": sentinel})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("audit lines:\n%s", buf.String())
	}
	for i, line := range lines {
		var e tools.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		wantEdge := id
		if i == 2 {
			wantEdge = 0
		}
		if e.StackID != 0 || e.EdgeStackID != wantEdge || e.Outcome != "ok" {
			t.Errorf("line %d: %+v, want edge stack %d and no stack", i, e, wantEdge)
		}
	}
	if strings.Contains(buf.String(), sentinel) || strings.Contains(buf.String(), "nginx") {
		t.Errorf("an argument value reached the audit log:\n%s", buf.String())
	}
}
