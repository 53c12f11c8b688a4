// Command portainer-mcp is an MCP server for Portainer over stdio or streamable HTTP: it lets
// an AI assistant list, deploy, update, stop and delete stacks and manage their GitOps settings.
//
//	PORTAINER_URL=https://portainer.example.com:9443 PORTAINER_API_KEY=ptr_... portainer-mcp
//	PORTAINER_URL=https://portainer.example.com:9443 portainer-mcp --http 127.0.0.1:8080
//	portainer-mcp --demo     # against a built-in simulator
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp:", tools.Scrub(err.Error(), []string{cfg.APIKey}))
		return 2
	}
	if cfg.ShowVersion {
		fmt.Fprintln(stdout, "portainer-mcp", version)
		return 0
	}
	if cfg.HealthCheck {
		return healthCheck(cfg, stderr)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Background work (version detection, who the key belongs to) ends before run returns,
	// so nothing writes to stderr after the caller has moved on.
	var bg sync.WaitGroup
	defer func() {
		stop()
		bg.Wait()
	}()

	if cfg.Demo {
		url, key, shutdown, err := startDemo(ctx, cfg.DemoVersion, cfg.DemoEdition)
		if err != nil {
			fmt.Fprintln(stderr, "portainer-mcp: cannot start the demo simulator:", err)
			return 1
		}
		defer shutdown()
		cfg.URL, cfg.APIKey = url, key
		log.Info("demo mode: using the built-in Portainer simulator", "url", url, "portainer_version", cfg.DemoVersion, "edition", cfg.DemoEdition)
	}

	base, err := baseTransport(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp:", err)
		return 2
	}
	hc := &http.Client{Transport: &tools.Transport{Base: base, Read: cfg.Timeout, Write: cfg.DeployTimeout,
		APIKey: cfg.APIKey, UserAgent: "portainer-mcp/" + version}}
	client, err := papi.NewClientWithResponses(cfg.URL+"/api", papi.WithHTTPClient(hc))
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp:", err)
		return 2
	}
	defs, err := tools.Select(mcptools.Tools, cfg.Toolsets, cfg.ReadOnly)
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp:", err)
		return 2
	}
	if len(defs) == 0 {
		fmt.Fprintln(stderr, "portainer-mcp: no tool left: the chosen toolsets have no read-only tools; change --toolsets or drop --read-only")
		return 2
	}
	deps := &tools.Deps{Client: client, PortainerURL: cfg.URL, StateDir: cfg.StateDir, Timeout: cfg.Timeout, DeployTimeout: cfg.DeployTimeout, Log: log}
	if cfg.AuditLog != "" {
		w, closeLog, err := openAuditLog(cfg.AuditLog, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "portainer-mcp:", err)
			return 2
		}
		defer closeLog()
		deps.Audit = tools.NewAuditor(w)
		if cfg.APIKey != "" { // calls without a key of their own act as this key's user
			bg.Add(1)
			go func() {
				defer bg.Done()
				if who, err := whoami(ctx, client); err == nil {
					deps.Audit.SetFallback(who)
				}
			}()
		}
	}
	// Snapshots kept by failed re-creates hold env values: none outlives its week.
	deps.PruneSnapshots(ctx)
	srv := tools.NewServer(version, defs, deps, []string{cfg.APIKey})

	// Learn Portainer's version and edition in the background: initialize and tools/list
	// never wait for it.
	bg.Add(1)
	go func() {
		defer bg.Done()
		detectPortainer(ctx, deps, cfg.URL, log)
	}()

	if cfg.HTTP != "" {
		return serveHTTP(ctx, cfg, srv, client, log, deps.Audit, stderr)
	}

	log.Info("portainer-mcp serving on stdio", "portainer", cfg.URL, "tools", len(defs), "read_only", cfg.ReadOnly, "workers", cfg.Workers)
	if isTerminal(stdin) {
		fmt.Fprint(stderr, terminalHint)
	}
	gate := tools.NewCancelGate()
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(slog.NewLogLogger(log.Handler(), slog.LevelError))
	server.WithWorkerPoolSize(cfg.Workers)(stdio)
	server.WithQueueSize(4 * cfg.Workers)(stdio)
	if err := stdio.Listen(ctx, gate.Reader(stdin), gate.Writer(stdout)); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "portainer-mcp:", tools.Scrub(err.Error(), []string{cfg.APIKey}))
		return 1
	}
	return 0
}

// terminalHint is shown when a person, not an MCP client, runs the server in a terminal.
const terminalHint = `portainer-mcp speaks MCP (JSON-RPC) on stdin and stdout and is waiting for an MCP client.
Connect one instead of typing here, e.g.: npx @modelcontextprotocol/inspector bin/portainer-mcp --demo
or: claude mcp add portainer -- $PWD/bin/portainer-mcp --demo      (Ctrl-C to quit)
`

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// detectPortainer learns the version and edition, and says on stderr what it found.
func detectPortainer(ctx context.Context, d *tools.Deps, url string, log *slog.Logger) {
	caps, err := d.DetectCaps(ctx)
	if err != nil {
		if ctx.Err() != nil { // shutting down: nothing to report
			return
		}
		log.Warn("cannot reach Portainer yet; tools will say so until it answers", "url", url, "error", err.Error())
		return
	}
	if caps.Warning != "" {
		log.Warn("Portainer version outside the known range; tools may misbehave", "version", caps.Version, "warning", caps.Warning)
		return
	}
	log.Info("connected to Portainer", "version", caps.Version, "edition", caps.Edition, "support", caps.Support)
}

// startDemo serves a seeded simulator on a loopback port.
func startDemo(ctx context.Context, portainerVersion, edition string) (url, key string, shutdown func(), err error) {
	key = "demo-api-key"
	s := sim.New(sim.Options{APIKey: key, Version: portainerVersion, Edition: edition})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, err
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	pctx, cancel := context.WithCancel(ctx)
	go s.StartPolling(pctx, 1)
	return "http://" + ln.Addr().String(), key, func() { cancel(); _ = hs.Close() }, nil
}
