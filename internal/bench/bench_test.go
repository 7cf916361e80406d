package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Percentiles are nearest-rank: p99 of 100 samples is the 99th smallest.
func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	l := Summarize(s)
	require.Equal(t, Latency{N: 100, P50Ms: 50, P99Ms: 99}, l)
	require.Equal(t, Latency{N: 1, P50Ms: 7, P99Ms: 7}, Summarize([]time.Duration{7 * time.Millisecond}))
	require.Equal(t, Latency{}, Summarize(nil))
}

// The inbox is measured at 10k, 100k and 1M on the way to the largest size.
func TestSteps(t *testing.T) {
	require.Equal(t, []int{10_000, 100_000, 1_000_000}, Steps(1_000_000))
	require.Equal(t, []int{2000}, Steps(2000))
	require.Equal(t, []int{10_000, 50_000}, Steps(50_000))
}

// 10,000 villages make 10 counties of 10 townships of 100 villages, each
// path below its parent's.
func TestBuildTree(t *testing.T) {
	tr := buildTree(10_000)
	require.Len(t, tr.counties, 10)
	require.Len(t, tr.townships, 100)
	require.Len(t, tr.villages, 10_000)
	seen := map[string]bool{}
	for _, v := range tr.villages {
		require.False(t, seen[v.code], "village codes are unique")
		seen[v.code] = true
		require.Equal(t, v.parent.path+v.code+"/", v.path)
		require.Equal(t, v.parent.parent.path+v.parent.code+"/", v.parent.path)
		require.Equal(t, benchCityPath+v.parent.parent.code+"/", v.parent.parent.path)
	}
}
