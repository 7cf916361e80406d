package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

func TestCreateCaseIdempotentPerSubmitter(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice, bob := mustUser(t, st, "alice"), mustUser(t, st, "bob")
	first := mustCase(t, st, alice, store.DemoVillage, "k1")
	require.Equal(t, regionPath(t, st, store.DemoVillage), first.RegionPath)
	require.Equal(t, store.StatusInReview, first.Status)

	submit := func(by store.User, key, region string) (store.Case, bool, error) {
		return st.CreateCase(ctx, store.NewCase{Program: "dibao", RegionCode: region, Channel: "online",
			ApplicantID: by.ID, SubmittedBy: by.ID, IdempotencyKey: key, DefinitionKey: "dibao",
			DefinitionVersion: 1, HeadName: "x", HouseholdSize: 1, Household: testHousehold})
	}
	for _, tc := range []struct {
		name        string
		by          store.User
		key, region string
		wantCreated bool
		wantSame    bool
		wantErr     error
	}{
		{"same submitter, same key", alice, "k1", store.DemoVillage, false, true, nil},
		{"same submitter, same key, other region", alice, "k1", store.DemoVillage2, false, true, nil},
		{"other submitter, same key", bob, "k1", store.DemoVillage, true, false, nil},
		{"same submitter, new key", alice, "k2", store.DemoVillage, true, false, nil},
		{"unknown region", alice, "k3", "439999999999", false, false, store.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, created, err := submit(tc.by, tc.key, tc.region)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantCreated, created)
			require.Equal(t, tc.wantSame, c.ID == first.ID, "case %d vs first %d", c.ID, first.ID)
			require.Equal(t, tc.by.ID, c.SubmittedBy)
		})
	}
	require.EqualValues(t, 3, countRows(t, st, "cases", "1=1"))

	got, err := st.Case(ctx, first.ID)
	require.NoError(t, err)
	var hh map[string]any
	require.NoError(t, json.Unmarshal(got.Household, &hh))
	require.Equal(t, "13912345678", hh["phone"], "the household round-trips")
	_, err = st.Case(ctx, 999999)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestProjectNeverMovesBackwards(t *testing.T) {
	ctx := context.Background()
	due := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	proj := func(seq int64, status string) store.Projection {
		return store.Projection{Seq: seq, Status: status, ExpectedDecisionAt: &due,
			CurrentStages: []store.CurrentStage{{ID: status + "_stage", Name: status, Role: "village_officer"}}}
	}
	for _, tc := range []struct {
		name string
		seq  []store.Projection
		want store.Projection
	}{
		{"in order", []store.Projection{proj(1, store.StatusInReview), proj(2, store.StatusInNotice)}, proj(2, store.StatusInNotice)},
		{"lower after higher", []store.Projection{proj(2, store.StatusInNotice), proj(1, store.StatusInReview)}, proj(2, store.StatusInNotice)},
		{"equal after", []store.Projection{proj(2, store.StatusInNotice), proj(2, store.StatusRejected)}, proj(2, store.StatusInNotice)},
		{"retry of the same", []store.Projection{proj(3, store.StatusApproved), proj(3, store.StatusApproved)}, proj(3, store.StatusApproved)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTestStore(t)
			withRegions(t, st)
			c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
			for _, p := range tc.seq {
				p.CaseID = c.ID
				require.NoError(t, st.Project(ctx, p))
			}
			got, err := st.Case(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, tc.want.Status, got.Status)
			require.Equal(t, tc.want.Seq, got.ProjectionSeq)
			require.Equal(t, tc.want.CurrentStages[0].ID, got.Stages()[0].ID)
			require.NotNil(t, got.ExpectedDecisionAt)
			require.True(t, due.Equal(*got.ExpectedDecisionAt), "%v", got.ExpectedDecisionAt)
		})
	}
}

