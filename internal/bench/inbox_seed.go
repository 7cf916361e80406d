package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/assistflow/assistflow/store"
)

// inboxSeed fills the tasks table of a store in steps.
type inboxSeed struct {
	st    *store.Store
	pg    bool
	tree  tree
	cases []int64 // one case per village, same index
	have  int     // tasks stored so far
}

// roleLevels is who reviews a task, and at which level of its village's
// chain the task sits: a third each, as the three-review chain opens them.
var roleLevels = []struct{ role, stage string }{
	{"village_officer", "village_review"}, {"township_approver", "township_review"}, {"county_approver", "county_review"},
}

// prepare stores the region tree and one case per village.
func (s *inboxSeed) prepare(ctx context.Context) error {
	applicant, err := s.st.UserByUsername(ctx, "applicant")
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return s.inTx(ctx, func(b bulk) error {
		if err := insertTree(ctx, b, s.tree); err != nil {
			return err
		}
		var rows [][]any
		for i, v := range s.tree.villages {
			rows = append(rows, []any{benchProgram, v.code, v.path, "self_report", store.StatusInReview, applicant.ID,
				applicant.ID, fmt.Sprintf("bench-%d", i), benchKey, 1, "压测户", 1, "{}", now, now})
		}
		err := b.insert(ctx, "cases", []string{"program", "region_code", "region_path", "channel", "status",
			"applicant_id", "submitted_by", "idempotency_key", "definition_key", "definition_version", "head_name",
			"household_size", "household", "created_at", "updated_at"}, rows)
		if err != nil {
			return err
		}
		s.cases = make([]int64, len(s.tree.villages))
		q, err := b.tx.QueryContext(ctx, "SELECT id, idempotency_key FROM cases WHERE definition_key = '"+benchKey+"' AND idempotency_key LIKE 'bench-%'")
		if err != nil {
			return err
		}
		defer q.Close()
		for q.Next() {
			var id int64
			var i int
			var key string
			if err := q.Scan(&id, &key); err != nil {
				return err
			}
			if _, err := fmt.Sscanf(key, "bench-%d", &i); err == nil {
				s.cases[i] = id
			}
		}
		return q.Err()
	})
}

// grow adds open tasks until n are stored, on random villages (the same
// ones every run), with the secondary indexes dropped during the insert
// and rebuilt after it, as a bulk load would.
func (s *inboxSeed) grow(ctx context.Context, n int) error {
	if n <= s.have {
		return nil
	}
	return s.inTx(ctx, func(b bulk) error {
		idx, err := s.dropIndexes(ctx, b.tx)
		if err != nil {
			return err
		}
		rnd := rand.New(rand.NewPCG(uint64(s.have), 42))
		cols := []string{"task_key", "workflow_id", "case_id", "program", "stage", "stage_name", "kind", "role",
			"region_code", "region_path", "actions", "status", "due_at", "created_at"}
		now := time.Now().UTC()
		due := now.Add(10 * 24 * time.Hour)
		const chunk = 20_000
		for s.have < n {
			rows := make([][]any, 0, chunk)
			for ; s.have < n && len(rows) < chunk; s.have++ {
				v := rnd.IntN(len(s.tree.villages))
				rl := roleLevels[s.have%len(roleLevels)]
				at := s.tree.villages[v]
				for range s.have % len(roleLevels) {
					at = at.parent
				}
				rows = append(rows, []any{fmt.Sprintf("bench/%d", s.have), fmt.Sprintf("case-%d", s.cases[v]), s.cases[v],
					benchProgram, rl.stage, rl.stage, "review", rl.role, at.code, at.path, `["approve","reject"]`,
					store.TaskOpen, due, now})
			}
			if err := b.insert(ctx, "tasks", cols, rows); err != nil {
				return err
			}
		}
		for _, ddl := range idx {
			if _, err := b.tx.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("rebuild index: %w", err)
			}
		}
		if s.pg { // what autovacuum would do after a load this size
			_, err = b.tx.ExecContext(ctx, "ANALYZE tasks")
		}
		return err
	})
}

// dropIndexes drops the tasks table's secondary indexes and returns the
// statements that rebuild them.
func (s *inboxSeed) dropIndexes(ctx context.Context, tx *sql.Tx) ([]string, error) {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL`
	if s.pg {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tasks' AND indexdef NOT LIKE '%UNIQUE%'`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, ddl = append(names, name), append(ddl, def)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, err
		}
	}
	return ddl, nil
}

// users are a village, a township and a county official of the first
// county, each reading the tasks of their own role.
func (s *inboxSeed) users() []benchUser {
	v := s.tree.villages[0]
	return []benchUser{
		{"village", store.Scope{Role: "village_officer", RegionPath: v.path}},
		{"township", store.Scope{Role: "township_approver", RegionPath: v.parent.path}},
		{"county", store.Scope{Role: "county_approver", RegionPath: v.parent.parent.path}},
	}
}

func (s *inboxSeed) inTx(ctx context.Context, fn func(b bulk) error) error {
	tx, err := s.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(bulk{tx: tx, pg: s.pg}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
