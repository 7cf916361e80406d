package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

// TestLookupsReadWhatTheORMReads: Task, Case, Region, Timeline and
// DataCheckReports read their rows without GORM; every field, nullable ones
// and times included, comes back exactly as GORM loads it. (A column added
// under them: TestReadsSurviveAColumnAddedUnderThem.)
func TestLookupsReadWhatTheORMReads(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	officer, deputy := mustUser(t, st, "officer"), mustUser(t, st, "deputy")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	due := time.Date(2026, 3, 20, 17, 0, 0, 0, time.UTC)
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: c.ID, Seq: 1, Status: store.StatusInReview,
		CurrentStages:      []store.CurrentStage{{ID: "village_review", Name: "村级审核", Role: "village_officer", DueAt: &due}},
		ExpectedDecisionAt: &due}))
	open := mustTask(t, st, c, taskSpec{key: "t1", due: &due})
	decided := mustTask(t, st, c, taskSpec{key: "t2"})
	require.NoError(t, st.ClaimTask(ctx, decided.ID, officer.ID))
	execSQL(t, st, "UPDATE tasks SET delegate_id = ?, delegate_until = ? WHERE id = ?", deputy.ID, due, decided.ID)
	require.NoError(t, st.MarkOverdue(ctx, decided.ID))
	require.NoError(t, st.CloseTask(ctx, store.TaskDecision{TaskID: decided.ID, Action: "approve", ReasonCode: "ok",
		ActorID: deputy.ID, ActorRole: "village_officer", OnBehalfOf: &officer.ID, At: due.Add(-time.Hour)}))

	for _, id := range []int64{open.ID, decided.ID} {
		requireAsORMReads(t, st, "id = ?", id, st.Task)
	}
	got, err := st.Task(ctx, decided.ID)
	require.NoError(t, err)
	require.NotNil(t, got.DecidedAt)
	require.True(t, due.Add(-time.Hour).Equal(*got.DecidedAt))
	require.Equal(t, deputy.ID, *got.DecidedBy)
	require.Equal(t, officer.ID, *got.OnBehalfOf)
	require.True(t, got.Overdue)
	require.JSONEq(t, `["approve","reject"]`, string(got.Actions))

	gotCase := requireAsORMReads(t, st, "id = ?", c.ID, st.Case)
	require.NotNil(t, gotCase.ExpectedDecisionAt)
	require.True(t, due.Equal(*gotCase.ExpectedDecisionAt))
	require.NotEmpty(t, gotCase.Household)

	require.NoError(t, st.SaveDataCheckReport(ctx, store.DataCheckReport{ReportKey: "r1", CaseID: c.ID,
		Stage: "village_review", Report: store.JSON(`{"sources":[]}`)}))
	events, err := st.Timeline(ctx, c.ID)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	var wantEvents []store.CaseEvent
	require.NoError(t, store.ORMFind(st, &wantEvents, "at, id", "case_id = ?", c.ID))
	require.Equal(t, wantEvents, events)
	reports, err := st.DataCheckReports(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, reports, 1)
	var wantReports []store.DataCheckReport
	require.NoError(t, store.ORMFind(st, &wantReports, "id", "case_id = ?", c.ID))
	require.Equal(t, wantReports, reports)
	none, err := st.Timeline(ctx, c.ID+100)
	require.NoError(t, err)
	require.NotNil(t, none, "no events is an empty list, as GORM gives")
	require.Empty(t, none)

	for _, code := range []string{store.DemoVillage, store.DemoCounty} {
		requireAsORMReads(t, st, "code = ?", code, st.Region)
	}

	_, err = st.Task(ctx, decided.ID+100)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.Case(ctx, c.ID+100)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.Region(ctx, "000000")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// requireAsORMReads loads the row of key through the store's read and
// through GORM's First, and requires them equal.
func requireAsORMReads[T any, K any](t *testing.T, st *store.Store, where string, key K,
	read func(context.Context, K) (T, error)) T {
	t.Helper()
	got, err := read(context.Background(), key)
	require.NoError(t, err)
	var want T
	require.NoError(t, store.ORMFirst(st, &want, where, key))
	require.Equal(t, want, got)
	return got
}

// TestReadsSurviveAColumnAddedUnderThem: the release order runs a
// migration that adds a column while processes of the release before are
// still serving. Their reads must keep working; PostgreSQL refuses a
// cached SELECT * whose columns changed, so the store names its columns.
func TestReadsSurviveAColumnAddedUnderThem(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	officer := mustUser(t, st, "officer")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	task := mustTask(t, st, c, taskSpec{key: "t1"})
	reads := func() {
		t.Helper()
		for range 12 { // more than the connections a store keeps: each one caches its statements
			ts, err := st.TasksOfCase(ctx, c.ID) // through GORM
			require.NoError(t, err)
			require.Len(t, ts, 1)
			u, err := st.UserByUsername(ctx, "officer")
			require.NoError(t, err)
			require.Equal(t, officer.ID, u.ID)
			got, err := st.Task(ctx, task.ID) // through rowOf
			require.NoError(t, err)
			require.Equal(t, c.ID, got.CaseID)
			_, err = st.Case(ctx, c.ID)
			require.NoError(t, err)
			caller, err := st.Caller(ctx, officer.ID, "")
			require.NoError(t, err)
			require.Equal(t, "officer", caller.User.Username)
		}
	}
	reads()
	execSQL(t, st, "ALTER TABLE tasks ADD COLUMN later TEXT")
	execSQL(t, st, "UPDATE tasks SET later = 'x'")
	execSQL(t, st, "ALTER TABLE users ADD COLUMN later TEXT")
	execSQL(t, st, "ALTER TABLE cases ADD COLUMN later TEXT")
	reads()
}
