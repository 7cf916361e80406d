package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

func TestClaimAndUnclaim(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	a, b := mustUser(t, st, "a"), mustUser(t, st, "b")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	task := mustTask(t, st, c, taskSpec{key: "t"})
	decided := mustTask(t, st, c, taskSpec{key: "decided"})
	require.NoError(t, st.CloseTask(ctx, store.TaskDecision{TaskID: decided.ID, Action: "approve", ActorID: a.ID, At: time.Now().UTC()}))

	claim := func(id int64, u store.User) func() error {
		return func() error { return st.ClaimTask(ctx, id, u.ID) }
	}
	unclaim := func(id int64, u store.User) func() error {
		return func() error { return st.UnclaimTask(ctx, id, u.ID) }
	}
	// The steps run in order against one task; each states who holds it after.
	for _, tc := range []struct {
		name     string
		step     func() error
		wantErr  error
		assignee *store.User
	}{
		{"a claims", claim(task.ID, a), nil, &a},
		{"a claims again", claim(task.ID, a), nil, &a},
		{"b claims a's task", claim(task.ID, b), store.ErrConflict, &a},
		{"b unclaims a's task", unclaim(task.ID, b), store.ErrConflict, &a},
		{"a unclaims", unclaim(task.ID, a), nil, nil},
		{"a unclaims again", unclaim(task.ID, a), store.ErrConflict, nil},
		{"b claims", claim(task.ID, b), nil, &b},
		{"claim a decided task", claim(decided.ID, a), store.ErrConflict, &b},
		{"claim a missing task", claim(999999, a), store.ErrNotFound, &b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.step(), tc.wantErr)
			got, err := st.Task(ctx, task.ID)
			require.NoError(t, err)
			if tc.assignee == nil {
				require.Nil(t, got.AssigneeID)
				return
			}
			require.NotNil(t, got.AssigneeID)
			require.Equal(t, tc.assignee.ID, *got.AssigneeID)
		})
	}
	got, err := st.Task(ctx, decided.ID)
	require.NoError(t, err)
	require.Nil(t, got.AssigneeID, "a decided task cannot be claimed")
}
