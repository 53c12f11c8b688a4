package sim_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

func TestAuthentication(t *testing.T) {
	h := newHarness(t, sim.Options{APIKey: "good-key", JWT: "good-jwt"})
	tests := []struct {
		name    string
		method  string
		path    string
		header  map[string]string
		status  int
		message string
	}{
		{"no credentials", "GET", "/api/stacks", nil, 401, "A valid authorization token is missing"},
		{"wrong API key", "GET", "/api/stacks", map[string]string{"X-API-Key": "nope"}, 401, "Invalid JWT token"},
		{"right API key", "GET", "/api/stacks", map[string]string{"X-API-Key": "good-key"}, 200, ""},
		{"API key in the query", "GET", "/api/stacks?x-api-key=good-key", nil, 200, ""},
		{"right bearer token", "GET", "/api/stacks", map[string]string{"Authorization": "Bearer good-jwt"}, 200, ""},
		{"wrong bearer token", "GET", "/api/stacks", map[string]string{"Authorization": "Bearer bad"}, 401, "Invalid JWT token"},
		{"both headers", "GET", "/api/stacks", map[string]string{"X-API-Key": "good-key", "Authorization": "Bearer good-jwt"}, 403, "api key and auth header are not allowed at the same time"},
		{"both headers on a public route", "GET", "/api/system/status", map[string]string{"X-API-Key": "good-key", "Authorization": "Bearer good-jwt"}, 403, "not allowed at the same time"},
		{"status is public", "GET", "/api/system/status", nil, 200, ""},
		{"version is not", "GET", "/api/system/version", nil, 401, "A valid authorization token is missing"},
		{"webhook is public", "POST", "/api/stacks/webhooks/5b7e3c4c-3f59-4b0e-9a57-6c1f3f7e2f10", nil, 404, "Unable to find the stack by webhook ID"},
		{"unknown route needs auth first", "GET", "/api/nowhere", nil, 401, "token is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.do(t, tt.method, tt.path, "", tt.header)
			if tt.message == "" {
				wantStatus(t, status, body, tt.status)
				return
			}
			wantError(t, status, body, tt.status, tt.message)
		})
	}
}

