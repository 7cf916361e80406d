package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// TestLoginLimitHoldsAcrossServers: two API servers, each with its own
// store on one database as two processes have, share one sign-in limit.
func TestLoginLimitHoldsAcrossServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	now := time.Date(2026, 3, 2, 9, 0, 15, 0, time.UTC)
	servers := []*Server{serverOn(t, storetest.DemoAt(t, path), now), serverOn(t, storetest.DemoAt(t, path), now)}
	wrong := `{"username":"applicant","password":"guess"}`
	for i := range 4 {
		r := do(t, servers[i%2], "POST", "/api/v1/auth/login", "", "application/json", wrong)
		require.Equal(t, http.StatusUnauthorized, r.status, "attempt %d", i+1)
	}
	for _, s := range servers {
		r := doFull(t, s, `{"username":"applicant","password":"demo"}`)
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "the fifth attempt, on either server")
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		require.Equal(t, "45", r.Header.Get("Retry-After"), "seconds to the end of the window")
	}
	other := do(t, servers[1], "POST", "/api/v1/auth/login", "", "application/json", `{"username":"township_approver","password":"demo"}`)
	require.Equal(t, http.StatusOK, other.status, "another account from the same address is not locked out")
}

// TestLoginLimitWindowEnds: the next window starts afresh.
func TestLoginLimitWindowEnds(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := serverOn(t, storetest.Demo(t), now)
	s.cfg.Now = func() time.Time { return now }
	body := `{"username":"applicant","password":"demo"}`
	for range 4 {
		require.Equal(t, http.StatusOK, do(t, s, "POST", "/api/v1/auth/login", "", "application/json", body).status)
	}
	require.Equal(t, http.StatusTooManyRequests, do(t, s, "POST", "/api/v1/auth/login", "", "application/json", body).status)
	now = now.Add(time.Minute)
	require.Equal(t, http.StatusOK, do(t, s, "POST", "/api/v1/auth/login", "", "application/json", body).status)
}

// serverOn is an API server on st allowing four sign-ins a minute, its
// clock fixed at now.
func serverOn(t *testing.T, st *store.Store, now time.Time) *Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	az, err := rbac.New(context.Background(), st, log)
	require.NoError(t, err)
	return New(Config{Store: st, Authz: az, JWTSecret: []byte("test-secret"), Log: log, LoginLimit: 4,
		Blobs: store.DiskBlobs{Dir: t.TempDir()}, Now: func() time.Time { return now }})
}

// doFull sends a sign-in and returns the whole response, headers included.
func doFull(t *testing.T, s *Server, body string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.App().Test(req, -1)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}
