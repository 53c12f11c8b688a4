package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// cancelGate does over HTTP what the MCP specification asks of a cancelled request: the
// server stops it and sends no answer. A notifications/cancelled POST cancels the request it
// names, if it runs in this process under the same API key and session; the request's own
// stream then ends without a response (an empty event stream when nothing was sent yet). A
// write already sent to Portainer still finishes (tools.Transport), and its fate is logged.
// A client that closes the connection cancels the same way, on any replica.
type cancelGate struct {
	mu      sync.Mutex
	running map[string]*running
}

type running struct {
	cancel    context.CancelFunc
	cancelled atomic.Bool
}

func newCancelGate() *cancelGate { return &cancelGate{running: map[string]*running{}} }

// serve hands r (whose body was read) to next, watching for cancellations.
func (g *cancelGate) serve(w http.ResponseWriter, r *http.Request, body []byte, keyID string, next http.Handler) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			RequestID json.RawMessage `json:"requestId"`
		} `json:"params"`
	}
	if r.Method != http.MethodPost || json.Unmarshal(body, &msg) != nil {
		next.ServeHTTP(w, r)
		return
	}
	// Scoped to the caller's key: nobody can cancel another user's request by guessing its id.
	scope := keyID + "|" + r.Header.Get("Mcp-Session-Id") + "|"
	switch {
	case msg.Method == "notifications/cancelled":
		g.mu.Lock()
		run := g.running[scope+compact(msg.Params.RequestID)]
		g.mu.Unlock()
		if run != nil {
			run.cancelled.Store(true)
			run.cancel()
		}
		w.WriteHeader(http.StatusAccepted)
	case msg.Method != "" && len(msg.ID) > 0 && string(msg.ID) != "null":
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		run := &running{cancel: cancel}
		key := scope + compact(msg.ID)
		g.mu.Lock()
		g.running[key] = run
		g.mu.Unlock()
		defer func() {
			g.mu.Lock()
			if g.running[key] == run {
				delete(g.running, key)
			}
			g.mu.Unlock()
		}()
		ww := &watchWriter{ResponseWriter: w, cancelled: &run.cancelled}
		next.ServeHTTP(ww, r.WithContext(ctx))
		if run.cancelled.Load() && !ww.wrote.Load() {
			// No answer: an event stream that ends without one.
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
		}
	default:
		next.ServeHTTP(w, r)
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// watchWriter notes whether anything was written, and drops what is written once the request
// is cancelled, so that no answer leaves whatever the MCP library does after the cancel; it
// streams like the writer it wraps.
type watchWriter struct {
	http.ResponseWriter
	cancelled *atomic.Bool
	wrote     atomic.Bool
}

func (w *watchWriter) WriteHeader(status int) {
	if w.cancelled.Load() {
		return
	}
	w.wrote.Store(true)
	w.ResponseWriter.WriteHeader(status)
}
func (w *watchWriter) Write(p []byte) (int, error) {
	if w.cancelled.Load() {
		return len(p), nil
	}
	w.wrote.Store(true)
	return w.ResponseWriter.Write(p)
}
func (w *watchWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *watchWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
