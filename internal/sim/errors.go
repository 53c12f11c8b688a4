package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Messages Portainer CE answers with (api/http/handler/..., api/http/security/bouncer.go,
// api/dataservices/errors). The simulator uses them so that clients can be tested against the
// real texts.
const (
	msgStackNotFound       = "Unable to find a stack with the specified identifier inside the database"
	msgEnvNotFound         = "Unable to find an environment with the specified identifier inside the database"
	msgStackEnvNotFound    = "Unable to find the environment associated to the stack inside the database"
	msgEndpointNotFound    = "Unable to find an endpoint with the specified identifier inside the database"
	detailObjectNotFound   = "object not found inside the database"
	msgInvalidPayload      = "Invalid request payload"
	msgNotGitStack         = "Stack is not created from git"
	msgNoGitConfig         = "No Git config in the found stack"
	msgAlreadyActive       = "Stack is already active"
	msgAlreadyInactive     = "Stack is already inactive"
	msgInvalidStackName    = "Invalid stack name"
	msgInvalidFileContent  = "Invalid stack file content"
	msgInvalidSwarmID      = "Invalid Swarm ID"
	msgInvalidRepoURL      = "Invalid repository URL. Must correspond to a valid URL format"
	msgPasswordRequired    = "Invalid repository credentials. Password must be specified when authentication is enabled"
	msgInvalidGitCred      = "Invalid git credential"
	msgAuthFailed          = "authentication failed, please ensure that the git credentials are correct"
	msgCloneForRedeploy    = "Unable to clone git repository directory"
	msgFetchRepo           = "Unable to fetch git repository"
	msgWebhookNotFound     = "Unable to find the stack by webhook ID"
	msgWebhookInvalid      = "Invalid webhook identifier route variable"
	msgTokenMissing        = "A valid authorization token is missing"
	msgTokenInvalid        = "Invalid JWT token"
	msgBothAuthHeaders     = "api key and auth header are not allowed at the same time"
	detailUnauthorized     = "Unauthorized"
	msgNotSwarmManager     = `This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`
	msgMissingQueryParam   = "Missing query parameter"
	msgInvalidMigrateEnvID = "Invalid environment identifier. Must be a positive number"
	msgIntervalTooShort    = "interval must be at least 1 minute"
	msgSourceNotFound      = "Unable to find a source with the specified identifier"
	msgDuplicateSource     = "A source with this URL and credentials already exists"
)

// apiError is an error answer: Portainer's {"message", "details"} with a status.
type apiError struct {
	Status  int
	Message string
	Details string
}

func (e *apiError) Error() string { return e.Message + ": " + e.Details }

func newErr(status int, msg, details string) *apiError {
	return &apiError{Status: status, Message: msg, Details: details}
}

func notFound(msg string) *apiError { return newErr(http.StatusNotFound, msg, detailObjectNotFound) }

// notFoundKey is a 404 for a read by key, whose details name Portainer's database bucket and the
// key ("Object not found inside the database (bucket=stacks, key=40)", measured on a real 2.23).
func notFoundKey(msg, bucket string, key int) *apiError {
	return newErr(http.StatusNotFound, msg, fmt.Sprintf("%s (bucket=%s, key=%d)", detailObjectNotFound, bucket, key))
}

// selfErr builds an error whose details repeat the message, as Portainer does when it wraps
// errors.New(msg).
func selfErr(status int, msg string) *apiError { return newErr(status, msg, msg) }

func badPayload(details string) *apiError {
	return newErr(http.StatusBadRequest, msgInvalidPayload, details)
}

// internal is Portainer's httperror.InternalServerError(err.Error(), err).
func internal(msg string) *apiError { return selfErr(http.StatusInternalServerError, msg) }

type errorBody struct {
	Message string `json:"message"`
	Details string `json:"details"`
}

// writeError answers an error as Portainer's libhttp does: the details always begin with a capital
// letter (its capitalize), the message as the handler wrote it (measured on a real 2.23:
// {"message":"failed to deploy a stack: ...","details":"Failed to deploy a stack: ..."}; the
// same capitalize is in a later snapshot of Portainer's pkg/libhttp/error/error.go, 68c0f786).
func writeError(w http.ResponseWriter, status int, msg, details string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if details != "" {
		details = strings.ToUpper(details[:1]) + details[1:]
	}
	_ = json.NewEncoder(w).Encode(errorBody{Message: msg, Details: details})
}
