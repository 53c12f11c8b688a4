package tools_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// awkward secrets: characters that JSON, HTML-safe JSON and URLs all escape differently.
var awkward = []string{`p<&>"\w0rd`, "a b+c/d?e=f&g#h", "tab\there\nnewline", "üñí©ødé-pw", "plain-SENTINEL-1"}

// encodings are the ways a secret comes back from Go, JSON and HTTP: as is, in a JSON string
// (encoding/json's HTML-safe default, as Portainer echoes bodies, and without HTML escaping),
// URL-encoded as a query value and a path segment, in a URL's userinfo, and in base64.
func encodings(s string) map[string]string {
	htmlJSON, _ := json.Marshal(s)
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return map[string]string{
		"raw":         s,
		"json":        string(htmlJSON[1 : len(htmlJSON)-1]),
		"json-plain":  strings.Trim(strings.TrimSpace(plain.String()), `"`),
		"query":       url.QueryEscape(s),
		"path":        url.PathEscape(s),
		"userinfo":    url.UserPassword("deploy", s).String(),
		"base64":      base64.StdEncoding.EncodeToString([]byte(s)),
		"base64url":   base64.RawURLEncoding.EncodeToString([]byte(s)),
		"url-in-text": "https://deploy:" + url.PathEscape(s) + "@git.example.com/x.git",
	}
}

func TestScrubEveryEncoding(t *testing.T) {
	for _, secret := range awkward {
		sc := tools.NewScrubber([]string{secret})
		for name, form := range encodings(secret) {
			text := "before " + form + " after"
			got := sc.String(text)
			if strings.Contains(got, form) {
				t.Errorf("%q in %s form survives: %q", secret, name, got)
			}
			if !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
				t.Errorf("%s: the text around the secret changed: %q", name, got)
			}
		}
	}
}

func TestScrubResultBothForms(t *testing.T) {
	secret := `p<&>"\w0rd`
	structured, _ := json.Marshal(map[string]any{"echo": "x" + secret + "y", "url": "https://u:" + url.PathEscape(secret) + "@git"})
	res := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("said " + secret)}, RawStructuredContent: structured}
	out := tools.NewScrubber([]string{secret}).Result(res)
	raw, _ := json.Marshal(out)
	for name, form := range encodings(secret) {
		if strings.Contains(string(raw), form) {
			t.Errorf("%s form on the wire: %s", name, raw)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(out.RawStructuredContent, &back); err != nil {
		t.Fatalf("scrubbed structured content is not JSON: %v: %s", err, out.RawStructuredContent)
	}
	if !strings.Contains(back["echo"].(string), tools.Redacted) {
		t.Errorf("echo = %q", back["echo"])
	}
}

func TestUserinfoNeverEchoed(t *testing.T) {
	got := tools.NewScrubber(nil).String(`clone of https://someone:unknown-pass@git.example.com/x.git failed; see ssh://git@host/y`)
	if strings.Contains(got, "unknown-pass") || strings.Contains(got, "someone") {
		t.Errorf("userinfo kept: %q", got)
	}
	if !strings.Contains(got, "git.example.com/x.git") {
		t.Errorf("the rest of the URL was lost: %q", got)
	}
	for in, want := range map[string]string{
		"https://u:p@h/x":   "https://[REDACTED]@h/x",
		"https//u:pw@h":     "https//[REDACTED]@h",
		"u:pw@h:x":          "u:[REDACTED]@h:x",
		"https://h/no-info": "https://h/no-info",
		// The user of an SSH address is a login name, shown; a user alone elsewhere may be a
		// token, hidden.
		"git@github.com:acme/shop.git":     "git@github.com:acme/shop.git",
		"ssh://git@github.com/acme/shop":   "ssh://git@github.com/acme/shop",
		"ssh://git:pw@github.com/acme/x":   "ssh://git:[REDACTED]@github.com/acme/x",
		"https://ghp-token@github.com/a/b": "https://[REDACTED]@github.com/a/b",
	} {
		if got := tools.HideUserinfo(in); got != want {
			t.Errorf("HideUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzScrub: whatever the secret and the text around it, no encoding of the secret survives
// and structured content stays valid JSON.
func FuzzScrub(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, "prefix", "suffix")
	}
	f.Add("aaa", "aa", "aa")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < 3 {
			return
		}
		sc := tools.NewScrubber([]string{secret})
		// What survives, with the marker cut out so that it cannot form the secret with its
		// neighbours ("]00" from "[REDACTED]" + "00").
		survives := func(got string) bool {
			for _, part := range strings.Split(got, tools.Redacted) {
				if strings.Contains(part, secret) {
					return true
				}
			}
			return false
		}
		if strings.Contains(before, secret) || strings.Contains(after, secret) {
			return
		}
		for name, form := range encodings(secret) {
			got := sc.String(before + form + after)
			if survives(got) && !strings.Contains(before+after, secret) {
				t.Fatalf("raw secret %q survives the %s form: %q", secret, name, got)
			}
		}
		structured, _ := json.Marshal(map[string]string{"v": before + secret + after})
		res := sc.Result(&mcp.CallToolResult{RawStructuredContent: structured})
		if !json.Valid(res.RawStructuredContent) {
			t.Fatalf("invalid JSON after scrubbing: %s", res.RawStructuredContent)
		}
		if survives(string(res.RawStructuredContent)) {
			t.Fatalf("secret survives in structured content: %s", res.RawStructuredContent)
		}
	})
}

// TestURLPasswordsFound: the password of a URL in an argument is scrubbed from the answer even
// when it holds characters that end a word elsewhere (quotes, '<', '>').
func TestURLPasswordsFound(t *testing.T) {
	for url, want := range map[string]string{
		"https://deploy:plain-pw@git.example.com/x.git":  "plain-pw",
		`https://deploy:p<a>"ss'd@git.example.com/x.git`: `p<a>"ss'd`,
		"https://deploy:p%3Ca%3E@git.example.com/x.git":  "p<a>",
		"clone of https://u:sp@ce-pw@h/x failed":         "sp@ce-pw",
		"git:scp-pw@github.com:acme/shop.git":            "scp-pw",
	} {
		if got := tools.UserinfoPasswords(url); !slices.Contains(got, want) {
			t.Errorf("UserinfoPasswords(%q) = %q, want %q among them", url, got, want)
		}
	}
}
