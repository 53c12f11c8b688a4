package tools_test

import (
	"testing"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

func TestFullVersion(t *testing.T) {
	for in, want := range map[string]string{
		"2.45": "2.45.0", "v2.39.0": "2.39.0", " 2.23.1 ": "2.23.1", "2.45.1-rc1": "2.45.1",
		"latest": "", "2": "", "": "", "two.four": "",
	} {
		got, ok := tools.FullVersion(in)
		if got != want || ok != (want != "") {
			t.Errorf("FullVersion(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
