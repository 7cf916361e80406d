package store

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"sync"
)

// stmtCacheSize is how many prepared statements each SQLite connection
// keeps: every statement the store sends, with room for the inbox's
// variants (one per count of grants).
const stmtCacheSize = 256

// openSQLite opens the file behind dsn with the pure-Go driver, each
// connection keeping its own cache of prepared statements.
//
// SQLite compiles every statement it is sent; the cache saves that on the
// hot paths. It sits in the connection, not in front of the pool as gorm's
// PrepareStmt does: gorm holds its cache's lock while one caller prepares a
// new statement, and preparing through the pool waits for a free
// connection. With the single connection a process keeps, a transaction
// that then needed a new statement of its own waited for that lock while
// holding the connection the preparer waited for — every write stalled
// until a request's deadline ran out (seen in the bench's warm-up, right
// after start, when every statement is new). Here a statement is prepared
// on the connection its caller already holds, and nothing waits for
// anything else.
//
// Settings belong in the DSN's pragmas, set once per connection: a flag
// PRAGMA sent later (defer_foreign_keys, say) expires every statement the
// connection has prepared, and each is compiled again at its next use.
func openSQLite(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", "") // the registered driver; opens nothing
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	if err := probe.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtConnector{dsn: dsn, drv: drv}), nil
}

type stmtConnector struct {
	dsn string
	drv driver.Driver
}

func (c stmtConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	cc, ok := conn.(contextConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("store: the sqlite driver's connection lacks the context methods")
	}
	return &stmtConn{contextConn: cc, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c stmtConnector) Driver() driver.Driver { return c.drv }

// contextConn is what stmtConn needs of the driver's connection.
type contextConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

// stmtConn is one SQLite connection with its statement cache. database/sql
// hands a connection to one caller at a time, but a caller may keep rows
// of a statement open while it sends the next ones: a statement in use by
// open rows is not handed out again; the query gets a statement of its own.
type stmtConn struct {
	contextConn // BeginTx and PrepareContext pass through: database/sql closes what it prepares
	mu          sync.Mutex
	byQuery     map[string]*list.Element // of *cachedStmt, most recently used first
	lru         *list.List
}

type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	busy    bool // rows of it are open
	evicted bool // left the cache while busy: close once released
}

// stmt returns a prepared statement for query and the function to call
// when the caller is done with it.
func (c *stmtConn) stmt(ctx context.Context, query string) (driver.Stmt, func(), error) {
	c.mu.Lock()
	if el, ok := c.byQuery[query]; ok {
		cs := el.Value.(*cachedStmt)
		if !cs.busy {
			cs.busy = true
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return cs.stmt, func() { c.release(cs) }, nil
		}
		c.mu.Unlock()
		return c.oneOff(ctx, query)
	}
	c.mu.Unlock()
	s, err := c.contextConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	cs := &cachedStmt{query: query, stmt: s, busy: true}
	c.mu.Lock()
	if _, ok := c.byQuery[query]; ok { // cached meanwhile: use this one once
		c.mu.Unlock()
		return s, func() { _ = s.Close() }, nil
	}
	c.byQuery[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.forget(c.lru.Back())
	}
	c.mu.Unlock()
	return s, func() { c.release(cs) }, nil
}

// oneOff prepares a statement that is closed after its single use.
func (c *stmtConn) oneOff(ctx context.Context, query string) (driver.Stmt, func(), error) {
	s, err := c.contextConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close() }, nil
}

// forget drops a cached statement, closing it unless rows of it are open.
// The caller holds c.mu.
func (c *stmtConn) forget(el *list.Element) {
	cs := c.lru.Remove(el).(*cachedStmt)
	delete(c.byQuery, cs.query)
	if cs.busy {
		cs.evicted = true
		return
	}
	_ = cs.stmt.Close()
}

func (c *stmtConn) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		_ = cs.stmt.Close()
	}
}

// ExecContext runs query on its cached statement.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	se, ok := s.(driver.StmtExecContext)
	if !ok {
		return c.contextConn.ExecContext(ctx, query, args)
	}
	return se.ExecContext(ctx, args)
}

// QueryContext runs query on its cached statement, which stays in use
// until the rows are closed.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	sq, ok := s.(driver.StmtQueryContext)
	if !ok {
		done()
		return c.contextConn.QueryContext(ctx, query, args)
	}
	rows, err := sq.QueryContext(ctx, args)
	if err != nil {
		done()
		return nil, err
	}
	return &releasingRows{Rows: rows, done: done}, nil
}

// Ping, ResetSession and IsValid pass through to the driver's connection.
func (c *stmtConn) Ping(ctx context.Context) error {
	if p, ok := c.contextConn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *stmtConn) ResetSession(ctx context.Context) error {
	if r, ok := c.contextConn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *stmtConn) IsValid() bool {
	if v, ok := c.contextConn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the cached statements, then closes the connection.
func (c *stmtConn) Close() error {
	c.mu.Lock()
	for c.lru.Len() > 0 {
		cs := c.lru.Remove(c.lru.Front()).(*cachedStmt)
		_ = cs.stmt.Close()
	}
	clear(c.byQuery)
	c.mu.Unlock()
	return c.contextConn.Close()
}

// releasingRows hands its statement back when closed. It passes on what
// the driver's rows tell about their column types, which gorm reads when it
// scans into maps.
type releasingRows struct {
	driver.Rows
	once sync.Once
	done func()
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.done)
	return err
}

func (r *releasingRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *releasingRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *releasingRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *releasingRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *releasingRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
