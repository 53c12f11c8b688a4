package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/tools"
)

// keyHeader carries the caller's own Portainer API key.
const keyHeader = "X-Portainer-API-Key"

// httpServer serves MCP over streamable HTTP at /mcp with what a shared server needs: a Host
// and Origin allowlist, an optional shared token, each caller's own Portainer key checked
// against /users/me, a per-key rate limit, a request size limit, cancellation that keeps
// the answer off the wire, and /healthz and /readyz.
type httpServer struct {
	cfg      config
	mcp      *server.StreamableHTTPServer
	keys     *keyChecker
	limits   *limiter
	cancels  *cancelGate
	client   *papi.ClientWithResponses
	log      *slog.Logger
	audit    *tools.Auditor
	inflight atomic.Int64
	stopping atomic.Bool

	readyMu   sync.Mutex
	readyAt   time.Time
	readyErr  error
	readyInfo string
}

func newHTTPServer(cfg config, srv *server.MCPServer, client *papi.ClientWithResponses, log *slog.Logger, audit *tools.Auditor) *httpServer {
	opts := []server.StreamableHTTPOption{
		server.WithStreamableHTTPLogger(log),
		// The Host allowlist below replaces mcp-go's loopback-only check: it applies to every
		// connection, and lets a reverse proxy on this machine keep the public Host name.
		server.WithDisableLocalhostProtection(true),
		server.WithHeartbeatInterval(30 * time.Second),
	}
	if len(cfg.AllowedOrigins) > 0 {
		opts = append(opts, server.WithStreamableHTTPCORS(
			server.WithCORSAllowedOrigins(cfg.AllowedOrigins...),
			server.WithCORSAllowedHeaders("Content-Type", "Authorization", keyHeader, "Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID"),
			server.WithCORSExposedHeaders("Mcp-Session-Id")))
	}
	return &httpServer{
		cfg:     cfg,
		mcp:     server.NewStreamableHTTPServer(srv, opts...),
		keys:    newKeyChecker(client),
		limits:  newLimiter(cfg.Rate),
		cancels: newCancelGate(),
		client:  client,
		log:     log,
		audit:   audit,
	}
}

func (h *httpServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", h.healthz)
	mux.HandleFunc("/readyz", h.readyz)
	mux.Handle("/mcp", http.HandlerFunc(h.serveMCP))
	return mux
}

// serve listens on cfg.HTTP until ctx ends, then lets the calls in flight finish (a deploy
// runs to its end, bounded by the deploy timeout) before it returns.
func (h *httpServer) serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", h.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", h.cfg.HTTP, err)
	}
	hs := &http.Server{
		Handler:           h.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if h.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(h.cfg.TLSCert, h.cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("cannot use --tls-cert and --tls-key: %v", err)
		}
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, hs.TLSConfig)
		scheme = "https"
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	if ready != nil {
		ready(scheme + "://" + ln.Addr().String())
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	h.stopping.Store(true)
	n := h.inflight.Load()
	grace, cancel := context.WithTimeout(context.Background(), h.cfg.DeployTimeout+30*time.Second)
	defer cancel()
	// Shutdown closes the listener first, then runs this hook: the line below is true when it
	// is written (no new request is taken), and the listening (GET) streams, which never go
	// idle, end so that Shutdown can finish.
	hooked := make(chan struct{})
	hs.RegisterOnShutdown(func() {
		defer close(hooked)
		h.log.Info("shutting down: no new requests; letting the calls in flight finish", "in_flight", n)
		h.mcp.CloseSessions(grace)
	})
	err = hs.Shutdown(grace)
	<-hooked // nothing logs after serve returns
	if err != nil {
		h.log.Warn("calls still running when the shutdown grace ended", "error", err.Error(), "in_flight", h.inflight.Load())
		return nil
	}
	h.log.Info("stopped; every call in flight finished", "was_in_flight", n)
	return nil
}

func (h *httpServer) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": version})
}

