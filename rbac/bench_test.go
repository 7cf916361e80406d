package rbac_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/assistflow/assistflow/rbac"
	"github.com/stretchr/testify/require"
)

// seedScale adds a province-sized tree (10 counties × 10 townships × 100
// villages under the demo city) and 100,000 grants: one official per
// village for each of ten roles.
func seedScale(b *testing.B, db *sql.DB) (villages []string) {
	b.Helper()
	tx, err := db.Begin()
	require.NoError(b, err)
	ins := func(q string, args ...any) {
		_, err := tx.Exec(q, args...)
		require.NoError(b, err)
	}
	now := time.Now().UTC()
	user := 1000
	roles := []string{"village_officer", "village_committee", "township_clerk", "township_approver", "county_checker",
		"county_approver", "auditor", "admin", "applicant", "village_officer"}
	for c := 0; c < 10; c++ {
		county := fmt.Sprintf("43%04d", 9000+c)
		cp := "430000/430700/" + county + "/"
		ins(`INSERT INTO regions (code, name, level, parent_code, path) VALUES (?, ?, 'county', '430700', ?)`, county, county, cp)
		for t := 0; t < 10; t++ {
			town := fmt.Sprintf("%s%03d", county, 100+t)
			tp := cp + town + "/"
			ins(`INSERT INTO regions (code, name, level, parent_code, path) VALUES (?, ?, 'township', ?, ?)`, town, town, county, tp)
			for v := 0; v < 100; v++ {
				village := fmt.Sprintf("%s%03d", town, 200+v)
				vp := tp + village + "/"
				villages = append(villages, vp)
				ins(`INSERT INTO regions (code, name, level, parent_code, path) VALUES (?, ?, 'village', ?, ?)`, village, village, town, vp)
				for _, role := range roles {
					user++
					ins(`INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, '', '', ?)`,
						user, fmt.Sprintf("u%d", user), now)
					ins(`INSERT INTO grants (user_id, role, region_code, region_path, created_at) VALUES (?, ?, ?, ?, ?)`,
						user, role, village, vp, now)
				}
			}
		}
	}
	require.NoError(b, tx.Commit())
	return villages
}

// BenchmarkAllowed measures one authorization decision (a village
// official deciding a task in their village: five ancestor lookups in the
// worst case) with 100,000 grants loaded, with the decision cache and
// without it.
func BenchmarkAllowed(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	villages := seedScale(b, st.SQL())
	start := time.Now()
	az, err := rbac.New(ctx, st, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "load-ms")
	for _, cached := range []bool{true, false} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			az.SetCache(cached)
			// The cached case replays a working set of 100 officials, as an
			// inbox page does; the uncached one walks all 10,000 villages.
			set := len(villages)
			if cached {
				set = 100
			}
			i := 0
			for b.Loop() {
				v := i % set
				user := int64(1001 + v*10) // that village's village_officer
				if !az.Allowed(user, villages[v], rbac.ObjTask, rbac.ActDecide) {
					b.Fatal("a village officer may decide in their village")
				}
				i++
			}
		})
	}
}
