package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

// The inbox bench times InboxStatements straight through database/sql to
// show what the store's layers cost; that is honest only if they are the
// very statements Inbox sends, arguments included.
func TestInboxStatementsAreWhatInboxSends(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	me := mustUser(t, st, "me")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	for i := range 3 {
		mustTask(t, st, c, taskSpec{key: fmt.Sprintf("t%d", i), region: store.DemoVillage})
	}
	for _, view := range store.Views {
		t.Run(view, func(t *testing.T) {
			q := store.InboxQuery{UserID: me.ID, Scopes: []store.Scope{scope(t, st, "village_officer", store.DemoVillage)},
				View: view, Program: "dibao", After: 1, Limit: 10, Now: inboxNow, DueSoon: 48 * time.Hour}
			recorded := store.RecordQueries(t, st)
			_, _, err := st.Inbox(ctx, q)
			require.NoError(t, err)
			var sent []store.Statement
			for _, rq := range recorded() {
				sent = append(sent, store.Statement{SQL: rq.SQL, Vars: rq.Vars})
			}
			require.NotEmpty(t, sent)
			require.Equal(t, sent, st.InboxStatements(ctx, q))
		})
	}
}

// BenchmarkInboxStatements measures building one inbox page's SQL (a user
// with two grants in one village, the "all" view): the store's share of
// every page.
func BenchmarkInboxStatements(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	defer st.Close()
	require.NoError(b, st.Migrate(ctx))
	q := store.InboxQuery{UserID: 7, View: store.ViewAll, Limit: 50, Now: inboxNow, DueSoon: 48 * time.Hour,
		Scopes: []store.Scope{{Role: "village_officer", RegionPath: "430000/430700/430721/430721100/430721100201/"},
			{Role: "village_committee", RegionPath: "430000/430700/430721/430721100/430721100201/"}}}
	b.ReportAllocs()
	for b.Loop() {
		// acting official, one per (role, region), the regions below
		if len(st.InboxStatements(ctx, q)) != 4 {
			b.Fatal("a page with two grants is four statements")
		}
	}
}
