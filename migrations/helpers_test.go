package migrations

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/assistflow/assistflow/internal/pgtest"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// openTestDB opens an empty database of the dialect the environment chooses.
func openTestDB(t *testing.T) (*sql.DB, Dialect) {
	t.Helper()
	if dsn := pgtest.Database(t); dsn != "" {
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		require.NoError(t, db.PingContext(context.Background()))
		return db, Postgres
	}
	path := filepath.Join(t.TempDir(), "migrations.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.PingContext(context.Background()))
	return db, SQLite
}
