package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
)

// TestRealPortainerRunsTheServerAsAStack: `make image` builds the image with the local Docker
// engine, deploy/compose.yaml runs it as a stack on the real Portainer (the image is never
// pulled), and the server in it answers /healthz, and /mcp asks for a key.
func TestRealPortainerRunsTheServerAsAStack(t *testing.T) {
	p := realtest.Load(t)
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("no docker command: the real Portainer's engine is needed to build the image")
	}
	tag := realtest.Name("t")
	image := "portainer-mcp-realtest"
	mk := exec.Command("make", "-C", "../..", "image", "IMAGE="+image, "VERSION="+tag)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", image+":"+tag).Run() })
	size, err := exec.Command("docker", "image", "inspect", "--format", "{{.Size}}", image+":"+tag).Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("image %s:%s is %s bytes", image, tag, strings.TrimSpace(string(size)))

	compose, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	name := realtest.Name("mcp-server")
	p.RemoveStacksNamed(t, name)
	env := []papi.Pair{
		{Name: "PORTAINER_URL", Value: ptrTo(p.URL)},
		{Name: "MCP_IMAGE", Value: ptrTo(image + ":" + tag)},
		{Name: "MCP_PUBLISH", Value: ptrTo(fmt.Sprintf("127.0.0.1:%d", port))},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	resp, err := p.Client.StackCreateDockerStandaloneStringWithResponse(ctx, &papi.StackCreateDockerStandaloneStringParams{EndpointId: p.EnvID},
		papi.ComposeStackFromStringPayload{Name: name, StackFileContent: string(compose), Env: &env})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("deploying the stack: %v %d %s", err, resp.StatusCode(), resp.Body)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var health string
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if r, err := http.Get(base + "/healthz"); err == nil {
			health = r.Status
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
	}
	if health != "200 OK" {
		t.Fatalf("the stack's server did not answer /healthz within a minute (last: %q)", health)
	}
	r, err := http.Post(base+"/mcp", "application/json", strings.NewReader(initBody))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("/mcp without a key: %s, want 401", r.Status)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
