package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/portainer-mcp/portainer-mcp/tools/toolset"
)

// Arg is one tool argument that maps onto a request parameter or body property.
type Arg struct {
	Name     string // the tool argument
	Wire     string // the parameter or property name on the wire
	GoType   string // for path parameters: int or string
	Required bool   // required from the tool's caller
	Pointer  bool   // the generated params field is a pointer (optional in the spec)
}

// Tool is everything the generator knows of one MCP tool.
type Tool struct {
	Name, Title, Description, Toolset string
	Edition                           string // "BE": offered only by the Business Edition
	ReadOnly, Destructive, Idempotent bool
	OpenWorld                         bool
	OperationID, Method, Path         string
	Overlay                           string // the function of tools/ that implements it
	ReplaceInput                      bool
	ResolveEndpoint                   bool
	PathArgs                          []Arg
	QueryArgs                         []Arg // offered to the caller
	Endpoint                          *Arg  // with ResolveEndpoint: endpointId, read from the stack, never offered
	BodyArgs                          []Arg
	HasParams                         bool
	HasBody                           bool
	Input                             map[string]any
	Output                            map[string]any // from the output annotation; none without it
}

// annotation is the x-mcp-tool extension as written in the spec.
type annotation struct {
	Name            string            `json:"name"`
	Title           string            `json:"title"`
	Toolset         string            `json:"toolset"`
	Edition         string            `json:"edition"`
	Description     string            `json:"description"`
	ReadOnly        bool              `json:"readOnly"`
	Destructive     bool              `json:"destructive"`
	Idempotent      bool              `json:"idempotent"`
	OpenWorld       *bool             `json:"openWorld"`
	Overlay         string            `json:"overlay"`
	Rename          map[string]string `json:"rename"`
	Hide            []string          `json:"hide"`
	ResolveEndpoint bool              `json:"resolveEndpoint"`
	Input           map[string]any    `json:"input"`
	ReplaceInput    bool              `json:"replaceInput"`
	Output          map[string]any    `json:"output"`
}

var (
	toolNameRe = regexp.MustCompile(`^[a-z]+(_[a-z]+)+$`)
	goIdentRe  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// toolsetOrder is toolset.All by name, the one list of toolsets: it orders the tool table,
// and an annotation naming another toolset is an error.
func toolsetOrder() []string {
	names := make([]string, 0, len(toolset.All))
	for _, t := range toolset.All {
		names = append(names, t.Name)
	}
	return names
}

// Load reads the spec (and the documents its annotations refer to) and returns its tools,
// sorted by toolset then name.
func Load(specPath string) ([]Tool, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", specPath, err)
	}
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", specPath, err)
	}
	r := &refs{dir: filepath.Dir(specPath), main: filepath.Base(specPath), docs: map[string]*openapi3.T{filepath.Base(specPath): doc}, loader: loader}

	var tools []Tool
	seen := map[string]string{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			raw, ok := op.Extensions["x-mcp-tool"]
			if !ok {
				continue
			}
			anns, err := decodeAnnotations(raw)
			if err != nil {
				return nil, fmt.Errorf("%s %s: x-mcp-tool: %w", method, path, err)
			}
			for _, ann := range anns {
				t, err := buildTool(r, path, method, item, op, ann)
				if err == nil && len(r.problems) > 0 {
					err = fmt.Errorf("%s", strings.Join(r.problems, "; "))
				}
				if err != nil {
					return nil, fmt.Errorf("%s %s: tool %q: %w", method, path, ann.Name, err)
				}
				if prev, dup := seen[t.Name]; dup {
					return nil, fmt.Errorf("tool name %s is used twice (%s and %s %s)", t.Name, prev, method, path)
				}
				seen[t.Name] = method + " " + path
				tools = append(tools, t)
			}
		}
	}
	rank := map[string]int{}
	for i, s := range toolsetOrder() {
		rank[s] = i
	}
	sort.SliceStable(tools, func(i, j int) bool {
		if rank[tools[i].Toolset] != rank[tools[j].Toolset] {
			return rank[tools[i].Toolset] < rank[tools[j].Toolset]
		}
		return tools[i].Name < tools[j].Name
	})
	return tools, nil
}

