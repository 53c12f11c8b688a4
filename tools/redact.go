package tools

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// Redacted replaces a secret in every answer, error and log line.
const Redacted = "[REDACTED]"

// minSecret is the shortest value treated as a secret: shorter ones would blank ordinary
// words and numbers out of answers.
const minSecret = 3

// secretName tells, by its name, an argument or env variable whose value is a secret.
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "secret", "token", "apikey", "api_key", "private_key", "credential", "access_key"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// argSecrets collects the secret values a call carries: arguments named for secrets, the
// values of env variables named for secrets (env, set_env: lists of name and value), and
// passwords written into URL-like arguments (user:password@host), even malformed ones.
func argSecrets(a Args) []string {
	var out []string
	for k, v := range a {
		if pairs, ok := v.([]any); ok {
			for _, p := range pairs {
				if m, ok := p.(map[string]any); ok {
					name, _ := m["name"].(string)
					if value, _ := m["value"].(string); value != "" && secretName(name) {
						out = append(out, value)
					}
				}
			}
			continue
		}
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		if secretName(k) {
			out = append(out, s)
		}
		out = append(out, userinfoPasswords(s)...)
	}
	return out
}

// userinfoPasswords finds the password of every user:password@ in s, and the userinfo of a
// URL whose password holds characters that usually end a word (a quote, '<', '>'): after a
// scheme, everything up to the last '@' before the next space.
func userinfoPasswords(s string) []string {
	var out []string
	add := func(pw string) {
		if len(pw) < minSecret {
			return
		}
		if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
			out = append(out, dec)
		}
		out = append(out, pw)
	}
	for rest := s; ; {
		at := strings.Index(rest, "@")
		if at < 0 {
			break
		}
		head := rest[:at]
		if i := strings.LastIndexAny(head, "/ \t\n\"'"); i >= 0 {
			head = head[i+1:]
		}
		if c := strings.Index(head, ":"); c >= 0 {
			add(head[c+1:])
		}
		rest = rest[at+1:]
	}
	for rest := s; ; {
		i := strings.Index(rest, "://")
		if i < 0 {
			return out
		}
		rest = rest[i+3:]
		word := rest
		if end := strings.IndexAny(word, " \t\n"); end >= 0 {
			word = word[:end]
		}
		if at := strings.LastIndex(word, "@"); at > 0 {
			if _, pw, ok := strings.Cut(word[:at], ":"); ok {
				add(pw)
			}
		}
	}
}

// secretForms is every way a secret can appear in what Go, JSON and HTTP produce: as is,
// inside a JSON string (with and without HTML escaping: Portainer echoes request bodies
// with \u0026 for &), URL-encoded as a query value, a path segment or userinfo, and in
// base64 (basic authentication, headers echoed back).
func secretForms(secrets []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= minSecret && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		add(s)
		if raw, err := json.Marshal(s); err == nil { // HTML-escaped, as encoding/json does by default
			add(string(raw[1 : len(raw)-1]))
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(s) == nil {
			raw := bytes.TrimSpace(buf.Bytes())
			add(string(raw[1 : len(raw)-1]))
		}
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		add(url.UserPassword("u", s).String()[2:])
		add(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"))
		add(base64.StdEncoding.EncodeToString([]byte(s)))
		add(base64.RawStdEncoding.EncodeToString([]byte(s)))
		add(base64.URLEncoding.EncodeToString([]byte(s)))
		add(base64.RawURLEncoding.EncodeToString([]byte(s)))
	}
	// Longest first, so a form that contains another is replaced whole.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Scrubber removes secrets, in every form, and the userinfo of URLs from text.
type Scrubber struct {
	r *strings.Replacer
}

// NewScrubber prepares the replacements for a set of secrets (nil ones are skipped).
func NewScrubber(secrets []string) *Scrubber {
	forms := secretForms(secrets)
	if len(forms) == 0 {
		return &Scrubber{}
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &Scrubber{r: strings.NewReplacer(pairs...)}
}

// userinfoRe finds user:password@ (or user@) after a URL scheme.
var userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s"'<>]+@`)

// String scrubs text.
func (s *Scrubber) String(text string) string {
	if s.r != nil {
		text = s.r.Replace(text)
	}
	if strings.Contains(text, "@") && strings.Contains(text, "://") {
		text = userinfoRe.ReplaceAllString(text, "${1}"+Redacted+"@")
	}
	return text
}

// Scrub replaces every secret in text (a convenience for one-off texts).
func Scrub(text string, secrets []string) string {
	return NewScrubber(secrets).String(text)
}

// Result scrubs a tool result in place: every text part, and the structured content's bytes
// once (a result built as a Go value is encoded first).
func (s *Scrubber) Result(r *mcp.CallToolResult) *mcp.CallToolResult {
	if r == nil {
		return r
	}
	for i, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			t.Text = s.String(t.Text)
			r.Content[i] = t
		}
	}
	if len(r.RawStructuredContent) == 0 && r.StructuredContent != nil {
		if raw, err := encodeJSON(r.StructuredContent); err == nil {
			r.RawStructuredContent = raw
		}
	}
	if len(r.RawStructuredContent) > 0 {
		clean := s.String(string(r.RawStructuredContent))
		if clean != string(r.RawStructuredContent) {
			if !json.Valid([]byte(clean)) { // never send the unscrubbed form instead
				clean = `{"withheld":"the result contained a secret and could not be cleaned; see the text"}`
			}
			r.RawStructuredContent = json.RawMessage(clean)
		}
		r.StructuredContent = nil
	}
	return r
}
