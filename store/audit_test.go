package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

const county = "430000/430700/430721/"

// appendN appends n events to the demo county's chain.
func appendN(t *testing.T, st *store.Store, prefix string, n int) {
	t.Helper()
	actor := int64(7)
	for i := range n {
		require.NoError(t, st.Audit(context.Background(), store.AuditEvent{
			EventKey: fmt.Sprintf("%s/%d", prefix, i), ActorID: &actor, Action: "task.decide",
			Object: fmt.Sprintf("task/%d", i), RegionPath: county + "430721100/",
			Detail: store.JSON(`{"b":1,"a":"x"}`)}))
	}
}

func verifyOK(t *testing.T, st *store.Store) store.AuditReport {
	t.Helper()
	rep, err := st.VerifyAudit(context.Background())
	require.NoError(t, err)
	require.Nil(t, rep.Broken)
	return rep
}

func TestAuditChainsPerCountyAndIgnoresReappends(t *testing.T) {
	st := openTestStore(t)
	appendN(t, st, "k", 5)
	appendN(t, st, "k", 5) // a retry of every append
	require.NoError(t, st.Audit(context.Background(), store.AuditEvent{EventKey: "national", Action: "policy.add", Object: "policy"}))

	rep := verifyOK(t, st)
	require.Len(t, rep.Chains, 2)
	byChain := map[string]int64{}
	for _, c := range rep.Chains {
		byChain[c.Chain] = c.Events
	}
	require.Equal(t, map[string]int64{"": 1, county: 5}, byChain)
	require.EqualValues(t, 6, countRows(t, st, "audit_events", "1 = 1"))
}

func TestAuditConcurrentAppendsKeepOneChain(t *testing.T) {
	st := openTestStore(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { appendN(t, st, fmt.Sprintf("g%d", g), 10) })
	}
	wg.Wait()
	rep := verifyOK(t, st)
	require.Len(t, rep.Chains, 1)
	require.EqualValues(t, 80, rep.Chains[0].Events)
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name, stmt string
		args       []any
		seq        int64
		reason     string
	}{
		{"detail edited", "UPDATE audit_events SET detail = ? WHERE seq = 3", []any{`{"a":"y","b":1}`}, 3, "event altered"},
		{"time edited", "UPDATE audit_events SET at = ? WHERE seq = 2", []any{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, 2, "event altered"},
		{"actor edited", "UPDATE audit_events SET actor_id = 99 WHERE seq = 4", nil, 4, "event altered"},
		{"event deleted", "DELETE FROM audit_events WHERE seq = 2", nil, 3, "missing event"},
		{"last event deleted", "DELETE FROM audit_events WHERE seq = 5", nil, 5, "head does not match last event"},
		{"head deleted", "DELETE FROM audit_heads", nil, 1, "chain head deleted"},
		{"hash rewritten", "UPDATE audit_events SET hash = 'ab' WHERE seq = 1", nil, 1, "event altered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTestStore(t)
			appendN(t, st, "k", 5)
			verifyOK(t, st)
			execSQL(t, st, tc.stmt, tc.args...)
			rep, err := st.VerifyAudit(context.Background())
			require.NoError(t, err)
			require.NotNil(t, rep.Broken)
			require.Equal(t, county, rep.Broken.Chain)
			require.Equal(t, tc.seq, rep.Broken.Seq)
			require.Equal(t, tc.reason, rep.Broken.Reason)
		})
	}
}

func TestAuditTakesTheRegionOfItsCase(t *testing.T) {
	st := openTestStore(t)
	require.NoError(t, st.Audit(context.Background(), store.AuditEvent{EventKey: "x", Action: "case.reveal", Object: "case/12345"}))
	rep := verifyOK(t, st)
	require.Equal(t, "", rep.Chains[0].Chain, "an unknown case has no region")
	require.Equal(t, "430000/430700/430721/", store.ChainOf("430000/430700/430721/430721100/430721100201/"))
	require.Equal(t, "430000/", store.ChainOf("430000/"))
}

// TestAuditChainsEventsWrittenBeforeTheChain: rows stored before migration
// 00007 (seq 0) are linked, in id order, the next time the store migrates.
func TestAuditChainsEventsWrittenBeforeTheChain(t *testing.T) {
	st := openTestStore(t)
	appendN(t, st, "new", 2)
	for i := range 3 {
		execSQL(t, st, "INSERT INTO audit_events (event_key, at, action, object, region_path, detail) VALUES (?, ?, 'user.create', 'user/1', '', '{}')",
			fmt.Sprintf("old/%d", i), time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
	}
	rep, err := st.VerifyAudit(context.Background())
	require.NoError(t, err)
	require.Equal(t, "event outside any chain", rep.Broken.Reason)

	require.NoError(t, st.Migrate(context.Background()))
	rep = verifyOK(t, st)
	require.Len(t, rep.Chains, 2)
	require.EqualValues(t, 0, countRows(t, st, "audit_events", "seq = 0"))
}
