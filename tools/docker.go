package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Docker through Portainer's proxy (/endpoints/{id}/docker/...): the containers of a compose
// project, the services and tasks of a swarm stack, their logs. Portainer names a compose
// project and a swarm stack namespace after the stack.

// Labels compose and docker stack deploy put on what they create.
const (
	labelProject   = "com.docker.compose.project"
	labelService   = "com.docker.compose.service"
	labelNamespace = "com.docker.stack.namespace"
)

// inspectLimit is how many containers one reading inspects (restart count, exit code, health
// log, start time); beyond it the list's state and status text are used.
const inspectLimit = 40

// dockerFilter is Docker's filters parameter selecting on one key: "label" (all must match)
// or "service" (any of the ids).
func dockerFilter(key string, values ...string) *string {
	raw, _ := json.Marshal(map[string][]string{key: values})
	s := string(raw)
	return &s
}

// dockerTime is the Docker daemon's clock as its answer's Date header says (Portainer passes
// the daemon's headers on), or the zero time. Container start times are on that clock, so
// "up for 3s" is measured without trusting this machine's clock.
func dockerTime(r *http.Response) time.Time {
	if r == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// projectContainers lists the containers of a compose project, stopped ones too (of one
// service when service is not empty), with Docker's time of the answer.
func (d *Deps) projectContainers(ctx context.Context, tool string, envID int, project, service string) ([]papi.DockerContainerSummary, time.Time, *mcp.CallToolResult) {
	labels := []string{labelProject + "=" + project}
	if service != "" {
		labels = append(labels, labelService+"="+service)
	}
	resp, err := d.Client.DockerContainerListWithResponse(ctx, envID, &papi.DockerContainerListParams{All: ptr(true), Filters: dockerFilter("label", labels...)})
	if err != nil {
		return nil, time.Time{}, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, time.Time{}, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return *resp.JSON200, dockerTime(resp.HTTPResponse), nil
}

// inspectAll inspects containers, four at a time; a container that cannot be read (removed
// meanwhile) is left out.
func (d *Deps) inspectAll(ctx context.Context, envID int, ids []string) map[string]*papi.DockerContainer {
	out := map[string]*papi.DockerContainer{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			resp, err := d.Client.DockerContainerInspectWithResponse(ctx, envID, id)
			if err != nil || resp.JSON200 == nil {
				return
			}
			mu.Lock()
			out[id] = resp.JSON200
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// stackServices lists the swarm services of a stack, with Docker's time of the answer.
func (d *Deps) stackServices(ctx context.Context, tool string, envID int, stack string) ([]papi.DockerService, time.Time, *mcp.CallToolResult) {
	resp, err := d.Client.DockerServiceListWithResponse(ctx, envID, &papi.DockerServiceListParams{Filters: dockerFilter("label", labelNamespace+"="+stack)})
	if err != nil {
		return nil, time.Time{}, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, time.Time{}, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return *resp.JSON200, dockerTime(resp.HTTPResponse), nil
}

// serviceTasks lists the tasks (current and recent history) of swarm services.
func (d *Deps) serviceTasks(ctx context.Context, tool string, envID int, serviceIDs []string) ([]papi.DockerTask, *mcp.CallToolResult) {
	if len(serviceIDs) == 0 {
		return nil, nil
	}
	resp, err := d.Client.DockerTaskListWithResponse(ctx, envID, &papi.DockerTaskListParams{Filters: dockerFilter("service", serviceIDs...)})
	if err != nil {
		return nil, d.CallFailed(tool, err)
	}
	if resp.JSON200 == nil {
		return nil, APIError(tool, resp.HTTPResponse, resp.Body)
	}
	return *resp.JSON200, nil
}

// logRequest is what is asked of Docker for one log.
type logRequest struct {
	tail  int       // lines from the end (per container)
	since time.Time // zero: from the start
}

// readLogOf reads the log of a container (or, with service, of every task of a swarm service)
// into lr: both streams, with timestamps, so that lines of several containers merge in time
// order and the stream and grep filters run here.
func (d *Deps) readLogOf(ctx context.Context, envID int, ref string, service bool, q logRequest, lr *logReader, source string) error {
	tail := strconv.Itoa(q.tail)
	var since *int
	if !q.since.IsZero() {
		since = ptr(int(q.since.Unix()))
	}
	var resp *http.Response
	var err error
	if service {
		resp, err = d.Client.DockerServiceLogs(ctx, envID, ref, &papi.DockerServiceLogsParams{Stdout: ptr(true), Stderr: ptr(true), Timestamps: ptr(true), Tail: &tail, Since: since})
	} else {
		resp, err = d.Client.DockerContainerLogs(ctx, envID, ref, &papi.DockerContainerLogsParams{Stdout: ptr(true), Stderr: ptr(true), Timestamps: ptr(true), Tail: &tail, Since: since})
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("Portainer answered %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), portainerSaid(body))
	}
	return lr.read(resp.Body, true, source)
}