func TestCasesList(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice, bob, carol := mustUser(t, st, "alice"), mustUser(t, st, "bob"), mustUser(t, st, "carol")
	a1 := mustCase(t, st, alice, store.DemoVillage, "a1")
	a2 := mustCaseOf(t, st, alice, store.DemoVillage, "a2", "monitoring")
	a3 := mustCase(t, st, alice, store.DemoVillage, "a3")
	b1 := mustCase(t, st, bob, store.DemoVillage2, "b1")
	b2 := mustCaseOf(t, st, bob, store.DemoVillage2, "b2", "monitoring")
	c1 := mustCase(t, st, carol, "430722100201", "c1") // another county
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: a3.ID, Seq: 1, Status: store.StatusApproved}))
	require.NoError(t, st.Project(ctx, store.Projection{CaseID: b1.ID, Seq: 1, Status: store.StatusInNotice,
		CurrentStages: []store.CurrentStage{{ID: "notice", Name: "公示"}}}))

	village, township, county := regionPath(t, st, store.DemoVillage), regionPath(t, st, store.DemoTownship), regionPath(t, st, store.DemoCounty)
	for _, tc := range []struct {
		name string
		q    store.CaseQuery
		want []store.Case // newest first
	}{
		{"applicant sees own only", store.CaseQuery{ApplicantID: alice.ID}, []store.Case{a3, a2, a1}},
		{"another applicant", store.CaseQuery{ApplicantID: carol.ID}, []store.Case{c1}},
		{"village official", store.CaseQuery{RegionPaths: []string{village}}, []store.Case{a3, a2, a1}},
		{"township official", store.CaseQuery{RegionPaths: []string{township}}, []store.Case{b2, b1, a3, a2, a1}},
		{"county official", store.CaseQuery{RegionPaths: []string{county}}, []store.Case{b2, b1, a3, a2, a1}},
		{"official who applied elsewhere", store.CaseQuery{ApplicantID: carol.ID, RegionPaths: []string{village}}, []store.Case{c1, a3, a2, a1}},
		{"no scope sees nothing", store.CaseQuery{}, nil},
		{"status filter", store.CaseQuery{RegionPaths: []string{county}, Status: store.StatusInReview}, []store.Case{b2, a2, a1}},
		{"program filter", store.CaseQuery{RegionPaths: []string{county}, Program: "monitoring"}, []store.Case{b2, a2}},
		{"region filter", store.CaseQuery{RegionPaths: []string{county}, RegionPath: regionPath(t, st, store.DemoVillage2)}, []store.Case{b2, b1}},
		{"region filter outside scope", store.CaseQuery{RegionPaths: []string{village}, RegionPath: regionPath(t, st, "430722")}, nil},
		{"stage filter", store.CaseQuery{RegionPaths: []string{county}, Stage: "notice"}, []store.Case{b1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Limit = 50
			got, next, err := st.Cases(ctx, tc.q)
			require.NoError(t, err)
			require.Equal(t, ids(tc.want, caseID), ids(got, caseID))
			require.Zero(t, next)
		})
	}

	t.Run("paging", func(t *testing.T) {
		var seen []int64
		var sizes []int
		q := store.CaseQuery{RegionPaths: []string{county}, Limit: 2}
		for page := 0; page < 10; page++ {
			got, next, err := st.Cases(ctx, q)
			require.NoError(t, err)
			sizes = append(sizes, len(got))
			seen = append(seen, ids(got, caseID)...)
			if next == 0 {
				break
			}
			q.After = next
		}
		require.Equal(t, []int{2, 2, 1}, sizes)
		require.Equal(t, ids([]store.Case{b2, b1, a3, a2, a1}, caseID), seen)
	})
}

func TestBoard(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	from, to := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	open := func(key, region string) store.Notice {
		c := mustCase(t, st, alice, region, key)
		n, err := st.OpenNotice(ctx, "notice/"+key, c.ID, "notice", region, from, to)
		require.NoError(t, err)
		again, err := st.OpenNotice(ctx, "notice/"+key, c.ID, "notice", region, from, to)
		require.NoError(t, err)
		require.Equal(t, n.ID, again.ID, "opening a notice is idempotent per key")
		return n
	}
	v1, v2, other := open("v1", store.DemoVillage), open("v2", store.DemoVillage2), open("o", "430722100201")
	closed := open("closed", store.DemoVillage)
	require.NoError(t, st.EndNotice(ctx, closed.ID, store.NoticeClosed))
	_, err := st.OpenNotice(ctx, "notice/bad", v1.CaseID, "notice", "439999999999", from, to)
	require.ErrorIs(t, err, store.ErrInvalid)

	for _, tc := range []struct {
		name, region string
		want         []store.Notice // newest first
	}{
		{"village", store.DemoVillage, []store.Notice{v1}},
		{"neighbour village", store.DemoVillage2, []store.Notice{v2}},
		{"township", store.DemoTownship, []store.Notice{v2, v1}},
		{"other county", "430722", []store.Notice{other}},
		{"city", "430700", []store.Notice{other, v2, v1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Board(ctx, regionPath(t, st, tc.region), 50)
			require.NoError(t, err)
			require.Equal(t, ids(tc.want, func(n store.Notice) int64 { return n.ID }),
				ids(got, func(e store.BoardEntry) int64 { return e.NoticeID }))
			for _, e := range got {
				require.Equal(t, "王建国", e.HeadName)
				require.Equal(t, "第三村民小组", e.Group, "the notice names the village group")
				require.NotEmpty(t, e.RegionName)
				require.True(t, from.Equal(e.StartsAt) && to.Equal(e.EndsAt), "%v %v", e.StartsAt, e.EndsAt)
			}
			body, err := json.Marshal(got)
			require.NoError(t, err)
			for _, secret := range []string{"430721198001011234", "13912345678", "6222020200112233445",
				"id_number", "phone", "bank"} {
				require.NotContains(t, string(body), secret, "a public notice shows no personal data")
			}
		})
	}
}

// A reused Idempotency-Key with another body is refused; with the same
// body it answers the first case.
func TestIdempotencyKeyReusedForAnotherSubmission(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	in := store.NewCase{Program: "dibao", RegionCode: store.DemoVillage, Channel: "self_report", ApplicantID: alice.ID,
		SubmittedBy: alice.ID, IdempotencyKey: "k1", RequestHash: "aaa", DefinitionKey: "dibao", DefinitionVersion: 1,
		HeadName: "王建国", HouseholdSize: 1, Household: testHousehold}
	first, created, err := st.CreateCase(ctx, in)
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := st.CreateCase(ctx, in)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, first.ID, again.ID)
	in.RequestHash = "bbb"
	_, _, err = st.CreateCase(ctx, in)
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorContains(t, err, "used for a different submission")
}
