package e2e

import (
	"context"
	"fmt"
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
	first.requireKilledAt(point)
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

// requireKilledAt waits for the failpoint named point to kill dev.
func (d *dev) requireKilledAt(point string) {
	d.t.Helper()
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.t.Fatal("the failpoint did not stop dev")
	}
	require.Contains(d.t, d.stderr.String(), "failpoint "+point)
}

// caseTasks counts a case's tasks per stage, read with SQL while no dev runs.
func caseTasks(t *testing.T, dataDir string, caseID int64) map[string]int {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
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

// TestCrashBetweenChangeAndAudit: dev dies by SIGKILL (a failpoint) after
// an administrator's grant is written and before its audit event is. The
// two share one transaction, so after the restart neither is there; the
// same request then makes both, and the audit chain verifies.
func TestCrashBetweenChangeAndAudit(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	addUser(t, dataDir, "village_officer9", "village_officer", "430721100201")
	const point = "api/audited/grant.add"
	first := startDevEnv(t, dataDir, []string{failpoint.Env + "=" + point})
	c := newDrillClient(first)
	grant := map[string]string{"user": "village_officer9", "role": "village_officer", "region": "430721100202"}
	st, err := c.do("POST", "/api/v1/admin/grants", "admin", grant, nil)
	require.Error(t, err, "the grant should be cut off by the crash, got %d", st)
	first.requireKilledAt(point)
	grants, events := grantAndEvents(t, dataDir, "village_officer9", "430721100202")
	t.Logf("killed between the grant and its audit event: %d grant(s), %d grant.add event(s) stored", grants, events)
	require.Zero(t, grants, "the grant must not stand without its audit event")
	require.Zero(t, events)

	second := startDev(t, dataDir)
	c.cur.Store(second)
	st, err = c.do("POST", "/api/v1/admin/grants", "admin", grant, nil)
	require.NoError(t, err)
	require.Equal(t, 201, st)
	second.stop()
	grants, events = grantAndEvents(t, dataDir, "village_officer9", "430721100202")
	require.Equal(t, [2]int64{1, 1}, [2]int64{grants, events}, "after the retry: one grant, one event")
	out, err := runBinary(t, "audit", "verify", "--data-dir", dataDir)
	require.NoError(t, err, out)
	require.Contains(t, out, "audit trail intact")
}

// grantAndEvents counts a user's grants in a region and the grant.add
// audit events, read with SQL while no dev runs.
func grantAndEvents(t *testing.T, dataDir, user, region string) (grants, events int64) {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	require.NoError(t, st.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE u.username = ? AND g.region_code = ?`, user, region).Scan(&grants))
	require.NoError(t, st.SQL().QueryRowContext(ctx,
		"SELECT COUNT(*) FROM audit_events WHERE action = 'grant.add'").Scan(&events))
	return grants, events
}
