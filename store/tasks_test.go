package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

func TestOpenTaskIdempotentPerKey(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	c := mustCaseOf(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k", "monitoring")
	first := mustTask(t, st, c, taskSpec{key: "case/1/village_review/1"})
	require.Equal(t, store.TaskOpen, first.Status)
	require.Equal(t, "monitoring", first.Program, "the task takes the case's program")
	require.Equal(t, regionPath(t, st, store.DemoVillage), first.RegionPath)
	require.JSONEq(t, `["approve","reject"]`, string(first.Actions))

	for _, tc := range []struct {
		name     string
		in       store.NewTask
		wantSame bool
		wantErr  error
	}{
		{"same key", store.NewTask{Key: "case/1/village_review/1", CaseID: c.ID, Stage: "other", Role: "x", RegionCode: store.DemoVillage2}, true, nil},
		{"next attempt", store.NewTask{Key: "case/1/village_review/2", CaseID: c.ID, Stage: "village_review", Role: "village_officer", RegionCode: store.DemoVillage}, false, nil},
		{"unknown region", store.NewTask{Key: "case/1/x/1", CaseID: c.ID, Stage: "x", Role: "x", RegionCode: "439999999999"}, false, store.ErrInvalid},
		{"unknown case", store.NewTask{Key: "case/999/x/1", CaseID: 999999, Stage: "x", Role: "x", RegionCode: store.DemoVillage}, false, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.OpenTask(ctx, tc.in)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantSame, got.ID == first.ID)
			if tc.wantSame {
				require.Equal(t, first.Stage, got.Stage, "a retry returns the first row unchanged")
			}
		})
	}
	ts, err := st.TasksOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, ts, 2)
}

func TestCloseTask(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	officer, other := mustUser(t, st, "officer"), mustUser(t, st, "other")
	c := mustCase(t, st, alice, store.DemoVillage, "k")
	task := mustTask(t, st, c, taskSpec{key: "t1"})
	cancelled := mustTask(t, st, c, taskSpec{key: "t2", stage: "second"})
	require.NoError(t, st.CancelOpenTasks(ctx, c.ID, "second"))
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

	decide := func(id int64, action string, by store.User) store.TaskDecision {
		return store.TaskDecision{TaskID: id, Action: action, ReasonCode: "ok", Comment: "checked at home",
			ActorID: by.ID, ActorRole: "village_officer", At: at}
	}
	for _, tc := range []struct {
		name    string
		d       store.TaskDecision
		wantErr error
	}{
		{"decide", decide(task.ID, "approve", officer), nil},
		{"same decision again", decide(task.ID, "approve", officer), nil},
		{"different decision", decide(task.ID, "reject", officer), store.ErrConflict},
		{"same decision by someone else", decide(task.ID, "approve", other), store.ErrConflict},
		{"cancelled task", decide(cancelled.ID, "approve", officer), store.ErrConflict},
		{"missing task", decide(999999, "approve", officer), store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, st.CloseTask(ctx, tc.d), tc.wantErr)

			got, err := st.Task(ctx, task.ID)
			require.NoError(t, err)
			require.Equal(t, store.TaskDecided, got.Status)
			require.Equal(t, "approve", got.Decision)
			require.Equal(t, "ok", got.ReasonCode)
			require.NotNil(t, got.DecidedBy)
			require.Equal(t, officer.ID, *got.DecidedBy)
			require.NotNil(t, got.DecidedAt)
			require.True(t, at.Equal(*got.DecidedAt))

			events, err := st.Timeline(ctx, c.ID)
			require.NoError(t, err)
			require.Len(t, events, 1, "one timeline event per decision, however often it is recorded")
			e := events[0]
			require.Equal(t, "approve", e.Action)
			require.Equal(t, "village_review", e.Stage)
			require.Equal(t, "village_officer", e.ActorRole)
			require.Equal(t, "checked at home", e.Comment)
			require.True(t, at.Equal(e.At))
		})
	}
	got, err := st.Task(ctx, cancelled.ID)
	require.NoError(t, err)
	require.Equal(t, store.TaskCancelled, got.Status)
}

