package tools_test

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestOneTable: versions are mapped to behaviours in tools/caps.go only. The server (tools,
// cmd) and the simulator (internal/sim, which plays a release by asking tools.CapsFor for its
// behaviours) never compare a Portainer version: not a Version or ServerVersion string
// field, not a version literal ("2.44"), not what parseVersion returns. Checking that a
// version is known at all (== "") is allowed. Test files are not scanned: they pick releases.
func TestOneTable(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module")
	}
	pkgs, err := packages.Load(&packages.Config{Dir: "..", Mode: packages.NeedName | packages.NeedFiles |
		packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}, "./tools", "./internal/...", "./cmd/...")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
		for _, f := range p.Syntax {
			name := p.Fset.Position(f.Pos()).Filename
			if p.PkgPath == "github.com/portainer-mcp/portainer-mcp/tools" && filepath.Base(name) == "caps.go" {
				continue
			}
			checked++
			for _, problem := range versionLogic(p.TypesInfo, p.Fset, f) {
				t.Errorf("%s: versions are mapped to behaviours in tools/caps.go only (ask d.Caps or tools.CapsFor)", problem)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d files were checked: the packages did not load", checked)
	}
}

var versionLiteral = regexp.MustCompile(`^"v?\d+\.\d+(\.\d+)?([-+][^"]*)?"$`)

// versionLogic lists the places of f that decide on a Portainer version.
func versionLogic(info *types.Info, fset *token.FileSet, f *ast.File) []string {
	isVersion := func(e ast.Expr) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BasicLit:
				found = found || (x.Kind == token.STRING && versionLiteral.MatchString(x.Value))
			case *ast.SelectorExpr:
				if sel := info.Selections[x]; sel != nil && sel.Kind() == types.FieldVal {
					name := x.Sel.Name
					found = found || ((name == "Version" || name == "ServerVersion") && isString(sel.Type()))
				}
			case *ast.Ident:
				found = found || (x.Name == "parseVersion" && info.Uses[x] != nil)
			}
			return !found
		})
		return found
	}
	empty := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		return ok && lit.Value == `""`
	}
	var out []string
	report := func(n ast.Node, what string) { out = append(out, fset.Position(n.Pos()).String()+": "+what) }
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			switch x.Op {
			case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
				if (isVersion(x.X) || isVersion(x.Y)) && !empty(x.X) && !empty(x.Y) {
					report(x, "a comparison of versions")
				}
			}
		case *ast.SwitchStmt:
			if x.Tag != nil && isVersion(x.Tag) {
				report(x, "a switch on a version")
			}
		case *ast.CaseClause:
			for _, e := range x.List {
				if isVersion(e) {
					report(e, "a case of a version")
				}
			}
		case *ast.CallExpr:
			for _, a := range x.Args {
				if isVersion(a) && comparesStrings(info, x) {
					report(x, "a string test of a version")
					break
				}
			}
			if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "parseVersion" {
				report(x, "parseVersion")
			}
		}
		return true
	})
	return out
}

func isString(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.String
}

// comparesStrings tells a call of the strings package's tests (HasPrefix, Contains, Compare...)
// or of a semver-like function.
func comparesStrings(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "strings":
		switch fn.Name() {
		case "HasPrefix", "HasSuffix", "Contains", "Compare", "EqualFold", "Index", "Cut", "CutPrefix", "Split", "SplitN", "Fields":
			return true
		}
	case "golang.org/x/mod/semver", "strconv":
		return true
	}
	return false
}
