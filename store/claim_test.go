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

// A holder may hand a claimed task to an acting official until a time; the
// delegate sees it (in "all" and "mine") only until then. The end may come
// in any time zone (the API takes it from a JSON body).
func TestDelegation(t *testing.T) {
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	for _, zone := range []*time.Location{time.UTC, cst} {
		t.Run(zone.String(), func(t *testing.T) {
			st := openTestStore(t)
			withRegions(t, st)
			holder := mustUser(t, st, "holder", store.NewGrant{Role: "village_officer", Region: store.DemoVillage})
			acting := mustUser(t, st, "acting", store.NewGrant{Role: "township_clerk", Region: store.DemoTownship})
			stranger := mustUser(t, st, "stranger", store.NewGrant{Role: "township_clerk", Region: store.DemoTownship})
			c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
			task := mustTask(t, st, c, taskSpec{key: "t"})
			until := inboxNow.Add(time.Hour).In(zone)

			require.ErrorIs(t, st.Delegate(ctx, task.ID, holder.ID, acting.ID, until), store.ErrConflict, "claim before delegating")
			require.NoError(t, st.ClaimTask(ctx, task.ID, holder.ID))
			require.ErrorIs(t, st.Delegate(ctx, task.ID, holder.ID, holder.ID, until), store.ErrInvalid)
			require.ErrorIs(t, st.Delegate(ctx, task.ID, stranger.ID, acting.ID, until), store.ErrConflict)
			require.NoError(t, st.Delegate(ctx, task.ID, holder.ID, acting.ID, until))

			got, err := st.Task(ctx, task.ID)
			require.NoError(t, err)
			require.Equal(t, holder.ID, *got.AssigneeID, "the holder keeps the task")
			clerk := []store.Scope{scope(t, st, "township_clerk", store.DemoTownship)}
			for _, tc := range []struct {
				name    string
				user    store.User
				now     time.Time
				visible bool
			}{
				{"delegate, before the end", acting, inboxNow, true},
				{"delegate, just before the end", acting, inboxNow.Add(59 * time.Minute), true},
				{"delegate, after the end", acting, inboxNow.Add(2 * time.Hour), false},
				{"someone else with the same grant", stranger, inboxNow, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					require.Equal(t, tc.visible, got.ActingFor(tc.user.ID, tc.now), "ActingFor")
					for _, view := range []string{store.ViewAll, store.ViewMine} {
						ts, _, err := st.Inbox(ctx, store.InboxQuery{UserID: tc.user.ID, Scopes: clerk, View: view,
							Limit: 10, Now: tc.now})
						require.NoError(t, err)
						require.Equal(t, tc.visible, len(ts) == 1, "view %s: %v", view, ids(ts, taskID))
					}
				})
			}
		})
	}
}