func decodeAnnotations(raw any) ([]annotation, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var list []annotation
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		err = strictUnmarshal(b, &list)
	} else {
		var one annotation
		err = strictUnmarshal(b, &one)
		list = []annotation{one}
	}
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return list, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func buildTool(r *refs, path, method string, item *openapi3.PathItem, op *openapi3.Operation, ann annotation) (Tool, error) {
	t := Tool{
		Name: ann.Name, Title: ann.Title, Toolset: ann.Toolset, Edition: ann.Edition,
		Description: strings.TrimSpace(ann.Description),
		ReadOnly:    ann.ReadOnly, Destructive: ann.Destructive, Idempotent: ann.Idempotent,
		OpenWorld:   true,
		OperationID: op.OperationID, Method: method, Path: path,
		Overlay: ann.Overlay, ReplaceInput: ann.ReplaceInput, ResolveEndpoint: ann.ResolveEndpoint,
	}
	if ann.OpenWorld != nil {
		t.OpenWorld = *ann.OpenWorld
	}
	switch {
	case !toolNameRe.MatchString(t.Name):
		return t, fmt.Errorf("name must be snake_case with a verb first, like get_stack")
	case t.Title == "":
		return t, fmt.Errorf("title is missing")
	case t.Description == "":
		return t, fmt.Errorf("description is missing: write what it does, when to use it and what it will not do")
	case !contains(toolsetOrder(), t.Toolset):
		return t, fmt.Errorf("toolset %q is not one of %s", t.Toolset, strings.Join(toolsetOrder(), ", "))
	case t.Edition != "" && t.Edition != "BE":
		return t, fmt.Errorf("edition %q is not BE (leave it out for a tool every edition serves)", t.Edition)
	case t.ReadOnly && t.Destructive:
		return t, fmt.Errorf("a tool cannot be both readOnly and destructive")
	case t.Overlay == "":
		return t, fmt.Errorf("overlay is missing: name the function of tools/ that implements the tool (overlay: %s), which the generated handler calls with the decoded arguments", overlayName(t.Name))
	case !goIdentRe.MatchString(t.Overlay):
		return t, fmt.Errorf("overlay %q must be an exported Go function name", t.Overlay)
	}
	if op.OperationID == "" {
		return t, fmt.Errorf("the operation has no operationId")
	}

	rename := func(wire string) string {
		if n, ok := ann.Rename[wire]; ok {
			return n
		}
		return snake(wire)
	}
	hidden := map[string]bool{}
	for _, h := range ann.Hide {
		hidden[h] = true
	}
	used := map[string]bool{}
	for wire := range ann.Rename {
		used[wire] = false
	}

	props := map[string]any{}
	var required []string
	addProp := func(name string, schema map[string]any, req bool) error {
		if _, dup := props[name]; dup {
			return fmt.Errorf("two arguments are named %s: rename one", name)
		}
		props[name] = schema
		if req {
			required = append(required, name)
		}
		return nil
	}

	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, op.Parameters...)
	for _, pr := range params {
		p := pr.Value
		if _, ok := used[p.Name]; ok {
			used[p.Name] = true
		}
		if t.ResolveEndpoint && p.Name == "endpointId" && p.In == openapi3.ParameterInQuery {
			// Read from the stack and never offered: the caller cannot name another one.
			delete(hidden, p.Name)
			t.Endpoint = &Arg{Name: rename(p.Name), Wire: p.Name, Pointer: !p.Required}
			t.HasParams = true
			continue
		}
		if hidden[p.Name] {
			delete(hidden, p.Name)
			if p.Required {
				return t, fmt.Errorf("required parameter %s cannot be hidden", p.Name)
			}
			continue
		}
		arg := Arg{Name: rename(p.Name), Wire: p.Name, Required: p.Required, Pointer: !p.Required}
		schema := r.convert(p.Schema)
		if p.Description != "" {
			schema["description"] = p.Description
		}
		switch p.In {
		case openapi3.ParameterInPath:
			arg.GoType = "int"
			if p.Schema.Value.Type.Is(openapi3.TypeString) {
				arg.GoType = "string"
			}
			t.PathArgs = append(t.PathArgs, arg)
		case openapi3.ParameterInQuery:
			t.QueryArgs = append(t.QueryArgs, arg)
			t.HasParams = true
		default:
			return t, fmt.Errorf("parameter %s in %s is not supported", p.Name, p.In)
		}
		if err := addProp(arg.Name, schema, arg.Required); err != nil {
			return t, err
		}
	}
	if t.ResolveEndpoint && t.Endpoint == nil {
		return t, fmt.Errorf("resolveEndpoint needs an endpointId query parameter")
	}
	if t.ResolveEndpoint && (len(t.PathArgs) != 1 || t.PathArgs[0].GoType != "int") {
		return t, fmt.Errorf("resolveEndpoint needs exactly one integer path parameter, the stack id")
	}

	if op.RequestBody != nil {
		t.HasBody = true
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			return t, fmt.Errorf("only application/json request bodies are supported")
		}
		body := mt.Schema.Value
		if len(body.Properties) == 0 {
			return t, fmt.Errorf("the request body must be an object schema with properties (allOf, oneOf and anyOf bodies are not flattened)")
		}
		req := map[string]bool{}
		for _, n := range body.Required {
			req[n] = true
		}
		for _, wire := range sortedSchemaKeys(body.Properties) {
			if _, ok := used[wire]; ok {
				used[wire] = true
			}
			if hidden[wire] {
				if req[wire] {
					return t, fmt.Errorf("required property %s cannot be hidden", wire)
				}
				delete(hidden, wire)
				continue
			}
			arg := Arg{Name: rename(wire), Wire: wire, Required: req[wire]}
			t.BodyArgs = append(t.BodyArgs, arg)
			if err := addProp(arg.Name, r.convert(body.Properties[wire]), arg.Required); err != nil {
				return t, err
			}
		}
	}
	for wire, ok := range used {
		if !ok {
			return t, fmt.Errorf("rename names %s, which is not a parameter or body property", wire)
		}
	}
	for h := range hidden {
		return t, fmt.Errorf("hide names %s, which is not a parameter or body property", h)
	}

	if t.ReplaceInput {
		props, required = map[string]any{}, nil
	}
	if ann.Input != nil {
		extra, err := r.resolveInline(ann.Input)
		if err != nil {
			return t, fmt.Errorf("input: %w", err)
		}
		if ep, ok := extra["properties"].(map[string]any); ok {
			for k, v := range ep {
				if _, derived := props[k]; derived {
					props[k] = v // the annotation describes the argument as the tool sees it
					continue
				}
				if err := addProp(k, v.(map[string]any), false); err != nil {
					return t, fmt.Errorf("input: %w", err)
				}
			}
		}
		var names []string
		switch er := extra["required"].(type) {
		case []any:
			for _, n := range er {
				names = append(names, fmt.Sprint(n))
			}
		case []string:
			names = er
		}
		for _, n := range names {
			if _, ok := props[n]; !ok {
				return t, fmt.Errorf("input: required names %s, which is not an argument", n)
			}
			if !contains(required, n) {
				required = append(required, n)
			}
		}
	}
	sort.Strings(required)
	// No additionalProperties at the top: the server refuses unknown arguments itself, naming the
	// tool's arguments (tools.wrap), and the keyword would cost every tool's catalog entry.
	input := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		input["required"] = required
	}
	t.Input = input

	if ann.Output != nil {
		out, err := r.resolveInline(ann.Output)
		if err != nil {
			return t, fmt.Errorf("output: %w", err)
		}
		t.Output = out
	}
	if t.Output != nil {
		stripDescriptions(t.Output)
	}
	if t.Output != nil && t.Output["type"] != "object" {
		return t, fmt.Errorf("the output schema must be an object (MCP requires it)")
	}
	return t, nil
}

// overlayName is the Go name an overlay for tool would have: get_stack -> GetStack.
func overlayName(tool string) string {
	c := camel(tool)
	return strings.ToUpper(c[:1]) + c[1:]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// snake turns a wire name (endpointId, StackFileContent, TLSSkipVerify) into a snake_case
// argument name (endpoint_id, stack_file_content, tls_skip_verify).
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, c := range rs {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := rs[i-1] >= 'a' && rs[i-1] <= 'z' || rs[i-1] >= '0' && rs[i-1] <= '9'
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := rs[i-1] >= 'A' && rs[i-1] <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// stripDescriptions drops descriptions from an output schema: the model reads results, not
// their schema, and every byte of tools/list is paid in every conversation.
func stripDescriptions(m map[string]any) {
	delete(m, "description")
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if k == "properties" {
				for _, p := range x {
					if pm, ok := p.(map[string]any); ok {
						stripDescriptions(pm)
					}
				}
				continue
			}
			stripDescriptions(x)
		}
	}
}
