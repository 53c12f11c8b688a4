package tools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// consent is a question for the user before a change that deletes, re-creates, detaches a
// stack from Git, or reaches stacks the caller did not name.
type consent struct {
	tool     string
	question string // what will happen, said to the user
	// explicit is true when the caller gave the argument that says yes (detach_from_git=true,
	// apply_to_shared_source=true, dry_run=false).
	explicit bool
	// refusal is the answer when the client cannot ask the user and explicit is false.
	refusal string
}

// How a change that needs consent got it, as the audit log records it.
const (
	confirmedByUser     = "user"
	confirmedByArgument = "argument"
)

// askTimeout bounds how long a call waits for the user's answer.
const askTimeout = 10 * time.Minute

// confirm asks the user through the client (MCP elicitation) when the client can ask;
// otherwise it requires the explicit argument. It never lets both go: it returns nil to go
// ahead, or the answer to give instead (refused, declined, or a request for the user's
// answer on clients of the 2026-07-28 revision, which call again with it).
func confirm(ctx context.Context, c consent) *mcp.CallToolResult {
	cl := callFrom(ctx)
	if cl != nil && cl.scrub != nil { // the question goes to the client: no secret in it
		c.question = cl.scrub.String(c.question)
	}
	if !canElicit(ctx) {
		if !c.explicit {
			return mcp.NewToolResultError(c.refusal)
		}
		if cl != nil {
			cl.confirmed = confirmedByArgument
		}
		return nil
	}
	id := "confirm-" + digest(c.tool, c.question)
	if mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) && cl != nil {
		return confirmRound(cl, c, id)
	}
	ask, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	res, err := server.ServerFromContext(ctx).RequestElicitation(ask, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  question(c),
	})
	if err != nil {
		// The client said it can ask, and the question did not get an answer (cancelled,
		// timed out, failed): that is not a yes, whatever the arguments said.
		if cl != nil {
			cl.declined = true
		}
		why := err.Error()
		switch {
		case ctx.Err() != nil:
			why = "the call was cancelled while asking"
		case errors.Is(err, context.DeadlineExceeded):
			why = fmt.Sprintf("no answer within %s", askTimeout)
		}
		return mcp.NewToolResultError(fmt.Sprintf("%s: not done: the user could not be asked to confirm (%s). Nothing was changed. Ask again when the user can answer.", c.tool, why))
	}
	if ctx.Err() != nil {
		return mcp.NewToolResultError(fmt.Sprintf("%s: not done: the call was cancelled. Nothing was changed.", c.tool))
	}
	return answered(cl, c, &res.ElicitationResponse)
}

// confirmRound is confirm for clients that answer questions by calling again (multi
// round-trip requests): the answers so far travel in the request state, so any replica of
// the server can take the next round.
func confirmRound(cl *call, c consent, id string) *mcp.CallToolResult {
	yes := strings.Split(cl.round.RequestState, ",")
	if slices.Contains(yes, id) {
		cl.confirmed = confirmedByUser
		return nil
	}
	if r := server.ElicitationResponse(cl.round.InputResponses, id); r != nil {
		if res := answered(cl, c, &r.ElicitationResponse); res != nil {
			return res
		}
		cl.round.RequestState = strings.Trim(cl.round.RequestState+","+id, ",")
		return nil
	}
	return server.NewInputRequestBuilder(cl.round.RequestState).Elicit(id, question(c)).ToolResult()
}

// answered turns the user's answer into go (nil) or a declined answer.
func answered(cl *call, c consent, r *mcp.ElicitationResponse) *mcp.CallToolResult {
	if r.Action == mcp.ElicitationResponseActionAccept {
		if m, ok := r.Content.(map[string]any); ok && m["confirm"] == true {
			if cl != nil {
				cl.confirmed = confirmedByUser
			}
			return nil
		}
	}
	if cl != nil {
		cl.declined = true
	}
	how := "declined"
	if r.Action == mcp.ElicitationResponseActionCancel {
		how = "dismissed the question"
	} else if r.Action == mcp.ElicitationResponseActionAccept {
		how = "did not tick confirm"
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: not done: the user %s. Nothing was changed. Ask the user before trying again.", c.tool, how))
}

func question(c consent) mcp.ElicitationParams {
	return mcp.ElicitationParams{
		Mode:    mcp.ElicitationModeForm,
		Message: c.question,
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"confirm": map[string]any{"type": "boolean", "title": "Go ahead", "default": false},
			},
			"required": []string{"confirm"},
		},
	}
}

// canElicit tells whether the client said it can ask its user (elicitation capability).
func canElicit(ctx context.Context) bool {
	if server.ServerFromContext(ctx) == nil {
		return false
	}
	s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	return ok && s.GetClientCapabilities().Elicitation != nil
}

func digest(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:8])
}

// deleteConsent is the consent to delete one named thing (a stack, an edge stack, a saved
// credential). A client that can ask its user asks; one that cannot must pass confirm_name,
// the thing's name, once the user has agreed: a model cannot delete by a mistyped or
// confused id without noticing. A confirm_name that is not the name refuses in every case.
func deleteConsent(tool, kind string, id int, name, lookup string, a Args, question string) (consent, *mcp.CallToolResult) {
	given := a.Str("confirm_name")
	if given != "" && given != name {
		return consent{}, mcp.NewToolResultError(joinSentences(
			fmt.Sprintf("%s: confirm_name %q is not the name of %s %d, which is %q: check the id with %s", tool, given, kind, id, name, lookup),
			nothingChanged))
	}
	return consent{tool: tool, explicit: given == name, question: question, refusal: joinSentences(
		fmt.Sprintf("%s: not done: this client cannot ask the user to confirm. Once the user has agreed to delete %s %q (id %d), call again with confirm_name=%q", tool, kind, name, id, name),
		nothingChanged)}, nil
}
