package sim

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// buildHandler assembles the HTTP stack: request log, injected faults, Portainer's
// authentication, then the generated routing and decoding around the Sim's handlers.
func (s *Sim) buildHandler() http.Handler {
	strict := papi.NewStrictHandlerWithOptions(s, nil, papi.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.bodyError,
		ResponseErrorHandlerFunc: answerError,
	})
	api := papi.HandlerWithOptions(strict, papi.StdHTTPServerOptions{
		BaseURL:          "/api",
		BaseRouter:       &router{},
		ErrorHandlerFunc: paramError,
	})
	serve := func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, http.StatusNotFound, "404 page not found", "the API is served under /api")
			return
		}
		if e := s.authenticate(r); e != nil {
			writeError(w, e.Status, e.Message, e.Details)
			return
		}
		if s.beGate(r) {
			// edge-be.md §4: the Business Edition's routes; CE has none (and each credential API its era).
			writeError(w, http.StatusNotFound, "404 page not found", "no route for "+r.Method+" "+r.URL.Path)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/settings") && s.standardUser(r) {
			writeError(w, errAdminOnly.Status, errAdminOnly.Message, errAdminOnly.Details) // PB: settings are admin only
			return
		}
		if e := s.edgeGate(r); e != nil {
			writeError(w, e.Status, e.Message, e.Details)
			return
		}
		if !s.b.GitSources && strings.HasPrefix(r.URL.Path, "/api/gitops/sources") {
			// PC §7 "Version history": 2.41.1 lists the repositories in use (SourcesList);
			// Sources as records, with the other routes, come with 2.43.
			if s.b.SourcesList && r.Method == http.MethodGet && r.URL.Path == "/api/gitops/sources" {
				s.repositoriesInUse(w, r)
				return
			}
			writeError(w, http.StatusNotFound, "404 page not found", "no route for "+r.Method+" "+r.URL.Path)
			return
		}
		if strings.Contains(r.URL.Path, "/docker/") { // the Docker daemon's clock, as its answers carry
			w.Header().Set("Date", s.clock().UTC().Format(http.TimeFormat))
		}
		api.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, r.Header.Get("X-API-Key"))))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.logRequest(r)
		s.finishPending()
		s.serveWithFaults(w, r, serve)
	})
}

func (s *Sim) logRequest(r *http.Request) {
	line := r.Method + " " + r.URL.Path
	if q := maskQuery(r.URL); q != "" {
		line += "?" + q
	}
	s.mu.Lock()
	s.requests = append(s.requests, line)
	s.mu.Unlock()
}

// maskQuery returns the query as sent, or re-encoded with credential parameters (X-API-Key,
// token) masked when it has any.
func maskQuery(u *url.URL) string {
	q := u.Query()
	masked := false
	for k := range q {
		if strings.EqualFold(k, "x-api-key") || strings.EqualFold(k, "token") {
			q[k] = []string{"***"}
			masked = true
		}
	}
	if !masked {
		return u.RawQuery
	}
	return q.Encode()
}

// callerKey carries the request's API key to the handlers that answer who is calling.
type callerKey struct{}

// isPublic tells the routes Portainer serves without authentication.
func isPublic(r *http.Request) bool {
	if r.Method == http.MethodGet && r.URL.Path == "/api/system/status" {
		return true
	}
	segs := splitPath(r.URL.Path)
	switch {
	case r.Method == http.MethodPost && len(segs) == 4 && segs[0] == "api" && (segs[1] == "stacks" || segs[1] == "edge_stacks") && segs[2] == "webhooks":
		return true // PB "webhooks"; edge-be.md §4.2
	case r.Method == http.MethodPut && len(segs) == 4 && segs[0] == "api" && segs[1] == "edge_stacks" && segs[3] == "status":
		return true // edge-be.md §2.2: the agents' reports (PublicAccess)
	}
	return false
}

