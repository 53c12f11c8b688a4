package sim_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

func stackNames(stacks []papi.Stack) []string {
	var names []string
	for _, s := range stacks {
		names = append(names, deref(s.Name))
	}
	return names
}

func TestStackListFilters(t *testing.T) {
	h := newHarness(t, sim.Options{})
	tests := []struct {
		name    string
		filters *string
		want    []string
	}{
		{"no filter", nil, []string{"web", "monitoring", "api", "legacy"}},
		{"empty object", ptr(`{}`), []string{"web", "monitoring", "api", "legacy"}},
		{"environment: compose stacks only", ptr(`{"EndpointID":1}`), []string{"web", "monitoring", "legacy"}},
		{"environment of the swarm has no compose stack", ptr(`{"EndpointID":2}`), nil},
		{"swarm: swarm stacks only", ptr(`{"SwarmID":"` + sim.SeedSwarmID + `"}`), []string{"api"}},
		{"unknown swarm", ptr(`{"SwarmID":"other"}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.c.StackListWithResponse(h.ctx, &papi.StackListParams{Filters: tt.filters})
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, resp.StatusCode(), resp.Body, 200)
			if got := stackNames(*resp.JSON200); !slices.Equal(got, tt.want) {
				t.Errorf("stacks = %v, want %v", got, tt.want)
			}
		})
	}
	resp, err := h.c.StackListWithResponse(h.ctx, &papi.StackListParams{Filters: ptr(`{"EndpointID":`)})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode(), resp.Body, 400, "Invalid query parameter: filters")
}

func TestUnknownStackIs404(t *testing.T) {
	h := newHarness(t, sim.Options{})
	const id = 404
	calls := map[string]func() (int, []byte, error){
		"inspect": func() (int, []byte, error) {
			r, err := h.c.StackInspectWithResponse(h.ctx, id)
			return code(r, err)
		},
		"file": func() (int, []byte, error) {
			r, err := h.c.StackFileInspectWithResponse(h.ctx, id)
			return code(r, err)
		},
		"delete": func() (int, []byte, error) {
			r, err := h.c.StackDeleteWithResponse(h.ctx, id, &papi.StackDeleteParams{})
			return code(r, err)
		},
		"start": func() (int, []byte, error) {
			r, err := h.c.StackStartWithResponse(h.ctx, id, &papi.StackStartParams{EndpointId: 1})
			return code(r, err)
		},
		"stop": func() (int, []byte, error) {
			r, err := h.c.StackStopWithResponse(h.ctx, id, &papi.StackStopParams{EndpointId: 1})
			return code(r, err)
		},
		"update": func() (int, []byte, error) {
			r, err := h.c.StackUpdateWithResponse(h.ctx, id, &papi.StackUpdateParams{EndpointId: 1}, papi.StackUpdatePayload{StackFileContent: ptr(composeOK)})
			return code(r, err)
		},
		"update git": func() (int, []byte, error) {
			r, err := h.c.StackUpdateGitWithResponse(h.ctx, id, &papi.StackUpdateGitParams{}, papi.StackGitUpdatePayload{})
			return code(r, err)
		},
		"redeploy": func() (int, []byte, error) {
			r, err := h.c.StackGitRedeployWithResponse(h.ctx, id, &papi.StackGitRedeployParams{}, papi.StackGitRedeployPayload{})
			return code(r, err)
		},
		"migrate": func() (int, []byte, error) {
			r, err := h.c.StackMigrateWithResponse(h.ctx, id, &papi.StackMigrateParams{}, papi.StackMigratePayload{EndpointID: 3})
			return code(r, err)
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			status, body, err := call()
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, status, body, 404, "Unable to find a stack with the specified identifier inside the database", "Object not found inside the database (bucket=stacks, key=404)")
		})
	}
}

// code extracts status and body from any generated response.
func code(r interface{ StatusCode() int }, err error) (int, []byte, error) {
	if err != nil {
		return 0, nil, err
	}
	return r.StatusCode(), reflect.ValueOf(r).Elem().FieldByName("Body").Bytes(), nil
}

func TestCreateFromString(t *testing.T) {
	h := newHarness(t, sim.Options{})
	create := func(env int, name, content string) *papi.StackCreateDockerStandaloneStringResponse {
		t.Helper()
		resp, err := h.c.StackCreateDockerStandaloneStringWithResponse(h.ctx,
			&papi.StackCreateDockerStandaloneStringParams{EndpointId: env},
			papi.ComposeStackFromStringPayload{Name: name, StackFileContent: content})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	first := create(1, "Shop", composeOK)
	wantStatus(t, first.StatusCode(), first.Body, 200)
	second := create(1, "Blog_2", composeOK)
	wantStatus(t, second.StatusCode(), second.Body, 200)
	if deref(first.JSON200.Id) != 5 || deref(second.JSON200.Id) != 6 {
		t.Errorf("ids %d and %d, want 5 and 6 after the 4 seed stacks", deref(first.JSON200.Id), deref(second.JSON200.Id))
	}
	if got := first.JSON200; deref(got.Name) != "shop" || deref(got.Type) != papi.StackTypeCompose ||
		deref(got.Status) != papi.StackStatusActive || deref(got.EndpointId) != 1 || got.GitConfig != nil {
		t.Errorf("created stack = %s", first.Body)
	}

	tests := []struct {
		name, stack, content string
		env                  int
		status               int
		message              string
	}{
		{"duplicate name, other case", "WEB", composeOK, 1, 409, "A stack with the normalized name 'web' already exists"},
		{"duplicate after normalizing", "sh op!", composeOK, 1, 409, "normalized name 'shop'"},
		{"empty name", "", composeOK, 1, 400, "Invalid request payload"},
		{"empty file", "empty", "", 1, 400, "Invalid request payload"},
		{"invalid YAML", "broken", "services: [", 1, 500, "failed to deploy a stack: yaml:"},
		{"no services", "noservices", "version: '3'\n", 1, 500, "services must be a mapping"},
		{"service without image", "noimage", "services:\n  app:\n    ports: ['80:80']\n", 1, 500, `service "app" has neither an image nor a build context`},
		{"image that does not exist", "badimage", "services:\n  app:\n    image: acme/does-not-exist:1\n", 1, 500, "pull access denied for acme/does-not-exist"},
		{"project name compose refuses", "-dash", composeOK, 1, 500, "invalid project name"},
		{"unknown environment", "lost", composeOK, 42, 404, "Unable to find an environment with the specified identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.sim.Stacks())
			resp := create(tt.env, tt.stack, tt.content)
			wantError(t, resp.StatusCode(), resp.Body, tt.status, tt.message)
			if after := len(h.sim.Stacks()); after != before {
				t.Errorf("a failed create left a stack behind (%d -> %d)", before, after)
			}
		})
	}

	t.Run("same name on another environment", func(t *testing.T) {
		resp := create(3, "web", composeOK)
		wantStatus(t, resp.StatusCode(), resp.Body, 200)
		if deref(resp.JSON200.EndpointId) != 3 {
			t.Errorf("environment = %d", deref(resp.JSON200.EndpointId))
		}
	})

	t.Run("env is stored and returned", func(t *testing.T) {
		id := h.createCompose(t, 1, "withenv", composeOK, papi.Pair{Name: "A", Value: ptr("1")})
		st := h.state(t, id)
		if env := deref(st.Stack.Env); len(env) != 1 || env[0].Name != "A" || deref(env[0].Value) != "1" || st.File != composeOK || st.Deploys != 1 {
			t.Errorf("state = %+v", st)
		}
	})
}

func TestCreateSwarmFromString(t *testing.T) {
	h := newHarness(t, sim.Options{})
	tests := []struct {
		name    string
		env     int
		swarmID string
		status  int
		message string
	}{
		{"on the swarm", 2, sim.SeedSwarmID, 200, ""},
		{"missing swarm id", 2, "", 400, "Invalid request payload"},
		{"not a swarm manager", 1, "whatever", 500, "This node is not a swarm manager"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.c.StackCreateDockerSwarmStringWithResponse(h.ctx,
				&papi.StackCreateDockerSwarmStringParams{EndpointId: tt.env},
				papi.SwarmStackFromStringPayload{Name: "svc" + strings.Repeat("x", i), SwarmID: tt.swarmID, StackFileContent: composeOK})
			if err != nil {
				t.Fatal(err)
			}
			if tt.status == 200 {
				wantStatus(t, resp.StatusCode(), resp.Body, 200)
				if deref(resp.JSON200.Type) != papi.StackTypeSwarm || deref(resp.JSON200.SwarmId) != sim.SeedSwarmID {
					t.Errorf("stack = %s", resp.Body)
				}
				return
			}
			wantError(t, resp.StatusCode(), resp.Body, tt.status, tt.message)
		})
	}
}

func TestStartStop(t *testing.T) {
	h := newHarness(t, sim.Options{})
	start := func(id int) (int, []byte) {
		r, err := h.c.StackStartWithResponse(h.ctx, id, &papi.StackStartParams{EndpointId: 1})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body
	}
	stop := func(id int) (int, []byte) {
		r, err := h.c.StackStopWithResponse(h.ctx, id, &papi.StackStopParams{EndpointId: 1})
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode(), r.Body
	}
	// PB, measured on 2.23: starting an active stack is a 409 about its own name.
	status, body := start(1)
	wantError(t, status, body, 409, "A stack with the name 'web' is already running", "A stack with the name 'web' is already running")
	status, body = stop(4)
	wantError(t, status, body, 400, "Stack is already inactive")

	status, body = stop(1)
	wantStatus(t, status, body, 200)
	if st := h.state(t, 1); deref(st.Stack.Status) != papi.StackStatusInactive {
		t.Errorf("status after stop = %d", deref(st.Stack.Status))
	}
	status, body = start(1)
	wantStatus(t, status, body, 200)
	if st := h.state(t, 1); deref(st.Stack.Status) != papi.StackStatusActive {
		t.Errorf("status after start = %d", deref(st.Stack.Status))
	}

	// Stopping a Git stack stops its polling job; starting it restarts the job.
	status, body = stop(2)
	wantStatus(t, status, body, 200)
	if h.state(t, 2).JobRunning {
		t.Error("the polling job still runs after stop")
	}
	status, body = start(2)
	wantStatus(t, status, body, 200)
	if !h.state(t, 2).JobRunning {
		t.Error("the polling job did not restart")
	}
}

func TestSwarmRestartDelay(t *testing.T) {
	h := newHarness(t, sim.Options{SwarmRestartDelay: 200 * time.Millisecond})
	r, err := h.c.StackStopWithResponse(h.ctx, 3, &papi.StackStopParams{EndpointId: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r.StatusCode(), r.Body, 200)
	again, err := h.c.StackStartWithResponse(h.ctx, 3, &papi.StackStartParams{EndpointId: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, again.StatusCode(), again.Body, 500, "Unable to start stack", "Network api_default not found")
}

func TestDeleteKeepsVolumes(t *testing.T) {
	h := newHarness(t, sim.Options{})
	if slices.Contains(h.sim.Volumes(1), "fresh") {
		t.Fatal("volumes before the stack exists")
	}
	withVolume := "services:\n  web:\n    image: nginx\n    volumes: ['data:/d']\nvolumes:\n  data:\n"
	fresh := h.createCompose(t, 1, "fresh", withVolume)
	del, err := h.c.StackDeleteWithResponse(h.ctx, fresh, &papi.StackDeleteParams{})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
	get, err := h.c.StackInspectWithResponse(h.ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, get.StatusCode(), get.Body, 404, "Unable to find a stack")
	if !slices.Contains(h.sim.Volumes(1), "fresh") {
		t.Errorf("volumes of environment 1 = %v, want fresh kept after compose down", h.sim.Volumes(1))
	}
	del, err = h.c.StackDeleteWithResponse(h.ctx, 1, &papi.StackDeleteParams{})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)

	same := h.createCompose(t, 1, "web", withVolume)
	renamed := h.createCompose(t, 1, "web2", withVolume)
	elsewhere := h.createCompose(t, 3, "web", withVolume)
	if !h.state(t, same).VolumesReused {
		t.Error("a same-name re-create did not get the old volumes")
	}
	if h.state(t, renamed).VolumesReused || h.state(t, elsewhere).VolumesReused {
		t.Error("a renamed stack or one on another environment got the old volumes")
	}

	// With an environment id.
	del, err = h.c.StackDeleteWithResponse(h.ctx, renamed, &papi.StackDeleteParams{EndpointId: ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
	// Deleting a Git stack frees its webhook: the URL answers 404 and the id can be reused.
	hooked := h.createPrivate(t, "hooked", hook1)
	del, err = h.c.StackDeleteWithResponse(h.ctx, hooked, &papi.StackDeleteParams{})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, del.StatusCode(), del.Body, http.StatusNoContent)
	status, body := h.do(t, "POST", "/api/stacks/webhooks/"+hook1, "", nil)
	wantError(t, status, body, 404, "Unable to find the stack by webhook ID")
	h.createPrivate(t, "hooked-again", hook1)
}

func TestMigrate(t *testing.T) {
	h := newHarness(t, sim.Options{})
	migrate := func(id int, p papi.StackMigratePayload) *papi.StackMigrateResponse {
		r, err := h.c.StackMigrateWithResponse(h.ctx, id, &papi.StackMigrateParams{}, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mover := h.createCompose(t, 1, "mover", "services:\n  db:\n    image: postgres\n    volumes: ['pg:/var/lib/postgresql/data']\nvolumes:\n  pg:\n")
	ok := migrate(mover, papi.StackMigratePayload{EndpointID: 3, Name: ptr("mover-moved")})
	wantStatus(t, ok.StatusCode(), ok.Body, 200)
	if st := h.state(t, mover); deref(st.Stack.EndpointId) != 3 || deref(st.Stack.Name) != "mover-moved" {
		t.Errorf("migrated stack = %+v", st.Stack)
	}
	if !slices.Contains(h.sim.Volumes(1), "mover") || !slices.Contains(h.sim.Volumes(3), "mover-moved") {
		t.Errorf("volumes: environment 1 %v (want mover kept), environment 3 %v (want mover-moved)", h.sim.Volumes(1), h.sim.Volumes(3))
	}

	h.createCompose(t, 3, "web", composeOK)
	clash := migrate(1, papi.StackMigratePayload{EndpointID: 3})
	wantError(t, clash.StatusCode(), clash.Body, 409, "A stack with the name 'web' is already running on endpoint 'edge-kiosk'")

	unknown := migrate(1, papi.StackMigratePayload{EndpointID: 77})
	wantError(t, unknown.StatusCode(), unknown.Body, 404, "Unable to find an endpoint")
	zero := migrate(1, papi.StackMigratePayload{})
	wantError(t, zero.StatusCode(), zero.Body, 400, "Invalid request payload", "Invalid environment identifier")
}

func TestUpdateFileStack(t *testing.T) {
	h := newHarness(t, sim.Options{})
	update := func(p papi.StackUpdatePayload) *papi.StackUpdateResponse {
		r, err := h.c.StackUpdateWithResponse(h.ctx, 1, &papi.StackUpdateParams{EndpointId: 1}, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	newFile := "services:\n  web:\n    image: nginx:1.28\n"
	r := update(papi.StackUpdatePayload{StackFileContent: ptr(newFile), Env: &[]papi.Pair{{Name: "X", Value: ptr("y")}}, PullImage: ptr(true)})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	st := h.state(t, 1)
	if st.File != newFile || len(deref(st.Stack.Env)) != 1 || st.Deploys != 2 {
		t.Errorf("after update: file %q env %v deploys %d", st.File, deref(st.Stack.Env), st.Deploys)
	}

	// A swarm stack takes Prune; a compose stack ignores it.
	swarm, err := h.c.StackUpdateWithResponse(h.ctx, 3, &papi.StackUpdateParams{EndpointId: 2}, papi.StackUpdatePayload{StackFileContent: ptr(newFile), Prune: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, swarm.StatusCode(), swarm.Body, 200)
	if opt := h.state(t, 3).Stack.Option; opt == nil || !deref(opt.Prune) {
		t.Errorf("swarm stack after an update with Prune: Option = %+v", opt)
	}
	r = update(papi.StackUpdatePayload{StackFileContent: ptr(newFile), Prune: ptr(true)})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	if opt := h.state(t, 1).Stack.Option; opt != nil {
		t.Errorf("compose stack got Option %+v", opt)
	}

	// Env omitted: Portainer assigns the payload's (empty) env.
	r = update(papi.StackUpdatePayload{StackFileContent: ptr(newFile)})
	wantStatus(t, r.StatusCode(), r.Body, 200)
	if env := deref(h.state(t, 1).Stack.Env); len(env) != 0 {
		t.Errorf("env after an update without env = %v, want none", env)
	}

	// A failing deploy changes nothing.
	r = update(papi.StackUpdatePayload{StackFileContent: ptr("services: ["), Env: &[]papi.Pair{{Name: "Z"}}})
	wantError(t, r.StatusCode(), r.Body, 500, "failed to deploy a stack")
	if st := h.state(t, 1); st.File != newFile || len(deref(st.Stack.Env)) != 0 {
		t.Errorf("a failed update changed the stack: %+v", st)
	}

	file, err := h.c.StackFileInspectWithResponse(h.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if deref(file.JSON200.StackFileContent) != newFile {
		t.Errorf("file = %s", file.Body)
	}
}
