// Package toolset holds the one list of the groups tools belong to. It imports nothing of
// the project, so the generator can read it even while a spec change leaves the tools
// package not compiling.
package toolset

// Set is a group of tools. An opt-in set is offered only when it is named, or with "all";
// the others make the default selection.
type Set struct {
	Name  string
	OptIn bool
}

// All lists the toolsets in order.
var All = []Set{
	{Name: "system"}, {Name: "environments"}, {Name: "stacks"}, {Name: "gitops"},
	{Name: "edge", OptIn: true},
	// Portainer's own settings the tools rely on (Business Edition: saved Git credentials,
	// change windows): administration, not everyday stack work.
	{Name: "admin", OptIn: true},
}
