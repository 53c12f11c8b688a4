package tools_test

import (
	"strings"
	"testing"
)

// noLeakOf fails when secret appears, in any of the encodings a secret comes back in, in a
// tool answer or the log so far.
func (h *harness) noLeakOf(secret string) {
	h.t.Helper()
	for name, form := range encodings(secret) {
		for _, s := range append(append([]string{}, h.seen...), h.log.String()) {
			if strings.Contains(s, form) {
				h.t.Fatalf("the secret %q appears in its %s form: %s", secret, name, s)
			}
		}
	}
}

// TestRepositoryURLErrors: an SSH address is quoted with its user (a login name, not a
// secret), only a password is hidden; a URL with a password is refused as carrying
// credentials whatever characters the password has; no form of the password is ever shown.
func TestRepositoryURLErrors(t *testing.T) {
	h := newHarness(t)
	const odd = `p<a>"ss-7Qz`
	cases := []struct {
		name, url string
		want      []string
		secret    string
	}{
		{"scp-like SSH address", "git@github.com:acme/shop.git", []string{`"git@github.com:acme/shop.git" is an SSH address`, "https"}, ""},
		{"scp-like with a password", "git:scp-Secret-91@github.com:acme/shop.git", []string{`"git:[REDACTED]@github.com:acme/shop.git" is an SSH address`}, "scp-Secret-91"},
		{"plain password", "https://deploy:plain-Secret-5@git.example.com/x.git", []string{"carries credentials", "username and password"}, "plain-Secret-5"},
		{"password with <>\"", "https://deploy:" + odd + "@git.example.com/x.git", []string{"carries credentials", "username and password"}, odd},
		{"escaped password with <>\"", "https://deploy:p%3Ca%3E%22ss-7Qz@git.example.com/x.git", []string{"carries credentials"}, odd},
		{"token as user", "https://ghp-Token-0042@github.com/acme/shop.git", []string{"carries credentials"}, "ghp-Token-0042"},
		{"malformed with a password", "https//deploy:mal-Secret-3@git.example.com/x.git", []string{"is not a URL like"}, "mal-Secret-3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, tool := range []string{"create_stack_from_git", "validate_git_repository"} {
				args := map[string]any{"repository_url": c.url}
				if tool == "create_stack_from_git" {
					args["environment_id"], args["name"] = 1, "shop"
				}
				txt := h.fails(tool, args, c.want...)
				// A read-only tool changes nothing anyway, so only the write says so.
				if changes := tool != "validate_git_repository"; changes != strings.Contains(txt, "Nothing was changed") {
					t.Errorf("%s: %s", tool, txt)
				}
			}
			if c.secret != "" {
				h.noLeakOf(c.secret)
			}
		})
	}
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("refused URLs reached Portainer: %v", h.sim.Requests())
	}
}
