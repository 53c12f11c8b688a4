package tools

import (
	"slices"
	"testing"
)

// TestArgSecrets: the secrets a call carries are found by the one naming rule, in top-level
// arguments, in env lists and in URLs; ordinary values are not.
func TestArgSecrets(t *testing.T) {
	a := Args{
		"password":       "pw-top-level",
		"name":           "web",
		"repository_url": "https://bob:pw-in-url@git.example.com/r.git",
		"env": []any{
			map[string]any{"name": "DB_PASSWORD", "value": "pw-in-env"},
			map[string]any{"name": "AWS_ACCESS_KEY_ID", "value": "key-in-env"},
			map[string]any{"name": "LOG_LEVEL", "value": "debug"},
		},
		"set_env":   []any{map[string]any{"name": "Stripe_ApiKey", "value": "key-in-set-env"}},
		"unset_env": []any{"OLD_TOKEN"},
	}
	got := argSecrets(a)
	for _, want := range []string{"pw-top-level", "pw-in-url", "pw-in-env", "key-in-env", "key-in-set-env"} {
		if !slices.Contains(got, want) {
			t.Errorf("%q not found among the secrets: %q", want, got)
		}
	}
	for _, not := range []string{"web", "debug", "OLD_TOKEN"} {
		if slices.Contains(got, not) {
			t.Errorf("%q taken for a secret: %q", not, got)
		}
	}
}
