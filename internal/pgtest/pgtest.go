// Package pgtest gives a test a fresh PostgreSQL database when
// ASSISTFLOW_TEST_POSTGRES names a server, so the same store and migration
// tests run on SQLite by default and on PostgreSQL in CI. Only tests
// import it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/stretchr/testify/require"
)

// Env names the variable holding an administrative PostgreSQL DSN, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const Env = "ASSISTFLOW_TEST_POSTGRES"

// Database creates a uniquely named database on the server of Env, drops
// it when the test ends, and returns its DSN; "" when Env is not set.
func Database(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(Env)
	if admin == "" {
		return ""
	}
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
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		require.NoError(t, err)
		u.Path = "/" + name
		return u.String()
	}
	return admin + " dbname=" + name
}