func TestSystemAndUser(t *testing.T) {
	h := newHarness(t, sim.Options{Version: "2.23.1", Username: "alice"})
	st, err := h.c.SystemStatusWithResponse(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if deref(st.JSON200.Version) != "2.23.1" || deref(st.JSON200.InstanceID) == "" {
		t.Errorf("status = %s", st.Body)
	}
	v, err := h.c.SystemVersionWithResponse(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if deref(v.JSON200.ServerVersion) != "2.23.1" || deref(v.JSON200.ServerEdition) != "CE" || deref(v.JSON200.DatabaseVersion) == "" || v.JSON200.Build == nil {
		t.Errorf("version = %s", v.Body)
	}
	me, err := h.c.CurrentUserInspectWithResponse(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if deref(me.JSON200.Username) != "alice" || deref(me.JSON200.Id) != 1 || deref(me.JSON200.Role) != papi.UserRoleAdministrator {
		t.Errorf("me = %s", me.Body)
	}
}

func TestRequestDecodingErrors(t *testing.T) {
	h := newHarness(t, sim.Options{})
	tests := []struct {
		name, method, path, body string
		status                   int
		message, details         string
	}{
		{"malformed JSON body", "POST", "/api/stacks/create/standalone/string?endpointId=1", "{bad", 400, "Invalid request payload", "Invalid character"},
		{"empty body", "PUT", "/api/stacks/1?endpointId=1", "", 400, "Invalid request payload", "EOF"},
		{"missing endpointId", "POST", "/api/stacks/create/standalone/string", `{}`, 400, "Invalid query parameter: endpointId", "Missing query parameter"},
		{"endpointId not a number", "POST", "/api/stacks/1/start?endpointId=x", "", 400, "Invalid query parameter: endpointId", ""},
		{"stack id not a number", "GET", "/api/stacks/abc", "", 400, "Invalid stack identifier route variable", ""},
		{"environment id not a number", "GET", "/api/endpoints/abc", "", 400, "Invalid environment identifier route variable", ""},
		{"unknown route", "GET", "/api/nowhere", "", 404, "404 page not found", ""},
		{"outside /api", "GET", "/", "", 404, "404 page not found", "under /api"},
		{"method not allowed", "PATCH", "/api/stacks/1", "", 405, "Method not allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.do(t, tt.method, tt.path, tt.body, apiKey)
			wantError(t, status, body, tt.status, tt.message, tt.details)
		})
	}
}

func TestRequestLogMasksCredentials(t *testing.T) {
	h := newHarness(t, sim.Options{})
	h.do(t, "GET", "/api/stacks?X-API-Key=sim-api-key&filters=%7B%7D", "", nil)
	h.do(t, "GET", "/api/endpoints/1", "", apiKey)
	log := h.sim.Requests()
	if len(log) != 2 {
		t.Fatalf("log = %q", log)
	}
	if strings.Contains(log[0], "sim-api-key") || !strings.HasPrefix(log[0], "GET /api/stacks?") {
		t.Errorf("first line %q leaks the key or is malformed", log[0])
	}
	if log[1] != "GET /api/endpoints/1" {
		t.Errorf("second line = %q", log[1])
	}
}

func TestEnvironments(t *testing.T) {
	h := newHarness(t, sim.Options{})
	tests := []struct {
		name             string
		params           papi.EndpointListParams
		names            []string
		count, available int
	}{
		{"all", papi.EndpointListParams{}, []string{"local", "swarm", "edge-kiosk"}, 3, 3},
		{"search name, case-insensitive", papi.EndpointListParams{Search: ptr("LOC")}, []string{"local"}, 1, 3},
		{"search URL", papi.EndpointListParams{Search: ptr("docker.sock")}, []string{"local"}, 1, 3},
		{"types", papi.EndpointListParams{Types: &[]papi.EndpointType{papi.EndpointTypeAgentDocker, papi.EndpointTypeEdgeDocker}}, []string{"swarm", "edge-kiosk"}, 2, 3},
		// start counts from 1, as on a real Portainer: 0 and 1 are both the first.
		{"page from 0", papi.EndpointListParams{Start: ptr(0), Limit: ptr(1)}, []string{"local"}, 3, 3},
		{"page from 1", papi.EndpointListParams{Start: ptr(1), Limit: ptr(1)}, []string{"local"}, 3, 3},
		{"second page", papi.EndpointListParams{Start: ptr(2), Limit: ptr(1)}, []string{"swarm"}, 3, 3},
		{"page past the end", papi.EndpointListParams{Start: ptr(5), Limit: ptr(2)}, nil, 3, 3},
		{"no match", papi.EndpointListParams{Search: ptr("zzz")}, nil, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h.c.EndpointListWithResponse(h.ctx, &tt.params)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, resp.StatusCode(), resp.Body, 200)
			var names []string
			for _, e := range *resp.JSON200 {
				names = append(names, deref(e.Name))
			}
			if strings.Join(names, ",") != strings.Join(tt.names, ",") {
				t.Errorf("names = %v, want %v", names, tt.names)
			}
			if got := resp.HTTPResponse.Header.Get("X-Total-Count"); got != strconv.Itoa(tt.count) {
				t.Errorf("X-Total-Count = %q, want %d", got, tt.count)
			}
			if got := resp.HTTPResponse.Header.Get("X-Total-Available"); got != strconv.Itoa(tt.available) {
				t.Errorf("X-Total-Available = %q, want %d", got, tt.available)
			}
		})
	}

	t.Run("inspect", func(t *testing.T) {
		resp, err := h.c.EndpointInspectWithResponse(h.ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		snap := (*resp.JSON200.Snapshots)[0]
		if deref(resp.JSON200.URL) != "unix:///var/run/docker.sock" || deref(snap.DockerVersion) == "" || deref(snap.StackCount) != 3 {
			t.Errorf("environment 1 = %s", resp.Body)
		}
		missing, err := h.c.EndpointInspectWithResponse(h.ctx, 42)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, missing.StatusCode(), missing.Body, 404, "Unable to find an environment with the specified identifier")
	})

	t.Run("swarm inspect", func(t *testing.T) {
		resp, err := h.c.EndpointDockerSwarmInspectWithResponse(h.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if deref(resp.JSON200.ID) != sim.SeedSwarmID {
			t.Errorf("swarm = %s", resp.Body)
		}
		notSwarm, err := h.c.EndpointDockerSwarmInspectWithResponse(h.ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, notSwarm.StatusCode(), notSwarm.Body, 503, "This node is not a swarm manager")
	})

	t.Run("added environment", func(t *testing.T) {
		id := h.sim.AddEnvironment(papi.Endpoint{Name: ptr("second-swarm")}, "swarm-two")
		resp, err := h.c.EndpointDockerSwarmInspectWithResponse(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if id != 4 || deref(resp.JSON200.ID) != "swarm-two" {
			t.Errorf("id %d, swarm %s", id, resp.Body)
		}
	})
}

func TestUsersEachWithTheirKey(t *testing.T) {
	h := newHarness(t, sim.Options{Users: []sim.User{{ID: 2, Username: "bob", Key: "bob-key"}, {ID: 3, Username: "carol", Key: "carol-key", Admin: true}}})
	tests := []struct {
		key, user string
		status    int
		role      string
	}{
		{"sim-api-key", "admin", 200, "1"},
		{"bob-key", "bob", 200, "2"},
		{"carol-key", "carol", 200, "1"},
		{"dave-key", "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			status, body := h.do(t, "GET", "/api/users/me", "", map[string]string{"X-API-Key": tt.key})
			wantStatus(t, status, body, tt.status)
			if b := string(body); tt.user != "" && (!strings.Contains(b, `"Username":"`+tt.user+`"`) || !strings.Contains(b, `"Role":`+tt.role)) {
				t.Errorf("users/me with %s = %s, want %s with role %s", tt.key, body, tt.user, tt.role)
			}
		})
	}
}
