package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
	"github.com/portainer-mcp/portainer-mcp/internal/realtest"
	"github.com/portainer-mcp/portainer-mcp/internal/sim"
)

// target is one Portainer the differential script runs against, the simulator or the real one,
// with what the script records: each step's status and the fields the tools read, ids, dates,
// commit hashes and names replaced by symbols so that both sides can be compared.
type target struct {
	t       *testing.T
	name    string
	c       *papi.ClientWithResponses
	ctx     context.Context
	env     int
	suffix  string // makes names unique on a Portainer shared with other runs
	pubURL  string
	privURL string
	user    string
	pass    string
	// commit pushes a commit whose tree is files to the main branch of a repository ("pub" or
	// "priv") and returns its hash.
	commit func(repo string, files map[string]string) string
	// addEnvironment adds a Docker environment named name.
	addEnvironment func(name string)
	// cleanup deletes a stack the script made, when the test ends.
	cleanup func(id int)

	syms   map[string]string
	counts map[string]int
	obs    []observation
}

// observation is what one step saw.
type observation struct {
	Step   string `json:"step"`
	Status int    `json:"status"`
	View   any    `json:"view,omitempty"`
}

func simTarget(t *testing.T) *target {
	s := sim.New(sim.Options{Version: "2.23.0", Empty: true})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	env := s.AddEnvironment(papi.Endpoint{Name: ptr("local"), URL: ptr("unix:///var/run/docker.sock")}, "")
	const gitURL = "http://127.0.0.1:19418"
	tg := newTarget(t, "simulator", realtest.NewClient(t, srv.URL, "sim-api-key"), env, gitURL, "gituser", "sim-git-password")
	s.AddRepo(tg.privURL, tg.user, tg.pass)
	s.AddRepo(tg.pubURL, "", "")
	tg.commit = func(repo string, files map[string]string) string {
		url := tg.pubURL
		if repo == "priv" {
			url = tg.privURL
		}
		return s.Commit(url, "refs/heads/main", files)
	}
	tg.addEnvironment = func(name string) {
		s.AddEnvironment(papi.Endpoint{Name: ptr(name), URL: ptr("unix:///var/run/docker.sock")}, "")
	}
	tg.cleanup = func(int) {}
	return tg
}

func realTarget(t *testing.T, p *realtest.Portainer) *target {
	tg := newTarget(t, "real", p.Client, p.EnvID, p.GitURL, p.GitUser, p.GitPass)
	repos := map[string]*realtest.Repo{
		"pub":  p.Git().NewRepo(t, "pub/diff-"+tg.suffix),
		"priv": p.Git().NewRepo(t, "priv/diff-"+tg.suffix),
	}
	tg.commit = func(repo string, files map[string]string) string { return repos[repo].Commit("main", files) }
	tg.addEnvironment = func(name string) { p.AddEnvironment(t, name) }
	tg.cleanup = func(id int) {
		t.Cleanup(func() {
			resp, err := p.Client.StackDeleteWithResponse(context.Background(), id, &papi.StackDeleteParams{EndpointId: &p.EnvID})
			if err == nil && resp.StatusCode() != http.StatusNoContent && resp.StatusCode() != http.StatusNotFound {
				t.Errorf("clean-up: stack %d: %d %s", id, resp.StatusCode(), resp.Body)
			}
		})
	}
	return tg
}

func newTarget(t *testing.T, name string, c *papi.ClientWithResponses, env int, gitURL, user, pass string) *target {
	suffix := strings.TrimPrefix(realtest.Name("x"), "x-")
	return &target{
		t: t, name: name, c: c, ctx: context.Background(), env: env, suffix: suffix,
		pubURL: gitURL + "/pub/diff-" + suffix + ".git", privURL: gitURL + "/priv/diff-" + suffix + ".git",
		user: user, pass: pass,
		syms: map[string]string{}, counts: map[string]int{},
	}
}

// stackName is a stack name unique to this run.
func (tg *target) stackName(base string) string { return base + "-" + tg.suffix }

// sym gives raw (an id, a hash, a UUID) of a kind a stable symbol, numbered by first use.
func (tg *target) sym(kind, raw string) string {
	if raw == "" || raw == "0" {
		return ""
	}
	key := kind + "\x00" + raw
	if s, ok := tg.syms[key]; ok {
		return s
	}
	tg.counts[kind]++
	s := fmt.Sprintf("%s#%d", kind, tg.counts[kind])
	tg.syms[key] = s
	return s
}

// projectPath is where Portainer keeps a stack's files: /data/compose/ID in Portainer's
// container, <data>/compose/ID for the real one of up.sh.
var projectPath = regexp.MustCompile(`(/[A-Za-z0-9._-]+)*/compose/[0-9]+`)

// norm replaces in a text what differs between runs and targets: the run's suffix, repository
// URLs, webhook ids and commit hashes the script knows, and project paths.
func (tg *target) norm(s string) string {
	s = strings.ReplaceAll(s, tg.privURL, "PRIV_URL")
	s = strings.ReplaceAll(s, tg.pubURL, "PUB_URL")
	s = strings.ReplaceAll(s, tg.suffix, "SFX")
	for key, sym := range tg.syms {
		if _, raw, _ := strings.Cut(key, "\x00"); len(raw) > 8 {
			s = strings.ReplaceAll(s, raw, sym)
		}
	}
	s = dbKey.ReplaceAllStringFunc(s, func(m string) string {
		parts := dbKey.FindStringSubmatch(m)
		kind := map[string]string{"stacks": "stack", "endpoints": "env"}[parts[1]]
		return fmt.Sprintf("(bucket=%s, key=%s)", parts[1], tg.sym(kind, parts[2]))
	})
	return projectPath.ReplaceAllString(s, "PROJECT")
}

