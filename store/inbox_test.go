package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

// inboxNow is the fixed "now" of the inbox tests.
var inboxNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// inboxAt is inboxNow moved by d.
func inboxAt(d time.Duration) *time.Time {
	x := inboxNow.Add(d)
	return &x
}

// inboxWorld is a store with the demo regions, the user whose inbox is
// read, a colleague of theirs and a case in the demo village.
func inboxWorld(t *testing.T) (st *store.Store, me, colleague store.User, c store.Case) {
	t.Helper()
	st = openTestStore(t)
	withRegions(t, st)
	me, colleague = mustUser(t, st, "me"), mustUser(t, st, "colleague")
	return st, me, colleague, mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
}

func scope(t *testing.T, st *store.Store, role, region string) store.Scope {
	t.Helper()
	return store.Scope{Role: role, RegionPath: regionPath(t, st, region)}
}

func TestInboxVisibility(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	task := mustTask(t, st, c, taskSpec{key: "t", role: "village_officer", region: store.DemoVillage})

	for _, tc := range []struct {
		name    string
		scopes  []store.Scope
		visible bool
	}{
		{"same role at the village", []store.Scope{scope(t, st, "village_officer", store.DemoVillage)}, true},
		{"same role at its township", []store.Scope{scope(t, st, "village_officer", store.DemoTownship)}, true},
		{"same role at its county", []store.Scope{scope(t, st, "village_officer", store.DemoCounty)}, true},
		{"same role at a sibling village", []store.Scope{scope(t, st, "village_officer", store.DemoVillage2)}, false},
		{"same role at another township", []store.Scope{scope(t, st, "village_officer", "430721101")}, false},
		{"same role in another county", []store.Scope{scope(t, st, "village_officer", "430722")}, false},
		{"another role at the village", []store.Scope{scope(t, st, "village_committee", store.DemoVillage)}, false},
		{"another role above", []store.Scope{scope(t, st, "township_clerk", store.DemoTownship)}, false},
		{"one of several scopes", []store.Scope{scope(t, st, "township_clerk", store.DemoTownship),
			scope(t, st, "village_officer", store.DemoVillage)}, true},
		{"no scope", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.visible, task.Visible(tc.scopes), "Task.Visible")
			got, _, err := st.Inbox(ctx, store.InboxQuery{Scopes: tc.scopes, View: store.ViewAll, Limit: 50, Now: inboxNow})
			require.NoError(t, err)
			if tc.visible {
				require.Equal(t, []int64{task.ID}, ids(got, taskID), "Inbox")
			} else {
				require.Empty(t, got, "Inbox")
			}
		})
	}
}

func TestInboxViewsAndCounts(t *testing.T) {
	ctx := context.Background()
	st, me, colleague, c := inboxWorld(t)
	open := func(key string, due *time.Time) store.Task { return mustTask(t, st, c, taskSpec{key: key, due: due}) }

	mine := open("mine", nil)
	soon := open("soon", inboxAt(time.Hour))
	late := open("late", inboxAt(-time.Hour))
	flagged := open("flagged", inboxAt(time.Hour))
	later := open("later", inboxAt(72*time.Hour))
	theirs := open("theirs", inboxAt(-time.Hour))
	decided := open("decided", inboxAt(-time.Hour))
	_ = mustTask(t, st, c, taskSpec{key: "sibling", region: store.DemoVillage2, due: inboxAt(-time.Hour)})
	require.NoError(t, st.ClaimTask(ctx, mine.ID, me.ID))
	require.NoError(t, st.ClaimTask(ctx, theirs.ID, colleague.ID))
	require.NoError(t, st.MarkOverdue(ctx, flagged.ID))
	require.NoError(t, st.CloseTask(ctx, store.TaskDecision{TaskID: decided.ID, Action: "approve", ActorID: me.ID, At: inboxNow}))

	q := store.InboxQuery{UserID: me.ID, Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoVillage)},
		Limit: 50, Now: inboxNow, DueSoon: 48 * time.Hour}
	for _, tc := range []struct {
		view string
		want []store.Task
	}{
		{store.ViewMine, []store.Task{mine}},
		{store.ViewClaimable, []store.Task{soon, late, flagged, later}},
		{store.ViewDueSoon, []store.Task{soon}},
		{store.ViewOverdue, []store.Task{late, flagged, theirs}},
		{store.ViewAll, []store.Task{mine, soon, late, flagged, later, theirs}},
	} {
		t.Run(tc.view, func(t *testing.T) {
			q := q
			q.View = tc.view
			got, next, err := st.Inbox(ctx, q)
			require.NoError(t, err)
			require.Equal(t, ids(tc.want, taskID), ids(got, taskID))
			require.Zero(t, next)
		})
	}
	counts, err := st.InboxCounts(ctx, q)
	require.NoError(t, err)
	require.Equal(t, store.InboxCounts{Mine: 1, Claimable: 4, DueSoon: 1, Overdue: 3}, counts)

	none, err := st.InboxCounts(ctx, store.InboxQuery{UserID: me.ID, Now: inboxNow})
	require.NoError(t, err)
	require.Equal(t, store.InboxCounts{}, none, "no scopes, no tasks")
}

