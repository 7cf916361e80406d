package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runBinary runs assistflow to completion and returns its combined output.
func runBinary(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	return string(out), err
}

func splitArgs(s string) []string { return strings.Fields(s) }
