package tools_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/portainer-mcp/portainer-mcp/tools"
)

type fixedAnswer string

func (f fixedAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(string(f))), Request: r, Header: http.Header{}}, nil
}

// TestTransportBoundsAnswers: an answer up to MaxAnswer bytes reads whole; one byte more fails
// the read with a message saying to ask for less, instead of filling the server's memory.
func TestTransportBoundsAnswers(t *testing.T) {
	get := func(body string) ([]byte, error) {
		tr := &tools.Transport{Base: fixedAnswer(body), MaxAnswer: 10}
		req, _ := http.NewRequest(http.MethodGet, "http://portainer.test/api/stacks", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	if got, err := get("0123456789"); err != nil || string(got) != "0123456789" {
		t.Errorf("an answer of exactly the limit: %q, %v", got, err)
	}
	got, err := get("0123456789X")
	if err == nil || !strings.Contains(err.Error(), "GET /api/stacks") || !strings.Contains(err.Error(), "over 10 bytes") || !strings.Contains(err.Error(), "ask for less") {
		t.Errorf("an answer over the limit: %q, %v", got, err)
	}
}
