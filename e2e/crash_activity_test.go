package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/failpoint"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// TestCrashInsideActivity: dev dies by SIGKILL (a failpoint) inside the
// activity that opens a case's second task: the row is committed, the
// activity has not answered, and the first decision's workflow task has
// not completed. Nobody sends the decision again. Restarted on the same
// data dir, the case goes on: the API's outbox sends the cut-off decision
// again, the workflow applies it once, the activity finds its row, and the
// case ends approved with exactly one task and one decision per stage.
func TestCrashInsideActivity(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	const point = "activities/open-task-committed/paperwork"
	first := startDevEnv(t, dataDir, []string{failpoint.Env + "=" + point})
	c := newDrillClient(first)
	deadline := time.Now().Add(3 * time.Minute)

	id, err := c.submitLinshi("crash-in-activity", deadline)
	require.NoError(t, err)
	taskID, err := c.openTaskAt(id, "urgent_aid", "township_approver", deadline)
	require.NoError(t, err)
	st, err := c.do("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", taskID), "township_approver",
		map[string]string{"action": "approve", "comment": "核实无误"}, nil)
	require.Error(t, err, "the decision should be cut off by the crash, got %d", st)
	select {
	case <-first.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the failpoint did not stop dev")
	}
	require.Contains(t, first.stderr.String(), "failpoint "+point)
	before := caseTasks(t, dataDir, id)
	t.Logf("killed inside OpenTask(paperwork); tasks of the case as the crash left them: %v", before)

	second := startDev(t, dataDir)
	c.cur.Store(second)
	for _, s := range linshiStages[1:] {
		require.NoError(t, c.approveStage(id, s.id, s.user, deadline))
	}
	require.NoError(t, retry(deadline, "case approved", func() (bool, error) {
		var cv caseView
		st, err := c.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "applicant", nil, &cv)
		return err == nil && st == 200 && cv.Status == store.StatusApproved, fmt.Errorf("status %q: %d %v", cv.Status, st, err)
	}))
	resent := resentUpdates(second)
	second.stop()

	after := caseTasks(t, dataDir, id)
	t.Logf("after the restart: tasks per stage %v, the restarted dev sent %d Update(s) again from its outbox", after, resent)
	require.Equal(t, map[string]int{"urgent_aid": 1, "paperwork": 1, "county_record": 1}, after)
	require.Equal(t, 1, resent, "the cut-off decision is sent again by the outbox, not by a person")
	n := readDrillCounts(t, dataDir)
	require.Equal(t, drillCounts{Cases: 1, Approved: 1, Tasks: 3, DecidedTasks: 3, Decisions: 3, DecisionAudits: 3}, n)
	requireNoPersonalData(t, first, second)
}

// caseTasks counts a case's tasks per stage, read with SQL while no dev runs.
func caseTasks(t *testing.T, dataDir string, caseID int64) map[string]int {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dataDir, "assistflow.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer st.Close()
	rows, err := st.SQL().QueryContext(ctx, "SELECT stage, COUNT(*) FROM tasks WHERE case_id = ? GROUP BY stage", caseID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var stage string
		var n int
		require.NoError(t, rows.Scan(&stage, &n))
		out[stage] = n
	}
	require.NoError(t, rows.Err())
	return out
}
