package migrations

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for PostgreSQL runs
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// postgresEnv names the variable holding an administrative PostgreSQL DSN.
// When it is set, every test gets a fresh database on that server; when it
// is not, every test gets a fresh SQLite file. Either way the tests run.
const postgresEnv = "ASSISTFLOW_TEST_POSTGRES"

// openTestDB opens an empty database of the dialect the environment chooses.
func openTestDB(t *testing.T) (*sql.DB, Dialect) {
	t.Helper()
	if admin := os.Getenv(postgresEnv); admin != "" {
		db, err := sql.Open("pgx", createTestDatabase(t, admin))
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

// createTestDatabase creates a uniquely named database on the server admin
// points at, drops it when the test ends, and returns a DSN for it.
func createTestDatabase(t *testing.T, admin string) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	name := "assistflow_test_" + hex.EncodeToString(b)

	adb, err := sql.Open("pgx", admin)
	require.NoError(t, err)
	_, err = adb.ExecContext(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err, "create test database")
	t.Cleanup(func() {
		_, err := adb.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = adb.Close()
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(t, admin, name)
}

// withDatabase points a URL or keyword/value DSN at another database.
func withDatabase(t *testing.T, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}
