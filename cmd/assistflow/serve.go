package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/assistflow/assistflow/api"
	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/store"
	"github.com/spf13/cobra"
)

// serveCommand runs the API only, against an external Temporal frontend.
func serveCommand(cmd *cobra.Command, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	ctx := cmd.Context()
	if cfg.JWT.Secret == "" && cfg.OIDC.Issuer == "" {
		return errors.New("serve needs --jwt-secret (or " + config.EnvName("jwt-secret") + ") or an OIDC issuer")
	}
	var oidc *api.OIDC
	if cfg.OIDC.Issuer != "" {
		oidc = &api.OIDC{Issuer: cfg.OIDC.Issuer, JWKSURL: cfg.OIDC.JWKSURL, Audience: cfg.OIDC.Audience,
			UsernameClaim: cfg.OIDC.UsernameClaim}
	}
	var stack shutdownStack
	defer stack.run(log)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	stack.push("database", func(context.Context) error { return st.Close() })
	c, err := dialTemporal(ctx, cfg, cfg.Temporal.Address, log)
	if err != nil {
		return err
	}
	stack.push("temporal client", func(context.Context) error { c.Close(); return nil })
	az, err := authorizer(ctx, st, log)
	if err != nil {
		return err
	}
	srv := api.New(api.Config{Authz: az, Store: st, Temporal: c, TaskQueue: cfg.Temporal.TaskQueue,
		JWTSecret: []byte(cfg.JWT.Secret), JWTTTL: cfg.JWT.TTL, OIDC: oidc, Checks: checks(st, c, nil), Log: log,
		Blobs: store.DiskBlobs{Dir: filepath.Join(cfg.DataDir, "blobs")}, SecureCookies: cfg.SecureCookies,
		// Production needs two administrators for a chain change unless told otherwise.
		MakerChecker: cfg.MakerChecker || !cmd.Flags().Changed("maker-checker")})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	stack.push("http", srv.Shutdown)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go srv.ReconcileLoop(ctx, reconcileEvery)
	fmt.Fprintf(stdout, "assistflow ready  api=http://%s  temporal=%s\n", ln.Addr(), cfg.Temporal.Address)
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	}
}

// workerCommand runs the workflows and activities only.
func workerCommand(cmd *cobra.Command, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	ctx := cmd.Context()
	var stack shutdownStack
	defer stack.run(log)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	stack.push("database", func(context.Context) error { return st.Close() })
	c, err := dialTemporal(ctx, cfg, cfg.Temporal.Address, log)
	if err != nil {
		return err
	}
	stack.push("temporal client", func(context.Context) error { c.Close(); return nil })
	ensureSearchAttributes(ctx, c, cfg.Temporal.Namespace, log)
	w, running, err := startWorker(c, cfg, st, log)
	if err != nil {
		return err
	}
	stack.push("worker", func(context.Context) error { running.Store(false); w.Stop(); return nil })
	health := ""
	if cfg.HealthAddr != "" {
		srv, ln, err := healthServer(cfg.HealthAddr, checks(st, c, running), log)
		if err != nil {
			return err
		}
		stack.push("health", srv.Shutdown)
		health = "  health=http://" + ln.Addr().String()
	}
	fmt.Fprintf(stdout, "assistflow worker ready  temporal=%s  task-queue=%s%s\n", cfg.Temporal.Address, cfg.Temporal.TaskQueue, health)
	<-ctx.Done()
	return nil
}
