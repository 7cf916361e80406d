package process

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDurationParse(t *testing.T) {
	for _, tc := range []struct {
		in   Duration
		want time.Duration
	}{
		{"", 0},
		{"P15D", 15 * 24 * time.Hour},
		{"P1W", 7 * 24 * time.Hour},
		{"P1W2D", 9 * 24 * time.Hour},
		{"PT48H", 48 * time.Hour},
		{"PT30S", 30 * time.Second},
		{"PT1.5S", 1500 * time.Millisecond},
		{"P1DT2H30M", 26*time.Hour + 30*time.Minute},
	} {
		t.Run(string(tc.in), func(t *testing.T) {
			got, err := tc.in.Parse()
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestDurationParseRefuses(t *testing.T) {
	// Years and months vary in length; a bare "P" or "PT" says nothing; the P is mandatory.
	for _, in := range []Duration{"P1Y", "P1M", "P", "PT", "P1DT", "15D", "15", "p15d", "P-1D", "PT1,5S", " P1D"} {
		t.Run(string(in), func(t *testing.T) {
			_, err := in.Parse()
			require.Error(t, err)
		})
	}
}

func TestDurationJSONRefusesNumbers(t *testing.T) {
	var v struct{ D Duration }
	require.Error(t, json.Unmarshal([]byte(`{"D": 15}`), &v))
	require.NoError(t, json.Unmarshal([]byte(`{"D": "P15D"}`), &v))
	require.Equal(t, Duration("P15D"), v.D)
}

func TestDurationDays(t *testing.T) {
	require.InDelta(t, 15.0, durationDays("P15D"), 1e-9)
	require.InDelta(t, 9.0, durationDays("P1W2D"), 1e-9)
	require.InDelta(t, 2.0, durationDays("PT48H"), 1e-9)
	// Far beyond int64 nanoseconds, where Duration.Parse would wrap around.
	require.Greater(t, durationDays("P99999W99999D"), float64(maxSLADays))
}

func TestDurationDoesNotWrapAround(t *testing.T) {
	for _, d := range []Duration{"P15250W", "P110000D", "P100000W", "PT99999999999S"} {
		_, err := d.Parse()
		require.ErrorContains(t, err, "longer than 10 years", string(d))
	}
	v, err := Duration("P520W").Parse()
	require.NoError(t, err)
	require.Equal(t, 520*7*24*time.Hour, v)
}
