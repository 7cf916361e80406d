package store

import (
	"sync"
	"testing"

	"gorm.io/gorm"
)

// NumberParams is numberParams, for tests that send their own SQL.
var NumberParams = numberParams

// ORMFirst loads dest the way GORM does, for tests comparing it with the
// store's own lookups.
func ORMFirst(s *Store, dest any, where string, args ...any) error {
	return s.db.First(dest, append([]any{where}, args...)...).Error
}

// ORMFind lists rows into dest the way GORM does.
func ORMFind(s *Store, dest any, order, where string, args ...any) error {
	return s.db.Where(where, args...).Order(order).Find(dest).Error
}

// RecordedQuery is one SELECT the store sent to the database, with its
// arguments, exactly as the driver received it.
type RecordedQuery struct {
	SQL  string
	Vars []any
}

// RecordQueries makes s remember every query it runs from now on, so a test
// can EXPLAIN the statements the store really issues rather than a copy
// that may drift from them. The returned function lists them in order.
func RecordQueries(t testing.TB, s *Store) func() []RecordedQuery {
	t.Helper()
	var (
		mu  sync.Mutex
		got []RecordedQuery
	)
	record := func(db *gorm.DB) {
		if db.Error != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, RecordedQuery{SQL: db.Statement.SQL.String(), Vars: append([]any(nil), db.Statement.Vars...)})
	}
	if err := s.db.Callback().Query().After("gorm:query").Register("test:record_query", record); err != nil {
		t.Fatalf("record queries: %v", err)
	}
	if err := s.db.Callback().Row().After("gorm:row").Register("test:record_row", record); err != nil {
		t.Fatalf("record queries: %v", err)
	}
	return func() []RecordedQuery {
		mu.Lock()
		defer mu.Unlock()
		return append([]RecordedQuery(nil), got...)
	}
}
