package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeCompiles builds what the generator emits for testdata/mini.yaml against
// the real tools package: mini's request types come from oapi-codegen, as gen/papi's do, and
// its overlays (testdata/mini_overlays.go) are added to tools with the signatures the
// generated handlers must call. A runtime function the emitted code calls and tools no
// longer has, or an overlay call with other arguments, fails here. (gen/mcptools is built
// with the rest of the module, and TestRealSpecIsFresh keeps it the generator's output.)
func TestGeneratedCodeCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oapi-codegen and go build")
	}
	_, src := emit(t, "testdata/mini.yaml", "testdata/mini.yaml")
	const realPapi, miniPapi = `"github.com/portainer-mcp/portainer-mcp/gen/papi"`, `"github.com/portainer-mcp/portainer-mcp/generator/testdata/mini/papi"`
	if !strings.Contains(string(src), realPapi) {
		t.Fatalf("the emitted code does not import gen/papi:\n%s", src)
	}
	models, err := exec.Command("go", "tool", "oapi-codegen", "-generate", "types", "-package", "papi", "testdata/mini.yaml").Output()
	if err != nil {
		t.Fatalf("oapi-codegen: %v", describe(err))
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	overlay := map[string]string{}
	for target, content := range map[string][]byte{
		"generator/testdata/mini/papi/models.gen.go":    models,
		"generator/testdata/mini/mcptools/tools.gen.go": []byte(strings.Replace(string(src), realPapi, miniPapi, 1)),
		"tools/mini_overlays.go":                        mustRead(t, "testdata/mini_overlays.go"),
	} {
		file := filepath.Join(dir, filepath.Base(target))
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[filepath.Join(root, target)] = file
	}
	spec, _ := json.Marshal(map[string]any{"Replace": overlay})
	if err := os.WriteFile(filepath.Join(dir, "overlay.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-overlay", filepath.Join(dir, "overlay.json"), "./generator/testdata/mini/mcptools")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the generated code does not build: %v\n%s", err, out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// describe adds a command's stderr to its error.
func describe(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return err.Error() + ": " + string(ee.Stderr)
	}
	return err.Error()
}
