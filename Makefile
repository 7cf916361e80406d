# The test command of the README. CGO is off everywhere: the binary links
# the pure-Go SQLite driver only, exactly as it ships.
export CGO_ENABLED=0

GO ?= go

.PHONY: test vet workflowcheck build run

test: vet workflowcheck
	$(GO) test -count=1 -timeout 40m ./...

vet:
	$(GO) vet ./...

# Static check that workflow code is deterministic.
workflowcheck:
	$(GO) run go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0 ./workflows/...

build:
	$(GO) build -o bin/assistflow ./cmd/assistflow

run:
	$(GO) run ./cmd/assistflow dev
