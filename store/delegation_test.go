package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

// UsersOver finds the holders of grants at a region and above it, once
// each, and nobody below it, beside it or disabled.
func TestUsersOver(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	village := mustUser(t, st, "village", store.NewGrant{Role: "village_officer", Region: store.DemoVillage})
	county := mustUser(t, st, "county", store.NewGrant{Role: "county_approver", Region: store.DemoCounty},
		store.NewGrant{Role: "auditor", Region: store.DemoTownship})
	mustUser(t, st, "neighbour", store.NewGrant{Role: "village_officer", Region: store.DemoVillage2})
	gone := mustUser(t, st, "gone", store.NewGrant{Role: "township_clerk", Region: store.DemoTownship})
	require.NoError(t, st.SetUserDisabled(ctx, gone.ID, true))
	mustUser(t, st, "nobody")

	names := func(path string) []string {
		us, err := st.UsersOver(ctx, path)
		require.NoError(t, err)
		var out []string
		for _, u := range us {
			out = append(out, u.Username)
		}
		return out
	}
	require.Equal(t, []string{village.Username, county.Username}, names(regionPath(t, st, store.DemoVillage)))
	require.Equal(t, []string{county.Username}, names(regionPath(t, st, store.DemoTownship)))
	require.Empty(t, names(regionPath(t, st, "430722")))
}
