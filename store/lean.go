package store

import (
	"cmp"
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm/schema"

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

// rowOf reads the row a fixed statement finds by key into a T, a model:
// from is the statement after its SELECT list ("FROM tasks WHERE id = ?"),
// and the columns are the model's own, by name, as GORM would read them,
// without building a statement: the lookups each request makes. No row is
// ErrNotFound.
func rowOf[T any](ctx context.Context, s *Store, from string, args ...any) (T, error) {
	rows, err := rowsOf[T](ctx, s, from, args...)
	if err != nil || len(rows) == 0 {
		var zero T
		return zero, cmp.Or(err, ErrNotFound)
	}
	return rows[0], nil
}

// rowsOf reads every row of a fixed statement into Ts, as rowOf reads one;
// no rows is an empty slice, as with GORM's Find.
//
// The statement names the model's columns instead of SELECT *: a column
// added by a migration, which runs before the processes that know it are
// rolled out, then changes nothing for them — not even for PostgreSQL's
// cached plans, which refuse a SELECT * whose columns changed.
func rowsOf[T any](ctx context.Context, s *Store, from string, args ...any) ([]T, error) {
	m, err := columnsOf[T](s)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT "+m.list+" "+from, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, ptrs := []T{}, make([]any, len(m.fields))
	for rows.Next() {
		var row T
		v := reflect.ValueOf(&row).Elem()
		for i, index := range m.fields {
			ptrs[i] = v.FieldByIndex(index).Addr().Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// modelColumns are a model's columns as a SELECT list and, in the same
// order, the fields they are read into.
type modelColumns struct {
	list   string
	fields [][]int
}

// columnsOf learns a model's columns from GORM's reading of it, once.
func columnsOf[T any](s *Store) (*modelColumns, error) {
	t := reflect.TypeFor[T]()
	if m, ok := modelColumnsOf.Load(t); ok {
		return m.(*modelColumns), nil
	}
	sch, err := schema.Parse(new(T), &sync.Map{}, s.db.NamingStrategy)
	if err != nil {
		return nil, err
	}
	m := &modelColumns{}
	names := make([]string, 0, len(sch.DBNames))
	for _, name := range sch.DBNames {
		names = append(names, `"`+name+`"`)
		m.fields = append(m.fields, sch.FieldsByDBName[name].StructField.Index)
	}
	m.list = strings.Join(names, ", ")
	modelColumnsOf.Store(t, m)
	return m, nil
}

// modelColumnsOf caches columnsOf by model type.
var modelColumnsOf sync.Map
