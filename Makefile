# The test command of the README. CGO is off everywhere: the binary links
# the pure-Go SQLite driver only, exactly as it ships.
export CGO_ENABLED=0

GO ?= go

.PHONY: test vet workflowcheck build run fuzz vulncheck

# Every package on SQLite; then, when ASSISTFLOW_TEST_POSTGRES holds a DSN,
# the store and migration tests once more against PostgreSQL, and the
# multi-process cluster test (Temporal server, two APIs, two workers on
# PostgreSQL), which prints its reconciliation figures.
test: vet workflowcheck
	env -u ASSISTFLOW_TEST_POSTGRES $(GO) test -count=1 -timeout 40m ./...
	@if [ -n "$$ASSISTFLOW_TEST_POSTGRES" ]; then \
		echo "store and migrations against PostgreSQL"; \
		$(GO) test -count=1 -timeout 10m ./store/ ./migrations/ && \
		echo "multi-process cluster test against PostgreSQL" && \
		$(GO) test -count=1 -timeout 25m -run TestCluster -v ./e2e/; \
	fi

vet:
	$(GO) vet ./...

# Static check that workflow code is deterministic.
workflowcheck:
	$(GO) run go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0 ./workflows/...

build:
	$(GO) build -o bin/assistflow ./cmd/assistflow

run:
	$(GO) run ./cmd/assistflow dev

# Each fuzz target for a budget of executions on top of its committed seed
# corpus (testdata/fuzz/FuzzX): definitions, ID numbers, request decoders.
# A count, not a duration: with a duration Go 1.26's fuzz coordinator can
# fail a target with a bare "context deadline exceeded" when the time runs
# out while a starved worker is mid-call (go.dev/issue/75804, fixed in Go
# 1.27); a count has no deadline to race.
FUZZTIME ?= 10000x
FUZZ_TARGETS = process:FuzzParse process:FuzzIDNumber api:FuzzCaseRequest api:FuzzDecisionRequest api:FuzzSmallBodies
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) ./$$pkg/ || exit 1; \
	done

# govulncheck against a vulnerability database built from the
# golang.org/x/vulndb module (fetched through the Go module proxy, since
# vuln.go.dev is out of reach). Binary mode: the symbols linked into the
# binary, in seconds (source mode needs over 10 GB and 20 minutes for the
# embedded Temporal server). Both binaries are built with Go 1.27.3, which
# fixes every standard-library finding (the go command fetches it through
# the module proxy):
# - the production binary, exactly as deploy/Dockerfile builds it
#   (-tags noui: no Temporal Web UI): any finding fails;
# - the default build, whose `assistflow dev` embeds the Web UI: any finding
#   not listed in .ci/vuln-accepted-dev.txt fails.
VULNDB_VERSION = v0.0.0-20261105234957-e22db6528018
GOVULNCHECK_VERSION = v1.9.0
RELEASE_GO = GOTOOLCHAIN=go1.27.3 $(GO)
vulncheck:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	dir=$$(cd $$tmp && $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	$(GO) run ./internal/tools/vulndb -osv "$$dir/data/osv" -out $$tmp/db; \
	$(RELEASE_GO) build -trimpath -tags noui -o $$tmp/assistflow ./cmd/assistflow; \
	$(RELEASE_GO) build -trimpath -o $$tmp/assistflow-dev ./cmd/assistflow; \
	export GO="$(GO)" GOVULNCHECK_VERSION=$(GOVULNCHECK_VERSION); \
	.ci/vulncheck-binary $$tmp/db $$tmp/assistflow "production, -tags noui"; \
	.ci/vulncheck-binary $$tmp/db $$tmp/assistflow-dev "dev build, Web UI" .ci/vuln-accepted-dev.txt
