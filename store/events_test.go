package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

// Activities are retried; every writer they use must store a record once
// per key, however often it is called.
func TestWritersAreIdempotentPerKey(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	c := mustCase(t, st, alice, store.DemoVillage, "k")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	notice, err := st.OpenNotice(ctx, "n", c.ID, "notice", store.DemoVillage, at, at.Add(7*24*time.Hour))
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		write func(key string) error
		count func() int
	}{
		{"notification", func(key string) error {
			return st.Notify(ctx, store.Notification{NotificationKey: key, UserID: &alice.ID, CaseID: &c.ID,
				Kind: "decided", Message: "您的申请已审批"})
		}, func() int {
			ns, err := st.NotificationsOfCase(ctx, c.ID)
			require.NoError(t, err)
			return len(ns)
		}},
		{"audit event", func(key string) error {
			return st.Audit(ctx, store.AuditEvent{EventKey: key, ActorID: &alice.ID, Action: "case.submit",
				Object: "case/1", Detail: store.JSON(`{"channel":"online"}`)})
		}, func() int { return int(countRows(t, st, "audit_events", "object = ?", "case/1")) }},
		{"case event", func(key string) error {
			return st.AppendEvent(ctx, store.CaseEvent{EventKey: key, CaseID: c.ID, At: at, Stage: "submit",
				Action: "submitted", ActorID: &alice.ID, ActorRole: "applicant"})
		}, func() int {
			es, err := st.Timeline(ctx, c.ID)
			require.NoError(t, err)
			return len(es)
		}},
		{"data check report", func(key string) error {
			return st.SaveDataCheckReport(ctx, store.DataCheckReport{ReportKey: key, CaseID: c.ID, Stage: "check",
				Report: store.JSON(`{"ok":true}`)})
		}, func() int {
			rs, err := st.DataCheckReports(ctx, c.ID)
			require.NoError(t, err)
			return len(rs)
		}},
		{"objection", func(key string) error {
			_, err := st.FileObjection(ctx, store.Objection{ObjectionKey: key, CaseID: c.ID, NoticeID: notice.ID,
				FiledBy: alice.ID, Reason: "收入不实"})
			return err
		}, func() int { return int(countRows(t, st, "objections", "case_id = ?", c.ID)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.write("k1"))
			require.NoError(t, tc.write("k1"), "a retry is not an error")
			require.Equal(t, 1, tc.count(), "a retry stores nothing new")
			require.NoError(t, tc.write("k2"))
			require.Equal(t, 2, tc.count(), "another key is another record")
		})
	}
}

func TestTimelineKeepsWhatWasAppended(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	alice := mustUser(t, st, "alice")
	c := mustCase(t, st, alice, store.DemoVillage, "k")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	require.NoError(t, st.AppendEvent(ctx, store.CaseEvent{EventKey: "second", CaseID: c.ID, At: at.Add(time.Hour),
		Action: "approve", ActorID: &alice.ID, ActorRole: "village_officer", ReasonCode: "R1", Comment: "ok"}))
	require.NoError(t, st.AppendEvent(ctx, store.CaseEvent{EventKey: "first", CaseID: c.ID, At: at, Action: "submitted"}))
	// A retry with other content keeps the first record.
	require.NoError(t, st.AppendEvent(ctx, store.CaseEvent{EventKey: "first", CaseID: c.ID, At: at, Action: "changed"}))

	es, err := st.Timeline(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, es, 2)
	require.Equal(t, "submitted", es[0].Action, "ordered by time, not by insertion")
	require.True(t, at.Equal(es[0].At))
	require.Nil(t, es[0].ActorID)
	require.Equal(t, "approve", es[1].Action)
	require.Equal(t, "R1", es[1].ReasonCode)
	require.Equal(t, "village_officer", es[1].ActorRole)
	require.NotNil(t, es[1].ActorID)
	require.Equal(t, alice.ID, *es[1].ActorID)
}
