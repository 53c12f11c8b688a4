package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serve runs the simulator with args (plus a free port and API key "k") and returns its URL
// and the startup line; the simulator stops when the test ends, and must stop cleanly.
func serve(t *testing.T, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--listen", "127.0.0.1:0", "--api-key", "k"}, args...), pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after the context ended", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("run did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`at (http://\S+) \(API key "k"\)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("startup line = %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return m[1], line
}

func get(t *testing.T, url string, into any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-API-Key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		_ = json.NewDecoder(resp.Body).Decode(into)
	}
	return resp.StatusCode
}

func TestServeAndShutDown(t *testing.T) {
	url, _ := serve(t, "--poll-speed", "60")
	if code := get(t, url+"/api/stacks", nil); code != 200 {
		t.Errorf("GET /api/stacks = %d", code)
	}
}

func TestProfiles(t *testing.T) {
	tests := []struct {
		args                             []string
		version, edition, support, label string
		sources                          int // GET /api/gitops/sources
	}{
		{nil, "2.45.0", "CE", "LTS", "as Portainer 2.45.0 CE (LTS)", 200},
		{[]string{"--portainer-version", "2.23"}, "2.23.0", "CE", "", "as Portainer 2.23.0 CE (STS)", 404},
		{[]string{"--portainer-version", "2.39", "--edition", "be"}, "2.39.0", "BE", "", "as Portainer 2.39.0 BE (LTS)", 404},
		{[]string{"--portainer-version", "2.45.1", "--edition", "BE"}, "2.45.1", "BE", "LTS", "as Portainer 2.45.1 BE (LTS)", 200},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			url, line := serve(t, tt.args...)
			if !strings.Contains(line, tt.label) {
				t.Errorf("startup line %q lacks %q", line, tt.label)
			}
			var v struct{ ServerVersion, ServerEdition, VersionSupport string }
			if code := get(t, url+"/api/system/version", &v); code != 200 {
				t.Fatalf("GET /api/system/version = %d", code)
			}
			if v.ServerVersion != tt.version || v.ServerEdition != tt.edition || v.VersionSupport != tt.support {
				t.Errorf("version %+v, want %s %s %q", v, tt.version, tt.edition, tt.support)
			}
			if code := get(t, url+"/api/gitops/sources", nil); code != tt.sources {
				t.Errorf("GET /api/gitops/sources = %d, want %d", code, tt.sources)
			}
		})
	}
}

func TestDeployDelayFlag(t *testing.T) {
	url, _ := serve(t, "--portainer-version", "2.45", "--deploy-delay", "300ms")
	body := `{"Name":"slow","StackFileContent":"services:\n  app:\n    image: nginx\n"}`
	req, _ := http.NewRequest("POST", url+"/api/stacks/create/standalone/string?endpointId=1", strings.NewReader(body))
	req.Header.Set("X-API-Key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Id, Status int }
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 200 || created.Status != 3 {
		t.Fatalf("create: %d, Status %d; want 200 and 3 (deploying)", resp.StatusCode, created.Status)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		var st struct{ Status int }
		get(t, url+"/api/stacks/"+itoa(created.Id), &st)
		if st.Status == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deploy did not finish: Status %d", st.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--poll-speed", "0"},
		{"--nope"},
		{"--portainer-version", "latest"},
		{"--portainer-version", "2"},
		{"--edition", "XE"},
		{"--deploy-delay", "-1s"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
}
