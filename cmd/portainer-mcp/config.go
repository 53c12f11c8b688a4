package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

// config is the server's configuration: flags win over environment variables.
type config struct {
	URL           string
	APIKey        string
	APIKeyFile    string
	TLSSkipVerify bool
	TLSCAFile     string
	Timeout       time.Duration
	DeployTimeout time.Duration
	ReadOnly      bool
	Toolsets      []string
	StateDir      string
	Demo          bool
	DemoVersion   string
	DemoEdition   string
	Workers       int
	ShowVersion   bool

	// Streamable HTTP (empty HTTP: stdio).
	HTTP           string
	HTTPTokenFile  string
	HTTPToken      string
	AllowedHosts   []string
	AllowedOrigins []string
	TLSCert        string
	TLSKey         string
	MaxBody        int64
	Rate           float64
	AuditLog       string
	HealthCheck    bool
}

// usageHead is the first thing --help says.
const usageHead = `portainer-mcp: an MCP server that lets an AI assistant manage Docker stacks and GitOps through Portainer.

Usage: portainer-mcp [flags]        (settings also come from the environment variables named below)

`

// parseConfig reads flags and the environment; the error is one line for the user.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("portainer-mcp", flag.ContinueOnError)
	// Errors are reported in one line by the caller; only --help prints the flags.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	envBool := func(name string) (bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("%s=%q is not true or false", name, v)
		}
		return b, nil
	}
	skip, err := envBool("PORTAINER_TLS_SKIP_VERIFY")
	if err != nil {
		return c, err
	}
	ro, err := envBool("PORTAINER_READ_ONLY")
	if err != nil {
		return c, err
	}
	timeout := 30 * time.Second
	if v := strings.TrimSpace(getenv("PORTAINER_TIMEOUT")); v != "" {
		timeout, err = time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("PORTAINER_TIMEOUT=%q is not a duration: write it like 30s or 2m", v)
		}
	}
	deployTimeout := 5 * time.Minute
	if v := strings.TrimSpace(getenv("PORTAINER_DEPLOY_TIMEOUT")); v != "" {
		deployTimeout, err = time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("PORTAINER_DEPLOY_TIMEOUT=%q is not a duration: write it like 5m", v)
		}
	}
	toolsets := getenv("PORTAINER_TOOLSETS")
	fs.StringVar(&c.URL, "url", getenv("PORTAINER_URL"), "Portainer's address, e.g. https://portainer.example.com:9443 (env PORTAINER_URL)")
	// The key's flag has no default: flag prints defaults in --help and on a flag error.
	fs.StringVar(&c.APIKey, "api-key", "", "API key (env PORTAINER_API_KEY); prefer --api-key-file")
	fs.StringVar(&c.APIKeyFile, "api-key-file", getenv("PORTAINER_API_KEY_FILE"), "file holding the API key (env PORTAINER_API_KEY_FILE)")
	fs.BoolVar(&c.TLSSkipVerify, "tls-skip-verify", skip, "do not verify Portainer's TLS certificate (env PORTAINER_TLS_SKIP_VERIFY)")
	fs.StringVar(&c.TLSCAFile, "tls-ca-file", getenv("PORTAINER_TLS_CA_FILE"), "PEM file of the CA that signed Portainer's certificate (env PORTAINER_TLS_CA_FILE)")
	fs.DurationVar(&c.Timeout, "timeout", timeout, "timeout of one read from Portainer (env PORTAINER_TIMEOUT)")
	fs.DurationVar(&c.DeployTimeout, "deploy-timeout", deployTimeout, "timeout of one change: create, update, redeploy, delete (env PORTAINER_DEPLOY_TIMEOUT)")
	fs.BoolVar(&c.ReadOnly, "read-only", ro, "offer only read-only tools (env PORTAINER_READ_ONLY)")
	fs.StringVar(&toolsets, "toolsets", toolsets, "comma-separated toolsets: "+tools.ToolsetChoices()+" (env PORTAINER_TOOLSETS)")
	fs.StringVar(&c.StateDir, "state-dir", getenv("PORTAINER_MCP_STATE_DIR"), "where recreate_stack keeps snapshots (env PORTAINER_MCP_STATE_DIR; default ~/.local/state/portainer-mcp)")
	fs.BoolVar(&c.Demo, "demo", false, "run against a built-in Portainer simulator with demo data (no Portainer needed)")
	fs.StringVar(&c.DemoVersion, "demo-version", "2.45.0", "the Portainer version the demo simulator behaves as: "+demoVersionList())
	fs.StringVar(&c.DemoEdition, "demo-edition", "CE", "the Portainer edition the demo simulator is: CE, or BE for the Business Edition's tools (with --toolsets all: edge stack GitOps, saved Git credentials, change windows)")
	workers := 16
	if v := strings.TrimSpace(getenv("PORTAINER_MCP_WORKERS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("PORTAINER_MCP_WORKERS=%q is not a number", v)
		}
		workers = n
	}
	fs.IntVar(&c.Workers, "workers", workers, "tool calls served at once; more wait in a queue (env PORTAINER_MCP_WORKERS)")
	fs.BoolVar(&c.ShowVersion, "version", false, "print the version and exit")
	fs.StringVar(&c.HTTP, "http", getenv("PORTAINER_MCP_HTTP"), "serve MCP over streamable HTTP at ADDR/mcp, e.g. 127.0.0.1:8080, instead of stdio (env PORTAINER_MCP_HTTP)")
	fs.StringVar(&c.HTTPTokenFile, "http-token-file", getenv("PORTAINER_MCP_HTTP_TOKEN_FILE"), "file holding a shared token every HTTP request must send as Authorization: Bearer (env PORTAINER_MCP_HTTP_TOKEN_FILE)")
	hosts := envOr(getenv, "PORTAINER_MCP_HTTP_ALLOWED_HOSTS", "localhost,127.0.0.1,::1")
	fs.StringVar(&hosts, "http-allowed-hosts", hosts, "Host names the HTTP server answers to (DNS rebinding guard); * for any (env PORTAINER_MCP_HTTP_ALLOWED_HOSTS)")
	origins := getenv("PORTAINER_MCP_HTTP_ALLOWED_ORIGINS")
	fs.StringVar(&origins, "http-allowed-origins", origins, "browser Origins allowed besides loopback ones, e.g. https://app.example.com (env PORTAINER_MCP_HTTP_ALLOWED_ORIGINS)")
	fs.StringVar(&c.TLSCert, "tls-cert", getenv("PORTAINER_MCP_TLS_CERT"), "PEM certificate: serve HTTPS (env PORTAINER_MCP_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", getenv("PORTAINER_MCP_TLS_KEY"), "PEM private key of --tls-cert (env PORTAINER_MCP_TLS_KEY)")
	maxBody := envOr(getenv, "PORTAINER_MCP_HTTP_MAX_BODY", "4MiB")
	fs.StringVar(&maxBody, "http-max-body", maxBody, "largest HTTP request body, e.g. 4MiB, 512KiB (env PORTAINER_MCP_HTTP_MAX_BODY)")
	rate := envOr(getenv, "PORTAINER_MCP_HTTP_RATE", "20")
	fs.StringVar(&rate, "http-rate", rate, "HTTP requests per second allowed per API key (bursts of five times that); 0 for no limit (env PORTAINER_MCP_HTTP_RATE)")
	fs.StringVar(&c.AuditLog, "audit-log", getenv("PORTAINER_MCP_AUDIT_LOG"), "write one JSON line per write (user, tool, stack, outcome) to this file, or - for stderr (env PORTAINER_MCP_AUDIT_LOG)")
	fs.BoolVar(&c.HealthCheck, "health-check", false, "ask the HTTP server at --http for /healthz and exit 0 when it answers (for container health checks)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usageHead)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return c, err
		}
		return c, fmt.Errorf("%v (see portainer-mcp --help)", err)
	}
	if err := c.checkDemo(); err != nil {
		return c, err
	}
	if c.Workers < 1 || c.Workers > 256 {
		return c, fmt.Errorf("--workers must be between 1 and 256, got %d", c.Workers)
	}
	if c.APIKey == "" {
		c.APIKey = getenv("PORTAINER_API_KEY")
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	for _, t := range strings.Split(toolsets, ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.Toolsets = append(c.Toolsets, t)
		}
	}
	if c.Timeout <= 0 || c.DeployTimeout <= 0 {
		return c, fmt.Errorf("--timeout and --deploy-timeout must be positive, got %s and %s", c.Timeout, c.DeployTimeout)
	}
	if c.StateDir == "" {
		c.StateDir = defaultStateDir(getenv)
	}
	c.AllowedHosts, c.AllowedOrigins = splitList(hosts), splitList(origins)
	if c.MaxBody, err = parseSize(maxBody); err != nil {
		return c, fmt.Errorf("--http-max-body %q: %v", maxBody, err)
	}
	if c.Rate, err = strconv.ParseFloat(strings.TrimSpace(rate), 64); err != nil || c.Rate < 0 {
		return c, fmt.Errorf("--http-rate %q is not a number of requests per second (0 for no limit)", rate)
	}
	if c.ShowVersion || c.HealthCheck {
		return c, nil
	}
	if err := c.checkHTTP(); err != nil {
		return c, err
	}
	if c.Demo {
		if c.HTTP != "" && c.HTTPToken == "" && !loopbackAddr(c.HTTP) {
			return c, fmt.Errorf("--demo with --http %s would let anyone who reaches it act on the demo: listen on 127.0.0.1, or set --http-token-file", c.HTTP)
		}
		return c, nil
	}
	if c.URL == "" {
		return c, errors.New("no Portainer address: set PORTAINER_URL (or --url), e.g. https://portainer.example.com:9443; or run with --demo to try the built-in simulator")
	}
	if c.URL, err = normalizeURL(c.URL); err != nil {
		return c, err
	}
	if c.APIKey != "" && c.APIKeyFile != "" {
		return c, errors.New("both an API key and an API key file are set: keep one of PORTAINER_API_KEY and PORTAINER_API_KEY_FILE")
	}
	if c.APIKeyFile != "" {
		raw, err := os.ReadFile(c.APIKeyFile)
		if err != nil {
			return c, fmt.Errorf("cannot read the API key file: %v", err)
		}
		c.APIKey = strings.TrimSpace(string(raw))
		if c.APIKey == "" {
			return c, fmt.Errorf("the API key file %s is empty", c.APIKeyFile)
		}
	}
	c.APIKey = strings.TrimSpace(c.APIKey)
	if c.APIKey == "" && c.HTTP == "" {
		return c, errors.New("no API key: set PORTAINER_API_KEY or PORTAINER_API_KEY_FILE (create a key in Portainer under My account > Access tokens)")
	}
	if c.APIKey != "" && c.HTTP != "" && c.HTTPToken == "" && !loopbackAddr(c.HTTP) {
		return c, fmt.Errorf("--http %s listens beyond this machine with a server-wide API key: every caller would act as its user. Set --http-token-file too, or drop the key so that each caller sends their own in X-Portainer-API-Key", c.HTTP)
	}
	if strings.ContainsAny(c.APIKey, " \t\r\n") {
		return c, errors.New("the API key contains spaces or line breaks: check PORTAINER_API_KEY (or the key file)")
	}
	if c.TLSCAFile != "" {
		if _, err := loadCA(c.TLSCAFile); err != nil {
			return c, err
		}
	}
	return c, nil
}

