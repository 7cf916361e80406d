package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/migrations"
	"github.com/assistflow/assistflow/store"
)

// The inbox is the page officials open all day; on SQLite its queries must
// be served by the tasks_inbox index (status, role, region_path, id), not by
// a scan of every task ever opened. The test EXPLAINs the statements the
// store really sends, recorded as it runs them.
func TestInboxQueryPlanUsesIndex(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	if st.Dialect() != migrations.SQLite {
		t.Skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans depend on statistics")
	}
	withRegions(t, st)
	me := mustUser(t, st, "me")
	c := mustCase(t, st, mustUser(t, st, "alice"), store.DemoVillage, "k")
	for i := range 30 {
		region := store.DemoVillage
		if i%2 == 1 {
			region = store.DemoVillage2
		}
		mustTask(t, st, c, taskSpec{key: fmt.Sprintf("t%02d", i), region: region})
	}
	village := []store.Scope{scope(t, st, "village_officer", store.DemoVillage)}
	twoGrants := append(village, scope(t, st, "village_committee", store.DemoVillage))

	// The store sends one query per branch of a view: the acting-official
	// branch must be served by tasks_delegate, the role/region branch by
	// tasks_inbox; "mine" may go through tasks_assignee.
	any := []string{"tasks_inbox", "tasks_delegate", "tasks_assignee"}
	for _, tc := range []struct {
		name   string
		scopes []store.Scope
		view   string
		counts bool
		accept []string // indexes a step reading tasks may use
		must   string   // an index the plan must use, if any
	}{
		{"village user, all", village, store.ViewAll, false, any, "tasks_inbox"},
		{"village user, claimable", village, store.ViewClaimable, false, any, "tasks_inbox"},
		{"village user, due soon", village, store.ViewDueSoon, false, any, "tasks_inbox"},
		{"village user, overdue", village, store.ViewOverdue, false, any, "tasks_inbox"},
		{"village user, mine", village, store.ViewMine, false, any, ""},
		{"village user, counts", village, "", true, any, ""},
		{"two grants, all", twoGrants, store.ViewAll, false, any, "tasks_inbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recorded := store.RecordQueries(t, st)
			q := store.InboxQuery{UserID: me.ID, Scopes: tc.scopes, View: tc.view, Limit: 10,
				Now: inboxNow, DueSoon: 48 * time.Hour}
			if tc.counts {
				_, err := st.InboxCounts(ctx, q)
				require.NoError(t, err)
			} else {
				_, _, err := st.Inbox(ctx, q)
				require.NoError(t, err)
			}
			queries := recorded()
			require.NotEmpty(t, queries)
			for _, rq := range queries {
				require.Contains(t, rq.SQL, "tasks")
				plan := explain(t, st, rq)
				require.Truef(t, usesIndex(plan, tc.accept),
					"a step reads tasks without a selective index %v\nSQL:  %s\nplan:\n%s", tc.accept, rq.SQL, plan)
				switch {
				case !strings.Contains(rq.SQL, "tasks.role"):
					// the acting-official branch: tasks handed to this user
					require.Containsf(t, plan, "INDEX tasks_delegate (",
						"the delegated tasks are not served by tasks_delegate\nSQL:  %s\nplan:\n%s", rq.SQL, plan)
				case tc.must != "" && !tc.counts:
					require.Containsf(t, plan, "INDEX "+tc.must+" (",
						"the role/region filter is not served by %s\nSQL:  %s\nplan:\n%s", tc.must, rq.SQL, plan)
				}
			}
		})
	}
}

// explain returns SQLite's query plan for a recorded statement, one step a line.
func explain(t *testing.T, st *store.Store, rq store.RecordedQuery) string {
	t.Helper()
	rows, err := st.SQL().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+rq.SQL, rq.Vars...)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
		fmt.Fprintf(&b, "  %s\n", detail)
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// usesIndex is true when every step reading tasks searches one of the
// accepted indexes (plain or covering) on more than the task status: a SCAN
// of tasks, a search by rowid alone, or a search on "status=?" only walks
// every open task in the database.
func usesIndex(plan string, accept []string) bool {
	touched := false
	for _, line := range strings.Split(plan, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "SCAN tasks") && !strings.HasPrefix(line, "SEARCH tasks") {
			continue
		}
		touched = true
		ok := false
		for _, idx := range accept {
			for _, use := range []string{"USING INDEX ", "USING COVERING INDEX "} {
				if strings.HasPrefix(line, "SEARCH tasks "+use+idx+" (") && !strings.HasSuffix(line, "(status=?)") {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return touched
}
