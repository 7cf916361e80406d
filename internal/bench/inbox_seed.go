package bench

import (
	"context"
	"fmt"
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

// generate is the statement that adds tasks [$1, $2): task i is for the
// village a multiplicative hash of i picks (the same every run) and, a
// third each, for its village officer, township approver or county
// approver at that level's region, as the three-review chain opens them.
// The database makes the rows itself: sent from Go, a million rows took
// minutes through the pure-Go SQLite driver.
func (s *inboxSeed) generate() string {
	series := `WITH RECURSIVE seq(i) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?2)
		SELECT i FROM seq`
	villages, due, now := "?3", "?4", "?5"
	if s.pg {
		series = "SELECT generate_series($1::bigint, $2::bigint - 1) AS i"
		villages, due, now = "$3::bigint", "$4::timestamptz", "$5::timestamptz"
	}
	pick := func(v, t, c string) string {
		return "CASE s.i % 3 WHEN 0 THEN " + v + " WHEN 1 THEN " + t + " ELSE " + c + " END"
	}
	stage := pick("'village_review'", "'township_review'", "'county_review'")
	return `INSERT INTO tasks (task_key, workflow_id, case_id, program, stage, stage_name, kind, role,
		region_code, region_path, actions, status, due_at, created_at)
	SELECT 'bench/' || s.i, 'case-' || v.case_id, v.case_id, '` + benchProgram + `', ` + stage + `, ` + stage + `, 'review', ` +
		pick("'village_officer'", "'township_approver'", "'county_approver'") + `, ` +
		pick("v.v_code", "v.t_code", "v.c_code") + `, ` + pick("v.v_path", "v.t_path", "v.c_path") + `,
		'["approve","reject"]', 'open', ` + due + `, ` + now + `
	FROM (` + series + `) s JOIN bench_villages v ON v.idx = (s.i * 2654435761) % 4294967296 % ` + villages
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
		q, err := b.q.QueryContext(ctx, "SELECT id, idempotency_key FROM cases WHERE definition_key = '"+benchKey+"' AND idempotency_key LIKE 'bench-%'")
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
		if err := q.Err(); err != nil {
			return err
		}
		return s.villageTable(ctx, b)
	})
}

// villageTable stores, per village index, its case and the code and path
// of the village, its township and its county: what a task row needs, so
// the database can generate the tasks itself.
func (s *inboxSeed) villageTable(ctx context.Context, b bulk) error {
	_, err := b.q.ExecContext(ctx, `CREATE TABLE bench_villages (idx BIGINT PRIMARY KEY, case_id BIGINT NOT NULL,
		v_code TEXT NOT NULL, v_path TEXT NOT NULL, t_code TEXT NOT NULL, t_path TEXT NOT NULL,
		c_code TEXT NOT NULL, c_path TEXT NOT NULL)`)
	if err != nil {
		return err
	}
	var rows [][]any
	for i, v := range s.tree.villages {
		t, c := v.parent, v.parent.parent
		rows = append(rows, []any{int64(i), s.cases[i], v.code, v.path, t.code, t.path, c.code, c.path})
	}
	return b.insert(ctx, "bench_villages", []string{"idx", "case_id", "v_code", "v_path", "t_code", "t_path",
		"c_code", "c_path"}, rows)
}

// grow adds open tasks until n are stored, on random villages (the same
// ones every run), with the secondary indexes dropped during the insert
// and rebuilt after it, as a bulk load would.
func (s *inboxSeed) grow(ctx context.Context, n int) error {
	if n <= s.have {
		return nil
	}
	err := s.inTx(ctx, func(b bulk) error {
		if !s.pg {
			// A large page cache keeps SQLite from spilling (and the pure-Go
			// allocator from mapping and unmapping memory) on every insert.
			if _, err := b.q.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
				return err
			}
		}
		idx, err := s.dropIndexes(ctx, b.q)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		due := now.Add(10 * 24 * time.Hour)
		_, err = b.q.ExecContext(ctx, s.generate(), s.have, n, len(s.tree.villages), due, now)
		if err != nil {
			return fmt.Errorf("generate tasks: %w", err)
		}
		s.have = n
		for _, ddl := range idx {
			if _, err := b.q.ExecContext(ctx, ddl); err != nil {
				return fmt.Errorf("rebuild index: %w", err)
			}
		}
		return nil
	})
	if err != nil || !s.pg {
		return err
	}
	// What autovacuum does after a load this size, outside a transaction:
	// statistics for the planner, and the visibility map without which an
	// index-only count still reads the table (a county's tab counts at 1M
	// tasks took 353 ms at p50 before, 56 ms in a run where autovacuum had
	// come by first).
	_, err = s.st.SQL().ExecContext(ctx, "VACUUM (ANALYZE) tasks")
	return err
}

// dropIndexes drops the tasks table's secondary indexes and returns the
// statements that rebuild them.
func (s *inboxSeed) dropIndexes(ctx context.Context, tx querier) ([]string, error) {
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
	if s.pg {
		return s.inConnTx(ctx, fn)
	}
	tx, err := s.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(bulk{q: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// inConnTx runs fn in a transaction begun by hand on one connection, so
// that COPY, which goes to the driver connection, is part of it.
func (s *inboxSeed) inConnTx(ctx context.Context, fn func(b bulk) error) error {
	conn, err := s.st.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return err
	}
	if err := fn(bulk{q: conn, pg: true, conn: conn}); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}
