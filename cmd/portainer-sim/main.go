// Command portainer-sim serves the in-memory Portainer simulator of internal/sim, for demos and
// manual tests of portainer-mcp.
//
//	portainer-sim --listen 127.0.0.1:9900 --api-key KEY [--poll-speed 1] [--empty]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "portainer-sim:", err)
		os.Exit(1)
	}
}

// run serves the simulator until ctx ends, then shuts down cleanly.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("portainer-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9900", "address to listen on")
	apiKey := fs.String("api-key", "sim-api-key", "the API key the simulator accepts (X-API-Key)")
	jwt := fs.String("jwt", "sim-jwt", "the bearer token the simulator accepts")
	speed := fs.Float64("poll-speed", 1, "GitOps polling speed: 1 is real time, 60 makes a 5m interval poll every 5s")
	empty := fs.Bool("empty", false, "start without seed environments, repositories and stacks")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 {
		return errors.New("--poll-speed must be positive")
	}

	s := sim.New(sim.Options{APIKey: *apiKey, JWT: *jwt, Empty: *empty})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	s.StartPolling(pollCtx, *speed)

	fmt.Fprintf(stderr, "portainer-sim: Portainer simulator at http://%s (API key %q)\n", ln.Addr(), *apiKey)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	s.Wait()
	return err
}
