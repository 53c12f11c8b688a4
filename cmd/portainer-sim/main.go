// Command portainer-sim serves the in-memory Portainer simulator of internal/sim, for demos and
// manual tests of portainer-mcp.
//
//	portainer-sim --listen 127.0.0.1:9900 --api-key KEY [--poll-speed 1] [--empty]
//	    [--portainer-version 2.23|2.39|2.45] [--edition CE|BE] [--deploy-delay 3s]
//
// The version selects what the simulator does, through the same capability table the server
// uses (tools.CapsFor): 2.23 deploys before answering; 2.45 answers while deploying, keeps Git
// settings in shared GitOps Sources and polls per Source.
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
	"strings"
	"syscall"
	"time"

	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
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
	version := fs.String("portainer-version", "2.45.0", "the Portainer release to behave as: 2.23, 2.39, 2.45 or a full version such as 2.45.0")
	edition := fs.String("edition", "CE", "CE or BE: the edition /system/version reports")
	deployDelay := fs.Duration("deploy-delay", 3*time.Second, "how long a deploy runs after the answer, on releases that deploy in the background (0: at once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 {
		return errors.New("--poll-speed must be positive")
	}
	v, err := fullVersion(*version)
	if err != nil {
		return err
	}
	ed := strings.ToUpper(strings.TrimSpace(*edition))
	if ed != "CE" && ed != "BE" {
		return fmt.Errorf("--edition %q: use CE or BE", *edition)
	}
	if *deployDelay < 0 {
		return errors.New("--deploy-delay must not be negative")
	}
	delay := *deployDelay
	if delay == 0 {
		delay = -1 // sim.Options: negative finishes at once, zero is the default
	}
	caps := tools.CapsFor(v, ed, "")
	if caps.Warning != "" {
		fmt.Fprintln(stderr, "portainer-sim: warning:", caps.Warning)
	}

	s := sim.New(sim.Options{APIKey: *apiKey, JWT: *jwt, Empty: *empty, Version: v, Edition: ed, DeployDelay: delay})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	s.StartPolling(pollCtx, *speed)

	fmt.Fprintf(stderr, "portainer-sim: Portainer simulator at http://%s (API key %q) as Portainer %s %s (%s)\n", ln.Addr(), *apiKey, v, ed, caps.Support)

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

// fullVersion turns "2.45" into "2.45.0" (the capability table's reading of a version) and
// checks that a version is one.
func fullVersion(v string) (string, error) {
	full, ok := tools.FullVersion(v)
	if !ok {
		return "", fmt.Errorf("--portainer-version %q: use a release such as 2.23, 2.39, 2.45 or 2.45.0", v)
	}
	return full, nil
}
