package tools

import (
	"strings"
	"testing"
)

func TestCapsFor(t *testing.T) {
	cases := []struct {
		version, edition string
		want             Behaviours
		support, warning string
	}{
		{"2.23.0", "CE", Behaviours{RedeployAuthFlagNeeded: true}, "STS", ""},
		{"2.33.1", "CE", Behaviours{RedeployAuthFlagNeeded: true}, "LTS", ""},
		{"2.33.2", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true}, "LTS", ""},
		{"2.39.5", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true}, "LTS", ""},
		{"2.40.0", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true}, "STS", ""},
		{"2.41.1", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true}, "STS", ""},
		{"2.43.0", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, GitSources: true, PreviewByStack: true}, "STS", ""},
		{"2.44.0", "EE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewByStack: true, BusinessEdition: true}, "STS", ""},
		{"2.45.0", "CE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewByStack: true, ReportsSupport: true}, "LTS", ""},
		{"2.47.0", "BE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewByStack: true, ReportsSupport: true, BusinessEdition: true}, "STS", "newer than 2.45"},
		{"2.9.3", "CE", Behaviours{RedeployAuthFlagNeeded: true}, "STS", "older than 2.19"},
		{"banana", "CE", releases[len(releases)-1].B, "", "cannot be read"},
	}
	for _, c := range cases {
		got := CapsFor(c.version, c.edition, "")
		if got.Behaviours != c.want {
			t.Errorf("%s: behaviours %+v, want %+v", c.version, got.Behaviours, c.want)
		}
		if got.Support != c.support {
			t.Errorf("%s: support %q, want %q", c.version, got.Support, c.support)
		}
		if (c.warning == "") != (got.Warning == "") || !strings.Contains(got.Warning, c.warning) {
			t.Errorf("%s: warning %q, want one containing %q", c.version, got.Warning, c.warning)
		}
	}
	if got := CapsFor("2.45.0", "CE", "LTS").Support; got != "LTS" {
		t.Errorf("Portainer's own VersionSupport is not used: %q", got)
	}
}

// TestOneTable: no overlay compares version numbers; they ask the capability table.
func TestOneTable(t *testing.T) {
	for _, name := range goFiles(t) {
		if name == "caps.go" {
			continue
		}
		src := readFile(t, name)
		for _, bad := range []string{"parseVersion(", "\"2.4", "\"2.3", "\"2.2", "ServerVersion"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s mentions %s: versions are mapped to behaviours in caps.go only", name, bad)
			}
		}
	}
}
