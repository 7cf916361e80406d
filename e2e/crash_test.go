package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Crash drill sizes: cases submitted and decided, and the goroutines doing it.
const (
	drillCases   = 200
	drillWorkers = 8
)

// TestCrashDrill submits 200 urgent-aid cases and decides their three
// stages with concurrent approvers; part-way through, `assistflow dev` is
// killed with SIGKILL (workers mid-activity included) and started again on
// the same data dir. Every request that failed is resent (the same
// Idempotency-Key, the same decision Update). Afterwards every case is
// approved, each stage of each case has exactly one task, decisions =
// cases × stages, one audit event per decision, and the audit chain
// verifies.
func TestCrashDrill(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	first := startDev(t, dataDir)
	c := newDrillClient(first)

	total := int64(drillCases * (1 + len(linshiStages)))
	killAt := total/4 + rand.Int64N(total/2) // somewhere in the middle half
	var done atomic.Int64
	errs := make(chan error, drillCases)
	jobs := make(chan int, drillCases)
	for i := range drillCases {
		jobs <- i
	}
	close(jobs)
	start := time.Now()
	deadline := start.Add(240 * time.Second)
	var wg sync.WaitGroup
	for range drillWorkers {
		wg.Go(func() {
			for i := range jobs {
				if err := driveLinshi(c, fmt.Sprintf("drill-%d", i), deadline, &done); err != nil {
					errs <- err
				}
			}
		})
	}

	require.Eventually(t, func() bool { return done.Load() >= killAt }, 180*time.Second, 20*time.Millisecond,
		"the drill never reached %d requests", killAt)
	first.kill()
	t.Logf("killed dev (SIGKILL) after %d of %d requests, %s in", done.Load(), total, time.Since(start).Round(time.Millisecond))
	second := startDev(t, dataDir)
	c.cur.Store(second)
	t.Logf("restarted on the same data dir, %s into the drill", time.Since(start).Round(time.Millisecond))
	wg.Wait()
	close(errs)
	var failed []string
	for err := range errs {
		failed = append(failed, err.Error())
	}
	require.Empty(t, failed, "cases that did not reach their end:\n%s", strings.Join(failed, "\n"))
	second.stop()

	n := readDrillCounts(t, dataDir)
	t.Logf("crash drill: %d cases (%d approved), %d tasks (%d decided, %d case stages with more than one task), "+
		"%d decisions, %d decision audit events, in %s", n.Cases, n.Approved, n.Tasks, n.DecidedTasks,
		n.DuplicateStageTasks, n.Decisions, n.DecisionAudits, time.Since(start).Round(time.Millisecond))
	stages := int64(len(linshiStages))
	require.Equal(t, drillCounts{Cases: drillCases, Approved: drillCases, Tasks: drillCases * stages,
		DecidedTasks: drillCases * stages, Decisions: drillCases * stages, DecisionAudits: drillCases * stages}, n)

	out, err := runBinary(t, "audit", "verify", "--data-dir", dataDir)
	require.NoError(t, err, out)
	require.Contains(t, out, "audit trail intact")
	t.Logf("audit verify:\n%s", out)
	requireNoPersonalData(t, first, second)
}

// driveLinshi submits one case and approves its three stages, counting
// every request that succeeded.
func driveLinshi(c *drillClient, key string, deadline time.Time, done *atomic.Int64) error {
	id, err := c.submitLinshi(key, deadline)
	if err != nil {
		return err
	}
	done.Add(1)
	for _, s := range linshiStages {
		if err := c.approveStage(id, s.id, s.user, deadline); err != nil {
			return err
		}
		done.Add(1)
	}
	return nil
}