// TestInboxCountsMatchTheViews: each tab's count is the number of tasks its
// view lists, for a user with two grants (one at a township, so part of
// the scope is a range below it) who also acts for a colleague on tasks
// outside their own scope, some due soon, some overdue.
func TestInboxCountsMatchTheViews(t *testing.T) {
	ctx := context.Background()
	st, me, colleague, c := inboxWorld(t)
	dues := []*time.Time{nil, inboxAt(time.Hour), inboxAt(-time.Hour), inboxAt(72 * time.Hour)}
	var handed []store.Task
	for i := range 24 {
		spec := taskSpec{key: fmt.Sprintf("t%02d", i), due: dues[i%len(dues)]}
		switch i % 3 {
		case 1:
			spec.region = store.DemoVillage2 // below the township grant
		case 2:
			spec.role, spec.region = "township_clerk", store.DemoTownship
		}
		tk := mustTask(t, st, c, spec)
		switch i % 4 {
		case 1:
			require.NoError(t, st.ClaimTask(ctx, tk.ID, me.ID))
		case 2:
			require.NoError(t, st.ClaimTask(ctx, tk.ID, colleague.ID))
		case 3:
			require.NoError(t, st.MarkOverdue(ctx, tk.ID))
		}
	}
	// Tasks of a role this user does not hold, handed to them for now.
	for i := range 5 {
		tk := mustTask(t, st, c, taskSpec{key: fmt.Sprintf("h%d", i), role: "village_committee", due: dues[i%len(dues)]})
		require.NoError(t, st.ClaimTask(ctx, tk.ID, colleague.ID))
		until := inboxNow.Add(time.Hour)
		if i == 4 {
			until = inboxNow.Add(-time.Hour) // the hand-over has ended
		}
		require.NoError(t, st.Delegate(ctx, tk.ID, colleague.ID, me.ID, until))
		handed = append(handed, tk)
	}
	q := store.InboxQuery{UserID: me.ID, Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoTownship),
		scope(t, st, "township_clerk", store.DemoTownship)}, Limit: 1000, Now: inboxNow, DueSoon: 48 * time.Hour}
	count := func(view string) int64 {
		q := q
		q.View = view
		got, _, err := st.Inbox(ctx, q)
		require.NoError(t, err)
		return int64(len(got))
	}
	want := store.InboxCounts{Mine: count(store.ViewMine), Claimable: count(store.ViewClaimable),
		DueSoon: count(store.ViewDueSoon), Overdue: count(store.ViewOverdue)}
	// The views themselves: 6 claimed by me and 4 handed to me (a fifth
	// hand-over has ended); 12 unclaimed; due in an hour: 6 + 1 handed;
	// past due or flagged: 6 + 6 + 1 handed.
	require.Equal(t, store.InboxCounts{Mine: 6 + 4, Claimable: 12, DueSoon: 6 + 1, Overdue: 6 + 6 + 1}, want)
	got, err := st.InboxCounts(ctx, q)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// Deadlines come from the working-day calendar in China Standard Time while
