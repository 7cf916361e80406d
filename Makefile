# The test command of the README. CGO is off everywhere: the binary links
# the pure-Go SQLite driver only, exactly as it ships.
export CGO_ENABLED=0

GO ?= go

.PHONY: test vet build run smoke

test: vet
	$(GO) test -count=1 -timeout 40m ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -o bin/assistflow ./cmd/assistflow

run:
	$(GO) run ./cmd/assistflow dev
