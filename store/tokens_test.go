package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
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
	u := mustUser(t, a, "zhangsan")
	revoked := func(st *store.Store, id string) bool {
		t.Helper()
		c, err := st.Caller(ctx, u.ID, id)
		require.NoError(t, err)
		return c.Revoked
	}

	require.False(t, revoked(b, "jti-1"), "nothing is revoked on a new database")

	require.NoError(t, a.RevokeToken(ctx, "jti-1", now.Add(12*time.Hour), now))
	require.NoError(t, a.RevokeToken(ctx, "jti-1", now.Add(12*time.Hour), now), "a second sign-out of one token")
	require.NoError(t, a.RevokeToken(ctx, "jti-short", now.Add(time.Minute), now))
	for _, tc := range []struct {
		id   string
		want bool
	}{{"jti-1", true}, {"jti-short", true}, {"jti-2", false}, {"", false}} {
		require.Equal(t, tc.want, revoked(b, tc.id), "token %q", tc.id)
	}
	require.Equal(t, int64(2), countRows(t, a, "revoked_tokens", "1 = 1"))

	// An hour on, jti-short has expired by itself: the next sign-out
	// forgets it, and keeps the revocations still needed.
	later := now.Add(time.Hour)
	require.NoError(t, b.RevokeToken(ctx, "jti-3", later.Add(12*time.Hour), later))
	require.Equal(t, int64(0), countRows(t, a, "revoked_tokens", "token_id = ?", "jti-short"), "expired revocation pruned")
	for _, id := range []string{"jti-1", "jti-3"} {
		require.True(t, revoked(a, id), id)
	}
	require.Error(t, a.RevokeToken(ctx, "", now, now), "a token without an id cannot be revoked")
}

// TestCallerIsTheUserTheGrantsAndTheRevocationInOneRead: what authenticates
// a request is read in one statement and is as current as the tables: a
// grant given, a password set anew (the session epoch) or a user disabled
// through another store shows on the next read.
func TestCallerIsTheUserTheGrantsAndTheRevocationInOneRead(t *testing.T) {
	ctx := context.Background()
	dsn := newTestDSN(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	withRegions(t, a)
	official := mustUser(t, a, "lisi", store.NewGrant{Role: "village_officer", Region: store.DemoVillage},
		store.NewGrant{Role: "township_approver", Region: store.DemoTownship})
	applicant := mustUser(t, a, "wangwu")

	c, err := b.Caller(ctx, official.ID, "jti-9")
	require.NoError(t, err)
	require.False(t, c.Revoked)
	require.Equal(t, official.ID, c.User.ID)
	require.Equal(t, "lisi", c.User.Username)
	require.Equal(t, "lisi", c.User.DisplayName)
	require.False(t, c.User.Disabled)
	require.Empty(t, c.User.PasswordHash, "a request never carries the password hash")
	require.WithinDuration(t, official.CreatedAt, c.User.CreatedAt, time.Second)
	want, err := a.GrantsOf(ctx, official.ID)
	require.NoError(t, err)
	require.Len(t, want, 2)
	require.Equal(t, len(want), len(c.Grants))
	for i := range want {
		require.Equal(t, want[i].ID, c.Grants[i].ID)
		require.Equal(t, want[i].Role, c.Grants[i].Role)
		require.Equal(t, want[i].RegionCode, c.Grants[i].RegionCode)
		require.Equal(t, want[i].RegionPath, c.Grants[i].RegionPath)
		require.Equal(t, official.ID, c.Grants[i].UserID)
		require.WithinDuration(t, want[i].CreatedAt, c.Grants[i].CreatedAt, time.Second)
	}

	c, err = b.Caller(ctx, applicant.ID, "")
	require.NoError(t, err)
	require.Equal(t, "wangwu", c.User.Username)
	require.Empty(t, c.Grants, "a user without grants is still found")
	require.False(t, c.Revoked, "a token without an id was never revoked")

	_, err = b.Caller(ctx, applicant.ID+1000, "jti-9")
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, a.SetPassword(ctx, official.ID, "another secret"))
	require.NoError(t, a.SetUserDisabled(ctx, official.ID, true))
	require.NoError(t, a.RevokeToken(ctx, "jti-9", time.Now().Add(time.Hour), time.Now()))
	c, err = b.Caller(ctx, official.ID, "jti-9")
	require.NoError(t, err)
	require.True(t, c.Revoked)
	require.True(t, c.User.Disabled)
	require.Equal(t, int64(1), c.User.SessionEpoch, "a new password ends earlier sign-ins")
}
