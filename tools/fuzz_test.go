package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/mcptools"
)

// FuzzToolArguments sends arbitrary arguments to every tool through the whole server (schema
// check, handler, simulator): whatever comes in, the answer is a result (a tool error is
// fine), never a protocol error or an internal error, never a panic, and never the
// sentinel password.
func FuzzToolArguments(f *testing.F) {
	seeds := []string{
		`{}`, `{"stack_id":1}`, `{"stack_id":-1,"environment_id":0}`, `{"limit":0}`, `{"limit":501,"offset":-3}`,
		`{"environment_id":1,"name":"a","compose":"services:\n  a:\n    image: x\n"}`,
		`{"environment_id":1,"name":"A b","compose":"x","env":[{"name":"A=B","value":"1\n2"}]}`,
		`{"webhook_id":"../../api/stacks"}`, `{"repository_url":"https://u:pw-SENTINEL-7f3a@h/x","environment_id":1,"name":"g"}`,
		`{"stack_id":1,"mechanism":"polling","interval":"1s"}`, `{"stack_id":1,"dry_run":false,"repository_url":"ssh://x"}`,
		`{"compose_path":"../../etc/passwd","environment_id":1,"name":"p","repository_url":"https://git.example.com/team/app.git"}`,
		`{"stack_id":9999999999999999999}`, `{"types":[1,2,99]}`, `{"source_id":1,"interval":"","apply_to_shared_source":true}`,
		`{"name":"e","edge_group_ids":[1],"compose":"services:\n  a:\n    image: x\n"}`, `{"edge_stack_id":1,"mechanism":"none"}`,
		`{"name":"g","edge_group_ids":[1,99],"repository_url":"https://git.example.com/team/private.git","password":"pw-SENTINEL-7f3a","username":"deploy"}`,
		`{"name":"c","username":"u","password":"pw-SENTINEL-7f3a"}`, `{"environment_id":1,"enabled":true,"start_time":"25:00","end_time":"01:00"}`,
	}
	for i := range mcptools.Tools {
		for _, s := range seeds {
			f.Add(uint8(i), s)
		}
	}
	// The Business Edition with edge environments: every tool is offered.
	h := newHarnessFor(f, harnessOpts{Version: "2.45.0", Edition: "BE", Edge: true})
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		var args map[string]any
		if json.Unmarshal([]byte(raw), &args) != nil {
			return
		}
		def := mcptools.Tools[int(which)%len(mcptools.Tools)]
		var req mcp.CallToolRequest
		req.Params.Name = def.Name
		req.Params.Arguments = args
		ctx, cancel := context.WithTimeout(context.Background(), 20e9)
		defer cancel()
		res, err := h.c.CallTool(ctx, req)
		if err != nil {
			t.Fatalf("%s(%s): protocol error %v", def.Name, raw, err)
		}
		txt := textOf(res)
		if strings.Contains(txt, "internal error") {
			t.Fatalf("%s(%s): %s", def.Name, raw, txt)
		}
		out, _ := json.Marshal(res)
		if givenAsSecret(args) && strings.Contains(string(out), sentinel) {
			t.Fatalf("%s(%s): the sentinel password is in the answer: %s", def.Name, raw, out)
		}
	})
}

// givenAsSecret tells whether the sentinel reaches the server only where a secret belongs: in
// a password or token argument, or as the password of a URL. A sentinel typed into any other
// argument is that argument's text, which answers may quote.
func givenAsSecret(args map[string]any) bool {
	found := false
	for k, v := range args {
		s, ok := v.(string)
		if !ok {
			raw, _ := json.Marshal(v)
			if strings.Contains(string(raw), sentinel) {
				return false
			}
			continue
		}
		if !strings.Contains(s, sentinel) {
			continue
		}
		lk := strings.ToLower(k)
		if strings.Contains(lk, "password") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
			found = true
			continue
		}
		rest := strings.ReplaceAll(s, ":"+sentinel+"@", ":@")
		if strings.Contains(rest, sentinel) {
			return false
		}
		found = true
	}
	return found
}
