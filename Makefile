# The test command of the README. CGO is off everywhere: the binary links
# the pure-Go SQLite driver only, exactly as it ships.
export CGO_ENABLED=0

GO ?= go

.PHONY: test vet workflowcheck build run

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
