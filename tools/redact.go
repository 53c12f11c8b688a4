package tools

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// secretArg tells whether an argument holds a secret.
func secretArg(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "token") || strings.Contains(n, "secret")
}

// argSecrets collects the secret values a call carries.
func argSecrets(a Args) []string {
	var out []string
	for k, v := range a {
		if s, ok := v.(string); ok && secretArg(k) && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Scrub replaces every secret in text.
func Scrub(text string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			text = strings.ReplaceAll(text, s, "[REDACTED]")
		}
	}
	return text
}

// RedactResult is the last line of defence: whatever a handler returns, no secret the
// server holds or the call carried leaves in it.
func RedactResult(r *mcp.CallToolResult, secrets []string) *mcp.CallToolResult {
	if r == nil || len(secrets) == 0 {
		return r
	}
	for i, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			t.Text = Scrub(t.Text, secrets)
			r.Content[i] = t
		}
	}
	if r.StructuredContent != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.StructuredContent); err == nil {
			raw := bytes.TrimSpace(buf.Bytes())
			clean := Scrub(string(raw), jsonForms(secrets))
			if clean != string(raw) {
				var v any
				if json.Unmarshal([]byte(clean), &v) == nil {
					r.StructuredContent = v
				}
			}
		}
	}
	return r
}

// jsonForms adds each secret as it appears inside a JSON string (quotes and backslashes
// escaped), so that scrubbing encoded results finds it too.
func jsonForms(secrets []string) []string {
	out := append([]string{}, secrets...)
	for _, s := range secrets {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err == nil {
			raw := bytes.TrimSpace(buf.Bytes())
			if e := string(raw[1 : len(raw)-1]); e != s {
				out = append(out, e)
			}
		}
	}
	return out
}
