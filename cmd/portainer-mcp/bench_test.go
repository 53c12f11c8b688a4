package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// startBudget is the most a start may take, from spawning the binary to the tools/list answer
// (median of the runs of one benchmark). The figure it holds is in the README.
const startBudget = 15 * time.Millisecond

// BenchmarkStart measures process start -> initialize -> tools/list answered, spawning the
// built binary against the simulator, and fails when the median is over budget.
func BenchmarkStart(b *testing.B) {
	srv := httptest.NewServer(sim.New(sim.Options{}).Handler())
	defer srv.Close()
	env := append(os.Environ(), "PORTAINER_URL="+srv.URL, "PORTAINER_API_KEY=sim-api-key", "PORTAINER_MCP_STATE_DIR="+b.TempDir())
	var times []time.Duration
	for b.Loop() {
		d, err := startOnce(env)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	b.ReportMetric(float64(med.Microseconds())/1000, "ms/start")
	if med > startBudget {
		b.Fatalf("start -> tools/list takes %s (median), over the %s budget", med, startBudget)
	}
}

// startOnce spawns the server, sends initialize and tools/list, and returns the time until the
// tools/list answer arrived.
func startOnce(env []string) (time.Duration, error) {
	cmd := exec.Command(binary)
	cmd.Env = env
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"jsonrpc":"2.0","id":2,`) {
			return time.Since(begin), nil
		}
	}
	return 0, fmt.Errorf("no tools/list answer")
}
