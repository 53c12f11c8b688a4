// Package api holds the trimmed Portainer OpenAPI document and the code generation steps
// that turn it into gen/: the typed client and models (gen/papi), the MCP tool views
// (gen/views), and the MCP tool table (gen/mcptools). Run `go generate ./...` from the
// repository root.
package api

//go:generate go tool oapi-codegen -config papi-models.yaml portainer.yaml
//go:generate go tool oapi-codegen -config papi-client.yaml portainer.yaml
//go:generate go tool oapi-codegen -config papi-server.yaml portainer.yaml
//go:generate go tool oapi-codegen -config views.yaml mcp.yaml
//go:generate go run ../generator -spec portainer.yaml -out ../gen/mcptools/tools.gen.go -readme ../README.md -client-doc ../gen/papi/doc.go
