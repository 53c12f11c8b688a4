package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCancelGateDropsLateAnswer: an answer the MCP library writes after the request was
// cancelled never reaches the client; the stream ends empty instead.
func TestCancelGateDropsLateAnswer(t *testing.T) {
	g := newCancelGate()
	started := make(chan struct{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // the cancel arrives while the call runs
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[]}}`))
	})
	call := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_stacks"}}`
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.serve(rec, httptest.NewRequest(http.MethodPost, "/mcp", nil), []byte(call), "key-a", next)
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the call never started")
	}
	// Another user's cancel of the same id does nothing; the caller's own cancels.
	other := httptest.NewRecorder()
	cancel := `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}`
	g.serve(other, httptest.NewRequest(http.MethodPost, "/mcp", nil), []byte(cancel), "key-b", next)
	select {
	case <-done:
		t.Fatal("another key's cancel stopped the call")
	case <-time.After(50 * time.Millisecond):
	}
	g.serve(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/mcp", nil), []byte(cancel), "key-a", next)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the cancel did not stop the call")
	}
	if body := rec.Body.String(); strings.Contains(body, "result") {
		t.Errorf("a cancelled request was answered: %s", body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q, want an empty event stream", ct)
	}
}
