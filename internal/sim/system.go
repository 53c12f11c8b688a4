package sim

import (
	"context"
	"runtime"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// SystemStatus returns the version and instance id; it needs no authentication.
func (s *Sim) SystemStatus(context.Context, papi.SystemStatusRequestObject) (papi.SystemStatusResponseObject, error) {
	return papi.SystemStatus200JSONResponse{Version: ptr(s.opts.Version), InstanceID: ptr(s.instanceID)}, nil
}

// SystemVersion returns the server version, edition and build; from 2.45 also whether the
// release is LTS or STS (PC §9).
func (s *Sim) SystemVersion(context.Context, papi.SystemVersionRequestObject) (papi.SystemVersionResponseObject, error) {
	v := papi.SystemVersion200JSONResponse{
		ServerVersion:   ptr(s.opts.Version),
		ServerEdition:   ptr(s.opts.Edition),
		DatabaseVersion: ptr(s.opts.Version),
		UpdateAvailable: ptr(false),
		LatestVersion:   ptr(""),
		Build: &papi.BuildInfo{
			BuildNumber: ptr("sim"),
			ImageTag:    ptr(s.opts.Version),
			GitCommit:   ptr("0000000"),
			GoVersion:   ptr(runtime.Version()),
		},
	}
	if s.b.ReportsSupport {
		v.VersionSupport = ptr(s.b.Support)
	}
	return v, nil
}

// CurrentUserInspect returns the caller: the owner of the request's API key (Options.Users),
// else user 1, an administrator.
func (s *Sim) CurrentUserInspect(ctx context.Context, _ papi.CurrentUserInspectRequestObject) (papi.CurrentUserInspectResponseObject, error) {
	if key, ok := ctx.Value(callerKey{}).(string); ok {
		for _, u := range s.opts.Users {
			if equalSecret(key, u.Key) {
				role := papi.UserRoleStandard
				if u.Admin {
					role = papi.UserRoleAdministrator
				}
				return papi.CurrentUserInspect200JSONResponse{Id: ptr(u.ID), Username: ptr(u.Username), Role: ptr(role)}, nil
			}
		}
	}
	return papi.CurrentUserInspect200JSONResponse{
		Id:       ptr(1),
		Username: ptr(s.opts.Username),
		Role:     ptr(papi.UserRoleAdministrator),
	}, nil
}
