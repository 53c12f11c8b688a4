// Command generator reads the trimmed Portainer OpenAPI document, finds the operations
// annotated with x-mcp-tool and writes the MCP tool table and handlers (gen/mcptools) and
// the README's tool table. It is run by `go generate ./...` (see api/generate.go).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	spec := flag.String("spec", "portainer.yaml", "the annotated OpenAPI document")
	out := flag.String("out", "../gen/mcptools/tools.gen.go", "the Go file to write")
	readme := flag.String("readme", "", "a Markdown file whose tool table (between <!-- tools:start --> and <!-- tools:end -->) is rewritten")
	flag.Parse()
	if err := run(*spec, *out, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "generator:", err)
		os.Exit(1)
	}
}

func run(spec, out, readme string) error {
	tools, err := Load(spec)
	if err != nil {
		return err
	}
	src, err := EmitGo(tools, "api/"+filepath.Base(spec))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := writeIfChanged(out, src); err != nil {
		return err
	}
	if readme == "" {
		return nil
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	updated, err := ReplaceBetween(string(doc), "<!-- tools:start -->", "<!-- tools:end -->", EmitMarkdown(tools))
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	return writeIfChanged(readme, []byte(updated))
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
