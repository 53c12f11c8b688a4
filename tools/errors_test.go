package tools

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"testing"
)

// Portainer's libhttp writes the details of an error capitalised and the message as the handler
// gave it, and compose's errors end with a newline (measured on a real 2.23): one text, said once.
func TestPortainerSaid(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"same text, details capitalised",
			`{"message":"failed to deploy a stack: yaml: line 1: bad\n","details":"Failed to deploy a stack: yaml: line 1: bad\n"}`,
			"failed to deploy a stack: yaml: line 1: bad"},
		{"same text", `{"message":"Stack is already inactive","details":"Stack is already inactive"}`, "Stack is already inactive"},
		{"message and details", `{"message":"Invalid request payload","details":"Invalid Interval format"}`, "Invalid request payload: Invalid Interval format"},
		{"details only", `{"details":"Object not found inside the database"}`, "Object not found inside the database"},
		{"details with a newline", `{"message":"Unable to start stack","details":"exit status 1\n"}`, "Unable to start stack: exit status 1"},
		{"not JSON", "gateway timeout", "gateway timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := portainerSaid([]byte(c.body)); got != c.want {
				t.Errorf("portainerSaid(%s) = %q, want %q", c.body, got, c.want)
			}
		})
	}
}

func TestJoinSentences(t *testing.T) {
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{"its containers: web-1.", "Nothing was changed"}, "its containers: web-1. Nothing was changed."},
		{[]string{"a. ", " b..", "", "c"}, "a. b. c."},
		{[]string{"cut after 300 characters...", "Check it"}, "cut after 300 characters... Check it."},
		{[]string{"Delete it?", "It cannot be undone."}, "Delete it? It cannot be undone."},
		{[]string{"", " "}, ""},
	} {
		if got := joinSentences(c.parts...); got != c.want {
			t.Errorf("joinSentences(%q) = %q, want %q", c.parts, got, c.want)
		}
	}
}

// A read-only tool's error loses "Nothing was changed" whatever form it took.
func TestReadOnlyText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"get_stack: argument stack_id: got string. Nothing was changed.", "get_stack: argument stack_id: got string."},
		{"x: stack 3 is file-based. Nothing was changed. Use update_stack.", "x: stack 3 is file-based. Use update_stack."},
		{"x: needs BE. Nothing was changed: leave it out.", "x: needs BE. Leave it out."},
		{"x: no change here.", "x: no change here."},
	} {
		if got := readOnlyText(c.in); got != c.want {
			t.Errorf("readOnlyText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWriteOutcome: a write whose request never left, or was refused, changed nothing; one
// whose answer never came or came from a proxy may have happened.
func TestWriteOutcome(t *testing.T) {
	post := func(err error) error { return &url.Error{Op: "Post", URL: "http://p/api/stacks", Err: err} }
	cases := []struct {
		name   string
		err    error
		status int
		want   outcome
	}{
		{"no connection", post(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), 0, failed},
		{"unknown host", post(&net.DNSError{Err: "no such host", Name: "p"}), 0, failed},
		{"cancelled before it was sent", post(context.Canceled), 0, failed},
		{"timed out", post(context.DeadlineExceeded), 0, unknown},
		{"connection cut", post(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), 0, unknown},
		{"closed before an answer", post(io.ErrUnexpectedEOF), 0, unknown},
		{"done", nil, 200, done},
		{"refused", nil, 400, failed},
		{"failed in Portainer", nil, 500, failed},
		{"a proxy's 502", nil, 502, unknown},
		{"a proxy's 504", nil, 504, unknown},
	}
	for _, c := range cases {
		if got := writeOutcome(c.err, c.status); got != c.want {
			t.Errorf("%s: outcome %d, want %d", c.name, got, c.want)
		}
	}
}
