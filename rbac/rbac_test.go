package rbac_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

func openStore(t testing.TB) *store.Store { return storetest.Demo(t) }

func path(t testing.TB, st *store.Store, code string) string {
	t.Helper()
	r, err := st.Region(context.Background(), code)
	require.NoError(t, err)
	return r.Path
}

func user(t testing.TB, st *store.Store, name string) int64 {
	t.Helper()
	u, err := st.UserByUsername(context.Background(), name)
	require.NoError(t, err)
	return u.ID
}

func TestRolesHoldBelowTheirRegion(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	az, err := rbac.New(ctx, st, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	village, neighbour, otherCounty := path(t, st, store.DemoVillage), path(t, st, store.DemoVillage2), path(t, st, "430722100201")
	for _, tc := range []struct {
		user, region, obj, act string
		want                   bool
	}{
		{"village_officer", village, rbac.ObjTask, rbac.ActDecide, true},
		{"village_officer", neighbour, rbac.ObjTask, rbac.ActDecide, false},
		{"township_approver", village, rbac.ObjTask, rbac.ActDecide, true},
		{"township_approver", neighbour, rbac.ObjCase, rbac.ActRead, true},
		{"county_approver", village, rbac.ObjTask, rbac.ActBatch, true},
		{"county_approver", otherCounty, rbac.ObjTask, rbac.ActDecide, false},
		{"auditor", village, rbac.ObjCase, rbac.ActRead, true},
		{"auditor", village, rbac.ObjTask, rbac.ActDecide, false},
		{"auditor", otherCounty, rbac.ObjCase, rbac.ActRead, false},
		{"admin", village, rbac.ObjUser, rbac.ActManage, true},
		{"admin", otherCounty, rbac.ObjUser, rbac.ActManage, false},
		{"admin", village, rbac.ObjTask, rbac.ActDecide, false},
		{"applicant", village, rbac.ObjCase, rbac.ActReadOwn, true},
		{"applicant", village, rbac.ObjCase, rbac.ActRead, false},
		{"applicant", neighbour, rbac.ObjCase, rbac.ActCreate, false},
	} {
		t.Run(fmt.Sprintf("%s %s:%s", tc.user, tc.obj, tc.act), func(t *testing.T) {
			require.Equal(t, tc.want, az.Allowed(user(t, st, tc.user), tc.region, tc.obj, tc.act))
		})
	}
	require.True(t, az.AllowedSomewhere(user(t, st, "applicant"), rbac.ObjCase, rbac.ActCreate))
	require.False(t, az.AllowedSomewhere(user(t, st, "auditor"), rbac.ObjTask, rbac.ActDecide))
}

// A change takes effect at once in the process that made it, and in
// another process after it refreshes (its watcher polls the version).
func TestChangesReachEveryProcess(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	log := slog.New(slog.DiscardHandler)
	here, err := rbac.New(ctx, st, log)
	require.NoError(t, err)
	there, err := rbac.New(ctx, st, log)
	require.NoError(t, err)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go there.Watch(wctx, 20*time.Millisecond)

	officer2 := user(t, st, "village_officer2")
	village := path(t, st, store.DemoVillage)
	require.False(t, here.Allowed(officer2, village, rbac.ObjTask, rbac.ActDecide))
	g, v, err := st.AddGrant(ctx, officer2, store.NewGrant{Role: "village_officer", Region: store.DemoVillage})
	require.NoError(t, err)
	require.NoError(t, here.GrantAdded(ctx, g, v))
	require.True(t, here.Allowed(officer2, village, rbac.ObjTask, rbac.ActDecide), "at once where it was made")
	require.Eventually(t, func() bool { return there.Allowed(officer2, village, rbac.ObjTask, rbac.ActDecide) },
		5*time.Second, 10*time.Millisecond, "and soon in every other process")

	_, v, err = st.RemoveGrant(ctx, g.ID)
	require.NoError(t, err)
	require.NoError(t, here.GrantRemoved(ctx, g, v))
	require.False(t, here.Allowed(officer2, village, rbac.ObjTask, rbac.ActDecide))
	require.Eventually(t, func() bool { return !there.Allowed(officer2, village, rbac.ObjTask, rbac.ActDecide) },
		5*time.Second, 10*time.Millisecond)

	p := store.Policy{Role: "auditor", Object: rbac.ObjTask, Action: rbac.ActDecide}
	v, err = st.PutPolicies(ctx, []store.Policy{p})
	require.NoError(t, err)
	require.NoError(t, here.PolicyChanged(ctx, p, true, v))
	require.True(t, here.Allowed(user(t, st, "auditor"), village, rbac.ObjTask, rbac.ActDecide))
}

func TestAncestors(t *testing.T) {
	require.Equal(t, []string{"43/", "43/4307/", "43/4307/430721/"}, rbac.Ancestors("43/4307/430721/"))
	require.Empty(t, rbac.Ancestors(""))
}
