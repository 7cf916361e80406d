package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// clusterCases is how many cases the cluster test pushes through.
const clusterCases = 200

// clusterStages is the three-review chain of the test, in order, with the
// demo user who decides each.
var clusterStages = []struct{ id, role, level, user string }{
	{"village_review", "village_officer", "village", "village_officer"},
	{"township_review", "township_approver", "township", "township_approver"},
	{"county_review", "county_approver", "county", "county_approver"},
}

// TestCluster runs assistflow as production does: a standalone Temporal
// server on PostgreSQL (schema made by its own SQL tool), two `serve` and
// two `worker` processes on one PostgreSQL app database. It pushes 200
// cases through a village → township → county chain, alternating between
// the APIs with concurrent approvers, SIGKILLs a worker halfway, and then
// reconciles: every case approved, one task per stage per case, every
// decision recorded once. It also shows a grant made through one API
// enforced by the other.
func TestCluster(t *testing.T) {
	admin := os.Getenv("ASSISTFLOW_TEST_POSTGRES")
	if admin == "" {
		t.Skip("TestCluster needs ASSISTFLOW_TEST_POSTGRES (an administrative PostgreSQL DSN): " +
			"it runs a Temporal server, two serve and two worker processes on PostgreSQL; `make test` sets it in CI")
	}
	began := time.Now()
	c := startCluster(t, parsePG(t, admin))
	t.Logf("cluster up in %s: temporal %s, apis %s %s", time.Since(began).Round(time.Second), c.frontend,
		c.nodes[0].base, c.nodes[1].base)
	for _, n := range c.nodes {
		require.Equal(t, http.StatusOK, n.must(t, "GET", "/readyz", "", nil, nil), "readyz of %s", n.base)
	}
	for _, h := range c.workerHealth {
		require.Equal(t, http.StatusOK, (&node{base: h}).must(t, "GET", "/readyz", "", nil, nil), "readyz of worker %s", h)
	}
	c.activateChain(t)

	pushed := time.Now()
	ids := c.submitAll(t)
	figures := c.approveAll(t, ids)
	db := c.appDB(t)
	require.Eventually(t, func() bool {
		return queryInt(t, db, "SELECT COUNT(*) FROM cases WHERE idempotency_key LIKE 'cluster-%' AND status = 'approved'") == clusterCases
	}, 2*time.Minute, 250*time.Millisecond, "every case ends approved")
	elapsed := time.Since(pushed)

	rec := reconcile(t, db)
	c.checkThroughAPI(t, ids)
	t.Logf("reconciliation: cases=%d approved=%d tasks=%d (stages with != 1 task: %d) decided=%d "+
		"decision events=%d (duplicates: %d) audit decisions=%d (distinct tasks: %d)",
		rec.cases, rec.approved, rec.tasks, rec.badStages, rec.decided, rec.events, rec.dupEvents, rec.audits, rec.auditTasks)
	t.Logf("decisions: accepted=%d conflicts=%d retried=%d; worker killed after %d decisions; %d cases in %s (%.1f cases/s)",
		figures.ok, figures.conflicts, figures.retries, figures.killedAt, clusterCases, elapsed.Round(time.Second),
		float64(clusterCases)/elapsed.Seconds())

	c.checkWatcher(t)
}

// recFigures is what reconciliation counts in the app database.
type recFigures struct {
	cases, approved, tasks, badStages, decided, events, dupEvents, audits, auditTasks int
}

