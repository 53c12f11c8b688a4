package sim

import (
	"net/http"
	"strings"
)

// Fault makes matching requests fail. A request matches when its method equals Method (any
// method when empty) and its path starts with PathPrefix (e.g. "/api/stacks/create/").
// Every matching request counts, including one that another fault answers.
//
// Note: Go's HTTP client silently retries an idempotent request (GET...) whose reused
// connection closed before any answer, so a Drop of one GET may go unseen; use Times 2 or -1.
type Fault struct {
	Method     string
	PathPrefix string
	Nth        int    // 1 = the first matching request; 0 = from the first one too
	Times      int    // how many times to fire from the Nth on: 0 = once, -1 = every time
	Status     int    // answer status, default 500
	Message    string // answer message, default "injected fault"
	Drop       bool   // close the connection with no answer
	After      bool   // apply the request, then fail the answer: the call happened, the client sees an error
	// Hold keeps a matching request waiting until the channel is closed, then serves it (a
	// slow Portainer). Arrived, when set, receives "METHOD path" as the request starts to wait.
	Hold    <-chan struct{}
	Arrived chan<- string
}

type faultState struct {
	f     Fault
	seen  int // matching requests so far
	fired int
}

// InjectFault adds a fault; faults are checked in the order they were added.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{f: f})
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// fault counts the request against every fault it matches and returns the first one that fires.
func (s *Sim) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	var firing *Fault
	for _, fs := range s.faults {
		f := fs.f
		if (f.Method != "" && !strings.EqualFold(f.Method, r.Method)) || !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		fs.seen++
		times := f.Times
		if times == 0 {
			times = 1
		}
		if fs.seen < max(f.Nth, 1) || (times > 0 && fs.fired >= times) || firing != nil {
			continue
		}
		fs.fired++
		firing = &f
	}
	return firing
}

// serveWithFaults serves r with next, unless a fault fires.
func (s *Sim) serveWithFaults(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	f := s.fault(r)
	if f == nil {
		next(w, r)
		return
	}
	if f.Hold != nil {
		if f.Arrived != nil {
			f.Arrived <- r.Method + " " + r.URL.Path
		}
		<-f.Hold
		if f.Status == 0 && !f.Drop && !f.After {
			next(w, r)
			return
		}
	}
	if f.After {
		next(&discardWriter{header: http.Header{}}, r)
	}
	if f.Drop {
		dropConnection(w)
		return
	}
	status, msg := f.Status, f.Message
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if msg == "" {
		msg = "injected fault"
	}
	writeError(w, status, msg, "injected by the simulator")
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discardWriter swallows the answer of a request served before a fault replaces it.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
