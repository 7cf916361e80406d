package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/assistflow/assistflow/migrations"
)

// query sends one of the store's fixed statements straight through
// database/sql: the reads every request makes skip the ORM's statement
// building and reflection, which cost more than the statements themselves
// (docs/benchmarks.md). The statement uses ? for its parameters on both
// dialects.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s.dialect == migrations.Postgres {
		q = numberParams(q)
	}
	return s.db.Statement.ConnPool.QueryContext(ctx, q, args...)
}

// numberParams turns ? parameters into PostgreSQL's $1, $2, …; the
// store's fixed statements hold no ? inside quotes.
func numberParams(q string) string {
	var b strings.Builder
	n := 0
	for i := range len(q) {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
