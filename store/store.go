package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assistflow/assistflow/migrations"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver; see Open
)

// Store is the application database.
type Store struct {
	db      *gorm.DB
	dialect migrations.Dialect
	now     func() time.Time
	inTx    bool // db is a transaction of Batch
}

// Open connects to dsn: a postgres:// URL (or a "host=… dbname=…" string)
// selects PostgreSQL; anything else is a SQLite file path.
//
// SQLite runs on modernc.org/sqlite, the driver registered as "sqlite",
// under gorm's dialect: the embedded Temporal server links the same pure-Go
// driver, and a second registration of that name would panic at start.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	d := DialectOf(dsn)
	var dial gorm.Dialector
	var sqliteDB *sql.DB // ours to close if gorm cannot start on it
	if d == migrations.Postgres {
		dial = postgres.Open(dsn)
	} else {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
		var err error
		if sqliteDB, err = openSQLite(sqliteDSN(dsn)); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		dial = sqlite.New(sqlite.Config{Conn: sqliteDB}) // the connections openSQLite made
	}
	db, err := gorm.Open(dial, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		// On PostgreSQL, name the model's columns instead of SELECT *: a
		// migration adds columns while the release before still serves,
		// and PostgreSQL refuses a cached SELECT * whose columns changed.
		// SQLite compiles such a statement again by itself.
		QueryFields: d == migrations.Postgres,
		// No PrepareStmt: SQLite's connections cache their statements
		// themselves (openSQLite); pgx does on PostgreSQL.
	})
	if err != nil {
		if sqliteDB != nil {
			_ = sqliteDB.Close()
		}
		return nil, fmt.Errorf("store: open: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if d == migrations.SQLite {
		// Inserts without RETURNING: the new row's id comes from
		// last_insert_rowid(). SQLite compiles an INSERT … RETURNING (like
		// an upsert) as a statement that may abort halfway, so inside a
		// transaction it keeps a statement journal, and the pure-Go
		// allocator maps and unmaps that journal's 64 KiB chunk for every
		// statement: 6% of the end-to-end bench's CPU (docs/benchmarks.md).
		// No model of ours has a database default besides its id.
		if err := db.Callback().Create().Replace("gorm:create",
			callbacks.Create(&callbacks.Config{LastInsertIDReversed: true})); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// One connection for the process. SQLite runs one writer at a
		// time and does all its work on the caller's CPU, so more
		// connections add no throughput, only cost: a connection that
		// sees another one's commit drops its whole page cache, and a
		// writer waiting for the lock sleeps in busy_timeout's steps.
		// With four connections the end-to-end bench did 14.8 cases/s,
		// with one 22 (docs/benchmarks.md). Other processes on the same
		// file (audit verify, migrate) still queue on busy_timeout.
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
	}
	s := &Store{db: db, dialect: d, now: func() time.Time { return time.Now().UTC() }}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	log.Debug("database opened", "dialect", d)
	return s, nil
}

// DialectOf tells which database a DSN names.
func DialectOf(dsn string) migrations.Dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") ||
		strings.Contains(dsn, "host=") {
		return migrations.Postgres
	}
	return migrations.SQLite
}

// sqliteDSN adds the pragmas every connection runs. temp_store(MEMORY)
// also keeps the statement journals of the statements that still need one
// (an UPDATE of a foreign-key column) in 1 KiB chunks instead of 64 KiB ones.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate&_time_format=sqlite&_timezone=UTC"
}

// Dialect is the SQL flavour of the open database.
func (s *Store) Dialect() migrations.Dialect { return s.dialect }

// SetMaxConns caps the connections this process opens (by default 20 on
// PostgreSQL, 1 on SQLite): with many processes on one PostgreSQL server,
// processes × cap must stay under its max_connections.
func (s *Store) SetMaxConns(n int) {
	if db, err := s.db.DB(); err == nil && n > 0 {
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	}
}

// SQL exposes the underlying pool for migrations and benchmarks.
func (s *Store) SQL() *sql.DB {
	db, _ := s.db.DB()
	return db
}

// Migrator returns the schema migrator for this database.
func (s *Store) Migrator() (*migrations.Migrator, error) {
	return migrations.New(s.SQL(), s.dialect)
}

// Migrate applies pending migrations, refusing a schema newer than known.
func (s *Store) Migrate(ctx context.Context) error {
	m, err := s.Migrator()
	if err != nil {
		return err
	}
	if _, err = m.Up(ctx); err != nil {
		return err
	}
	return s.chainUnlinked(ctx)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.SQL().PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error { return s.SQL().Close() }

// tx runs fn in a transaction: its own, or the Batch it is part of.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.inTx {
		return fn(s.db.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(fn)
}

// Batch runs fn with a Store whose every method joins one transaction:
// fn's writes commit together, or none does.
func (s *Store) Batch(ctx context.Context, fn func(*Store) error) error {
	if s.inTx {
		return fn(s)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b := *s
		b.db, b.inTx = tx, true
		return fn(&b)
	})
}
