package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// A snapshot is the definition of a stack that recreate_stack is about to delete, written to
// <state dir>/snapshots before the delete: the compose file or Git source, the env with its
// values (secrets, in plain text, readable by the owner only), GitOps settings and webhook
// id; never a Git password. It is removed as soon as it is not needed: when the new stack runs
// as asked, or when nothing was changed. It is kept, and its path given in the answer, when
// the re-create failed, was rolled back, or has an outcome that is not known. Kept snapshots
// are removed after SnapshotMaxAge (PruneSnapshots, at start-up and at each re-create).

// SnapshotMaxAge is how long a kept snapshot stays on disk.
const SnapshotMaxAge = 7 * 24 * time.Hour

// snapshotDir is the folder of the snapshots under a state directory.
func snapshotDir(stateDir string) string { return filepath.Join(stateDir, "snapshots") }

// isSnapshotName tells whether a file name is one writeSnapshot gives.
func isSnapshotName(name string) bool {
	return strings.HasPrefix(name, "stack-") && strings.HasSuffix(name, ".json")
}

// snapshot is what recreate_stack writes before deleting a stack.
type snapshot struct {
	Taken     string      `json:"taken"`
	StackID   int         `json:"stack_id"`
	Original  stackDef    `json:"original"`
	Target    stackDef    `json:"target"`
	Portainer *papi.Stack `json:"portainer_stack"`
	Restore   string      `json:"how_to_restore"`
}

func writeSnapshot(d *Deps, st *papi.Stack, old, target stackDef) (string, error) {
	if d.StateDir == "" {
		return "", fmt.Errorf("no state directory is set")
	}
	dir := snapshotDir(d.StateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	raw := *st
	if raw.GitConfig != nil && raw.GitConfig.Authentication != nil {
		auth := *raw.GitConfig.Authentication
		auth.Password = nil
		gc := *raw.GitConfig
		gc.Authentication = &auth
		raw.GitConfig = &gc
	}
	snap := snapshot{Taken: time.Now().UTC().Format(time.RFC3339), StackID: deref(st.Id), Original: old, Target: target, Portainer: &raw, Restore: restoreHint(old)}
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("stack-%d-%s-%s.json", deref(st.Id), old.Name, time.Now().UTC().Format("20060102T150405.000"))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	// A file that was not written whole is removed: the caller says nothing was changed and
	// names no file, so a part of the env values must not stay behind on disk.
	if err := writeAll(f, data); err != nil {
		_ = os.Remove(path)
		return "", err
	}
	return path, nil
}

// writeAll writes data to f, syncs and closes it.
func writeAll(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// removeSnapshot deletes a snapshot that is no longer needed. A failure is logged and
// returned: the caller keeps pointing at the file then.
func (d *Deps) removeSnapshot(path string) error {
	err := os.Remove(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		d.logger().Warn("cannot remove a recreate_stack snapshot; it holds env values: delete it by hand", "file", path, "error", err.Error())
		return err
	}
	return nil
}

// PruneSnapshots removes the snapshots under stateDir whose file is older than maxAge, and
// returns their names. Other files are left alone; a missing folder is no error.
func PruneSnapshots(stateDir string, maxAge time.Duration, now time.Time) ([]string, error) {
	dir := snapshotDir(stateDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pruned []string
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !isSnapshotName(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) <= maxAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		pruned = append(pruned, e.Name())
	}
	return pruned, errors.Join(errs...)
}

// PruneSnapshots removes the snapshots older than SnapshotMaxAge from the state directory and
// logs the names of those removed (never their content).
func (d *Deps) PruneSnapshots(ctx context.Context) {
	if d.StateDir == "" {
		return
	}
	pruned, err := PruneSnapshots(d.StateDir, SnapshotMaxAge, time.Now())
	if len(pruned) > 0 {
		d.logger().InfoContext(ctx, "removed recreate_stack snapshots older than 7 days", "dir", snapshotDir(d.StateDir), "files", pruned)
	}
	if err != nil {
		d.logger().WarnContext(ctx, "cannot remove old recreate_stack snapshots", "dir", snapshotDir(d.StateDir), "error", err.Error())
	}
}
