package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./generator -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generator's output; review and run go test ./generator -update\n--- got ---\n%s", name, got)
	}
}

// emit loads a spec and renders its Go.
func emit(t *testing.T, spec, source string) ([]Tool, []byte) {
	t.Helper()
	tools, err := Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	src, err := EmitGo(tools, source)
	if err != nil {
		t.Fatal(err)
	}
	return tools, src
}

func TestGoldenMini(t *testing.T) {
	tools, src := emit(t, "testdata/mini.yaml", "testdata/mini.yaml")
	golden(t, "mini.go.golden", src)
	golden(t, "mini.md.golden", []byte(EmitMarkdown(tools)))
}

func TestMiniShape(t *testing.T) {
	tools, err := Load("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Tool{}
	var order []string
	for _, tl := range tools {
		byName[tl.Name] = tl
		order = append(order, tl.Name)
	}
	if got := strings.Join(order, ","); got != "get_summary,delete_thing,list_things,update_thing" {
		t.Errorf("order = %s: want toolset order, then name", got)
	}
	up := byName["update_thing"]
	in := jsonText(up.Input)
	for _, want := range []string{`"thing_id"`, `"content"`, `"env"`, `"force"`, `"required":["content","thing_id"]`} {
		if !strings.Contains(in, want) {
			t.Errorf("update_thing input lacks %s: %s", want, in)
		}
	}
	if strings.Contains(in, "environment_id") {
		t.Errorf("resolveEndpoint offers the environment, which is read from the stack: %s", in)
	}
	if strings.Contains(in, "$ref") {
		t.Errorf("$ref left in input schema: %s", in)
	}
	// The server refuses unknown arguments itself; the keyword is not spent at the top.
	if _, ok := up.Input["additionalProperties"]; ok {
		t.Errorf("top-level additionalProperties in %s", in)
	}
	out := jsonText(byName["get_summary"].Output)
	if !strings.Contains(out, `"tags":{"items":{"properties":{"name"`) {
		t.Errorf("cross-document $ref not inlined: %s", out)
	}
	if up.Output != nil {
		t.Errorf("an overlay without an output annotation got an output schema: %s", jsonText(up.Output))
	}
	thing := jsonText(byName["list_things"].Output)
	if !strings.Contains(thing, `"Name":{"type":["string","null"]}`) || !strings.Contains(thing, `"Owner":{"properties":{"name"`) {
		t.Errorf("nullable or allOf not converted: %s", thing)
	}
	if strings.Contains(thing, "description") {
		t.Errorf("descriptions left in an output schema: %s", thing)
	}
	if in := jsonText(byName["update_thing"].Input); !strings.Contains(in, `"description"`) && strings.Contains(in, "Owner") {
		t.Errorf("descriptions stripped from an input schema: %s", in)
	}
	if byName["delete_thing"].Edition != "BE" || byName["update_thing"].Edition != "" {
		t.Errorf("edition annotation not read: %q %q", byName["delete_thing"].Edition, byName["update_thing"].Edition)
	}
	if src, _ := EmitGo(tools, "mini"); !strings.Contains(string(src), `Edition:      "BE"`) || strings.Count(string(src), "Edition:") != 1 {
		t.Errorf("the Go table does not carry the edition of delete_thing only:\n%s", src)
	}
}

// TestBadAnnotations: every mistake in an annotation stops generation with a message that
// names it.
func TestBadAnnotations(t *testing.T) {
	base, err := os.ReadFile("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, from, to, want string }{
		{"camel name", "name: list_things", "name: listThings", "snake_case"},
		{"one word", "name: list_things", "name: list", "snake_case"},
		{"no description", "description: Lists things.", "description: ''", "description is missing"},
		{"read-only and destructive", "description: Lists things.\n        readOnly: true", "description: Lists things.\n        readOnly: true\n        destructive: true", "both readOnly and destructive"},
		{"unknown toolset", "toolset: system", "toolset: misc", "toolset \"misc\""},
		{"unknown edition", "edition: BE", "edition: EE", "edition \"EE\" is not BE"},
		{"unknown key", "idempotent: true\n        overlay: ListThings", "idempotent: true\n        colour: red\n        overlay: ListThings", "colour"},
		{"rename unknown", "rename: { id: thing_id }", "rename: { nope: thing_id }", "rename names nope"},
		{"duplicate", "name: delete_thing", "name: update_thing", "used twice"},
		{"no overlay", "        overlay: ListThings\n", "", "overlay is missing: name the function of tools/ that implements the tool (overlay: ListThings)"},
		{"bad overlay name", "overlay: UpdateThing", "overlay: updateThing", "exported Go function"},
		{"oneOf in a body", "                Content: { type: string }", "                Content: { oneOf: [{ type: string }, { type: integer }] }", "oneOf, anyOf and not"},
		{"missing view", "views.yaml#/components/schemas/Summary", "views.yaml#/components/schemas/Nope", "no such schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(string(base), c.from, c.to, 1)
			if src == string(base) {
				t.Fatalf("case does not change the spec: %q not found", c.from)
			}
			dir := t.TempDir()
			views, _ := os.ReadFile("testdata/views.yaml")
			_ = os.WriteFile(filepath.Join(dir, "views.yaml"), views, 0o644)
			path := filepath.Join(dir, "mini.yaml")
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestRealSpecIsFresh: gen/mcptools is what the generator makes of api/portainer.yaml now.
func TestRealSpecIsFresh(t *testing.T) {
	_, src := emit(t, "../api/portainer.yaml", "api/portainer.yaml")
	have, err := os.ReadFile("../gen/mcptools/tools.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, have) {
		t.Fatal("gen/mcptools/tools.gen.go is stale: run go generate ./...")
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"endpointId": "endpoint_id", "StackFileContent": "stack_file_content", "TLSSkipVerify": "tls_skip_verify", "URL": "url", "id": "id", "SwarmID": "swarm_id"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	for in, want := range map[string]string{
		"Does a. Then b.":                         "Does a.",
		"Polls (e.g. every 5m). Then b.":          "Polls (e.g. every 5m).",
		"Uses names, e.g. Web. Not ids.":          "Uses names, e.g. Web.",
		"Version 2.45. Then.":                     "Version 2.45.",
		"One sentence only":                       "One sentence only",
		"Lists a, i.e. All of them. More follows": "Lists a, i.e. All of them.",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
}
