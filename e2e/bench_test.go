package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/bench"
	"github.com/assistflow/assistflow/internal/pgtest"
	"github.com/stretchr/testify/require"
)

// TestBenchReportsEveryFigure runs `assistflow bench --json` at tiny sizes
// and checks that the report holds every figure the benchmarks issue asks
// for. It asserts no timing: the figures are for docs/benchmarks.md.
func TestBenchReportsEveryFigure(t *testing.T) {
	profiles := t.TempDir()
	args := []string{"bench", "--json", "--cases", "5", "--approvers", "2", "--tasks", "2000", "--villages", "100",
		"--grants", "1000", "--samples", "5", "--e2e-profiles", profiles}
	pg := os.Getenv(pgtest.Env)
	if pg != "" {
		args = append(args, "--postgres", pg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "bench failed: %s", stderr.String())

	var rep bench.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	require.Positive(t, rep.Machine.CPUs)

	e := rep.E2E
	require.NotNil(t, e)
	for _, side := range []bench.Throughput{e.Platform, e.Baseline} {
		require.Positive(t, side.CasesPerSec)
		require.Equal(t, 15, side.Decision.N, "5 cases × 3 decisions")
		require.Positive(t, side.Decision.P50Ms)
		require.GreaterOrEqual(t, side.Decision.P99Ms, side.Decision.P50Ms)
		require.Positive(t, side.CPUPerCase, "CPU time per case")
		require.Positive(t, side.AllocPerCase, "heap allocated per case")
	}
	require.InDelta(t, e.Baseline.CPUPerCase/e.Platform.CPUPerCase, e.CPURatio, 1e-9)
	for _, side := range []string{"platform", "baseline"} {
		for _, name := range []string{side + ".prof", side + "-allocs-before.prof", side + "-allocs.prof"} {
			fi, err := os.Stat(filepath.Join(profiles, name))
			require.NoError(t, err, "%s: the CPU profile and heap allocations of the %s's measured run", name, side)
			require.Positive(t, fi.Size())
		}
	}
	require.Contains(t, stdout.String(), `"settle_seconds"`)
	require.InDelta(t, e.Platform.CasesPerSec/e.Baseline.CasesPerSec, e.Ratio, 1e-9)

	wantDBs := []string{"sqlite"}
	if pg != "" {
		wantDBs = append(wantDBs, "postgres")
	} else {
		require.Contains(t, rep.Notes, "inbox on PostgreSQL skipped: no --postgres or ASSISTFLOW_BENCH_POSTGRES given")
	}
	require.Len(t, rep.Inbox, len(wantDBs))
	for i, run := range rep.Inbox {
		require.Equal(t, wantDBs[i], run.Database)
		require.Len(t, run.Sizes, 1)
		require.Equal(t, 2000, run.Sizes[0].Tasks)
		var users []string
		for _, u := range run.Sizes[0].Users {
			users = append(users, u.User)
			for _, l := range []bench.Latency{u.Store, u.SQL, u.Counts} {
				require.Equal(t, 5, l.N)
				require.Positive(t, l.P99Ms)
			}
			require.Positive(t, u.Ratio)
		}
		require.Equal(t, []string{"village", "township", "county"}, users)
	}

	require.NotNil(t, rep.Authz)
	require.Equal(t, 1000, rep.Authz.Grants)
	require.Positive(t, rep.Authz.CachedMicros)
	require.Positive(t, rep.Authz.UncachedMicros)

	require.NotNil(t, rep.Startup)
	require.Positive(t, rep.Startup.ReadySeconds)
	require.Positive(t, rep.Startup.IdleRSSMiB)
}