// authenticate reproduces Portainer's checks: both an API key and an Authorization header get
// 403 (CSRF middleware, on every route); otherwise a valid API key or bearer token is required
// on every route that is not public.
func (s *Sim) authenticate(r *http.Request) *apiError {
	key := r.Header.Get("X-API-Key")
	authz := r.Header.Get("Authorization")
	if key != "" && authz != "" {
		return selfErr(http.StatusForbidden, msgBothAuthHeaders)
	}
	if isPublic(r) {
		return nil
	}
	key = apiKeyOf(r)
	switch {
	case key != "":
		if equalSecret(key, s.opts.APIKey) {
			return nil
		}
		for _, u := range s.opts.Users {
			if equalSecret(key, u.Key) {
				return nil
			}
		}
		return newErr(http.StatusUnauthorized, msgTokenInvalid, detailUnauthorized)
	case authz != "":
		if !equalSecret(strings.TrimPrefix(authz, "Bearer "), s.opts.JWT) {
			return newErr(http.StatusUnauthorized, msgTokenInvalid, detailUnauthorized)
		}
		return nil
	}
	return newErr(http.StatusUnauthorized, msgTokenMissing, detailUnauthorized)
}

// standardUser tells whether the request's API key belongs to a user who is not an
// administrator (Options.Users); the main key and the bearer token are the administrator's.
func (s *Sim) standardUser(r *http.Request) bool {
	key := apiKeyOf(r)
	for _, u := range s.opts.Users {
		if equalSecret(key, u.Key) {
			return !u.Admin
		}
	}
	return false
}

// apiKeyOf is the request's API key: the X-API-Key header, else an x-api-key query parameter.
func apiKeyOf(r *http.Request) string {
	if key := r.Header.Get("X-API-Key"); key != "" {
		return key
	}
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, "x-api-key") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// errAdminOnly is what Portainer's bouncer (AdminAccess) answers a non-administrator
// (edge-be.md §1.1, measured on 2.23).
var errAdminOnly = newErr(http.StatusForbidden, "Access denied", detailUnauthorized)

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// paramError answers path and query parameters the generated wrapper could not bind, the way
// Portainer's handlers do.
func paramError(w http.ResponseWriter, r *http.Request, err error) {
	var required *papi.RequiredParamError
	var format *papi.InvalidParamFormatError
	switch {
	case errors.As(err, &required):
		writeError(w, http.StatusBadRequest, "Invalid query parameter: "+required.ParamName, msgMissingQueryParam)
	case errors.As(err, &format) && format.ParamName == "id":
		what := "stack"
		if strings.HasPrefix(r.URL.Path, "/api/endpoints/") {
			what = "environment"
		}
		writeError(w, http.StatusBadRequest, "Invalid "+what+" identifier route variable", format.Err.Error())
	case errors.As(err, &format):
		writeError(w, http.StatusBadRequest, "Invalid query parameter: "+format.ParamName, format.Err.Error())
	default:
		writeError(w, http.StatusBadRequest, "Invalid request", err.Error())
	}
}

// bodyError answers a request body that is not valid JSON. Like Portainer's PUT /stacks/{id},
// which stops the auto-update job before it decodes the payload, a bad body still stops it.
func (s *Sim) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Method == http.MethodPut && len(splitPath(r.URL.Path)) == 3 {
		if id, convErr := strconv.Atoi(r.PathValue("id")); convErr == nil {
			s.mu.Lock()
			if rec, ok := s.stacks[id]; ok {
				rec.jobRunning = false
			}
			s.mu.Unlock()
		}
	}
	details := strings.TrimPrefix(err.Error(), "can't decode JSON body: ")
	writeError(w, http.StatusBadRequest, msgInvalidPayload, details)
}

// answerError writes the error a handler returned.
func answerError(w http.ResponseWriter, _ *http.Request, err error) {
	var e *apiError
	if errors.As(err, &e) {
		writeError(w, e.Status, e.Message, e.Details)
		return
	}
	writeError(w, http.StatusInternalServerError, "Internal server error", err.Error())
}
