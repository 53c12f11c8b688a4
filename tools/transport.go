package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// Transport is the HTTP transport to Portainer. It sends the API key (the request's own,
// given with WithAPIKey, else the server's), gives reads and writes their own timeouts (a
// deploy clones and pulls images), and lets a write that was sent finish even when the tool
// call is cancelled: cutting a POST or DELETE mid-flight leaves its outcome unknown, while
// finishing it (bounded by the write timeout) lets the server know and log what happened.
type Transport struct {
	Base        http.RoundTripper
	Read, Write time.Duration
	APIKey      string
	UserAgent   string
	// MaxAnswer bounds what is read of one answer (default 64 MiB, some hundred times a list
	// of 1,000 stacks): past it the read fails instead of filling the server's memory.
	MaxAnswer int64
}

const defaultMaxAnswer = 64 << 20

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := checkPath(r.URL); err != nil {
		return nil, err
	}
	limit, ctx := t.Write, r.Context()
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		limit = t.Read
	} else {
		// A write is not started for a call already cancelled; one that has started runs to
		// its end (bounded by the write timeout) so that its outcome is known.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ctx = context.WithoutCancel(ctx)
	}
	if limit <= 0 {
		limit = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	r = r.Clone(ctx)
	key := APIKeyFrom(r.Context())
	if key == "" {
		key = t.APIKey
	}
	if key != "" {
		r.Header.Set("X-API-Key", key)
	}
	if t.UserAgent != "" {
		r.Header.Set("User-Agent", t.UserAgent)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		cancel()
		Tell(r.Context(), mcp.LoggingLevelWarning, "%s %s: no answer from Portainer (%v)", r.Method, r.URL.Path, err)
		return nil, err
	}
	level := mcp.LoggingLevelInfo // a change made on the user's behalf
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		level = mcp.LoggingLevelDebug
	}
	Tell(r.Context(), level, "%s %s: Portainer answered %s", r.Method, r.URL.Path, resp.Status)
	most := t.MaxAnswer
	if most <= 0 {
		most = defaultMaxAnswer
	}
	what := r.Method + " " + r.URL.Path
	resp.Body = &answerBody{ReadCloser: resp.Body, cancel: cancel, capReader: capReader{r: resp.Body, left: most, over: func() error {
		size := fmt.Sprintf("%d bytes", most)
		if most >= 1<<20 {
			size = fmt.Sprintf("%d MiB", most>>20)
		}
		return fmt.Errorf("Portainer's answer to %s is over %s, more than this server reads: ask for less (a filter, a page, a shorter log)", what, size)
	}}}
	return resp, nil
}

// checkPath is the last line of defence against ids that would move a request elsewhere in
// Portainer's API: no path segment may be "." or "..", or hide a '/' or '\' in an escape.
// Tools check ids before they build a request; this catches what they miss.
func checkPath(u *url.URL) error {
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "." || dec == ".." || (dec != seg && strings.ContainsAny(dec, `/\`)) {
			return fmt.Errorf("refused to send a request to %s: an id in it is not a plain name (it holds %q)", u.Path, seg)
		}
	}
	return nil
}

// answerBody is an answer's body that ends its request's timeout when closed and fails a
// read past Transport.MaxAnswer bytes.
type answerBody struct {
	io.ReadCloser
	capReader
	cancel context.CancelFunc
}

func (b *answerBody) Read(p []byte) (int, error) { return b.capReader.Read(p) }

// capReader reads r up to left bytes; a read past them fails with over() when r has more
// (a stream of exactly left bytes ends as usual).
type capReader struct {
	r    io.Reader
	left int64
	over func() error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		switch {
		case n > 0:
			return 0, c.over()
		case err != nil:
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (b *answerBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// CancelGate keeps the answer to a cancelled request off a stdio stream, as the MCP
// specification asks (a receiver of notifications/cancelled should not respond). Reader
// watches what the client sends for cancellations; Writer drops the responses they name.
type CancelGate struct {
	mu        sync.Mutex
	cancelled map[string]time.Time
}

// NewCancelGate returns an empty gate.
func NewCancelGate() *CancelGate { return &CancelGate{cancelled: map[string]time.Time{}} }

// Cancelled records that the client cancelled request id (its JSON form).
func (g *CancelGate) Cancelled(id json.RawMessage) {
	key := idKey(id)
	if key == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	for k, at := range g.cancelled { // forget cancellations whose request answered long ago
		if now.Sub(at) > 10*time.Minute {
			delete(g.cancelled, k)
		}
	}
	g.cancelled[key] = now
}

// IsCancelled tells whether the client cancelled request id.
func (g *CancelGate) IsCancelled(id json.RawMessage) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.cancelled[idKey(id)]
	return ok
}

// take reports whether id was cancelled, and forgets it.
func (g *CancelGate) take(id json.RawMessage) bool {
	key := idKey(id)
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.cancelled[key]
	delete(g.cancelled, key)
	return ok
}

func idKey(id json.RawMessage) string {
	var buf bytes.Buffer
	if len(id) == 0 || json.Compact(&buf, id) != nil {
		return ""
	}
	return buf.String()
}

// Reader passes r through, noting every notifications/cancelled it carries.
func (g *CancelGate) Reader(r io.Reader) io.Reader {
	return &gateReader{g: g, br: bufio.NewReaderSize(r, 64*1024)}
}

type gateReader struct {
	g   *CancelGate
	br  *bufio.Reader
	buf []byte
	err error
}

func (r *gateReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		line, err := r.br.ReadBytes('\n')
		r.buf, r.err = line, err
		if bytes.Contains(line, []byte("notifications/cancelled")) {
			var msg struct {
				Method string `json:"method"`
				Params struct {
					RequestID json.RawMessage `json:"requestId"`
				} `json:"params"`
			}
			if json.Unmarshal(line, &msg) == nil && msg.Method == "notifications/cancelled" {
				r.g.Cancelled(msg.Params.RequestID)
			}
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Writer passes w through, except the responses to cancelled requests. The stdio server
// writes one whole message per Write.
func (g *CancelGate) Writer(w io.Writer) io.Writer { return &gateWriter{g: g, w: w} }

type gateWriter struct {
	g *CancelGate
	w io.Writer
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.g.mu.Lock()
	pending := len(w.g.cancelled) > 0
	w.g.mu.Unlock()
	if pending {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(p, &msg) == nil && msg.Method == "" && len(msg.ID) > 0 && w.g.take(msg.ID) {
			return len(p), nil
		}
	}
	return w.w.Write(p)
}
