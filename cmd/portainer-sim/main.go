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
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "portainer-sim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("portainer-sim", flag.ContinueOnError)
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

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := sim.New(sim.Options{APIKey: *apiKey, JWT: *jwt, Empty: *empty})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.StartPolling(ctx, *speed)

	fmt.Fprintf(os.Stderr, "portainer-sim: serving Portainer %s at http://%s (API key %q)\n", "2.23.0", ln.Addr(), *apiKey)

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
