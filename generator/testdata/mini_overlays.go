// The overlays testdata/mini.yaml names, with the signatures the generated handlers call:
// (ctx, d, a), then the path arguments, &params when the operation has query parameters, and
// the body when it has one. TestGeneratedCodeCompiles adds this file to the tools package.

package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/generator/testdata/mini/papi"
)

func Summary(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) { return nil, nil }

func ListThings(ctx context.Context, d *Deps, a Args, params *papi.ThingListParams) (*mcp.CallToolResult, error) {
	return nil, nil
}

func DeleteThing(ctx context.Context, d *Deps, a Args, thingID int) (*mcp.CallToolResult, error) {
	return nil, nil
}

func UpdateThing(ctx context.Context, d *Deps, a Args, thingID int, params *papi.ThingUpdateParams, body papi.ThingUpdateJSONRequestBody) (*mcp.CallToolResult, error) {
	return nil, nil
}
