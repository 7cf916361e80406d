package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// bulk inserts many rows per statement inside one transaction: row by row,
// a million tasks would take longer than the whole bench may.
type bulk struct {
	q  querier // the transaction (SQLite) or the connection holding it (PostgreSQL)
	pg bool    // $n placeholders, and COPY for large inserts
	// conn is the PostgreSQL connection, for COPY inside its transaction.
	conn *sql.Conn
}

// querier is what *sql.Tx and *sql.Conn share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// maxParams bounds the parameters of one SQLite statement. The pure-Go
// driver binds in time quadratic in their number (a profile of the seeding
// showed 70% of it in conn.bind at 30,000), so SQLite gets small
// statements, prepared once and reused.
func (b bulk) maxParams() int { return 140 }

// copy loads rows with PostgreSQL's COPY, on the connection that holds the
// transaction.
func (b bulk) copy(ctx context.Context, table string, cols []string, rows [][]any) error {
	return b.conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: not a pgx connection", table)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	})
}

// insert writes rows into table, as many per statement as fit.
func (b bulk) insert(ctx context.Context, table string, cols []string, rows [][]any) error {
	if b.pg {
		return b.copy(ctx, table, cols, rows)
	}
	per := b.maxParams() / len(cols)
	prepared := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range prepared {
			_ = st.Close()
		}
	}()
	for len(rows) > 0 {
		n := min(per, len(rows))
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		st, ok := prepared[n]
		if !ok {
			var err error
			if st, err = b.q.PrepareContext(ctx, b.statement(table, cols, n)); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			prepared[n] = st
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

func (b bulk) statement(table string, cols []string, rows int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	p := 0
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			p++
			if b.pg {
				fmt.Fprintf(&sb, "$%d", p)
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// region is one node of the bench's region tree.
type region struct {
	code, path string
	parent     *region
}

// tree is a province-sized tree under the demo city: villages spread 100
// to a township and townships 10 to a county, as the rbac benchmark does.
type tree struct {
	counties, townships, villages []*region
}

// benchCity is the demo city the bench counties hang under.
const (
	benchCity     = "430700"
	benchCityPath = "430000/430700/"
)

func buildTree(villages int) tree {
	var t tree
	for v := range villages {
		if v%1000 == 0 {
			code := fmt.Sprintf("43%04d", 9000+v/1000)
			t.counties = append(t.counties, &region{code: code, path: benchCityPath + code + "/"})
		}
		county := t.counties[len(t.counties)-1]
		if v%100 == 0 {
			code := fmt.Sprintf("%s%03d", county.code, 100+v/100%10)
			t.townships = append(t.townships, &region{code: code, path: county.path + code + "/", parent: county})
		}
		town := t.townships[len(t.townships)-1]
		code := fmt.Sprintf("%s%03d", town.code, 200+v%100)
		t.villages = append(t.villages, &region{code: code, path: town.path + code + "/", parent: town})
	}
	return t
}

// insertTree stores the tree's regions.
func insertTree(ctx context.Context, b bulk, t tree) error {
	var rows [][]any
	add := func(level string, rs []*region) {
		for _, r := range rs {
			parent := benchCity
			if r.parent != nil {
				parent = r.parent.code
			}
			rows = append(rows, []any{r.code, r.code, level, parent, r.path})
		}
	}
	add("county", t.counties)
	add("township", t.townships)
	add("village", t.villages)
	return b.insert(ctx, "regions", []string{"code", "name", "level", "parent_code", "path"}, rows)
}
