// Package realtest connects tests to a real Portainer brought up by the shared real-portainer/up.sh:
// its settings from the REAL_* variables, a generated client, Git repositories on its Git server,
// extra environments, unique names and clean-up of everything a test makes, even when it fails.
//
// Tests that use it are skipped, with a message saying how to run them, when the variables are
// absent; `make test-real` sets REAL_REQUIRED=1, which turns the skip into a failure.
package realtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Portainer is the real Portainer of up.sh, as its REAL_* variables describe it.
type Portainer struct {
	URL     string // without /api
	APIKey  string
	EnvID   int    // the local Docker environment
	GitURL  string // the Git server: $GitURL/pub/NAME.git, $GitURL/priv/NAME.git
	GitRoot string // its folder of bare repositories
	GitUser string // the user and password of repositories under priv/
	GitPass string
	Client  *papi.ClientWithResponses
}

// How tests are told what is missing.
const howTo = "run `bash ../shared/real-portainer/up.sh`, then `set -a; . /tmp/real-portainer.env; set +a` and `make test-real`"

// Load reads the REAL_* variables. When one is missing it skips the test, or fails it when
// REAL_REQUIRED=1 (make test-real), and it fails when the Portainer does not answer.
func Load(t testing.TB) *Portainer {
	t.Helper()
	vars := map[string]string{}
	var missing []string
	for _, name := range []string{"REAL_PORTAINER_URL", "REAL_PORTAINER_API_KEY", "REAL_ENV_ID", "REAL_GIT_URL", "REAL_GIT_ROOT", "REAL_GIT_USER", "REAL_GIT_PASS"} {
		vars[name] = strings.TrimSpace(os.Getenv(name))
		if vars[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("no real Portainer: %s unset (%s)", strings.Join(missing, ", "), howTo)
		if os.Getenv("REAL_REQUIRED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	envID, err := strconv.Atoi(vars["REAL_ENV_ID"])
	if err != nil {
		t.Fatalf("REAL_ENV_ID=%q is not a number", vars["REAL_ENV_ID"])
	}
	p := &Portainer{
		URL: strings.TrimRight(vars["REAL_PORTAINER_URL"], "/"), APIKey: vars["REAL_PORTAINER_API_KEY"], EnvID: envID,
		GitURL: strings.TrimRight(vars["REAL_GIT_URL"], "/"), GitRoot: vars["REAL_GIT_ROOT"],
		GitUser: vars["REAL_GIT_USER"], GitPass: vars["REAL_GIT_PASS"],
	}
	p.Client = NewClient(t, p.URL, p.APIKey)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := p.Client.SystemVersionWithResponse(ctx)
	if err != nil || resp.JSON200 == nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode()
		}
		t.Fatalf("the real Portainer at %s does not answer /api/system/version (status %d, %v): %s", p.URL, status, err, howTo)
	}
	return p
}

// NewClient returns a generated client of the Portainer at url that sends the API key.
func NewClient(t testing.TB, url, apiKey string) *papi.ClientWithResponses {
	t.Helper()
	c, err := papi.NewClientWithResponses(url+"/api",
		papi.WithHTTPClient(&http.Client{Timeout: 3 * time.Minute}),
		papi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("X-API-Key", apiKey)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Name returns prefix and a random suffix, a valid stack name that no other run uses
// (Portainer's rule: lower-case letters, digits, '-' and '_').
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Compose is a compose file of one service on the local image, which is never pulled; marker
// lands in the container's environment, so two versions of a file differ.
func Compose(service, marker string) string {
	return fmt.Sprintf("services:\n  %s:\n    image: local/tiny:latest\n    pull_policy: never\n    environment:\n      MARKER: %q\n", service, marker)
}

// RemoveStacksNamed deletes, when the test ends, every stack named name on the local environment:
// what a test made, whatever id it ended with, even when the test failed half-way.
func (p *Portainer) RemoveStacksNamed(t testing.TB, names ...string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		resp, err := p.Client.StackListWithResponse(ctx, &papi.StackListParams{})
		if err != nil || resp.JSON200 == nil {
			t.Errorf("clean-up: cannot list stacks: %v", err)
			return
		}
		for _, st := range *resp.JSON200 {
			for _, name := range names {
				if !strings.EqualFold(deref(st.Name), name) {
					continue
				}
				del, err := p.Client.StackDeleteWithResponse(ctx, deref(st.Id), &papi.StackDeleteParams{EndpointId: st.EndpointId})
				if err != nil {
					t.Errorf("clean-up: stack %d (%s) not deleted: %v", deref(st.Id), name, err)
				} else if del.StatusCode() != http.StatusNoContent && del.StatusCode() != http.StatusNotFound {
					t.Errorf("clean-up: stack %d (%s) not deleted: %d %s", deref(st.Id), name, del.StatusCode(), del.Body)
				}
			}
		}
	})
}

// AddEnvironment adds a Docker environment on the local engine's socket (Portainer's POST
// /endpoints, multipart, EndpointCreationType=1) and removes it when the test ends.
func (p *Portainer) AddEnvironment(t testing.TB, name string) int {
	t.Helper()
	return p.addEndpoint(t, name, 1, map[string]string{"EndpointCreationType": "1", "URL": "unix:///var/run/docker.sock"})
}

// AddEdgeEnvironment adds an edge environment no agent will ever poll (edge-be.md §3:
// EndpointCreationType 4, a URL that is not localhost, ContainerEngine docker for 2.4x) and
// removes it when the test ends.
func (p *Portainer) AddEdgeEnvironment(t testing.TB, name string) int {
	t.Helper()
	host := strings.Replace(p.URL, "localhost", "127.0.0.1", 1)
	return p.addEndpoint(t, name, 4, map[string]string{"EndpointCreationType": "4", "URL": host, "ContainerEngine": "docker"})
}

// addEndpoint sends POST /endpoints (multipart) with Name and fields, requires an environment
// of type wantType, and removes it when the test ends.
func (p *Portainer) addEndpoint(t testing.TB, name string, wantType int, fields map[string]string) int {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("Name", name)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_ = w.Close()
	var out struct{ Id, Type int }
	status, raw := p.Do(t, http.MethodPost, "/api/endpoints", w.FormDataContentType(), &buf)
	if status != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Id == 0 || out.Type != wantType {
		t.Fatalf("adding environment %s: %d %s", name, status, raw)
	}
	t.Cleanup(func() {
		if status, raw := p.Do(t, http.MethodDelete, "/api/endpoints/"+strconv.Itoa(out.Id), "", nil); status != http.StatusNoContent && status != http.StatusNotFound {
			t.Errorf("clean-up: environment %d (%s) not removed: %d %s", out.Id, name, status, raw)
		}
	})
	return out.Id
}

// Do sends one authenticated request to Portainer and returns the status and body.
func (p *Portainer) Do(t testing.TB, method, path, contentType string, payload io.Reader) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, p.URL+path, payload)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", p.APIKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// Containers lists the running containers of a compose project on an environment, through
// Portainer's Docker proxy: service name -> container id.
func (p *Portainer) Containers(t testing.TB, envID int, project string) map[string]string {
	t.Helper()
	filters := fmt.Sprintf(`{"label":["com.docker.compose.project=%s"]}`, project)
	resp, err := p.Client.DockerContainerListWithResponse(context.Background(), envID, &papi.DockerContainerListParams{Filters: &filters})
	if err != nil {
		t.Fatalf("listing containers of %s: %v", project, err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("listing containers of %s: %d %s", project, resp.StatusCode(), resp.Body)
	}
	services := map[string]string{}
	for _, c := range *resp.JSON200 {
		if deref(c.State) == "running" {
			services[deref(c.Labels)["com.docker.compose.service"]] = deref(c.Id)
		}
	}
	return services
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
