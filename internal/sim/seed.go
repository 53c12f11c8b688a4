package sim

import (
	"time"

	"github.com/portainer-mcp/portainer-mcp/gen/papi"
)

// Seed data, exported so that tests and demos can refer to it.
const (
	DemoRepoURL         = "https://git.example.com/acme/demo.git"
	PrivateRepoURL      = "https://git.example.com/acme/private.git"
	PrivateRepoUser     = "deploy"
	PrivateRepoPassword = "s3cret-demo"
	SeedSwarmID         = "sim-swarm-0001"
)

const demoCompose = `services:
  app:
    image: nginx:1.27-alpine
    ports:
      - "8081:80"
    volumes:
      - demo-data:/usr/share/nginx/html
volumes:
  demo-data:
`

const demoProdOverride = `services:
  app:
    environment:
      - APP_ENV=production
`

const demoDevelopCompose = `services:
  app:
    image: nginx:1.27
    ports:
      - "8082:80"
`

const privateCompose = `services:
  billing:
    image: ghcr.io/acme/billing:1.4
    environment:
      - DB_URL=${DB_URL}
`

const webCompose = `services:
  web:
    image: nginx:1.27-alpine
    ports:
      - "${NGINX_PORT:-8080}:80"
    environment:
      - GREETING=${GREETING}
    volumes:
      - web-content:/usr/share/nginx/html
volumes:
  web-content:
`

const apiSwarmCompose = `version: "3.8"
services:
  api:
    image: traefik/whoami:v1.10
    deploy:
      replicas: 2
`

const legacyCompose = `services:
  cache:
    image: redis:7-alpine
    volumes:
      - cache-data:/data
volumes:
  cache-data:
`

func snapshot(now int64, docker string, running, stopped, services, volumes, images int) *[]papi.DockerSnapshot {
	return &[]papi.DockerSnapshot{{
		Time: ptr(int(now)), DockerVersion: ptr(docker), Swarm: ptr(false),
		TotalCPU: ptr(4), TotalMemory: ptr(8 << 30),
		RunningContainerCount: ptr(running), StoppedContainerCount: ptr(stopped),
		ServiceCount: ptr(services), StackCount: ptr(0), VolumeCount: ptr(volumes), ImageCount: ptr(images),
	}}
}

