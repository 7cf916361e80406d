package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/assistflow/assistflow/api"
	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/devserver"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
)

// devCommand runs the whole product in one process and stops it in order
// (HTTP, worker, client, Temporal, database: the reverse of starting) when
// ctx ends.
func devCommand(cmd *cobra.Command, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	ctx := cmd.Context()
	d, err := startDevStack(ctx, cfg, log)
	if d != nil {
		defer d.stop.run(log)
	}
	if err != nil {
		return err
	}
	printReady(stdout, d.apiURL, d.temporal, d.dataDir)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-d.errc:
		return fmt.Errorf("http server: %w", err)
	}
}

// devStack is a running `dev`: what the bench drives, and what devCommand
// waits on. stop undoes whatever started, also after a failed start.
type devStack struct {
	store    *store.Store
	temporal *devserver.Server
	client   client.Client
	apiURL   string
	dataDir  string
	errc     chan error
	stop     shutdownStack
}

// startDevStack starts database, embedded Temporal, worker and HTTP API in
// that order. The returned stack is non-nil whenever something started.
func startDevStack(ctx context.Context, cfg config.Config, log *slog.Logger) (*devStack, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	d := &devStack{errc: make(chan error, 1)}
	d.dataDir, _ = filepath.Abs(cfg.DataDir)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return d, err
	}
	d.store = st
	d.stop.push("database", func(context.Context) error { return st.Close() })

	temporal, err := devserver.Start(ctx, devserver.Options{DatabaseFile: cfg.TemporalDBFile(), Port: cfg.Temporal.Port,
		UIPort: cfg.Temporal.UIPort, Namespace: cfg.Temporal.Namespace, Retention: cfg.Temporal.Retention,
		SearchAttributes: workflows.SearchAttributes(), Logger: log})
	if err != nil {
		return d, err
	}
	d.temporal = temporal
	d.stop.push("temporal", func(context.Context) error { temporal.Stop(); return nil })
	if seeded, err := st.SeedDemo(ctx); err != nil {
		return d, fmt.Errorf("seed demo data: %w", err)
	} else if seeded {
		log.Info("demo data seeded", "users", len(store.DemoUsers), "regions", len(store.DemoRegions))
	}

	c, err := dialTemporal(ctx, cfg, temporal.FrontendAddress(), log)
	if err != nil {
		return d, err
	}
	d.client = c
	d.stop.push("temporal client", func(context.Context) error { c.Close(); return nil })
	ensureSearchAttributes(ctx, c, cfg.Temporal.Namespace, log)
	return d, d.serve(ctx, cfg, log)
}

// serve starts the worker and the HTTP API on a running engine.
func (d *devStack) serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	w, running, err := startWorker(d.client, cfg, d.store, log)
	if err != nil {
		return err
	}
	d.stop.push("worker", func(context.Context) error { running.Store(false); w.Stop(); return nil })

	secret, err := devSecret(cfg.DataDir)
	if err != nil {
		return err
	}
	az, err := authorizer(ctx, d.store, log)
	if err != nil {
		return err
	}
	srv := api.New(api.Config{Authz: az, Store: d.store, Temporal: d.client, TaskQueue: cfg.Temporal.TaskQueue,
		JWTSecret: secret, JWTTTL: cfg.JWT.TTL, Checks: checks(d.store, d.client, running), Log: log,
		Blobs: store.DiskBlobs{Dir: filepath.Join(cfg.DataDir, "blobs")}, SecureCookies: cfg.SecureCookies, MakerChecker: cfg.MakerChecker})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	d.stop.push("http", srv.Shutdown)
	go func() { d.errc <- srv.Serve(ln) }()
	go srv.ReconcileLoop(ctx, reconcileEvery)
	d.apiURL = "http://" + ln.Addr().String()
	return nil
}

func printReady(w io.Writer, apiURL string, t *devserver.Server, dataDir string) {
	fmt.Fprintf(w, "assistflow ready  api=%s  temporal=%s", apiURL, t.FrontendAddress())
	switch {
	case t.UIURL() != "":
		fmt.Fprintf(w, "  ui=%s", t.UIURL())
	case !devserver.WebUIBuilt:
		fmt.Fprint(w, "  ui=none (Temporal Web UI not in this build: -tags noui)")
	}
	fmt.Fprintf(w, "\n  web pages: %s/ (sign in with a demo login)\n  API docs:  %s/docs\n", apiURL, apiURL)
	fmt.Fprintf(w, "  data dir: %s\n  demo logins (password %q):\n", dataDir, store.DemoPassword)
	for _, u := range store.DemoUsers {
		fmt.Fprintf(w, "    %-20s %s @ %s\n", u.Username, u.Grants[0].Role, u.Grants[0].Region)
	}
}

// shutdownStack stops components in the reverse order they started,
// within one overall deadline.
type shutdownStack struct {
	names []string
	stops []func(context.Context) error
}

func (s *shutdownStack) push(name string, stop func(context.Context) error) {
	s.names = append(s.names, name)
	s.stops = append(s.stops, stop)
}

func (s *shutdownStack) run(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := len(s.stops) - 1; i >= 0; i-- {
		if err := s.stops[i](ctx); err != nil {
			log.Warn("shutdown step failed", "component", s.names[i], "error", err)
		} else {
			log.Debug("stopped", "component", s.names[i])
		}
	}
}
