package sim

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// nameStrip is what Portainer's stack managers remove from a name after lower-casing it.
var nameStrip = regexp.MustCompile(`[^-_a-z0-9]+`)

// normalizeName is Portainer's NormalizeStackName: lower case, unsupported characters dropped.
func normalizeName(name string) string {
	return nameStrip.ReplaceAllString(strings.ToLower(name), "")
}

var projectName = regexp.MustCompile(`^[a-z0-9][-_a-z0-9]*$`)

// composeCheck parses a compose file and returns what `docker compose up` would refuse.
func composeCheck(content string) error {
	var doc any
	if err := yaml.Unmarshal([]byte(content), &doc); err != nil {
		return err
	}
	if doc == nil {
		return errors.New("empty compose file")
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return errors.New("Top-level object must be a mapping")
	}
	services, ok := top["services"].(map[string]any)
	if !ok {
		return errors.New("services must be a mapping")
	}
	for _, name := range slices.Sorted(maps.Keys(services)) {
		svc, ok := services[name].(map[string]any)
		if !ok {
			return fmt.Errorf("services.%s must be a mapping", name)
		}
		image, _ := svc["image"].(string)
		if _, build := svc["build"]; image == "" && !build {
			return fmt.Errorf("service %q has neither an image nor a build context specified: invalid compose project", name)
		}
		if strings.Contains(image, "does-not-exist") {
			repo, _, _ := strings.Cut(image, ":")
			return fmt.Errorf("Error response from daemon: pull access denied for %s, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", repo)
		}
	}
	return nil
}

// declaresVolumes tells whether a compose file declares named volumes.
func declaresVolumes(content string) bool {
	var doc struct {
		Volumes map[string]any `yaml:"volumes"`
	}
	return yaml.Unmarshal([]byte(content), &doc) == nil && len(doc.Volumes) > 0
}

// checkDeploy simulates deploying content as stack name of type typ on env, and returns the
// message Portainer answers (with 500) when it fails.
func (s *Sim) checkDeploy(typ papi.StackType, env *environment, name, content string) error {
	if typ == papi.StackTypeSwarm {
		if env.swarmID == "" {
			return errors.New("Error response from daemon: " + msgNotSwarmManager)
		}
		return composeCheck(content)
	}
	if name == "" {
		return errors.New("failed to deploy a stack: project name must not be empty")
	}
	if !projectName.MatchString(name) {
		return fmt.Errorf("failed to deploy a stack: invalid project name %q: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number", name)
	}
	err := composeCheck(content)
	for _, w := range workloads(content, nil, false) {
		if w.missing != "" && err == nil { // compose up creates it and fails to start it
			err = errors.New("Error response from daemon: " + missingCommandError(w.missing))
		}
	}
	if err != nil {
		// Portainer runs compose down after a failed compose up (stackDeployer.DeployComposeStack,
		// 2.23; measured on a real one: a failed update leaves the active stack with no container).
		s.host(env.id()).removeContainers(name)
		// Portainer relays compose's output, newline included (measured on a real 2.23).
		return fmt.Errorf("failed to deploy a stack: %w\n", err)
	}
	return nil
}

// recordVolumes notes the named volumes a deployed stack owns on its environment. They stay
// when the stack is deleted.
func (s *Sim) recordVolumes(r *stackRec) {
	if !declaresVolumes(r.file) {
		return
	}
	if s.volumes[r.EndpointID] == nil {
		s.volumes[r.EndpointID] = map[string]bool{}
	}
	s.volumes[r.EndpointID][r.Name] = true
}