// reconcile counts, from the app database, what 200 approved cases of a
// three-review chain must have left behind, and asserts it.
func reconcile(t *testing.T, db *sql.DB) recFigures {
	t.Helper()
	const ours = "case_id IN (SELECT id FROM cases WHERE idempotency_key LIKE 'cluster-%')"
	var r recFigures
	r.cases = queryInt(t, db, "SELECT COUNT(*) FROM cases WHERE idempotency_key LIKE 'cluster-%'")
	r.approved = queryInt(t, db, "SELECT COUNT(*) FROM cases WHERE idempotency_key LIKE 'cluster-%' AND status = 'approved'")
	r.tasks = queryInt(t, db, "SELECT COUNT(*) FROM tasks WHERE "+ours)
	r.badStages = queryInt(t, db, "SELECT COUNT(*) FROM (SELECT case_id, stage FROM tasks WHERE "+ours+
		" GROUP BY case_id, stage HAVING COUNT(*) <> 1) x")
	r.decided = queryInt(t, db, "SELECT COUNT(*) FROM tasks WHERE "+ours+" AND status = 'decided' AND decision = 'approve'")
	r.events = queryInt(t, db, "SELECT COUNT(*) FROM case_events WHERE "+ours+" AND action = 'approve'")
	r.dupEvents = queryInt(t, db, "SELECT COUNT(*) FROM (SELECT case_id, stage FROM case_events WHERE "+ours+
		" AND action = 'approve' GROUP BY case_id, stage HAVING COUNT(*) <> 1) x")
	taskObjects := "object IN (SELECT 'task/' || id FROM tasks WHERE " + ours + ")"
	r.audits = queryInt(t, db, "SELECT COUNT(*) FROM audit_events WHERE action = 'task.decide' AND "+taskObjects)
	r.auditTasks = queryInt(t, db, "SELECT COUNT(DISTINCT object) FROM audit_events WHERE action = 'task.decide' AND "+taskObjects)

	want := clusterCases * len(clusterStages)
	require.Equal(t, clusterCases, r.cases)
	require.Equal(t, clusterCases, r.approved)
	require.Equal(t, want, r.tasks, "exactly one task per stage per case")
	require.Zero(t, r.badStages)
	require.Equal(t, want, r.decided)
	require.Equal(t, want, r.events, "every decision on the timeline once")
	require.Zero(t, r.dupEvents)
	require.Equal(t, want, r.audits, "every decision in the audit trail once")
	require.Equal(t, want, r.auditTasks)
	return r
}

// checkThroughAPI reads every case back, alternating the APIs: approved,
// with one approval per stage on its timeline.
func (c *cluster) checkThroughAPI(t *testing.T, ids []int64) {
	t.Helper()
	for i, id := range ids {
		n := c.nodes[i%2]
		var cv caseView
		require.Equal(t, http.StatusOK, n.must(t, "GET", fmt.Sprintf("/api/v1/cases/%d", id), n.login(t, "applicant"), nil, &cv))
		require.Equal(t, "approved", cv.Status, "case %d", id)
		for _, s := range clusterStages {
			require.Equal(t, 1, timelineCount(cv, s.id, "approve"), "case %d stage %s", id, s.id)
		}
	}
}

// checkWatcher grants applicant2 the applicant role in the demo village
// through the first API and waits until the second API lets them submit
// there: the second process learnt the grant from the database.
func (c *cluster) checkWatcher(t *testing.T) {
	t.Helper()
	a, b := c.nodes[0], c.nodes[1]
	submit := func() int {
		return b.must(t, "POST", "/api/v1/cases", b.login(t, "applicant2"), map[string]any{"program": "linshi",
			"region": store.DemoVillage, "channel": "self_report", "household": household("钱七")}, nil,
			"Idempotency-Key", "watcher-probe")
	}
	require.Equal(t, http.StatusForbidden, submit(), "applicant2 has no role in the demo village yet")
	require.Equal(t, http.StatusCreated, a.must(t, "POST", "/api/v1/admin/grants", a.login(t, "admin"),
		map[string]string{"user": "applicant2", "role": "applicant", "region": store.DemoVillage}, nil))
	granted := time.Now()
	require.Eventually(t, func() bool { return submit() == http.StatusCreated }, 15*time.Second, 100*time.Millisecond,
		"the second API enforces a grant made through the first")
	t.Logf("casbin watcher: grant made on API 1 enforced by API 2 after %s", time.Since(granted).Round(10*time.Millisecond))
}

// clusterChain is the test's chain: linshi-urgent v2 reshaped into three
// reviews, village → township → county, without a public notice.
func clusterChain(t *testing.T) process.Definition {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key != "linshi-urgent" {
			continue
		}
		d.Version, d.SLA, d.Stages = 0, nil, nil
		for _, s := range clusterStages {
			d.Stages = append(d.Stages, process.Stage{ID: s.id, Kind: process.KindReview, Role: s.role, Level: s.level,
				Name: process.Text{Zh: s.level + "审核", En: s.level + " review"}, Actions: []string{"approve", "reject"}})
		}
		require.Empty(t, process.Validate(d))
		return d
	}
	t.Fatal("no linshi-urgent built-in")
	return process.Definition{}
}

// appDB opens the app database for reconciliation.
func (c *cluster) appDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", c.appDSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// seedDemo writes the demo regions and users into the app database.
func seedDemo(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer st.Close()
	_, err = st.SeedDemo(ctx)
	require.NoError(t, err)
}
