# portainer-mcp. `make demo` runs the server against the built-in simulator; `make test` runs every check.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all generate check-generated build test unit vet fuzz fuzz-short test-clients test-real image test-image demo sim bench clean

all: build

## generate: regenerate gen/ and the README tool table from api/portainer.yaml
generate:
	$(GO) generate ./...

## check-generated: fail when gen/ or the README tool table is stale
check-generated: generate
	@git diff --exit-code --stat -- gen README.md || { echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }
	@test -z "$$(git status --porcelain -- gen)" || { git status --porcelain -- gen; echo "untracked generated files: run 'make generate' and commit the result"; exit 1; }

## build: the server and the simulator in bin/
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/portainer-mcp ./cmd/portainer-mcp
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/portainer-sim ./cmd/portainer-sim

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

## test: generated code fresh, vet, every test with the race detector, a short fuzz run, and real MCP clients
test: check-generated vet unit fuzz-short test-clients

## test-clients: the official TypeScript SDK (stdio and HTTP), the MCP Inspector CLI and the MCP
## conformance suite against the binary in demo mode, with Node 22 from the npm package in
## $(CLIENTS) (package-lock.json pins every version); skipped only where npm is not installed
CLIENTS := cmd/portainer-mcp/testdata/clients
test-clients:
	@if ! command -v npm >/dev/null 2>&1; then echo "test-clients: SKIPPED, npm is not installed (apt-get install npm; CI installs it)"; exit 0; fi; \
	set -e; $(GO) build -o $(BIN)/portainer-mcp-clients ./cmd/portainer-mcp; \
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error && \
	PORTAINER_MCP_BIN=$(CURDIR)/$(BIN)/portainer-mcp-clients ./node_modules/.bin/node --test clients.test.mjs

FUZZ_TARGETS := tools:FuzzToolArguments tools:FuzzScrub tools:FuzzDecodeList
FUZZTIME ?= 8s
## fuzz-short: each fuzz target for FUZZTIME (8s; make test runs it)
fuzz-short:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; done

## fuzz: each fuzz target for 3 minutes
fuzz:
	$(MAKE) fuzz-short FUZZTIME=3m

## test-real: the integration suite and the simulator's differential test against a real Portainer
## (bash ../shared/real-portainer/up.sh brings one up); reads the REAL_* variables, from
## $(REAL_ENV_FILE) when they are not set, and fails instead of skipping when they are absent
REAL_ENV_FILE ?= /tmp/real-portainer.env
test-real:
	@if [ -z "$$REAL_PORTAINER_URL" ] && [ -f "$(REAL_ENV_FILE)" ]; then set -a; . "$(REAL_ENV_FILE)"; set +a; fi; \
	REAL_REQUIRED=1 $(GO) test -count=1 -parallel 16 -timeout 15m -run '^TestRealPortainer' ./cmd/portainer-mcp ./internal/sim

## image: the container image portainer-mcp:$(VERSION) (and :latest) from deploy/Dockerfile: the
## static binary on an empty base, built with the local Docker engine
IMAGE ?= portainer-mcp
image:
	rm -rf $(BIN)/image && mkdir -p $(BIN)/image/state
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/image/portainer-mcp ./cmd/portainer-mcp
	cp /etc/ssl/certs/ca-certificates.crt $(BIN)/image/
	docker build -q -f deploy/Dockerfile -t $(IMAGE):$(VERSION) -t $(IMAGE):latest $(BIN)/image

## demo: the MCP server on http://127.0.0.1:8080/mcp against the built-in simulator (seeded demo data);
## a client connects at once and shows the demo's stacks, then the server waits for yours (DEMO_ADDR to
## move it; DEMO_FLAGS="--demo-edition BE --toolsets all" for the Business Edition and edge stacks)
DEMO_ADDR ?= 127.0.0.1:8080
DEMO_FLAGS ?=
demo:
	$(GO) run ./cmd/portainer-mcp --demo --http $(DEMO_ADDR) $(DEMO_FLAGS)

## sim: the simulator alone on http://127.0.0.1:9900 (API key demo-api-key)
sim:
	$(GO) run ./cmd/portainer-sim --listen 127.0.0.1:9900 --api-key demo-api-key

## bench: speed and size benchmarks (tools/list bytes, per-call latency)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN)
