package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
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
	start := time.Now()
	wait := driveAll(c, drillCases, drillWorkers, start.Add(8*time.Minute), &done)

	require.Eventually(t, func() bool { return done.Load() >= killAt }, 5*time.Minute, 20*time.Millisecond,
		"the drill never reached %d requests", killAt)
	first.kill()
	t.Logf("killed dev (SIGKILL) after %d of %d requests, %s in", done.Load(), total, time.Since(start).Round(time.Millisecond))
	second := startDev(t, dataDir)
	c.cur.Store(second)
	t.Logf("restarted on the same data dir, %s into the drill", time.Since(start).Round(time.Millisecond))
	failed := wait()
	require.Empty(t, failed, "cases that did not reach their end:\n%s\nwarnings and errors of the restarted dev:\n%s",
		strings.Join(failed, "\n"), troubles(second))
	t.Logf("%d requests failed during the crash and restart and were sent again", c.lost.Load())
	t.Logf("the restarted dev sent %d unanswered Updates of the killed one again from its outbox",
		resentUpdates(second))
	second.stop()

	n := readDrillCounts(t, dataDir)
	t.Logf("crash drill: %d cases (%d approved), %d tasks (%d decided, %d case stages with more than one task), "+
		"%d decisions, %d decision audit events, %d Updates unanswered, in %s", n.Cases, n.Approved, n.Tasks,
		n.DecidedTasks, n.DuplicateStageTasks, n.Decisions, n.DecisionAudits, n.UnansweredUpdates,
		time.Since(start).Round(time.Millisecond))
	stages := int64(len(linshiStages))
	require.Equal(t, drillCounts{Cases: drillCases, Approved: drillCases, Tasks: drillCases * stages,
		DecidedTasks: drillCases * stages, Decisions: drillCases * stages, DecisionAudits: drillCases * stages}, n)

	out, err := runBinary(t, "audit", "verify", "--data-dir", dataDir)
	require.NoError(t, err, out)
	require.Contains(t, out, "audit trail intact")
	t.Logf("audit verify:\n%s", out)
	requireNoPersonalData(t, first, second)
}

// driveAll drives n cases on workers goroutines; wait returns the errors
// of the cases that did not reach their end.
func driveAll(c *drillClient, n, workers int, deadline time.Time, done *atomic.Int64) (wait func() []string) {
	waitPool := pool(n, workers, func(i int) error {
		return driveLinshi(c, fmt.Sprintf("drill-%d", i), deadline, done)
	})
	return func() []string {
		var failed []string
		for _, err := range waitPool() {
			failed = append(failed, err.Error())
		}
		return failed
	}
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

// troubles is the last warning and error lines a dev process logged, to
// say why a drill failed.
// resentUpdates adds up what a dev logged of Updates it sent again from
// the outbox.
func resentUpdates(d *dev) int {
	n := 0
	for _, line := range strings.Split(d.stderr.String()+d.stdout.String(), "\n") {
		var e struct {
			Msg      string
			Answered int
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "unanswered updates sent again" {
			n += e.Answered
		}
	}
	return n
}

func troubles(d *dev) string {
	var out []string
	for _, line := range strings.Split(d.stderr.String()+d.stdout.String(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out[max(0, len(out)-40):], "\n")
}