// seed fills an empty simulator with three environments, two repositories, four stacks, an
// edge group and an edge stack.
func (s *Sim) seed() {
	now := s.now()
	day := int64(24 * 3600)
	s.AddEnvironment(papi.Endpoint{Name: ptr("local"), Type: ptr(papi.EndpointTypeDocker),
		URL: ptr("unix:///var/run/docker.sock"), Status: ptr(papi.EndpointStatusUp),
		Snapshots: snapshot(now, "27.3.1", 4, 1, 0, 3, 12)}, "")
	s.AddEnvironment(papi.Endpoint{Name: ptr("swarm"), Type: ptr(papi.EndpointTypeAgentDocker),
		URL: ptr("tcp://swarm-manager:9001"), Status: ptr(papi.EndpointStatusUp),
		Snapshots: snapshot(now, "27.3.1", 2, 0, 1, 1, 6)}, SeedSwarmID)
	kiosk := s.AddEnvironment(papi.Endpoint{Name: ptr("edge-kiosk"), Type: ptr(papi.EndpointTypeEdgeDocker),
		URL: ptr(""), Status: ptr(papi.EndpointStatusDown), LastCheckInDate: ptr(int(now - 3*day)),
		Snapshots: snapshot(now-3*day, "24.0.7", 1, 0, 0, 1, 3)}, "")
	// Edge Compute on, an edge group of the kiosk and an edge stack its agent reported running.
	s.SetEdgeCompute(true)
	kiosks := s.AddEdgeGroup("kiosks", false, nil, []int{kiosk}, false)
	if _, err := s.createEdgeStack(edgeCreate{name: "signage", groups: []int{kiosks}, content: demoDevelopCompose}); err == nil {
		s.AgentReport(1, kiosk, 0, 7, "")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRepo(DemoRepoURL, "", "")
	s.commit(DemoRepoURL, "refs/tags/v1.0.0", map[string]string{"docker-compose.yml": demoCompose, "README.md": "# demo\n"})
	mainHash := s.commit(DemoRepoURL, defaultRef, map[string]string{
		"docker-compose.yml": demoCompose, "docker-compose.prod.yml": demoProdOverride, "README.md": "# demo\n"})
	s.commit(DemoRepoURL, "refs/heads/develop", map[string]string{"docker-compose.yml": demoDevelopCompose, "README.md": "# demo (develop)\n"})
	s.addRepo(PrivateRepoURL, PrivateRepoUser, PrivateRepoPassword)
	s.commit(PrivateRepoURL, defaultRef, map[string]string{"docker-compose.yml": privateCompose})

	add := func(r *stackRec) {
		r.ID = s.nextStackID
		s.nextStackID++
		r.CreatedBy, r.UpdatedBy = s.opts.Username, s.opts.Username
		if r.EntryPoint == "" {
			r.EntryPoint = "docker-compose.yml"
		}
		r.deploys = 1
		s.recordVolumes(r)
		s.stacks[r.ID] = r
		s.migrate(r)
		s.startJob(r)
		if r.Status == papi.StackStatusActive { // running since their last update
			s.dockerUp(r, time.Unix(r.UpdateDate, 0))
		}
	}
	add(&stackRec{Name: "web", Type: papi.StackTypeCompose, EndpointID: 1, Status: papi.StackStatusActive,
		Env:          []papi.Pair{{Name: "NGINX_PORT", Value: ptr("8080")}, {Name: "GREETING", Value: ptr("hello")}},
		CreationDate: now - 30*day, UpdateDate: now - 2*day, file: webCompose})
	add(&stackRec{Name: "monitoring", Type: papi.StackTypeCompose, EndpointID: 1, Status: papi.StackStatusActive,
		Env:          []papi.Pair{{Name: "LOG_LEVEL", Value: ptr("info")}},
		CreationDate: now - 20*day, UpdateDate: now - day, file: demoCompose,
		Git: &gitConfig{URL: DemoRepoURL, ReferenceName: defaultRef, ConfigFilePath: "docker-compose.yml",
			ConfigHash: mainHash},
		AutoUpdate: &autoUpdate{Interval: "5m"}})
	add(&stackRec{Name: "api", Type: papi.StackTypeSwarm, EndpointID: 2, SwarmID: SeedSwarmID,
		Status: papi.StackStatusActive, CreationDate: now - 10*day, UpdateDate: now - 10*day, file: apiSwarmCompose})
	add(&stackRec{Name: "legacy", Type: papi.StackTypeCompose, EndpointID: 1, Status: papi.StackStatusInactive,
		CreationDate: now - 90*day, UpdateDate: now - 60*day, file: legacyCompose})
}

// migrate does to a seed Git stack what upgrading Portainer does: from 2.43 its Git settings
// move into a Source and a Workflow (PC §2: migrateGitConfigToSources_2_43_0), and from 2.44
// its AutoUpdate.Interval moves onto the Source (the shortest wins) and is cleared on the
// stack (PC §1: backfillSourceInterval_2_44_0).
func (s *Sim) migrate(r *stackRec) {
	if r.Git == nil || !s.b.GitSources {
		return
	}
	g := r.Git
	s.setRepo(r, g.URL, g.Auth, g.TLSSkipVerify)
	if !s.b.SourcePolling || r.AutoUpdate == nil || r.AutoUpdate.Interval == "" {
		return
	}
	src := s.sourceOf(r)
	mine, _ := time.ParseDuration(r.AutoUpdate.Interval)
	if theirs, err := time.ParseDuration(src.Interval); err != nil || mine < theirs {
		src.Interval = r.AutoUpdate.Interval
	}
	r.AutoUpdate.Interval = ""
}