// readyz says whether Portainer answers (its public /system/status), at most every 2 s.
func (h *httpServer) readyz(w http.ResponseWriter, r *http.Request) {
	if h.stopping.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	h.readyMu.Lock()
	if time.Since(h.readyAt) > 2*time.Second {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		st, err := h.client.SystemStatusWithResponse(ctx)
		cancel()
		h.readyAt, h.readyErr, h.readyInfo = time.Now(), err, ""
		if err == nil && st.JSON200 == nil {
			h.readyErr = fmt.Errorf("Portainer answered %s", st.Status())
		} else if err == nil {
			h.readyInfo = valueOf(st.JSON200.Version)
		}
	}
	err, info := h.readyErr, h.readyInfo
	h.readyMu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "Portainer unreachable", "error": tools.HideUserinfo(err.Error())})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "portainer": info})
}

// serveMCP checks a request in the order that costs least to refuse, then hands it to mcp-go.
func (h *httpServer) serveMCP(w http.ResponseWriter, r *http.Request) {
	if !h.hostAllowed(r.Host) {
		refuse(w, http.StatusForbidden, fmt.Sprintf("Host %q is not allowed: start the server with --http-allowed-hosts naming it", r.Host))
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !h.originAllowed(o) {
		refuse(w, http.StatusForbidden, fmt.Sprintf("Origin %q is not allowed: start the server with --http-allowed-origins naming it", o))
		return
	}
	if r.Method == http.MethodOptions { // a CORS preflight carries no credentials
		h.mcp.ServeHTTP(w, r)
		return
	}
	if h.cfg.HTTPToken != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.cfg.HTTPToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="portainer-mcp"`)
			refuse(w, http.StatusUnauthorized, "missing or wrong token: send the server's shared token as Authorization: Bearer <token>")
			return
		}
	}
	key := strings.TrimSpace(r.Header.Get(keyHeader))
	own := key != ""
	if !own {
		key = h.cfg.APIKey
	}
	if key == "" {
		w.Header().Set("WWW-Authenticate", keyHeader+` realm="portainer-mcp"`)
		refuse(w, http.StatusUnauthorized, "no Portainer API key: send yours in the "+keyHeader+" header (create one in Portainer under My account > Access tokens)")
		return
	}
	id := keyID(key)
	bucket := id
	if !h.keys.known(id) { // unknown keys share their address's bucket: no free tries
		bucket = "addr:" + remoteHost(r)
	}
	if wait, ok := h.limits.allow(bucket); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		refuse(w, http.StatusTooManyRequests, fmt.Sprintf("too many requests: at most %g a second per API key; retry in %s", h.cfg.Rate, wait.Round(time.Second)+time.Second))
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes: send less (a smaller compose file), or start the server with a larger --http-max-body", h.cfg.MaxBody))
			return
		}
		if err != nil {
			refuse(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
			return
		}
	}
	who, status, err := h.keys.check(r.Context(), key, id)
	if err != nil {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", keyHeader+` realm="portainer-mcp"`)
		}
		refuse(w, status, tools.Scrub(err.Error(), []string{key}))
		return
	}
	ctx := tools.WithCaller(r.Context(), who)
	if own {
		ctx = tools.WithAPIKey(ctx, key)
	}
	h.inflight.Add(1)
	defer h.inflight.Add(-1)
	h.cancels.serve(w, r.WithContext(ctx), body, id, h.mcp)
}

func (h *httpServer) hostAllowed(host string) bool {
	if hn, _, err := net.SplitHostPort(host); err == nil {
		host = hn
	}
	host = strings.Trim(strings.ToLower(host), "[]")
	for _, a := range h.cfg.AllowedHosts {
		if a == "*" || strings.EqualFold(strings.Trim(a, "[]"), host) {
			return true
		}
	}
	return false
}

// originAllowed: loopback origins (any port), and those named in --http-allowed-origins.
func (h *httpServer) originAllowed(origin string) bool {
	for _, a := range h.cfg.AllowedOrigins {
		if a == "*" || strings.EqualFold(strings.TrimRight(a, "/"), origin) {
			return true
		}
	}
	for _, prefix := range []string{"http://localhost", "https://localhost", "http://127.0.0.1", "https://127.0.0.1", "http://[::1]", "https://[::1]"} {
		if rest, ok := strings.CutPrefix(strings.ToLower(origin), prefix); ok && (rest == "" || rest[0] == ':') {
			return true
		}
	}
	return false
}

// keyID names a key in caches and limits: a hash, never the key.
func keyID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%x", sum[:16])
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuse answers an HTTP error with a JSON-RPC error body a client can show.
func refuse(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": -32001, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