// demoVersions are the Portainer releases the demo simulator plays.
var demoVersions = []string{"2.23.0", "2.39.0", "2.45.0"}

// demoVersionList is demoVersions in words: "2.23.0, 2.39.0 or 2.45.0".
func demoVersionList() string {
	n := len(demoVersions)
	return strings.Join(demoVersions[:n-1], ", ") + " or " + demoVersions[n-1]
}

// checkDemo checks the demo's release and edition (2.45 is read as 2.45.0, be as BE).
func (c *config) checkDemo() error {
	v, ok := tools.FullVersion(c.DemoVersion)
	if !ok || !slices.Contains(demoVersions, v) {
		return fmt.Errorf("--demo-version %q is not a release the demo plays: use %s", c.DemoVersion, demoVersionList())
	}
	c.DemoVersion = v
	ed := strings.ToUpper(strings.TrimSpace(c.DemoEdition))
	if ed != "CE" && ed != "BE" {
		return fmt.Errorf("--demo-edition %q: use CE (Community Edition) or BE (Business Edition)", c.DemoEdition)
	}
	c.DemoEdition = ed
	return nil
}

// checkHTTP checks the HTTP settings and reads the gate token.
func (c *config) checkHTTP() error {
	if c.HTTP == "" {
		for name, v := range map[string]string{"--http-token-file": c.HTTPTokenFile, "--tls-cert": c.TLSCert, "--tls-key": c.TLSKey} {
			if v != "" {
				return fmt.Errorf("%s is set but --http is not: stdio needs no %s", name, name)
			}
		}
		return nil
	}
	if _, port, err := net.SplitHostPort(c.HTTP); err != nil {
		return fmt.Errorf("--http %q is not an address: write it like 127.0.0.1:8080 or :8080", c.HTTP)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--http %q has port %s, which is not between 0 and 65535", c.HTTP, port)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if c.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
			return fmt.Errorf("cannot use --tls-cert and --tls-key: %v", err)
		}
	}
	if c.HTTPTokenFile != "" {
		raw, err := os.ReadFile(c.HTTPTokenFile)
		if err != nil {
			return fmt.Errorf("cannot read the HTTP token file: %v", err)
		}
		c.HTTPToken = strings.TrimSpace(string(raw))
		if len(c.HTTPToken) < 16 || strings.ContainsAny(c.HTTPToken, " \t\r\n") {
			return fmt.Errorf("the HTTP token in %s must be one word of at least 16 characters (e.g. openssl rand -hex 32)", c.HTTPTokenFile)
		}
	}
	if len(c.AllowedHosts) == 0 {
		return errors.New("--http-allowed-hosts is empty: name the host names clients use (or * for any)")
	}
	return nil
}

