// Package storetest opens the application database tests run against: a
// fresh SQLite file, migrated, with the demo regions, users and default
// policies. Only tests import it.
package storetest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// Demo returns a seeded store that is closed when the test ends.
func Demo(t testing.TB) *store.Store {
	t.Helper()
	return DemoAt(t, filepath.Join(t.TempDir(), "app.db"))
}

// DemoAt opens a seeded store on the database dsn; a second call on the
// same dsn gives a second store on the same data, as a second process has.
func DemoAt(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	_, err = st.SeedDemo(ctx)
	require.NoError(t, err)
	_, err = st.SeedPolicies(ctx, rbac.DefaultPolicies())
	require.NoError(t, err)
	return st
}
