package store_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHitCountsAcrossStores: two stores on one database stand for two API
// processes; concurrent hits on both are each counted exactly once.
func TestHitCountsAcrossStores(t *testing.T) {
	dsn := newTestDSN(t)
	a, b := openStore(t, dsn), openStore(t, dsn)
	now := time.Date(2026, 3, 2, 9, 0, 30, 0, time.UTC)
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := a
			if i%2 == 1 {
				st = b
			}
			n, reset, err := st.Hit(context.Background(), "login|10.0.0.1|alice", time.Minute, now)
			if !assert.NoError(t, err) {
				return
			}
			assert.Equal(t, time.Date(2026, 3, 2, 9, 1, 0, 0, time.UTC), reset.UTC())
			mu.Lock()
			seen = append(seen, n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Ints(seen)
	want := make([]int, 40)
	for i := range want {
		want[i] = i + 1
	}
	require.Equal(t, want, seen, "every hit counted once, in some order")
}

// TestHitWindowsAndBuckets: a new window starts from one, buckets are
// apart, and windows two or more back are pruned.
func TestHitWindowsAndBuckets(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		bucket string
		at     time.Time
		want   int
	}{
		{"first", "x", t0, 1},
		{"same window", "x", t0.Add(59 * time.Second), 2},
		{"other bucket", "y", t0.Add(10 * time.Second), 1},
		{"next window", "x", t0.Add(time.Minute), 1},
		{"three windows on", "x", t0.Add(3 * time.Minute), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _, err := st.Hit(ctx, tc.bucket, time.Minute, tc.at)
			require.NoError(t, err)
			require.Equal(t, tc.want, n)
		})
	}
	require.Equal(t, int64(1), countRows(t, st, "rate_limits", "1 = 1"), "old windows pruned")
	_, _, err := st.Hit(ctx, "x", time.Millisecond, t0)
	require.Error(t, err)
}
