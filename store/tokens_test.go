package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRevokedTokensHoldAcrossStoresAndArePruned: a token revoked through
// one store (one API process) is revoked for another on the same
// database; revoking twice is harmless; a revocation outlives nothing but
// its token.
func TestRevokedTokensHoldAcrossStoresAndArePruned(t *testing.T) {
	ctx := context.Background()
	dsn := newTestDSN(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	revoked, err := b.TokenRevoked(ctx, "jti-1")
	require.NoError(t, err)
	require.False(t, revoked, "nothing is revoked on a new database")

	require.NoError(t, a.RevokeToken(ctx, "jti-1", now.Add(12*time.Hour), now))
	require.NoError(t, a.RevokeToken(ctx, "jti-1", now.Add(12*time.Hour), now), "a second sign-out of one token")
	require.NoError(t, a.RevokeToken(ctx, "jti-short", now.Add(time.Minute), now))
	for _, tc := range []struct {
		id   string
		want bool
	}{{"jti-1", true}, {"jti-short", true}, {"jti-2", false}, {"", false}} {
		revoked, err := b.TokenRevoked(ctx, tc.id)
		require.NoError(t, err)
		require.Equal(t, tc.want, revoked, "token %q", tc.id)
	}
	require.Equal(t, int64(2), countRows(t, a, "revoked_tokens", "1 = 1"))

	// An hour on, jti-short has expired by itself: the next sign-out
	// forgets it, and keeps the revocations still needed.
	later := now.Add(time.Hour)
	require.NoError(t, b.RevokeToken(ctx, "jti-3", later.Add(12*time.Hour), later))
	require.Equal(t, int64(0), countRows(t, a, "revoked_tokens", "token_id = ?", "jti-short"), "expired revocation pruned")
	for _, id := range []string{"jti-1", "jti-3"} {
		revoked, err := a.TokenRevoked(ctx, id)
		require.NoError(t, err)
		require.True(t, revoked, id)
	}
	require.Error(t, a.RevokeToken(ctx, "", now, now), "a token without an id cannot be revoked")
}
