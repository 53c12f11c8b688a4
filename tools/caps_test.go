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
		{"2.41.0", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true}, "STS", ""},
		{"2.41.1", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true}, "STS", ""},
		{"2.42.0", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true}, "STS", ""},
		{"2.43.0", "CE", Behaviours{MinInterval: true, RedeployAuthFlagNeeded: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, PreviewBySource: true}, "STS", ""},
		{"2.44.0", "EE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewBySource: true, SharedGitCredentials: true}, "STS", ""},
		{"2.45.0", "CE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewBySource: true, SharedGitCredentials: true, ReportsSupport: true, EdgeStatusPerEnvironment: true}, "LTS", ""},
		{"2.47.0", "BE", Behaviours{MinInterval: true, InPlaceGitChange: true, AsyncDeploy: true, ErroredStackStart: true, RedeployKeepsOmitted: true, SourcesList: true, GitSources: true, SourcePolling: true, ForceUpdatePolls: true, PreviewBySource: true, SharedGitCredentials: true, ReportsSupport: true, EdgeStatusPerEnvironment: true}, "STS", "newer than 2.45"},
		{"2.31.2", "EE", Behaviours{RedeployAuthFlagNeeded: true}, "STS", ""},
		{"2.9.3", "CE", Behaviours{RedeployAuthFlagNeeded: true}, "STS", "older than 2.19"},
		{"banana", "CE", releases[len(releases)-1].B, "", "cannot be read"},
	}
	for _, c := range cases {
		got := CapsFor(c.version, c.edition, "")
		if got.Behaviours != c.want {
			t.Errorf("%s: behaviours %+v, want %+v", c.version, got.Behaviours, c.want)
		}
		if be := c.edition == "BE" || c.edition == "EE"; got.BusinessEdition() != be {
			t.Errorf("%s %s: BusinessEdition() = %v", c.version, c.edition, got.BusinessEdition())
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

func TestSchemaValidation(t *testing.T) {
	n, err := compileSchema(`{"type":"object","additionalProperties":false,"required":["id","name"],"properties":{
		"id":{"type":"integer","minimum":1},"name":{"type":"string"},"kind":{"type":"string","enum":["a","b"]},
		"tags":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["k"],"properties":{"k":{"type":"string"},"v":{"type":["string","null"]}}}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"id": 1.0, "name": "x"}, ""},
		{map[string]any{"id": 1.0, "name": "x", "tags": []any{map[string]any{"k": "a", "v": nil}}}, ""},
		{map[string]any{"name": "x"}, "arguments: missing property 'id'"},
		{map[string]any{}, "arguments: missing properties 'id', 'name'"},
		{map[string]any{"id": 1.5, "name": "x"}, "argument id: got number, want integer"},
		{map[string]any{"id": 0.0, "name": "x"}, "argument id: 0 is less than the minimum 1"},
		{map[string]any{"id": 1.0, "name": 3.0}, "argument name: got integer, want string"},
		{map[string]any{"id": 1.0, "name": "x", "kind": "c"}, "argument kind: 'c' is not one of 'a', 'b'"},
		{map[string]any{"id": 1.0, "name": "x", "tags": []any{map[string]any{"k": "a", "x": 1.0}}}, "argument tags.0: 'x' not allowed (it takes k, v)"},
		{map[string]any{"id": 1.0, "name": "x", "tags": []any{map[string]any{}}}, "argument tags.0: missing property 'k'"},
		{map[string]any{"id": 1.0, "name": "x", "tags": "no"}, "argument tags: got string, want array"},
	}
	for _, c := range cases {
		var msgs []string
		n.validate("", c.args, &msgs)
		got := strings.Join(msgs, "; ")
		if got != c.want {
			t.Errorf("%v: got %q, want %q", c.args, got, c.want)
		}
	}
	if _, err := compileSchema(`{"type":"object","oneOf":[]}`); err == nil {
		t.Error("an unsupported keyword compiled")
	}
}
