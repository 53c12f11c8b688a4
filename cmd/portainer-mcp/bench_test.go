package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
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

// concurrencyBudget: eight calls in flight take at most this share of the time they take one
// after another, behind a Portainer that answers each request in 50 ms.
const concurrencyBudget = 0.2

// BenchmarkConcurrentCalls sends 8 list_environments calls at once to the binary over stdio,
// and the same 8 one after another, behind a Portainer slowed to 50 ms a request; in flight,
// calls must not wait on each other.
func BenchmarkConcurrentCalls(b *testing.B) {
	s := sim.New(sim.Options{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		s.Handler().ServeHTTP(w, r)
	}))
	defer slow.Close()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "PORTAINER_URL="+slow.URL, "PORTAINER_API_KEY=sim-api-key", "PORTAINER_MCP_STATE_DIR="+b.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := 10
	send := func(n int) []int {
		ids := make([]int, n)
		for i := range ids {
			next++
			ids[i] = next
			fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_environments","arguments":{}}}`+"\n", next)
		}
		return ids
	}
	await := func(n int) {
		for got := 0; got < n; {
			line, ok := <-lines
			if !ok {
				b.Fatal("the server closed its output")
			}
			if strings.Contains(line, `"result"`) {
				got++
			}
		}
	}
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	fmt.Fprintln(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	await(1)
	send(1) // warm up: detection, connections
	await(1)
	var seq, par time.Duration
	for b.Loop() {
		start := time.Now()
		for i := 0; i < 8; i++ {
			send(1)
			await(1)
		}
		seq += time.Since(start)
		start = time.Now()
		send(8)
		await(8)
		par += time.Since(start)
	}
	ratio := float64(par) / float64(seq)
	b.ReportMetric(ratio, "parallel/sequential")
	b.ReportMetric(float64(par.Milliseconds())/float64(b.N), "ms/8-in-flight")
	if ratio > concurrencyBudget {
		b.Fatalf("8 calls in flight take %.2fx of their sequential time, over the %.2fx budget", ratio, concurrencyBudget)
	}
}
