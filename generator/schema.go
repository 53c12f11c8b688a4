package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// refs resolves schemas across the spec and the documents its annotations name.
type refs struct {
	dir, main string
	docs      map[string]*openapi3.T
	loader    *openapi3.Loader
	problems  []string
}

func (r *refs) doc(file string) (*openapi3.T, error) {
	if file == "" {
		file = r.main
	}
	if d, ok := r.docs[file]; ok {
		return d, nil
	}
	d, err := r.loader.LoadFromFile(filepath.Join(r.dir, file))
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", file, err)
	}
	r.docs[file] = d
	return d, nil
}

// lookup resolves "file.yaml#/components/schemas/Name" (or "#/components/schemas/Name").
func (r *refs) lookup(ref string) (*openapi3.SchemaRef, error) {
	file, frag, _ := strings.Cut(ref, "#")
	name, ok := strings.CutPrefix(frag, "/components/schemas/")
	if !ok {
		return nil, fmt.Errorf("$ref %s: only #/components/schemas/NAME is supported", ref)
	}
	d, err := r.doc(file)
	if err != nil {
		return nil, err
	}
	s, ok := d.Components.Schemas[name]
	if !ok || s.Value == nil {
		return nil, fmt.Errorf("$ref %s: no such schema", ref)
	}
	return s, nil
}

// resolveInline converts a JSON Schema written inside an annotation, inlining its $refs.
func (r *refs) resolveInline(m map[string]any) (map[string]any, error) {
	if ref, ok := m["$ref"].(string); ok {
		s, err := r.lookup(ref)
		if err != nil {
			return nil, err
		}
		return r.convert(s), nil
	}
	out := map[string]any{}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if k == "properties" {
				props := map[string]any{}
				for pk, pv := range x {
					pm, ok := pv.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("property %s is not a schema", pk)
					}
					c, err := r.resolveInline(pm)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", pk, err)
					}
					props[pk] = c
				}
				out[k] = props
				continue
			}
			c, err := r.resolveInline(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		default:
			out[k] = v
		}
	}
	return out, nil
}

// convert turns an OpenAPI 3.0 schema into a self-contained JSON Schema: $refs inlined,
// single-element allOf merged, nullable expressed as a type list, extensions dropped. What
// it cannot express is recorded in r.problems, which Load reports.
func (r *refs) convert(sr *openapi3.SchemaRef) map[string]any {
	return r.convertSchema(sr.Value, 0)
}

func (r *refs) convertSchema(s *openapi3.Schema, depth int) map[string]any {
	out := map[string]any{}
	if s == nil {
		return out
	}
	if depth > 20 {
		r.problems = append(r.problems, "a schema nests deeper than 20 levels (a recursive $ref?) and cannot be inlined")
		return out
	}
	if len(s.AllOf) == 1 && s.Type == nil && len(s.Properties) == 0 {
		inner := r.convertSchema(s.AllOf[0].Value, depth+1)
		for k, v := range inner {
			out[k] = v
		}
	} else if len(s.AllOf) > 0 {
		var all []any
		for _, a := range s.AllOf {
			all = append(all, r.convertSchema(a.Value, depth+1))
		}
		out["allOf"] = all
	}
	if s.Type != nil && len(*s.Type) == 1 {
		out["type"] = (*s.Type)[0]
	}
	if s.Nullable {
		if t, ok := out["type"].(string); ok {
			out["type"] = []string{t, "null"}
		}
	}
	if s.Description != "" {
		out["description"] = strings.TrimSpace(s.Description)
	}
	if s.Format != "" {
		out["format"] = s.Format
	}
	if len(s.Enum) > 0 {
		out["enum"] = s.Enum
	}
	if s.Default != nil {
		out["default"] = s.Default
	}
	if s.Min != nil {
		out["minimum"] = *s.Min
	}
	if s.Max != nil {
		out["maximum"] = *s.Max
	}
	if s.Items != nil {
		out["items"] = r.convertSchema(s.Items.Value, depth+1)
	}
	if len(s.Properties) > 0 {
		props := map[string]any{}
		for _, k := range sortedSchemaKeys(s.Properties) {
			props[k] = r.convertSchema(s.Properties[k].Value, depth+1)
		}
		out["properties"] = props
	}
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		out["additionalProperties"] = false
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 || s.Not != nil {
		r.problems = append(r.problems, "oneOf, anyOf and not are not supported in tool schemas")
	}
	if len(s.Required) > 0 {
		req := append([]string{}, s.Required...)
		sort.Strings(req)
		out["required"] = req
	}
	return out
}

func sortedSchemaKeys(m openapi3.Schemas) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
