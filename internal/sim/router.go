package sim

import (
	"net/http"
	"strings"
)

// router is a small request router for the generated wrapper (papi.ServeMux). http.ServeMux
// refuses the generated patterns because "POST /stacks/webhooks/{webhookID}" and
// "POST /stacks/{id}/start" overlap; this router takes the pattern whose first literal comes
// earliest where they differ, so /stacks/webhooks/start is a webhook.
type router struct {
	routes []route
}

type route struct {
	method string
	segs   []string // literal segments, or "{name}"
	h      http.HandlerFunc
}

func (rt *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.routes = append(rt.routes, route{method: method, segs: splitPath(path), h: h})
}

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// match scores how specific the route is for path, or returns -1 when it does not match: a
// literal segment weighs more than every segment after it, so that at the first difference
// a literal beats a variable.
func (r route) match(path []string) int {
	if len(r.segs) != len(path) {
		return -1
	}
	score := 0
	for i, seg := range r.segs {
		score <<= 1
		if isVar(seg) {
			if path[i] == "" {
				return -1
			}
			continue
		}
		if seg != path[i] {
			return -1
		}
		score |= 1
	}
	return score
}

func isVar(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := splitPath(r.URL.Path)
	var best *route
	bestScore, pathKnown := -1, false
	for i := range rt.routes {
		rr := &rt.routes[i]
		score := rr.match(path)
		if score < 0 {
			continue
		}
		pathKnown = true
		if rr.method == r.Method && score > bestScore {
			best, bestScore = rr, score
		}
	}
	if best == nil {
		if pathKnown {
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed", r.Method+" is not allowed on "+r.URL.Path)
			return
		}
		writeError(w, http.StatusNotFound, "404 page not found", "no route for "+r.Method+" "+r.URL.Path)
		return
	}
	for i, seg := range best.segs {
		if isVar(seg) {
			r.SetPathValue(seg[1:len(seg)-1], path[i])
		}
	}
	best.h(w, r)
}