func TestCancelOpenTasks(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice, officer := mustUser(t, st, "alice"), mustUser(t, st, "officer")
	c, otherCase := mustCase(t, st, alice, store.DemoVillage, "k"), mustCase(t, st, alice, store.DemoVillage, "k2")
	aOpen := mustTask(t, st, c, taskSpec{key: "a-open", stage: "a"})
	aDecided := mustTask(t, st, c, taskSpec{key: "a-decided", stage: "a"})
	bOpen := mustTask(t, st, c, taskSpec{key: "b-open", stage: "b"})
	elsewhere := mustTask(t, st, otherCase, taskSpec{key: "other", stage: "a"})
	require.NoError(t, st.CloseTask(ctx, store.TaskDecision{TaskID: aDecided.ID, Action: "approve",
		ActorID: officer.ID, At: time.Now().UTC()}))

	status := func() map[int64]string {
		out := map[int64]string{}
		for _, id := range []int64{aOpen.ID, aDecided.ID, bOpen.ID, elsewhere.ID} {
			tk, err := st.Task(ctx, id)
			require.NoError(t, err)
			out[id] = tk.Status
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		stage string
		want  map[int64]string
	}{
		{"one stage", "a", map[int64]string{aOpen.ID: store.TaskCancelled, aDecided.ID: store.TaskDecided,
			bOpen.ID: store.TaskOpen, elsewhere.ID: store.TaskOpen}},
		{"every stage", "", map[int64]string{aOpen.ID: store.TaskCancelled, aDecided.ID: store.TaskDecided,
			bOpen.ID: store.TaskCancelled, elsewhere.ID: store.TaskOpen}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, st.CancelOpenTasks(ctx, c.ID, tc.stage))
			require.Equal(t, tc.want, status())
		})
	}
}

func TestMarkOverdue(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	c := mustCase(t, st, alice, store.DemoVillage, "k")
	open, decided := mustTask(t, st, c, taskSpec{key: "open"}), mustTask(t, st, c, taskSpec{key: "decided"})
	require.NoError(t, st.CloseTask(ctx, store.TaskDecision{TaskID: decided.ID, Action: "approve", ActorID: alice.ID, At: time.Now().UTC()}))
	for _, tc := range []struct {
		name string
		id   int64
		want bool
	}{{"open task", open.ID, true}, {"decided task", decided.ID, false}} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, st.MarkOverdue(ctx, tc.id))
			got, err := st.Task(ctx, tc.id)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.Overdue)
		})
	}
}

// TestABatchBrokenByAForeignKeyWritesNothing: a batch whose write names a
// user that does not exist fails as a whole, writes taken before the
// failing one included, and the next batch on the same store commits as
// usual.
func TestABatchBrokenByAForeignKeyWritesNothing(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	officer := mustUser(t, st, "officer")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	first := mustTask(t, st, c, taskSpec{key: "t1"})
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	err := st.Batch(ctx, func(b *store.Store) error {
		if _, err := b.OpenTask(ctx, store.NewTask{Key: "t2", CaseID: c.ID, Stage: "township_review",
			Role: "township_approver", RegionCode: store.DemoTownship}); err != nil {
			return err
		}
		return b.CloseTask(ctx, store.TaskDecision{TaskID: first.ID, Action: "approve", ActorID: officer.ID + 1000,
			ActorRole: "village_officer", At: at})
	})
	require.Error(t, err, "a decision by nobody")
	ts, err := st.TasksOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, ts, 1, "the task the batch opened is gone with it")
	require.Equal(t, store.TaskOpen, ts[0].Status)
	events, err := st.Timeline(ctx, c.ID)
	require.NoError(t, err)
	require.Empty(t, events)

	require.NoError(t, st.Batch(ctx, func(b *store.Store) error {
		return b.CloseTask(ctx, store.TaskDecision{TaskID: first.ID, Action: "approve", ActorID: officer.ID,
			ActorRole: "village_officer", At: at})
	}))
	ts, err = st.TasksOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, store.TaskDecided, ts[0].Status)
}
