package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/assistflow/assistflow/migrations"
	"github.com/assistflow/assistflow/store"
)

func TestDialectOf(t *testing.T) {
	for _, tc := range []struct {
		dsn  string
		want migrations.Dialect
	}{
		{"postgres://u@db:5432/app?sslmode=disable", migrations.Postgres},
		{"postgresql://u@db/app", migrations.Postgres},
		{"host=db user=u dbname=app", migrations.Postgres},
		{"/var/lib/assistflow/app.db", migrations.SQLite},
		{"data/app.db", migrations.SQLite},
	} {
		t.Run(tc.dsn, func(t *testing.T) { require.Equal(t, tc.want, store.DialectOf(tc.dsn)) })
	}
}

func TestMigrateTwiceIsHarmless(t *testing.T) {
	st := openTestStore(t)
	require.NoError(t, st.Migrate(context.Background()))
	m, err := st.Migrator()
	require.NoError(t, err)
	cur, err := m.Current(context.Background())
	require.NoError(t, err)
	require.Equal(t, m.Latest(), cur)
}

func TestSeedDemoOnce(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)

	seeded, err := st.SeedDemo(ctx)
	require.NoError(t, err)
	require.True(t, seeded, "the first call seeds")
	users, regions := countRows(t, st, "users", "1=1"), countRows(t, st, "regions", "1=1")
	require.EqualValues(t, len(store.DemoUsers), users)
	require.EqualValues(t, len(store.DemoRegions), regions)

	seeded, err = st.SeedDemo(ctx)
	require.NoError(t, err)
	require.False(t, seeded, "the second call changes nothing")
	require.Equal(t, users, countRows(t, st, "users", "1=1"))
	require.Equal(t, regions, countRows(t, st, "regions", "1=1"))

	for _, want := range store.DemoUsers {
		t.Run(want.Username, func(t *testing.T) {
			u, err := st.UserByUsername(ctx, want.Username)
			require.NoError(t, err)
			require.Equal(t, want.DisplayName, u.DisplayName)
			require.NoError(t, bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(store.DemoPassword)))
			gs, err := st.GrantsOf(ctx, u.ID)
			require.NoError(t, err)
			require.Len(t, gs, len(want.Grants))
			for i, g := range gs {
				require.Equal(t, want.Grants[i].Role, g.Role)
				require.Equal(t, want.Grants[i].Region, g.RegionCode)
				require.Equal(t, regionPath(t, st, g.RegionCode), g.RegionPath)
				require.True(t, strings.HasPrefix(g.RegionPath, "430000/430700/"), g.RegionPath)
				require.True(t, strings.HasSuffix(g.RegionPath, g.RegionCode+"/"), g.RegionPath)
			}
		})
	}
}

// Two starts racing on one database (two goroutines on one pool, or two
// processes with their own pools) must end with exactly one set of users.
func TestSeedDemoConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		separated bool
	}{{"one pool", false}, {"two pools", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := newTestDSN(t)
			stores := []*store.Store{openStore(t, dsn)}
			if tc.separated {
				stores = append(stores, openStore(t, dsn))
			} else {
				stores = append(stores, stores[0])
			}
			var (
				wg     sync.WaitGroup
				start  = make(chan struct{})
				seeded = make([]bool, len(stores))
				errs   = make([]error, len(stores))
			)
			for i, st := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					seeded[i], errs[i] = st.SeedDemo(context.Background())
				}()
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				require.NoError(t, err)
			}
			require.ElementsMatch(t, []bool{true, false}, seeded, "exactly one call seeds")
			require.EqualValues(t, len(store.DemoUsers), countRows(t, stores[0], "users", "1=1"))
			require.EqualValues(t, len(store.DemoUsers), countRows(t, stores[0], "grants", "1=1"))
		})
	}
}

func TestPutRegions(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	withRegions(t, st) // importing the same tree twice is harmless
	require.EqualValues(t, len(store.DemoRegions), countRows(t, st, "regions", "1=1"))

	rs, err := st.Regions(ctx)
	require.NoError(t, err)
	require.Len(t, rs, len(store.DemoRegions))
	seen := map[string]bool{}
	for _, r := range rs {
		if r.ParentCode != nil {
			require.True(t, seen[*r.ParentCode], "parent %s listed before %s", *r.ParentCode, r.Code)
			require.Equal(t, regionPath(t, st, *r.ParentCode)+r.Code+"/", r.Path)
		}
		seen[r.Code] = true
	}
	require.Equal(t, "430000/430700/430721/430721100/430721100201/", regionPath(t, st, store.DemoVillage))
	require.Equal(t, []string{"430000", "430700", "430721", "430721100", "430721100201"},
		store.PathCodes(regionPath(t, st, store.DemoVillage)))

	// An existing code is left untouched, even when imported with new data.
	require.NoError(t, st.PutRegions(ctx, []store.RegionInput{{Code: store.DemoVillage, Name: "改名村",
		Level: store.LevelVillage, Parent: store.DemoTownship}}))
	r, err := st.Region(ctx, store.DemoVillage)
	require.NoError(t, err)
	require.Equal(t, "书院洲村", r.Name)

	for _, tc := range []struct {
		name string
		in   []store.RegionInput
	}{
		{"unknown parent", []store.RegionInput{{Code: "430721100299", Name: "x", Level: store.LevelVillage, Parent: "439999"}}},
		{"bad parent after a good region", []store.RegionInput{
			{Code: "430721100298", Name: "ok", Level: store.LevelVillage, Parent: store.DemoTownship},
			{Code: "430721100299", Name: "x", Level: store.LevelVillage, Parent: "439999"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, st.PutRegions(ctx, tc.in), store.ErrInvalid)
			for _, r := range tc.in {
				_, err := st.Region(ctx, r.Code)
				require.ErrorIs(t, err, store.ErrNotFound, "a failed import stores nothing (%s)", r.Code)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	withRegions(t, st)
	u := mustUser(t, st, "clerk", store.NewGrant{Role: "township_clerk", Region: store.DemoTownship})
	require.NotEqual(t, "secret", u.PasswordHash)
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("secret")))

	for _, tc := range []struct {
		name    string
		in      store.NewUser
		wantErr error
	}{
		{"duplicate username", store.NewUser{Username: "clerk", DisplayName: "x", Password: "p"}, store.ErrConflict},
		{"grant on unknown region", store.NewUser{Username: "ghost", DisplayName: "x", Password: "p",
			Grants: []store.NewGrant{{Role: "village_officer", Region: "439999999999"}}}, store.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.CreateUser(ctx, tc.in)
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
	_, err := st.UserByUsername(ctx, "ghost")
	require.ErrorIs(t, err, store.ErrNotFound, "a user whose grant failed is not stored")
	n, err := st.CountUsers(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}
