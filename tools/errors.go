package tools

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// APIError turns a non-2xx Portainer answer into a tool error that says what happened, with
// Portainer's own message and details, and what to do next.
func APIError(tool string, r *http.Response, body []byte) *mcp.CallToolResult {
	status := statusOf(r)
	said := portainerSaid(body)
	msg := fmt.Sprintf("%s: Portainer answered %d %s", tool, status, http.StatusText(status))
	if said != "" {
		msg += ": " + said
	}
	return mcp.NewToolResultError(joinSentences(msg, hint(tool, status, said)))
}

// joinSentences makes one text of sentences: each ends with one full stop (none is added to
// one that ends with '.', '!' or '?'), empty ones are left out, and a space separates them.
// Every message built of parts goes through it, so none says "..", " ." or ". .".
func joinSentences(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		for strings.HasSuffix(p, ".") && !strings.HasSuffix(p, "...") {
			p = strings.TrimSpace(strings.TrimSuffix(p, "."))
		}
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
		if !strings.HasSuffix(p, "...") && !strings.HasSuffix(p, "!") && !strings.HasSuffix(p, "?") {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// nothingChanged is what a tool that changes things says when a check or Portainer stopped it
// before any change. Read-only tools never say it (readOnlyText takes it out of theirs).
const nothingChanged = "Nothing was changed"

// readOnlyText is an error of a read-only tool without "Nothing was changed", which tells the
// caller of a change that it did not happen: a read changes nothing anyway. Messages shared by
// reads and writes say it, so the wrapper of every read-only tool takes it out: the sentence
// "Nothing was changed." goes, and "Nothing was changed: do this." becomes "Do this.".
func readOnlyText(s string) string {
	for {
		i := strings.Index(s, nothingChanged)
		if i < 0 {
			return strings.TrimSpace(s)
		}
		rest := s[i+len(nothingChanged):]
		switch {
		case strings.HasPrefix(rest, ":"):
			rest = strings.TrimLeft(rest[1:], " ")
			if rest != "" {
				rest = strings.ToUpper(rest[:1]) + rest[1:]
			}
		case strings.HasPrefix(rest, "."):
			rest = strings.TrimLeft(rest[1:], " ")
		}
		s = s[:i] + rest
	}
}

// forTool is r as tool def answers it: the error of a read-only tool goes through
// readOnlyText.
func forTool(def Def, r *mcp.CallToolResult) *mcp.CallToolResult {
	if !def.ReadOnly || !r.IsError {
		return r
	}
	for i, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			t.Text = readOnlyText(t.Text)
			r.Content[i] = t
		}
	}
	return r
}

// portainerSaid is the message and details of Portainer's error body (or the start of the
// body when it is not Portainer's JSON).
func portainerSaid(body []byte) string {
	var e struct {
		Message string `json:"message"`
		Details string `json:"details"`
	}
	_ = json.Unmarshal(body, &e)
	// Portainer capitalises the details and compose's errors end with a newline, so one text
	// often comes as both message and details.
	said, details := strings.TrimSpace(e.Message), strings.TrimSpace(e.Details)
	if details != "" && !strings.EqualFold(details, said) {
		if said != "" {
			said += ": "
		}
		said += details
	}
	if said == "" {
		said = strings.TrimSpace(string(body))
		if len(said) > 300 {
			said = said[:300] + "..."
		}
	}
	return said
}

// hint says what to do next, from the tool, the status and what Portainer said.
func hint(tool string, status int, said string) string {
	lower := strings.ToLower(said)
	switch {
	case strings.Contains(lower, "deployment is already in progress") || strings.Contains(lower, "deployment is in progress"):
		return "Portainer is still deploying this stack and refuses another change until that ends: wait, check it with get_stack, then try again. " + nothingChanged
	case strings.Contains(lower, "is already running") || strings.Contains(lower, "already active"):
		return "The stack is already running: there is nothing to start (get_stack_status shows its containers)."
	case strings.Contains(lower, "already inactive"):
		return "The stack is already stopped."
	case strings.Contains(lower, "edge compute features are disabled"):
		return "Edge Compute is off in this Portainer: an administrator turns it on (Settings > Edge Compute, or PUT /api/settings {\"EnableEdgeComputeFeatures\":true}). " + nothingChanged
	case strings.Contains(lower, "edge group was not found") || strings.Contains(lower, "edge group with the specified"):
		return "Check the edge group ids with list_edge_groups. " + nothingChanged
	case strings.Contains(lower, "do not match the environment type"):
		return "Its edge groups hold environments of the other kind (Docker or Kubernetes): choose edge groups of Docker edge environments. " + nothingChanged
	case strings.Contains(tool, "edge") && strings.Contains(lower, "name must be unique"):
		return "Edge stack names are unique across Portainer, whatever their case: pick another name, or change the existing edge stack."
	case strings.Contains(lower, "webhook") && status == http.StatusConflict:
		return "That webhook id belongs to another stack: let the tool generate one (omit it)."
	case strings.Contains(lower, "name") && (strings.Contains(lower, "already exists") || strings.Contains(lower, "unique")):
		return "The name is taken on that environment (names compare without case): pick another name, or change the existing stack."
	case strings.Contains(lower, "not a swarm manager") || strings.Contains(lower, "swarm is not"):
		return "That environment is not a swarm: deploy a compose stack there, or pick a swarm environment (list_environments shows swarm=yes)."
	case strings.Contains(lower, "interval must be at least"):
		return "Use an interval of at least 1m, such as 5m. " + nothingChanged
	}
	switch status {
	case http.StatusUnauthorized:
		return "The API key was refused: check PORTAINER_API_KEY (create a key in Portainer under My account > Access tokens)."
	case http.StatusForbidden:
		return "The user of this API key may not do this: ask a Portainer administrator for access, or use an administrator's key."
	case http.StatusNotFound:
		return joinSentences(notFoundHint(tool, lower), nothingChanged)
	case http.StatusConflict:
		return "It conflicts with what exists (see Portainer's message): change the request, or the existing object."
	case http.StatusBadRequest:
		return "Fix the request as the message says. " + nothingChanged
	case http.StatusServiceUnavailable:
		return "Portainer or the environment is unavailable; check that the environment is up (list_environments) and try again."
	}
	if status >= 500 {
		return "Portainer could not do it; the message above is Portainer's (for a deploy, the compose error). Fix the cause and try again."
	}
	return "See Portainer's message above."
}

