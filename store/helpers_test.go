package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver used to create test databases
	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/internal/pgtest"
	"github.com/assistflow/assistflow/migrations"
	"github.com/assistflow/assistflow/store"
)

// openTestStore opens a migrated store on a fresh, empty database.
func openTestStore(t *testing.T) *store.Store {
	t.Helper()
	return openStore(t, newTestDSN(t))
}

// newTestDSN creates a fresh database and returns its DSN without opening a
// store on it, for tests that need two stores on one database.
func newTestDSN(t *testing.T) string {
	t.Helper()
	if dsn := pgtest.Database(t); dsn != "" {
		return dsn
	}
	return filepath.Join(t.TempDir(), "assistflow.db")
}

// openStore opens and migrates a store on dsn and closes it when the test
// ends (before the database itself is dropped: cleanups run last-in first).
func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	return st
}

// execSQL runs a statement written with ? placeholders on either dialect.
func execSQL(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	_, err := st.SQL().ExecContext(context.Background(), rebind(st, q), args...)
	require.NoError(t, err, q)
}

// countRows counts rows of a table matching a condition with ? placeholders.
func countRows(t *testing.T, st *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := rebind(st, "SELECT COUNT(*) FROM "+table+" WHERE "+where)
	require.NoError(t, st.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n), q)
	return n
}

func rebind(st *store.Store, q string) string {
	if st.Dialect() != migrations.Postgres {
		return q
	}
	return store.NumberParams(q)
}

// withRegions loads the demo region tree.
func withRegions(t *testing.T, st *store.Store) {
	t.Helper()
	require.NoError(t, st.PutRegions(context.Background(), store.DemoRegions))
}

func regionPath(t *testing.T, st *store.Store, code string) string {
	t.Helper()
	r, err := st.Region(context.Background(), code)
	require.NoError(t, err)
	return r.Path
}

func mustUser(t *testing.T, st *store.Store, username string, grants ...store.NewGrant) store.User {
	t.Helper()
	u, err := st.CreateUser(context.Background(), store.NewUser{Username: username, DisplayName: username,
		Password: "secret", Grants: grants})
	require.NoError(t, err)
	return u
}

// testHousehold carries the personal data a public notice must never show.
var testHousehold = map[string]any{
	"head_name": "王建国", "phone": "13912345678", "bank_account": "6222020200112233445", "group": "第三村民小组",
	"members": []map[string]any{{"name": "王建国", "id_number": "430721198001011234", "relation": "self"}},
}

func mustCase(t *testing.T, st *store.Store, applicant store.User, region, key string) store.Case {
	t.Helper()
	return mustCaseOf(t, st, applicant, region, key, "dibao")
}

func mustCaseOf(t *testing.T, st *store.Store, applicant store.User, region, key, program string) store.Case {
	t.Helper()
	c, created, err := st.CreateCase(context.Background(), store.NewCase{Program: program, RegionCode: region,
		Channel: "online", ApplicantID: applicant.ID, SubmittedBy: applicant.ID, IdempotencyKey: key,
		DefinitionKey: program, DefinitionVersion: 1, HeadName: "王建国", HouseholdSize: 1, Household: testHousehold})
	require.NoError(t, err)
	require.True(t, created)
	return c
}

// taskSpec is a task to open in a test; zero fields get defaults.
type taskSpec struct {
	key, stage, role, region string
	due                      *time.Time
}

func mustTask(t *testing.T, st *store.Store, c store.Case, s taskSpec) store.Task {
	t.Helper()
	if s.stage == "" {
		s.stage = "village_review"
	}
	if s.role == "" {
		s.role = "village_officer"
	}
	if s.region == "" {
		s.region = store.DemoVillage
	}
	tk, err := st.OpenTask(context.Background(), store.NewTask{Key: s.key, WorkflowID: fmt.Sprintf("case-%d", c.ID),
		Stage: s.stage, StageName: s.stage, Kind: "review", Role: s.role, RegionCode: s.region,
		CaseID: c.ID, Actions: []string{"approve", "reject"}, DueAt: s.due})
	require.NoError(t, err)
	return tk
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func taskID(t store.Task) int64 { return t.ID }
func caseID(c store.Case) int64 { return c.ID }
