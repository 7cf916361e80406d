package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assistflow/assistflow/store"
)

func TestPublishBuiltinOnce(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":"builtin"}`)))
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":"changed"}`)), "a second start is a no-op")

	row, err := st.DefinitionVersion(ctx, "dibao", 1)
	require.NoError(t, err)
	require.Equal(t, store.DefinitionPublished, row.Status)
	require.JSONEq(t, `{"v":"builtin"}`, string(row.Body))
	_, err = st.DefinitionVersion(ctx, "dibao", 2)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.EqualValues(t, 1, countRows(t, st, "definitions", "key = ?", "dibao"))
	require.EqualValues(t, 1, countRows(t, st, "definition_activations", "key = ?", "dibao"))

	active, err := st.ActiveDefinition(ctx, "dibao", regionPath(t, st, store.DemoVillage))
	require.NoError(t, err)
	require.Equal(t, 1, active.Version)
	_, err = st.ActiveDefinition(ctx, "unknown", regionPath(t, st, store.DemoVillage))
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestActivationAtCountyOverridesNational(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":1}`)))
	v, err := st.PublishDefinition(ctx, "dibao", []byte(`{"v":2}`), nil)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	require.NoError(t, st.Activate(ctx, "dibao", 2, store.DemoCounty))
	// A later start must not undo the administrator's choice.
	require.NoError(t, st.PublishBuiltin(ctx, "dibao", []byte(`{"v":"again"}`)))

	for _, tc := range []struct {
		name, region string
		want         int
	}{
		{"village in the county", store.DemoVillage, 2},
		{"township in the county", "430721101", 2},
		{"the county itself", store.DemoCounty, 2},
		{"village of the other county", "430722100201", 1},
		{"the other county", "430722", 1},
		{"the city above", "430700", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row, err := st.ActiveDefinition(ctx, "dibao", regionPath(t, st, tc.region))
			require.NoError(t, err)
			require.Equal(t, tc.want, row.Version)
			require.JSONEq(t, `{"v":`+string(rune('0'+tc.want))+`}`, string(row.Body))
		})
	}

	for _, tc := range []struct {
		name    string
		version int
		region  string
		wantErr error
	}{
		{"unknown version", 9, store.DemoCounty, store.ErrNotFound},
		{"unknown region", 2, "439999", store.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, st.Activate(ctx, "dibao", tc.version, tc.region), tc.wantErr)
		})
	}

	t.Run("activating again replaces", func(t *testing.T) {
		require.NoError(t, st.Activate(ctx, "dibao", 1, store.DemoCounty))
		row, err := st.ActiveDefinition(ctx, "dibao", regionPath(t, st, store.DemoVillage))
		require.NoError(t, err)
		require.Equal(t, 1, row.Version)
		require.EqualValues(t, 2, countRows(t, st, "definition_activations", "key = ?", "dibao"))
	})
}