// "now" comes from the server clock; the views must compare instants, not
// the text of two different UTC offsets.
func TestInboxDeadlinesAcrossTimeZones(t *testing.T) {
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name     string
		due, now time.Time
		overdue  bool
		dueSoon  bool
	}{
		{"due in CST, two hours past, now in UTC", inboxNow.Add(-2 * time.Hour).In(cst), inboxNow, true, false},
		{"due in CST, two hours ahead, now in UTC", inboxNow.Add(2 * time.Hour).In(cst), inboxNow, false, true},
		{"due in UTC, two hours past, now in CST", inboxNow.Add(-2 * time.Hour), inboxNow.In(cst), true, false},
		{"due in UTC, two hours ahead, now in CST", inboxNow.Add(2 * time.Hour), inboxNow.In(cst), false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTestStore(t)
			withRegions(t, st)
			c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
			due := tc.due
			mustTask(t, st, c, taskSpec{key: "t", due: &due})
			q := store.InboxQuery{Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoVillage)},
				Limit: 50, Now: tc.now, DueSoon: 48 * time.Hour}
			counts, err := st.InboxCounts(ctx, q)
			require.NoError(t, err)
			require.Equal(t, tc.overdue, counts.Overdue == 1, "overdue: %+v", counts)
			require.Equal(t, tc.dueSoon, counts.DueSoon == 1, "due soon: %+v", counts)
		})
	}
}

func TestInboxPaging(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		tasks, limit int
		pages        []int
	}{
		{25, 10, []int{10, 10, 5}},
		{20, 10, []int{10, 10}},
		{9, 10, []int{9}},
		{0, 10, []int{0}},
	} {
		t.Run(fmt.Sprintf("%d by %d", tc.tasks, tc.limit), func(t *testing.T) {
			st := openTestStore(t)
			withRegions(t, st)
			c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
			var want []int64
			for i := range tc.tasks {
				want = append(want, mustTask(t, st, c, taskSpec{key: fmt.Sprintf("t%02d", i)}).ID)
			}
			q := store.InboxQuery{Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoTownship)},
				View: store.ViewAll, Limit: tc.limit, Now: inboxNow}
			var sizes []int
			var seen []int64
			for range 10 {
				got, next, err := st.Inbox(ctx, q)
				require.NoError(t, err)
				sizes = append(sizes, len(got))
				seen = append(seen, ids(got, taskID)...)
				if next == 0 {
					break
				}
				q.After = next
			}
			require.Equal(t, tc.pages, sizes)
			require.Equal(t, want, seen, "every task once, oldest first")
		})
	}
}

func TestInboxFilters(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	dibao, monitoring := mustCase(t, st, alice, store.DemoVillage, "k1"), mustCaseOf(t, st, alice, store.DemoVillage2, "k2", "monitoring")
	d1 := mustTask(t, st, dibao, taskSpec{key: "d1", stage: "review"})
	d2 := mustTask(t, st, dibao, taskSpec{key: "d2", stage: "visit"})
	m1 := mustTask(t, st, monitoring, taskSpec{key: "m1", stage: "review", region: store.DemoVillage2})
	base := store.InboxQuery{Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoTownship)},
		View: store.ViewAll, Limit: 50, Now: inboxNow}
	for _, tc := range []struct {
		name string
		edit func(*store.InboxQuery)
		want []store.Task
	}{
		{"none", func(*store.InboxQuery) {}, []store.Task{d1, d2, m1}},
		{"case", func(q *store.InboxQuery) { q.CaseID = dibao.ID }, []store.Task{d1, d2}},
		{"program", func(q *store.InboxQuery) { q.Program = "monitoring" }, []store.Task{m1}},
		{"stage", func(q *store.InboxQuery) { q.Stage = "review" }, []store.Task{d1, m1}},
		{"region", func(q *store.InboxQuery) { q.RegionPath = regionPath(t, st, store.DemoVillage2) }, []store.Task{m1}},
		{"region outside the scope", func(q *store.InboxQuery) { q.RegionPath = regionPath(t, st, "430722") }, nil},
		{"stage and program", func(q *store.InboxQuery) { q.Stage, q.Program = "review", "dibao" }, []store.Task{d1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := base
			tc.edit(&q)
			got, _, err := st.Inbox(ctx, q)
			require.NoError(t, err)
			require.Equal(t, ids(tc.want, taskID), ids(got, taskID))
		})
	}
}
