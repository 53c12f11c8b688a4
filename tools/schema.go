package tools

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The tools' input schemas use the few JSON Schema keywords the generator emits: type (one, or
// one plus "null"), properties, required, additionalProperties false, items, enum, minimum,
// maximum (and description, format, default, which do not constrain). schemaNode checks
// arguments against exactly that, with messages a model can act on, at no cost at start:
// a tool's schema is compiled on its first call. The generator refuses anything else
// (TestSchemasUseOnlyKnownKeywords).

// knownKeywords are the keywords schemaNode understands.
var knownKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "minimum": true, "maximum": true, "description": true, "format": true, "default": true,
}

type schemaNode struct {
	types      []string // empty: any
	props      map[string]*schemaNode
	required   []string
	closed     bool // additionalProperties: false
	items      *schemaNode
	enum       []any
	min, max   *float64
	propsNames string // "a, b, c" for messages
}

// compileSchema reads a schema document.
func compileSchema(doc string) (*schemaNode, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, err
	}
	return compileNode(raw)
}

func compileNode(m map[string]any) (*schemaNode, error) {
	n := &schemaNode{}
	for k := range m {
		if !knownKeywords[k] {
			return nil, fmt.Errorf("keyword %q is not supported", k)
		}
	}
	switch t := m["type"].(type) {
	case string:
		n.types = []string{t}
	case []any:
		for _, x := range t {
			s, _ := x.(string)
			n.types = append(n.types, s)
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		n.props = map[string]*schemaNode{}
		var names []string
		for name, sub := range props {
			sm, ok := sub.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("property %s is not a schema", name)
			}
			c, err := compileNode(sm)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			n.props[name] = c
			names = append(names, name)
		}
		sort.Strings(names)
		n.propsNames = strings.Join(names, ", ")
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			s, _ := r.(string)
			n.required = append(n.required, s)
		}
		sort.Strings(n.required)
	}
	if ap, ok := m["additionalProperties"].(bool); ok && !ap {
		n.closed = true
	}
	if items, ok := m["items"].(map[string]any); ok {
		c, err := compileNode(items)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		n.items = c
	}
	if e, ok := m["enum"].([]any); ok {
		n.enum = e
	}
	if v, ok := m["minimum"].(float64); ok {
		n.min = &v
	}
	if v, ok := m["maximum"].(float64); ok {
		n.max = &v
	}
	return n, nil
}

// validate checks v at path ("" for the arguments object) and collects what is wrong.
func (n *schemaNode) validate(path string, v any, out *[]string) {
	where := "arguments"
	if path != "" {
		where = "argument " + path
	}
	if len(n.types) > 0 && !n.typeOK(v) {
		*out = append(*out, fmt.Sprintf("%s: got %s, want %s", where, jsonType(v), strings.Join(n.types, " or ")))
		return
	}
	if len(n.enum) > 0 && !inEnum(n.enum, v) {
		*out = append(*out, fmt.Sprintf("%s: %s is not one of %s", where, show(v), enumList(n.enum)))
		return
	}
	if f, ok := v.(float64); ok {
		if n.min != nil && f < *n.min {
			*out = append(*out, fmt.Sprintf("%s: %s is less than the minimum %s", where, show(v), num(*n.min)))
		}
		if n.max != nil && f > *n.max {
			*out = append(*out, fmt.Sprintf("%s: %s is more than the maximum %s", where, show(v), num(*n.max)))
		}
	}
	switch x := v.(type) {
	case map[string]any:
		var missing []string
		for _, r := range n.required {
			if val, ok := x[r]; !ok || val == nil {
				missing = append(missing, "'"+r+"'")
			}
		}
		if len(missing) > 0 {
			what := "property"
			if len(missing) > 1 {
				what = "properties"
			}
			*out = append(*out, fmt.Sprintf("%s: missing %s %s", where, what, strings.Join(missing, ", ")))
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, ok := n.props[k]
			if !ok {
				if n.closed {
					*out = append(*out, fmt.Sprintf("%s: '%s' not allowed (it takes %s)", where, k, n.propsNames))
				}
				continue
			}
			if x[k] == nil {
				continue // null counts as not given
			}
			sub.validate(join(path, k), x[k], out)
		}
	case []any:
		if n.items != nil {
			for i, e := range x {
				n.items.validate(join(path, strconv.Itoa(i)), e, out)
			}
		}
	}
}

func (n *schemaNode) typeOK(v any) bool {
	for _, t := range n.types {
		switch t {
		case "null":
			if v == nil {
				return true
			}
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == math.Trunc(f) && !math.IsInf(f, 0) {
				return true
			}
		}
	}
	return false
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if e == v {
			return true
		}
	}
	return false
}

func enumList(enum []any) string {
	parts := make([]string, len(enum))
	for i, e := range enum {
		parts[i] = show(e)
	}
	return strings.Join(parts, ", ")
}

// show is a value as a message quotes it: strings in single quotes, cut when long.
func show(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:60] + "..."
		}
		return "'" + x + "'"
	case float64:
		return num(x)
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
