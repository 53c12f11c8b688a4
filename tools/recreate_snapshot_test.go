package tools_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// snapshotFiles are the files in the harness's snapshot folder.
func snapshotFiles(t *testing.T, h *harness) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(h.deps.StateDir, "snapshots"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestRecreateSnapshotLifetime: the snapshot (env values in plain text) is removed once the
// re-create worked or nothing was changed, and kept, with its path in the answer, when the
// user may need it.
func TestRecreateSnapshotLifetime(t *testing.T) {
	cases := []struct {
		name   string
		fault  *sim.Fault
		failed bool
		kept   bool
	}{
		{"re-created", nil, false, false},
		{"delete refused: nothing changed", &sim.Fault{Method: "DELETE", PathPrefix: "/api/stacks/", Status: 500, Message: "injected"}, true, false},
		{"create refused: original restored", &sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Nth: 1, Status: 500, Message: "injected"}, true, true},
		{"create and restore refused", &sim.Fault{Method: "POST", PathPrefix: "/api/stacks/create/", Times: -1, Status: 500, Message: "injected"}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.gitStack("app", nil)
			if c.fault != nil {
				h.sim.InjectFault(*c.fault)
			}
			res := h.call("recreate_stack", map[string]any{"stack_id": id, "name": "app2", "password": sentinel, "dry_run": false})
			msg := textOf(res)
			if res.IsError != c.failed {
				t.Fatalf("error %v, want %v: %s", res.IsError, c.failed, msg)
			}
			files := snapshotFiles(t, h)
			if !c.kept {
				if len(files) != 0 {
					t.Errorf("snapshots left behind: %v\n%s", files, msg)
				}
				if strings.Contains(msg, h.deps.StateDir) {
					t.Errorf("the answer points at a snapshot that is gone: %s", msg)
				}
				return
			}
			if len(files) != 1 {
				t.Fatalf("snapshots %v, want one kept\n%s", files, msg)
			}
			path := filepath.Join(h.deps.StateDir, "snapshots", files[0])
			if !strings.Contains(msg, path) {
				t.Errorf("the answer does not give the kept snapshot %s: %s", path, msg)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("snapshot %s: %v %v", path, err, info)
			}
		})
	}
}

// writeAged writes a file in dir whose modification time is age ago.
func writeAged(t *testing.T, dir, name string, age time.Duration) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(`{"original":{"env":[{"name":"DB_PASSWORD","value":"db-secret-value"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-age)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestPruneSnapshots: snapshots older than the bound go, newer ones and other files stay, and
// a missing folder is no error.
func TestPruneSnapshots(t *testing.T) {
	state := t.TempDir()
	if got, err := tools.PruneSnapshots(state, tools.SnapshotMaxAge, time.Now()); err != nil || len(got) != 0 {
		t.Fatalf("no snapshot folder: %v %v", got, err)
	}
	dir := filepath.Join(state, "snapshots")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeAged(t, dir, "stack-3-web-20240101T000000.000.json", 8*24*time.Hour)
	writeAged(t, dir, "stack-4-api-20240102T000000.000.json", 30*24*time.Hour)
	writeAged(t, dir, "stack-5-new-20240103T000000.000.json", 6*24*time.Hour)
	writeAged(t, dir, "notes.txt", 90*24*time.Hour)
	got, err := tools.PruneSnapshots(state, tools.SnapshotMaxAge, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"stack-3-web-20240101T000000.000.json", "stack-4-api-20240102T000000.000.json"}; !slices.Equal(got, want) {
		t.Errorf("pruned %v, want %v", got, want)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if want := []string{"notes.txt", "stack-5-new-20240103T000000.000.json"}; !slices.Equal(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
}

// TestRecreatePrunesOldSnapshots: each re-create removes the snapshots older than the bound
// and logs their names, never their content.
func TestRecreatePrunesOldSnapshots(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.deps.StateDir, "snapshots")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeAged(t, dir, "stack-9-old-20240101T000000.000.json", 8*24*time.Hour)
	id := int(h.ok("create_stack", map[string]any{"environment_id": 1, "name": "web", "compose": composeA})["id"].(float64))
	h.ok("recreate_stack", map[string]any{"stack_id": id, "name": "web2", "dry_run": false})
	if files := snapshotFiles(t, h); len(files) != 0 {
		t.Errorf("left %v", files)
	}
	log := h.log.String()
	if !strings.Contains(log, "stack-9-old-20240101T000000.000.json") {
		t.Errorf("the log does not name the pruned snapshot:\n%s", log)
	}
	if strings.Contains(log, "db-secret-value") {
		t.Errorf("the log shows a snapshot's content:\n%s", log)
	}
}
