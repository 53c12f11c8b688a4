// Command portainer-mcp is an MCP server for Portainer over stdio: it lets an AI assistant
// list, deploy, update, stop and delete stacks and manage their GitOps settings.
//
//	PORTAINER_URL=https://portainer.example.com:9443 PORTAINER_API_KEY=ptr_... portainer-mcp
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
		fmt.Fprintln(stderr, "portainer-mcp:", err)
		return 2
	}
	if cfg.ShowVersion {
		fmt.Fprintln(stdout, "portainer-mcp", version)
		return 0
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.Demo {
		url, key, shutdown, err := startDemo(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "portainer-mcp: cannot start the demo simulator:", err)
			return 1
		}
		defer shutdown()
		cfg.URL, cfg.APIKey = url, key
		log.Info("demo mode: using the built-in Portainer simulator", "url", url)
	}

	hc, err := httpClient(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp:", err)
		return 2
	}
	apiKey := cfg.APIKey
	client, err := papi.NewClientWithResponses(cfg.URL+"/api", papi.WithHTTPClient(hc),
		papi.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("X-API-Key", apiKey)
			req.Header.Set("User-Agent", "portainer-mcp/"+version)
			return nil
		}))
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
	srv := tools.NewServer(version, defs, deps, []string{apiKey})

	// Check the Portainer version in the background: initialize and tools/list never wait.
	go checkVersion(ctx, client, cfg.URL, log)

	log.Info("portainer-mcp serving on stdio", "portainer", cfg.URL, "tools", len(defs), "read_only", cfg.ReadOnly)
	stdio := server.NewStdioServer(srv)
	stdio.SetErrorLogger(slog.NewLogLogger(log.Handler(), slog.LevelError))
	if err := stdio.Listen(ctx, stdin, stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "portainer-mcp:", tools.Scrub(err.Error(), []string{apiKey}))
		return 1
	}
	return 0
}

func checkVersion(ctx context.Context, c *papi.ClientWithResponses, url string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := c.SystemStatusWithResponse(ctx)
	if err != nil {
		log.Warn("cannot reach Portainer yet; tools will say so until it answers", "url", url, "error", err.Error())
		return
	}
	if resp.JSON200 == nil {
		log.Warn("Portainer's status endpoint did not answer as expected", "url", url, "status", resp.StatusCode())
		return
	}
	v := ""
	if resp.JSON200.Version != nil {
		v = *resp.JSON200.Version
	}
	if !tools.VersionSupported(v) {
		log.Warn("Portainer version outside the tested range; tools may misbehave", "version", v, "tested", tools.TestedRange)
		return
	}
	log.Info("connected to Portainer", "version", v)
}

// startDemo serves a seeded simulator on a loopback port.
func startDemo(ctx context.Context) (url, key string, shutdown func(), err error) {
	key = "demo-api-key"
	s := sim.New(sim.Options{APIKey: key})
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