// loopbackAddr tells whether a listen address is reachable from this machine only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func envOr(getenv func(string) string, name, fallback string) string {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v
	}
	return fallback
}

// parseSize reads 4MiB, 512KiB, 1GiB or a number of bytes.
// maxSize is the largest request size limit taken.
const maxSize = 1 << 30

func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("write a size like 4MiB, 512KiB or a number of bytes")
	}
	if n > maxSize/mult {
		return 0, errors.New("at most 1GiB: a request that large is not an MCP call")
	}
	return n * mult, nil
}

// normalizeURL gives a scheme-less address https://, checks it and strips a trailing /api.
func normalizeURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("PORTAINER_URL %q is not a valid address: write it like https://portainer.example.com:9443", tools.HideUserinfo(raw))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("PORTAINER_URL %q has port %s, which is not between 1 and 65535", tools.HideUserinfo(raw), p)
		}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("PORTAINER_URL %q must use http or https, not %s", tools.HideUserinfo(raw), u.Scheme)
	}
	if u.User != nil {
		return "", fmt.Errorf("PORTAINER_URL must not carry a user or password; use PORTAINER_API_KEY")
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api")
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

func loadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA file: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("the CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// baseTransport is the TLS-aware transport under tools.Transport: certificates verified
// unless told otherwise, and no cookie jar (Portainer's auth cookie would turn on its CSRF
// checks: http.Client has none unless given one).
func baseTransport(c config) (http.RoundTripper, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSSkipVerify} //nolint:gosec // opt-in by the user
	tr.MaxIdleConnsPerHost = 32
	if c.TLSCAFile != "" {
		pool, err := loadCA(c.TLSCAFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return tr, nil
}

func defaultStateDir(getenv func(string) string) string {
	if x := getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "portainer-mcp")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "portainer-mcp")
	}
	return filepath.Join(os.TempDir(), "portainer-mcp")
}
