package tools

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Tools annotated for the Business Edition are held back until Portainer says it is that
// edition: a Community Edition never lists them, and a Business Edition gets them, with
// notifications/tools/list_changed, as soon as the capability table knows the edition (the
// detection at start, or the first tool call that learns it when Portainer was unreachable).

// editionTools are the tools waiting for the Business Edition, per server built on the Deps.
type editionTools struct {
	mu      sync.Mutex
	servers []*heldTools
}

type heldTools struct {
	srv   *server.MCPServer
	tools []server.ServerTool
	added bool
}

func (d *Deps) editionGate() *editionTools {
	d.editionOnce.Do(func() { d.edition = &editionTools{} })
	return d.edition
}

// holdEditionTools keeps the Business Edition tools of srv aside, and offers them at once
// when the edition is already known.
func (d *Deps) holdEditionTools(srv *server.MCPServer, held []server.ServerTool) {
	if len(held) == 0 {
		return
	}
	e := d.editionGate()
	e.mu.Lock()
	e.servers = append(e.servers, &heldTools{srv: srv, tools: held})
	e.mu.Unlock()
	if c, ok := d.knownCaps(); ok {
		d.offerEditionTools(c)
	}
}

// offerEditionTools adds the held tools to their servers once c says the Business Edition.
// AddTools notifies every initialized session that the tool list changed.
func (d *Deps) offerEditionTools(c Caps) {
	if !c.BusinessEdition() {
		return
	}
	e := d.editionGate()
	e.mu.Lock()
	var due []*heldTools
	for _, h := range e.servers {
		if !h.added {
			h.added = true
			due = append(due, h)
		}
	}
	e.mu.Unlock()
	for _, h := range due {
		h.srv.AddTools(h.tools...)
		names := make([]string, 0, len(h.tools))
		for _, t := range h.tools {
			names = append(names, t.Tool.Name)
		}
		slices.Sort(names)
		d.logger().Info("Portainer is the Business Edition: its tools are now offered", "tools", names)
	}
}

// requireBE refuses an option that only the Business Edition has, naming the edition of this
// Portainer; nil on the Business Edition.
func (d *Deps) requireBE(ctx context.Context, tool, what string) *mcp.CallToolResult {
	c := d.Caps(ctx)
	switch {
	case c.BusinessEdition():
		return nil
	case c.Edition == "":
		return mcp.NewToolResultError(fmt.Sprintf("%s: %s needs Portainer Business Edition, and the edition of this Portainer is not known yet (%s). Nothing was changed: try again when Portainer answers.", tool, what, c.Warning))
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: %s needs Portainer Business Edition; this Portainer is the Community Edition (CE %s). Nothing was changed: leave it out.", tool, what, c.Version))
}
