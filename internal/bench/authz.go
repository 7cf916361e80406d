package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
)

// AuthzRun is the cost of one authorization decision with many grants.
type AuthzRun struct {
	Grants         int     `json:"grants"`
	LoadMs         float64 `json:"load_ms"`
	Decisions      int     `json:"decisions"`
	CachedMicros   float64 `json:"cached_us"`
	UncachedMicros float64 `json:"uncached_us"`
}

// authzRoles are the ten officials of each village.
var authzRoles = []string{"village_officer", "village_committee", "township_clerk", "township_approver",
	"county_checker", "county_approver", "auditor", "admin", "applicant", "village_officer"}

// RunAuthz loads grants (ten per village) into an enforcer over a fresh
// SQLite store and times "may this village officer decide a task in their
// village", cached (a working set of 100 officials, as an inbox page
// repeats) and uncached (every village in turn).
func RunAuthz(ctx context.Context, dir string, grants, decisions int, log *slog.Logger) (*AuthzRun, error) {
	st, err := store.Open(ctx, filepath.Join(dir, "authz.db"), log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	if _, err := st.SeedDemo(ctx); err != nil {
		return nil, err
	}
	if _, err := st.SeedPolicies(ctx, rbac.DefaultPolicies()); err != nil {
		return nil, err
	}
	t := buildTree(max(grants/len(authzRoles), 1))
	if err := seedGrants(ctx, st, t); err != nil {
		return nil, err
	}
	start := time.Now()
	az, err := rbac.New(ctx, st, log)
	if err != nil {
		return nil, err
	}
	run := &AuthzRun{Grants: len(t.villages) * len(authzRoles), LoadMs: ms(time.Since(start)), Decisions: decisions}
	for _, cached := range []bool{true, false} {
		az.SetCache(cached)
		set := len(t.villages)
		if cached {
			set = min(100, set)
		}
		start := time.Now()
		for i := range decisions {
			v := i % set
			if !az.Allowed(officer(v), t.villages[v].path, rbac.ObjTask, rbac.ActDecide) {
				return nil, fmt.Errorf("village officer of %s may not decide there", t.villages[v].code)
			}
		}
		per := float64(time.Since(start).Nanoseconds()) / float64(decisions) / 1e3
		if cached {
			run.CachedMicros = per
		} else {
			run.UncachedMicros = per
		}
	}
	return run, nil
}

// firstOfficial is the id of the first bench official, far above the demo users.
const firstOfficial = 100_000

// officer is the user id of village v's village officer.
func officer(v int) int64 { return int64(firstOfficial + v*len(authzRoles)) }

// seedGrants stores ten officials per village, each with one grant there.
func seedGrants(ctx context.Context, st *store.Store, t tree) error {
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	b := bulk{q: tx}
	if err := insertTree(ctx, b, t); err != nil {
		return err
	}
	now := time.Now().UTC()
	var users, grants [][]any
	for v, village := range t.villages {
		for k, role := range authzRoles {
			id := officer(v) + int64(k)
			users = append(users, []any{id, fmt.Sprintf("bench%d", id), "", "", now})
			grants = append(grants, []any{id, role, village.code, village.path, now})
		}
	}
	if err := b.insert(ctx, "users", []string{"id", "username", "display_name", "password_hash", "created_at"}, users); err != nil {
		return err
	}
	if err := b.insert(ctx, "grants", []string{"user_id", "role", "region_code", "region_path", "created_at"}, grants); err != nil {
		return err
	}
	return tx.Commit()
}
