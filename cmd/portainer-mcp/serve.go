package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// serveHTTP runs the streamable HTTP server until ctx ends.
func serveHTTP(ctx context.Context, cfg config, srv *server.MCPServer, client *papi.ClientWithResponses, log *slog.Logger, audit *tools.Auditor, stderr io.Writer) int {
	h := newHTTPServer(cfg, srv, client, log, audit)
	var tour sync.WaitGroup
	defer tour.Wait() // the tour writes to stderr: not after run returns
	err := h.serve(ctx, func(url string) {
		who := "each caller's own key (" + keyHeader + ")"
		if cfg.APIKey != "" {
			who += ", else the server's"
		}
		log.Info("portainer-mcp serving streamable HTTP", "url", url+"/mcp", "portainer", cfg.URL, "keys", who,
			"gate_token", cfg.HTTPToken != "", "allowed_hosts", cfg.AllowedHosts, "audit_log", cfg.AuditLog != "")
		if cfg.Demo {
			tour.Add(1)
			go func() {
				defer tour.Done()
				demoTour(ctx, cfg, url, stderr)
			}()
		}
	})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "portainer-mcp:", tools.Scrub(err.Error(), []string{cfg.APIKey}))
		return 1
	}
	return 0
}

// whoami is the user of the server's own API key.
func whoami(ctx context.Context, client *papi.ClientWithResponses) (tools.Caller, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	me, err := client.CurrentUserInspectWithResponse(ctx)
	if err != nil {
		return tools.Caller{}, err
	}
	if me.JSON200 == nil {
		return tools.Caller{}, fmt.Errorf("Portainer answered %s", me.Status())
	}
	return tools.Caller{ID: valueOf(me.JSON200.Id), Username: valueOf(me.JSON200.Username)}, nil
}

// openAuditLog opens the audit log: "-" is stderr; a file is appended to, readable by its
// owner only.
func openAuditLog(path string, stderr io.Writer) (io.Writer, func(), error) {
	if path == "-" || path == "stderr" {
		return stderr, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the audit log: %v", err)
	}
	return f, func() { _ = f.Close() }, nil
}

// healthCheck asks the local HTTP server for /healthz (a container's health check: the image
// has no shell or curl).
func healthCheck(cfg config, stderr io.Writer) int {
	if cfg.HTTP == "" {
		fmt.Fprintln(stderr, "portainer-mcp: --health-check needs --http (or PORTAINER_MCP_HTTP)")
		return 2
	}
	_, port, err := net.SplitHostPort(cfg.HTTP)
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp: --http:", err)
		return 2
	}
	scheme := "http"
	tr := &http.Transport{}
	if cfg.TLSCert != "" {
		scheme = "https"
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // our own loopback listener
	}
	c := &http.Client{Timeout: 3 * time.Second, Transport: tr}
	resp, err := c.Get(scheme + "://127.0.0.1:" + port + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "portainer-mcp: unhealthy:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "portainer-mcp: unhealthy: /healthz answered", resp.Status)
		return 1
	}
	return 0
}
