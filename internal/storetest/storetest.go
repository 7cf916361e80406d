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
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "app.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(ctx))
	_, err = st.SeedDemo(ctx)
	require.NoError(t, err)
	_, err = st.SeedPolicies(ctx, rbac.DefaultPolicies())
	require.NoError(t, err)
	return st
}
