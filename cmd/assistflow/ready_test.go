package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assistflow/assistflow/api"
	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/devserver"
	"github.com/assistflow/assistflow/internal/storetest"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// readiness asks /readyz of srv and returns the status code and the state
// of the temporal check.
func readiness(t *testing.T, srv *api.Server) (int, string) {
	t.Helper()
	resp, err := srv.App().Test(httptest.NewRequest("GET", "/readyz", nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body struct {
		Checks map[string]struct {
			Status string `json:"status"`
		} `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(raw, &body), "%s", raw)
	require.Equal(t, "ok", body.Checks["database"].Status)
	return resp.StatusCode, body.Checks["temporal"].Status
}

// TestReadinessFollowsTemporal: /readyz of serve answers 200 while the
// Temporal frontend answers and 503, naming temporal, once it is gone —
// a load balancer then stops sending requests this process cannot serve.
func TestReadinessFollowsTemporal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	temporal, err := devserver.Start(ctx, devserver.Options{DatabaseFile: filepath.Join(dir, "temporal.db"),
		Namespace: "assistflow", Logger: log})
	require.NoError(t, err)
	stopped := false
	defer func() {
		if !stopped {
			temporal.Stop()
		}
	}()
	cfg := config.Default()
	c, err := dialTemporal(ctx, cfg, temporal.FrontendAddress(), log)
	require.NoError(t, err)
	defer c.Close()
	st := storetest.Demo(t)
	az, err := rbac.New(ctx, st, log)
	require.NoError(t, err)
	srv := api.New(api.Config{Store: st, Authz: az, Temporal: c, JWTSecret: []byte("s"), Log: log,
		Blobs: store.DiskBlobs{Dir: dir}, Checks: checks(st, c, nil)})

	code, state := readiness(t, srv)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", state)

	temporal.Stop()
	stopped = true
	require.Eventually(t, func() bool {
		code, state := readiness(t, srv)
		return code == http.StatusServiceUnavailable && state == "fail"
	}, 30*time.Second, 200*time.Millisecond, "readyz reports temporal down")
}

// TestDialWaitsForTemporal: serve and worker may start before the
// Temporal frontend does; the dial keeps retrying and connects once the
// frontend comes up.
func TestDialWaitsForTemporal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	type dialed struct {
		c   client.Client
		err error
	}
	got := make(chan dialed, 1)
	go func() {
		c, err := dialTemporal(ctx, config.Default(), fmt.Sprintf("127.0.0.1:%d", port), log)
		got <- dialed{c, err}
	}()
	select {
	case d := <-got:
		t.Fatalf("dial returned before any frontend listened: %v", d.err)
	case <-time.After(time.Second):
	}

	temporal, err := devserver.Start(ctx, devserver.Options{DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"),
		Namespace: "assistflow", Port: port, Logger: log})
	require.NoError(t, err)
	defer temporal.Stop()
	d := <-got
	require.NoError(t, d.err)
	defer d.c.Close()
	_, err = d.c.CheckHealth(ctx, &client.CheckHealthRequest{})
	require.NoError(t, err)
}

// TestWorkerHealthListener: a worker's /healthz answers while it runs;
// its /readyz names the failing check and answers 503.
func TestWorkerHealthListener(t *testing.T) {
	var down atomic.Bool
	checks := []api.Check{
		{Name: "database", Run: func(context.Context) error { return nil }},
		{Name: "temporal", Run: func(context.Context) error {
			if down.Load() {
				return errors.New("frontend unreachable")
			}
			return nil
		}},
	}
	srv, ln, err := healthServer("127.0.0.1:0", checks, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer srv.Close()
	get := func(path string) (int, map[string]any) {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}
	code, _ := get("/healthz")
	require.Equal(t, http.StatusOK, code)
	code, body := get("/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ready", body["status"])
	down.Store(true)
	code, body = get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "fail", body["checks"].(map[string]any)["temporal"].(map[string]any)["status"])
	code, _ = get("/healthz")
	require.Equal(t, http.StatusOK, code, "alive though not ready: no restart for a Temporal outage")

	// The container healthcheck: `assistflow probe URL` fails while not ready.
	probe := func(path string) error {
		return run(context.Background(), []string{"probe", "http://" + ln.Addr().String() + path}, io.Discard, io.Discard,
			func(string) (string, bool) { return "", false })
	}
	require.ErrorContains(t, probe("/readyz"), "503")
	require.NoError(t, probe("/healthz"))
	down.Store(false)
	require.NoError(t, probe("/readyz"))
}
