package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/assistflow/assistflow/migrations"
	"github.com/assistflow/assistflow/store"
)

// InboxConfig sizes the inbox-at-scale bench.
type InboxConfig struct {
	Tasks    int // open tasks at the largest size
	Villages int
	Samples  int    // timed pages per user, size and path
	Dir      string // where the SQLite file goes
	Log      *slog.Logger
}

// InboxRun is one database's figures, per size.
type InboxRun struct {
	Database string      `json:"database"`
	Villages int         `json:"villages"`
	Sizes    []InboxSize `json:"sizes"`
}

// InboxSize is the figures with Tasks open tasks stored.
type InboxSize struct {
	Tasks       int         `json:"tasks"`
	SeedSeconds float64     `json:"seed_seconds"`
	Users       []InboxUser `json:"users"`
}

// InboxUser is one user's first inbox page (50 tasks, view "all"): through
// the store, and the same statements straight through database/sql, plus
// the tab counts the API sends with every page.
type InboxUser struct {
	User    string  `json:"user"`
	Store   Latency `json:"store"`
	SQL     Latency `json:"sql"`
	Counts  Latency `json:"counts"`
	Ratio   float64 `json:"ratio_p50"`
	Ratio99 float64 `json:"ratio_p99"`
}

// Steps are the sizes measured on the way to max: 10k, 100k, 1M as far as max goes.
func Steps(max int) []int {
	var out []int
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		if n < max {
			out = append(out, n)
		}
	}
	return append(out, max)
}

// RunInboxSQLite runs the inbox bench on a fresh SQLite file.
func RunInboxSQLite(ctx context.Context, cfg InboxConfig) (*InboxRun, error) {
	return runInbox(ctx, cfg, "sqlite", filepath.Join(cfg.Dir, "inbox.db"))
}

// RunInboxPostgres runs it on a fresh database on the server adminDSN
// names, dropped afterwards.
func RunInboxPostgres(ctx context.Context, cfg InboxConfig, adminDSN string) (*InboxRun, error) {
	dsn, drop, err := freshPostgres(ctx, adminDSN)
	if err != nil {
		return nil, err
	}
	defer drop()
	return runInbox(ctx, cfg, "postgres", dsn)
}

func runInbox(ctx context.Context, cfg InboxConfig, name, dsn string) (*InboxRun, error) {
	st, err := store.Open(ctx, dsn, cfg.Log)
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
	s := &inboxSeed{st: st, pg: st.Dialect() == migrations.Postgres, tree: buildTree(cfg.Villages)}
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	run := &InboxRun{Database: name, Villages: cfg.Villages}
	for _, n := range Steps(cfg.Tasks) {
		start := time.Now()
		if err := s.grow(ctx, n); err != nil {
			return nil, err
		}
		size := InboxSize{Tasks: n, SeedSeconds: time.Since(start).Seconds()}
		for _, u := range s.users() {
			iu, err := timeInbox(ctx, st, u, cfg.Samples)
			if err != nil {
				return nil, err
			}
			size.Users = append(size.Users, iu)
		}
		run.Sizes = append(run.Sizes, size)
		cfg.Log.Info("inbox size measured", "database", name, "tasks", n)
	}
	return run, nil
}

// benchUser is an official whose inbox is timed.
type benchUser struct {
	name  string
	scope store.Scope
}

// timeInbox alternates the store's page and the bare SQL so both see the
// same machine, after a few unmeasured pages to warm caches.
func timeInbox(ctx context.Context, st *store.Store, u benchUser, samples int) (InboxUser, error) {
	q := store.InboxQuery{UserID: 1, Scopes: []store.Scope{u.scope}, View: store.ViewAll, Limit: 50,
		Now: time.Now().UTC(), DueSoon: 48 * time.Hour}
	stmts := st.InboxStatements(ctx, q)
	var viaStore, viaSQL, counts []time.Duration
	for i := range samples + 5 {
		t0 := time.Now()
		if _, _, err := st.Inbox(ctx, q); err != nil {
			return InboxUser{}, err
		}
		t1 := time.Now()
		if err := runStatements(ctx, st.SQL(), stmts); err != nil {
			return InboxUser{}, err
		}
		t2 := time.Now()
		if _, err := st.InboxCounts(ctx, q); err != nil {
			return InboxUser{}, err
		}
		if i >= 5 {
			viaStore, viaSQL, counts = append(viaStore, t1.Sub(t0)), append(viaSQL, t2.Sub(t1)), append(counts, time.Since(t2))
		}
	}
	out := InboxUser{User: u.name, Store: Summarize(viaStore), SQL: Summarize(viaSQL), Counts: Summarize(counts)}
	if out.SQL.P50Ms > 0 {
		out.Ratio = out.Store.P50Ms / out.SQL.P50Ms
	}
	if out.SQL.P99Ms > 0 {
		out.Ratio99 = out.Store.P99Ms / out.SQL.P99Ms
	}
	return out, nil
}

// runStatements runs each statement and reads every column of every row.
func runStatements(ctx context.Context, db *sql.DB, stmts []store.Statement) error {
	for _, s := range stmts {
		rows, err := db.QueryContext(ctx, s.SQL, s.Vars...)
		if err != nil {
			return fmt.Errorf("inbox sql: %w", err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}