// dbKey is the bucket and key a 404's details name.
var dbKey = regexp.MustCompile(`\(bucket=(\w+), key=([0-9]+)\)`)

// see records a step: the status and, for a 2xx answer, view(body) or, for an error,
// Portainer's message and details.
func (tg *target) see(step string, status int, body []byte, view func([]byte) any) {
	tg.t.Helper()
	o := observation{Step: step, Status: status}
	switch {
	case status >= 300:
		var e struct {
			Message string `json:"message"`
			Details string `json:"details"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			o.View = map[string]string{"body": tg.norm(string(body))}
		} else {
			o.View = map[string]string{"message": tg.norm(e.Message), "details": tg.norm(e.Details)}
		}
	case view != nil:
		o.View = view(body)
	}
	tg.obs = append(tg.obs, o)
}

// stackView is every field of a stack the tools read, normalised.
func (tg *target) stackView(body []byte) any {
	var st papi.Stack
	if err := json.Unmarshal(body, &st); err != nil {
		return "not a stack: " + string(body)
	}
	return tg.stackFields(st)
}

func (tg *target) stackFields(st papi.Stack) map[string]any {
	set := func(v *int) string {
		if deref(v) == 0 {
			return "zero"
		}
		return "set"
	}
	env := []string{}
	for _, p := range deref(st.Env) {
		env = append(env, p.Name+"="+deref(p.Value))
	}
	v := map[string]any{
		"Id": tg.sym("stack", fmt.Sprint(deref(st.Id))), "Name": tg.norm(deref(st.Name)), "Type": deref(st.Type),
		"EndpointId": tg.sym("env", fmt.Sprint(deref(st.EndpointId))), "SwarmId": deref(st.SwarmId),
		"EntryPoint": deref(st.EntryPoint), "Env": env, "Status": deref(st.Status),
		"CreationDate": set(st.CreationDate), "CreatedBy": deref(st.CreatedBy),
		"UpdateDate": set(st.UpdateDate), "UpdatedBy": deref(st.UpdatedBy),
		"AdditionalFiles": deref(st.AdditionalFiles), "FromAppTemplate": deref(st.FromAppTemplate),
	}
	if au := st.AutoUpdate; au != nil {
		v["AutoUpdate"] = map[string]any{
			"Interval": deref(au.Interval), "Webhook": tg.sym("webhook", deref(au.Webhook)),
			"ForceUpdate": deref(au.ForceUpdate), "ForcePullImage": deref(au.ForcePullImage),
			"JobID": deref(au.JobID) != "",
		}
	}
	if st.Option != nil {
		v["Prune"] = deref(st.Option.Prune)
	}
	if g := st.GitConfig; g != nil {
		git := map[string]any{
			"URL": tg.norm(deref(g.URL)), "ReferenceName": deref(g.ReferenceName), "ConfigFilePath": deref(g.ConfigFilePath),
			"ConfigHash": tg.sym("commit", deref(g.ConfigHash)), "TLSSkipVerify": deref(g.TLSSkipVerify),
		}
		if a := g.Authentication; a != nil {
			git["Authentication"] = map[string]any{"Username": deref(a.Username), "Password": deref(a.Password), "GitCredentialID": deref(a.GitCredentialID)}
		}
		v["GitConfig"] = git
	}
	return v
}

// seeStack records a stack read while waiting.
func (tg *target) seeStack(step string, st papi.Stack) {
	tg.obs = append(tg.obs, observation{Step: step, Status: http.StatusOK, View: tg.stackFields(st)})
}

// ours lists the stacks of a GET /stacks answer that this run made, by name.
func (tg *target) ours(body []byte) any {
	var list []papi.Stack
	if err := json.Unmarshal(body, &list); err != nil {
		return "not a list: " + string(body)
	}
	var out []map[string]any
	for _, st := range list {
		if strings.Contains(deref(st.Name), tg.suffix) {
			out = append(out, tg.stackFields(st))
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["Name"].(string), b["Name"].(string)) })
	return out
}

// created records a new stack's id for clean-up and as the next stack symbol.
func (tg *target) created(status int, st *papi.Stack) int {
	if status != http.StatusOK || st == nil {
		return 0
	}
	id := deref(st.Id)
	tg.sym("stack", fmt.Sprint(id))
	tg.cleanup(id)
	return id
}

// awaitStack reads a stack until cond holds or within has passed, and returns the last read.
func (tg *target) awaitStack(id int, within time.Duration, cond func(papi.Stack) bool) papi.Stack {
	tg.t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := tg.c.StackInspectWithResponse(tg.ctx, id)
		if err != nil || resp.JSON200 == nil {
			tg.t.Fatalf("%s: reading stack %d: %v", tg.name, id, err)
		}
		if cond(*resp.JSON200) || time.Now().After(deadline) {
			return *resp.JSON200
		}
		time.Sleep(500 * time.Millisecond)
	}
}
