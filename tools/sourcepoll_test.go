package tools

import (
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/gen/views"
)

// TestEffectiveGitops: the one computation of a stack's GitOps settings as they work. Before
// 2.44, or with no Source, the stack's own; from 2.44 its Source's interval with its own
// webhook and options; never the runtime JobID; nil when nothing updates the stack.
func TestEffectiveGitops(t *testing.T) {
	polls := &sourceInfo{views.SourceView{Id: 1, Interval: ptr("5m")}}
	still := &sourceInfo{views.SourceView{Id: 2}}
	own := &papi.AutoUpdateSettings{Interval: ptr("10m"), Webhook: ptr("hook-1"), JobID: ptr("job-7"), ForceUpdate: ptr(true)}
	hookOnly := &papi.AutoUpdateSettings{Webhook: ptr("hook-1"), JobID: ptr("job-7")}
	cleared := &papi.AutoUpdateSettings{Interval: ptr(""), JobID: ptr("job-7")} // after the 2.44 migration
	sourcePolling := Caps{Behaviours: Behaviours{GitSources: true, SourcePolling: true}}
	sourcesOnly := Caps{Behaviours: Behaviours{GitSources: true}}
	cases := []struct {
		name     string
		src      *sourceInfo
		caps     Caps
		au       *papi.AutoUpdateSettings
		mech     views.GitopsSettingsMechanism
		interval string
	}{
		{"own settings before 2.43", nil, Caps{}, own, views.GitopsSettingsMechanismPollingWebhook, "10m"},
		{"own settings on 2.43, Source or not", polls, sourcesOnly, own, views.GitopsSettingsMechanismPollingWebhook, "10m"},
		{"Source unknown from 2.44", nil, sourcePolling, own, views.GitopsSettingsMechanismPollingWebhook, "10m"},
		{"the Source's interval wins", polls, sourcePolling, own, views.GitopsSettingsMechanismPollingWebhook, "5m"},
		{"a Source that polls a stack with none of its own", polls, sourcePolling, nil, views.GitopsSettingsMechanismPolling, "5m"},
		{"a Source that polls a migrated stack", polls, sourcePolling, cleared, views.GitopsSettingsMechanismPolling, "5m"},
		{"a Source that does not poll", still, sourcePolling, own, views.GitopsSettingsMechanismWebhook, ""},
		{"nothing at all", still, sourcePolling, cleared, views.GitopsSettingsMechanismNone, ""},
		{"a webhook alone", nil, Caps{}, hookOnly, views.GitopsSettingsMechanismWebhook, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before papi.AutoUpdateSettings
			if c.au != nil {
				before = *c.au
			}
			got := c.src.poll(c.caps).apply(c.au)
			if mechanism(got) != c.mech || deref(deref(got).Interval) != c.interval {
				t.Errorf("got %s %q, want %s %q", mechanism(got), deref(deref(got).Interval), c.mech, c.interval)
			}
			if c.mech == views.GitopsSettingsMechanismNone && got != nil {
				t.Errorf("nothing updates the stack, but the result is %+v, not nil", *got)
			}
			if got != nil && got.JobID != nil {
				t.Errorf("the runtime JobID is kept: %q", *got.JobID)
			}
			if got != nil && c.au != nil && deref(got.ForceUpdate) != deref(c.au.ForceUpdate) {
				t.Errorf("force_update %v, the stack's is %v", deref(got.ForceUpdate), deref(c.au.ForceUpdate))
			}
			if c.au != nil && (deref(c.au.Interval) != deref(before.Interval) || c.au.JobID != before.JobID) {
				t.Errorf("the stack's own settings were changed: %+v", *c.au)
			}
		})
	}
}
