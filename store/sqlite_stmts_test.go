package store

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func openSQLiteStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	require.NoError(t, st.Migrate(context.Background()))
	return st
}

// cachedQueries lists the statements the store's one connection keeps.
func cachedQueries(t *testing.T, st *Store) map[string]bool {
	t.Helper()
	conn, err := st.SQL().Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	out := map[string]bool{}
	require.NoError(t, conn.Raw(func(dc any) error {
		c := dc.(*stmtConn)
		c.mu.Lock()
		defer c.mu.Unlock()
		for q := range c.byQuery {
			out[q] = true
		}
		return nil
	}))
	return out
}

// TestNewStatementsDuringATransactionDoNotStall is the stall the bench's
// warm-up ran into with gorm's PrepareStmt on the process's single
// connection: a transaction holds the connection; requests meanwhile send
// a statement nobody sent before, and wait for the connection; then the
// transaction sends a new statement of its own. Everything must finish
// (with PrepareStmt it did not until the context ran out), and every
// statement must have done its work.
func TestNewStatementsDuringATransactionDoNotStall(t *testing.T) {
	st := openSQLiteStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for round := range 5 {
		inTx := make(chan struct{})
		var wg sync.WaitGroup
		got := make([]int, 4)
		wg.Go(func() {
			err := st.Batch(ctx, func(tx *Store) error {
				close(inTx)
				time.Sleep(100 * time.Millisecond) // the readers queue for the connection
				return tx.db.WithContext(ctx).Exec(fmt.Sprintf(
					"INSERT INTO settings (key, value) VALUES ('round-%d', 'x')", round)).Error
			})
			require.NoError(t, err)
		})
		<-inTx
		for i := range got {
			wg.Go(func() {
				var n int
				err := st.db.WithContext(ctx).Raw(fmt.Sprintf("SELECT %d + ?", round*100), i).Scan(&n).Error
				require.NoError(t, err)
				got[i] = n
			})
		}
		wg.Wait()
		require.NoError(t, ctx.Err(), "round %d stalled", round)
		for i, n := range got {
			require.Equal(t, round*100+i, n)
		}
		var v string
		require.NoError(t, st.db.Raw("SELECT value FROM settings WHERE key = ?", fmt.Sprintf("round-%d", round)).Scan(&v).Error)
		require.Equal(t, "x", v)
	}
}

// TestStatementsAreReusedOnTheConnection: a statement is prepared once and
// then reused, inside transactions as well as outside; the cache is bounded.
func TestStatementsAreReusedOnTheConnection(t *testing.T) {
	st := openSQLiteStore(t)
	ctx := context.Background()
	const q = "SELECT value FROM settings WHERE key = ?"
	require.NoError(t, st.db.Exec("INSERT INTO settings (key, value) VALUES ('a', '1')").Error)
	for range 3 {
		require.NoError(t, st.Batch(ctx, func(tx *Store) error {
			var v string
			return tx.db.Raw(q, "a").Scan(&v).Error
		}))
		var v string
		require.NoError(t, st.db.Raw(q, "a").Scan(&v).Error)
		require.Equal(t, "1", v)
	}
	require.True(t, cachedQueries(t, st)[q])

	for i := range stmtCacheSize + 20 {
		var n int
		require.NoError(t, st.db.Raw(fmt.Sprintf("SELECT %d", i)).Scan(&n).Error)
		require.Equal(t, i, n)
	}
	cached := cachedQueries(t, st)
	require.Len(t, cached, stmtCacheSize, "the least recently used statements are let go")
	require.True(t, cached[fmt.Sprintf("SELECT %d", stmtCacheSize+19)])
	require.False(t, cached[q])
}

// TestAStatementWithOpenRowsIsNotReused: reading rows of a statement while
// sending the same statement again (inside one transaction, on one
// connection) gives both their own answers.
func TestAStatementWithOpenRowsIsNotReused(t *testing.T) {
	st := openSQLiteStore(t)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		require.NoError(t, st.db.Exec("INSERT INTO settings (key, value) VALUES (?, ?)", k, "v-"+k).Error)
	}
	const q = "SELECT key, value FROM settings WHERE key >= ? AND value LIKE 'v-%' ORDER BY key"
	err := st.db.Transaction(func(tx *gorm.DB) error {
		rows, err := tx.Raw(q, "a").Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		require.NoError(t, err)
		require.Equal(t, "TEXT", types[0].DatabaseTypeName(), "column types come through")
		var outer []string
		for rows.Next() {
			var k, v string
			require.NoError(t, rows.Scan(&k, &v))
			outer = append(outer, k)
			var inner []struct{ Key, Value string }
			require.NoError(t, tx.Raw(q, k).Scan(&inner).Error)
			var keys []string
			for _, r := range inner {
				keys = append(keys, r.Key)
			}
			require.Equal(t, map[string][]string{"a": {"a", "b", "c"}, "b": {"b", "c"}, "c": {"c"}}[k], keys)
		}
		require.Equal(t, []string{"a", "b", "c"}, outer)
		return rows.Err()
	})
	require.NoError(t, err)
	var n int64
	require.NoError(t, st.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM settings WHERE value LIKE 'v-%'").Scan(&n).Error)
	require.EqualValues(t, 3, n)
}

// TestClosedStoreFinalizesItsStatements: closing the store finalizes what
// its connection cached, then closes the connection.
func TestClosedStoreFinalizesItsStatements(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "app.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	require.NotEmpty(t, cachedQueries(t, st))
	conn, err := st.SQL().Conn(context.Background())
	require.NoError(t, err)
	var c *stmtConn
	require.NoError(t, conn.Raw(func(dc any) error { c = dc.(*stmtConn); return nil }))
	require.NoError(t, conn.Close())

	require.NoError(t, st.Close())
	require.Zero(t, c.lru.Len())
	require.Empty(t, c.byQuery)
	_, err = st.SQL().Exec("SELECT 1")
	require.ErrorContains(t, err, "database is closed")
}
