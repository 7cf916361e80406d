package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// TestOutboxKeepsFirstPayloadAndForgetsAnswered: a retried request keeps
// the payload its Update id was first sent with; an answered Update is
// gone.
func TestOutboxKeepsFirstPayloadAndForgetsAnswered(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, newTestDSN(t))
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	u := store.PendingUpdate{UpdateID: "decide/7/3", WorkflowID: "approval-1", Name: "decide",
		Payload: []byte(`{"action":"approve"}`), CreatedAt: now, NextAt: now.Add(time.Minute)}
	require.NoError(t, st.PutUpdate(ctx, u))
	again := u
	again.Payload = []byte(`{"action":"reject"}`)
	require.NoError(t, st.PutUpdate(ctx, again))

	got, ok, err := st.PendingUpdate(ctx, u.UpdateID)
	require.NoError(t, err)
	require.True(t, ok)
	require.JSONEq(t, `{"action":"approve"}`, string(got.Payload))
	require.Equal(t, now.Add(time.Minute), got.NextAt.UTC())

	require.NoError(t, st.DoneUpdate(ctx, u.UpdateID))
	_, ok, err = st.PendingUpdate(ctx, u.UpdateID)
	require.NoError(t, err)
	require.False(t, ok)
}

// TestOutboxClaimsEachDueUpdateOnce: two stores sweeping the same database
// at once (two API processes) never both take an Update; one not yet due
// stays; a claimed one comes due again only after its backoff.
func TestOutboxClaimsEachDueUpdateOnce(t *testing.T) {
	ctx := context.Background()
	dsn := newTestDSN(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 30 {
		u := store.PendingUpdate{UpdateID: "u" + string(rune('a'+i)), WorkflowID: "wf", Name: "decide",
			Payload: []byte("{}"), CreatedAt: now, NextAt: now.Add(-time.Second)}
		require.NoError(t, a.PutUpdate(ctx, u))
	}
	require.NoError(t, a.PutUpdate(ctx, store.PendingUpdate{UpdateID: "later", WorkflowID: "wf", Name: "decide",
		Payload: []byte("{}"), CreatedAt: now, NextAt: now.Add(time.Hour)}))

	backoff := func(attempts int) time.Duration { return time.Duration(attempts) * time.Minute }
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for _, st := range []*store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := st.ClaimDueUpdates(ctx, now, now, 100, backoff)
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, u := range got {
				claimed[u.UpdateID]++
				require.Equal(t, 1, u.Attempts)
				require.Equal(t, now.Add(time.Minute), u.NextAt.UTC())
			}
		}()
	}
	wg.Wait()
	require.Len(t, claimed, 30, "every due update is claimed")
	for id, n := range claimed {
		require.Equal(t, 1, n, "update %s claimed by one sweeper", id)
	}
	got, err := a.ClaimDueUpdates(ctx, now.Add(30*time.Second), now, 100, backoff)
	require.NoError(t, err)
	require.Empty(t, got, "claimed updates wait for their backoff")
	got, err = a.ClaimDueUpdates(ctx, now.Add(time.Hour), now, 100, backoff)
	require.NoError(t, err)
	require.Len(t, got, 31)
}
