package migrations

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// embeddedVersions reads the versions of one dialect straight from the
// embedded files, independently of goose.
func embeddedVersions(t *testing.T, d Dialect) []int64 {
	t.Helper()
	names, err := fs.Glob(files, string(d)+"/*.sql")
	require.NoError(t, err)
	var out []int64
	for _, n := range names {
		base := strings.TrimPrefix(n, string(d)+"/")
		prefix, _, ok := strings.Cut(base, "_")
		require.True(t, ok, "migration %s has no version prefix", n)
		v, err := strconv.ParseInt(prefix, 10, 64)
		require.NoError(t, err, "migration %s", n)
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func newMigrator(t *testing.T) (*Migrator, Dialect, func(string, ...any)) {
	t.Helper()
	db, d := openTestDB(t)
	m, err := New(db, d)
	require.NoError(t, err)
	exec := func(q string, args ...any) {
		t.Helper()
		_, err := db.ExecContext(context.Background(), q, args...)
		require.NoError(t, err, q)
	}
	return m, d, exec
}

func TestDialectsHaveTheSameVersions(t *testing.T) {
	lite, pg := embeddedVersions(t, SQLite), embeddedVersions(t, Postgres)
	require.NotEmpty(t, lite)
	require.Equal(t, lite, pg)
}

var createTable = regexp.MustCompile(`(?i)CREATE\s+(?:UNIQUE\s+)?(TABLE|INDEX)\s+(\w+)`)

// Both dialects must create the same tables and indexes in each version, or
// the store's queries (and the inbox index the planner relies on) diverge.
func TestDialectsCreateTheSameObjects(t *testing.T) {
	names, err := fs.Glob(files, string(SQLite)+"/*.sql")
	require.NoError(t, err)
	for _, n := range names {
		base := strings.TrimPrefix(n, string(SQLite)+"/")
		t.Run(base, func(t *testing.T) {
			objects := map[Dialect][]string{}
			for _, d := range []Dialect{SQLite, Postgres} {
				body, err := fs.ReadFile(files, string(d)+"/"+base)
				require.NoError(t, err, "%s is missing in %s", base, d)
				require.Contains(t, string(body), "-- +goose Up")
				require.Contains(t, string(body), "-- +goose Down")
				for _, m := range createTable.FindAllStringSubmatch(string(body), -1) {
					objects[d] = append(objects[d], strings.ToLower(m[1]+" "+m[2]))
				}
			}
			require.Equal(t, objects[SQLite], objects[Postgres])
		})
	}
}

func TestNewRejectsUnknownDialect(t *testing.T) {
	_, err := New(nil, Dialect("mysql"))
	require.ErrorContains(t, err, "unknown dialect")
}

func TestUpDownUp(t *testing.T) {
	ctx := context.Background()
	m, d, _ := newMigrator(t)
	all := embeddedVersions(t, d)
	require.Equal(t, all[len(all)-1], m.Latest())

	cur, err := m.Current(ctx)
	require.NoError(t, err)
	require.Zero(t, cur, "an empty database is at version 0")

	applied, err := m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, all, applied, "up on an empty database applies every version")
	requireStatus(t, m, all, len(all))

	again, err := m.Up(ctx)
	require.NoError(t, err)
	require.Empty(t, again, "a second up has nothing to do")

	down, err := m.Down(ctx)
	require.NoError(t, err)
	require.Equal(t, m.Latest(), down)
	requireStatus(t, m, all, len(all)-1)

	reapplied, err := m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{m.Latest()}, reapplied)
	requireStatus(t, m, all, len(all))
}

// Every Down script must run, in order, back to an empty schema, and the
// schema must then build again: a broken Down only shows up when used.
func TestDownToZeroAndUpAgain(t *testing.T) {
	ctx := context.Background()
	m, d, _ := newMigrator(t)
	all := embeddedVersions(t, d)
	_, err := m.Up(ctx)
	require.NoError(t, err)
	for i := len(all) - 1; i >= 0; i-- {
		v, err := m.Down(ctx)
		require.NoError(t, err, "down from version %d", all[i])
		require.Equal(t, all[i], v)
		requireStatus(t, m, all, i)
	}
	applied, err := m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, all, applied)
}

// requireStatus checks that exactly the first n versions are applied.
func requireStatus(t *testing.T, m *Migrator, all []int64, n int) {
	t.Helper()
	ctx := context.Background()
	st, err := m.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st, len(all))
	for i, s := range st {
		require.Equal(t, all[i], s.Version)
		require.NotEmpty(t, s.Name)
		require.Equal(t, i < n, s.Applied, "version %d applied", s.Version)
	}
	cur, err := m.Current(ctx)
	require.NoError(t, err)
	want := int64(0)
	if n > 0 {
		want = all[n-1]
	}
	require.Equal(t, want, cur)
}

func TestSchemaTooNewIsRefused(t *testing.T) {
	ctx := context.Background()
	const future = int64(99999)
	for _, tc := range []struct {
		name string
		run  func(m *Migrator) error
	}{
		{"check", func(m *Migrator) error { return m.Check(ctx) }},
		{"up", func(m *Migrator) error { _, err := m.Up(ctx); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, exec := newMigrator(t)
			_, err := m.Up(ctx)
			require.NoError(t, err)
			require.NoError(t, m.Check(ctx), "a database at the latest version passes")

			exec(fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)", future))
			err = tc.run(m)
			require.ErrorIs(t, err, ErrSchemaTooNew)
			require.Regexp(t, `\b`+strconv.FormatInt(future, 10)+`\b`, err.Error(), "names the database's version")
			require.Regexp(t, `\b`+strconv.FormatInt(m.Latest(), 10)+`\b`, err.Error(), "names the binary's version")

			cur, err := m.Current(ctx)
			require.NoError(t, err)
			require.Equal(t, future, cur, "a refused migration leaves the version alone")
		})
	}
}
