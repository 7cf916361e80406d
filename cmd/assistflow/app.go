package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/api"
	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// openStore opens the app database, applies migrations and publishes the
// built-in definitions (a no-op once they exist).
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.DatabaseDSN(), log)
	if err != nil {
		return nil, err
	}
	st.SetMaxConns(cfg.DatabaseMaxConns)
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	defs, err := process.LoadBuiltins()
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	for _, d := range defs {
		if err := st.PublishBuiltin(ctx, d.Key, d.JSON()); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("publish built-in %s: %w", d.Key, err)
		}
	}
	if _, err := st.SeedPolicies(ctx, rbac.DefaultPolicies()); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("seed policies: %w", err)
	}
	return st, nil
}

// authorizer loads roles and grants and keeps them current: changes made
// by other processes arrive within rbacPoll.
func authorizer(ctx context.Context, st *store.Store, log *slog.Logger) (*rbac.Authorizer, error) {
	az, err := rbac.New(ctx, st, log)
	if err != nil {
		return nil, err
	}
	go az.Watch(ctx, rbacPoll)
	return az, nil
}

// reconcileEvery is how often the API looks for stored cases whose
// workflow never started (a crash between the two).
const reconcileEvery = time.Minute

// rbacPoll is how often a process looks for grant and policy changes made
// elsewhere (the issue asks for at most 5 seconds).
const rbacPoll = 2 * time.Second

// dialTemporal connects to a frontend, retrying until ctx ends: in a
// cluster the API may start before Temporal does.
func dialTemporal(ctx context.Context, cfg config.Config, address string, log *slog.Logger) (client.Client, error) {
	opts := client.Options{HostPort: address, Namespace: cfg.Temporal.Namespace,
		Logger: sdklog.NewStructuredLogger(log.With("component", "temporal-client"))}
	if err := connectionOptions(cfg, &opts); err != nil {
		return nil, err
	}
	for wait := 200 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		log.Warn("temporal not reachable yet", "address", address, "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to temporal at %s: %w", address, err)
		case <-time.After(wait):
		}
	}
}

// connectionOptions adds TLS (CA, client certificate) or an API key, and
// leaves gRPC bodies uncompressed to a frontend on this machine.
func connectionOptions(cfg config.Config, opts *client.Options) error {
	if loopback(opts.HostPort) {
		// The SDK gzips every request by default, and the server answers in
		// kind: worth it across a network, pure cost over loopback (dev's
		// embedded server): 3% of the CPU of a bench case.
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	t := cfg.Temporal
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	if t.TLSCA == "" && t.TLSCert == "" && t.APIKey == "" {
		return nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSCA != "" {
		pem, err := os.ReadFile(t.TLSCA)
		if err != nil {
			return fmt.Errorf("temporal tls ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return errors.New("temporal tls ca: no certificate found")
		}
	}
	if t.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(t.TLSCert, t.TLSKey)
		if err != nil {
			return fmt.Errorf("temporal tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	opts.ConnectionOptions.TLS = tc
	return nil
}

// loopback reports whether a host:port names this machine.
func loopback(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// startWorker registers the workflows and activities and starts polling.
func startWorker(c client.Client, cfg config.Config, st *store.Store, log *slog.Logger) (worker.Worker, *atomic.Bool, error) {
	sources, err := activities.NewFixtureSource()
	if err != nil {
		return nil, nil, err
	}
	cal, err := loadCalendar(cfg.CalendarFile)
	if err != nil {
		return nil, nil, err
	}
	w := worker.New(c, cfg.Temporal.TaskQueue, worker.Options{})
	wfs := &workflows.Workflows{Calendar: cal}
	w.RegisterWorkflowWithOptions(wfs.Approval, workflow.RegisterOptions{Name: workflows.ApprovalWorkflow})
	w.RegisterWorkflowWithOptions(wfs.Monitoring, workflow.RegisterOptions{Name: workflows.MonitoringWorkflow})
	w.RegisterActivity(&activities.Activities{Store: st, Sources: sources, Log: log.With("component", "activities")})
	if err := w.Start(); err != nil {
		return nil, nil, fmt.Errorf("start worker: %w", err)
	}
	running := &atomic.Bool{}
	running.Store(true)
	return w, running, nil
}

// checks are the readiness checks of a process.
func checks(st *store.Store, c client.Client, worker *atomic.Bool) []api.Check {
	out := []api.Check{
		{Name: "database", Run: st.Ping},
		{Name: "temporal", Run: func(ctx context.Context) error {
			_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
	if worker != nil {
		out = append(out, api.Check{Name: "worker", Run: func(context.Context) error {
			if !worker.Load() {
				return errors.New("worker stopped")
			}
			return nil
		}})
	}
	return out
}

// devSecret returns the token-signing secret kept in the data dir, making
// one on first start, so tokens survive a restart of `dev`.
func devSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "jwt.key")
	if b, err := os.ReadFile(path); err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write jwt key: %w", err)
	}
	return []byte(secret), nil
}

// ensureSearchAttributes registers the custom search attributes the
// workflows set, adding only the missing ones. On a cluster where the
// worker may not administer the namespace, a failure is only logged: an
// operator runs `assistflow temporal setup` instead (see README).
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, log *slog.Logger) {
	if err := registerSearchAttributes(ctx, c, namespace, log); err != nil {
		log.Warn("cannot register search attributes", "namespace", namespace, "error", err)
	}
}

// loadCalendar builds the working-day calendar with the regional overrides
// of path (none when empty).
func loadCalendar(path string) (*process.Calendar, error) {
	if path == "" {
		return process.DefaultCalendar(), nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calendar file: %w", err)
	}
	return process.ParseCalendar(raw)
}
