package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

func TestDraftLifecycle(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	by := mustUser(t, st, "maker", store.NewGrant{Role: "admin", Region: store.DemoCounty}).ID

	_, err := st.Draft(ctx, "dibao")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.ReplaceDraft(ctx, "dibao", []byte(`{"v":0}`), &by)
	require.ErrorIs(t, err, store.ErrNotFound, "replacing needs a draft")

	_, err = st.CreateDraft(ctx, "dibao", []byte(`{"v":1}`), &by)
	require.NoError(t, err)
	_, err = st.CreateDraft(ctx, "dibao", []byte(`{"v":2}`), &by)
	require.ErrorIs(t, err, store.ErrConflict, "a second create does not overwrite")
	_, err = st.ReplaceDraft(ctx, "dibao", []byte(`{"v":3}`), &by)
	require.NoError(t, err)

	d, err := st.Draft(ctx, "dibao")
	require.NoError(t, err)
	require.JSONEq(t, `{"v":3}`, string(d.Body))
	require.Equal(t, by, *d.UpdatedBy)

	// A draft is not a version: the built-in still becomes version 1.
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":"builtin"}`)))
	rows, err := st.DefinitionVersions(ctx)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, 1, rows[0].Version)
}

func TestApproveRequest(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	maker := mustUser(t, st, "maker", store.NewGrant{Role: "admin", Region: store.DemoCounty}).ID
	checker := mustUser(t, st, "checker", store.NewGrant{Role: "admin", Region: store.DemoCounty}).ID
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":1}`)))

	pub, err := st.CreateRequest(ctx, store.DefinitionRequest{Kind: store.RequestPublish, Key: "dibao",
		Body: []byte(`{"v":2}`), RequestedBy: maker})
	require.NoError(t, err)
	require.Equal(t, store.RequestPending, pub.Status)

	_, err = st.ApproveRequest(ctx, pub.ID, maker)
	require.ErrorIs(t, err, store.ErrForbidden, "the maker cannot check their own request")
	_, err = st.DefinitionVersion(ctx, "dibao", 2)
	require.ErrorIs(t, err, store.ErrNotFound, "a refused approval changes nothing")

	done, err := st.ApproveRequest(ctx, pub.ID, checker)
	require.NoError(t, err)
	require.Equal(t, 2, done.Version)
	require.Equal(t, store.RequestApproved, done.Status)
	row, err := st.DefinitionVersion(ctx, "dibao", 2)
	require.NoError(t, err)
	require.JSONEq(t, `{"v":2}`, string(row.Body))
	require.Equal(t, maker, *row.CreatedBy, "the version is the maker's work")

	_, err = st.ApproveRequest(ctx, pub.ID, checker)
	require.ErrorIs(t, err, store.ErrConflict, "a request is applied once")

	act, err := st.CreateRequest(ctx, store.DefinitionRequest{Kind: store.RequestActivate, Key: "dibao",
		Version: 2, RegionCode: store.DemoCounty, RequestedBy: maker})
	require.NoError(t, err)
	pending, err := st.PendingRequests(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{act.ID}, ids(pending, func(r store.DefinitionRequest) int64 { return r.ID }))
	_, err = st.ApproveRequest(ctx, act.ID, checker)
	require.NoError(t, err)
	active, err := st.ActiveDefinition(ctx, "dibao", regionPath(t, st, store.DemoVillage))
	require.NoError(t, err)
	require.Equal(t, 2, active.Version)

	bad, err := st.CreateRequest(ctx, store.DefinitionRequest{Kind: store.RequestActivate, Key: "dibao",
		Version: 9, RegionCode: store.DemoCounty, RequestedBy: maker})
	require.NoError(t, err)
	_, err = st.ApproveRequest(ctx, bad.ID, checker)
	require.ErrorIs(t, err, store.ErrNotFound)
	still, err := st.Request(ctx, bad.ID)
	require.NoError(t, err)
	require.Equal(t, store.RequestPending, still.Status, "a failed application leaves the request pending")
}

func TestOpenCaseCounts(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	applicant := mustUser(t, st, "applicant", store.NewGrant{Role: "applicant", Region: store.DemoVillage})
	other := mustUser(t, st, "applicant2", store.NewGrant{Role: "applicant", Region: "430722100201"})
	open := mustCase(t, st, applicant, store.DemoVillage, "a")
	done := mustCase(t, st, applicant, store.DemoVillage, "b")
	monitored := mustCase(t, st, applicant, store.DemoVillage, "c")
	mustCase(t, st, other, "430722100201", "d")
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: done.ID, Seq: 1, Status: store.StatusApproved}))
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: monitored.ID, Seq: 1, Status: store.StatusMonitoring}))
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: open.ID, Seq: 1, Status: store.StatusInNotice}))

	for _, tc := range []struct {
		name  string
		paths []string
		want  int64
	}{
		{"the county", []string{regionPath(t, st, store.DemoCounty)}, 1},
		{"the city", []string{regionPath(t, st, "430700")}, 2},
		{"the other county", []string{regionPath(t, st, "430722")}, 1},
		{"no regions", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts, err := st.OpenCaseCounts(ctx, tc.paths)
			require.NoError(t, err)
			require.Equal(t, tc.want, counts[store.DefinitionRef{Key: "dibao", Version: 1}])
		})
	}
}
