package sim_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEdgeCitationsResolve: every "edge-be.md §N" in the code, the spec and the docs names a
// section of internal/sim/edge-be.md, so each citation can be followed.
func TestEdgeCitationsResolve(t *testing.T) {
	doc, err := os.ReadFile("edge-be.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?)\.? `).FindAllStringSubmatch(string(doc), -1) {
		sections[m[1]] = true
	}
	cite := regexp.MustCompile(`edge-be\.md §(\d+(?:\.\d+)?)`)
	found := 0
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "gen") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); d.IsDir() || (ext != ".go" && ext != ".yaml" && ext != ".md") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range cite.FindAllStringSubmatch(line, -1) {
				found++
				if !sections[m[1]] {
					t.Errorf("%s:%d cites edge-be.md §%s, which internal/sim/edge-be.md does not have", path, i+1, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("only %d citations found: is the walk looking at the repository?", found)
	}
}
