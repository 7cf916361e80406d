package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/assistflow/assistflow/api"
	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/devserver"
	"github.com/assistflow/assistflow/internal/storetest"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
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