// notFoundHint says where the right id is, from what Portainer did not find.
func notFoundHint(tool, lower string) string {
	switch {
	case strings.Contains(tool, "environment") || strings.Contains(lower, "environment") || strings.Contains(lower, "endpoint"):
		// A wrong environment_id, or a stack whose environment is gone ("the environment
		// associated to the stack").
		return "Check the environment id with list_environments"
	case strings.Contains(tool, "source") || strings.Contains(lower, "source"):
		return "Check the id with list_gitops_sources"
	case strings.Contains(tool, "edge"):
		return "Check the id with list_edge_stacks (edge stacks; list_stacks shows the others)"
	case strings.Contains(tool, "credential"):
		return "Check the id with list_git_credentials"
	}
	return "Check the stack id with list_stacks"
}

// uncertainOutcome is said of a write whose answer never came: it may or may not have happened.
const uncertainOutcome = "The change may or may not have been made"

// CallFailed turns a failure to talk to Portainer at all into a tool error.
func (d *Deps) CallFailed(tool string, err error) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf("%s: %s", tool, d.describeCallError(err)))
}

func (d *Deps) describeCallError(err error) string {
	where := d.PortainerURL
	if where == "" {
		where = "Portainer"
	}
	// Only a write that got no answer has an unknown outcome; a read changed nothing.
	outcome := nothingChanged
	var ue *url.Error
	if errors.As(err, &ue) {
		if m := strings.ToUpper(ue.Op); m != "GET" && m != "HEAD" {
			outcome = uncertainOutcome + ": check with the matching get_ or list_ tool before retrying"
		}
		err = ue.Err
	}
	switch classifyCall(err) {
	case callTLS:
		return fmt.Sprintf("the TLS certificate of %s is not trusted (%v). Give its CA with --tls-ca-file (PORTAINER_TLS_CA_FILE), or, for a self-signed test server only, --tls-skip-verify.", where, err)
	case callTimeout:
		return fmt.Sprintf("%s did not answer in time (%s). Check that it is reachable, or raise the timeout. %s.", where, d.timeouts(), outcome)
	case callNoHost:
		var dnsErr *net.DNSError
		errors.As(err, &dnsErr)
		return fmt.Sprintf("cannot resolve the host of %s (%v). Check PORTAINER_URL.", where, dnsErr)
	case callNoConnection:
		var opErr *net.OpError
		errors.As(err, &opErr)
		return fmt.Sprintf("cannot reach Portainer at %s (%v). Check PORTAINER_URL and that Portainer is running. %s.", where, opErr.Err, nothingChanged)
	case callCutOff:
		return fmt.Sprintf("the connection to %s closed before an answer (%v). %s.", where, err, outcome)
	}
	return fmt.Sprintf("the request to %s failed: %v", where, err)
}

// callFailure is how a call to Portainer failed without an answer.
type callFailure int

const (
	callNotSent      callFailure = iota // refused before it was sent (a cancelled call, an id the transport refuses)
	callTLS                             // Portainer's certificate was refused: nothing was sent
	callTimeout                         // no answer in time
	callNoHost                          // the host name does not resolve
	callNoConnection                    // the connection could not be made: the request never left
	callCutOff                          // the connection closed before an answer
)

// classifyCall says how a call failed with err.
func classifyCall(err error) callFailure {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &certErr), errors.As(err, &invalid), errors.As(err, &hostErr) || strings.Contains(err.Error(), "x509:"):
		return callTLS
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return callTimeout
	case errors.As(err, &dnsErr):
		return callNoHost
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return callNoConnection
	case errors.As(err, &opErr) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "connection reset"):
		return callCutOff
	}
	return callNotSent
}

// writeOutcome is what became of a write that failed with err, or was answered with status:
// one whose answer never came (a timeout, a connection cut) or came from a proxy (502, 503,
// 504) may have happened; a refused or unsent one did not.
func writeOutcome(err error, status int) outcome {
	switch {
	case err != nil:
		if c := classifyCall(err); c == callTimeout || c == callCutOff {
			return unknown
		}
		return failed
	case status/100 == 2:
		return done
	case status >= 500 && status != 500:
		return unknown
	}
	return failed
}

// writeFailed is the outcome and the tool error of a write whose call failed with err.
func (d *Deps) writeFailed(tool string, err error) (outcome, *mcp.CallToolResult) {
	return writeOutcome(err, 0), d.CallFailed(tool, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (d *Deps) timeouts() string {
	if d.DeployTimeout > 0 && d.DeployTimeout != d.Timeout {
		return fmt.Sprintf("--timeout %s for reads, --deploy-timeout %s for changes", d.Timeout, d.DeployTimeout)
	}
	return fmt.Sprintf("--timeout %s", d.Timeout)
}
