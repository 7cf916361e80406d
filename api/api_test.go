package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// newTestServer runs the API on a real, seeded SQLite file. Routes that
// need Temporal are exercised end to end in package e2e; these tests cover
// what the API decides on its own.
func newTestServer(t *testing.T, mod func(*Config)) *Server {
	t.Helper()
	return newTestServerAt(t, filepath.Join(t.TempDir(), "app.db"), mod)
}

// newTestServerAt is newTestServer on a given database file: two servers
// on one file stand for two serve processes sharing a database.
func newTestServerAt(t *testing.T, dsn string, mod func(*Config)) *Server {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st := storetest.DemoAt(t, dsn)
	az, err := rbac.New(ctx, st, log)
	require.NoError(t, err)
	cfg := Config{Store: st, Authz: az, JWTSecret: []byte("test-secret"), Log: log, Blobs: store.DiskBlobs{Dir: t.TempDir()}}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

type response struct {
	status int
	ctype  string
	body   map[string]any
	raw    string
}

func do(t *testing.T, s *Server, method, path, token, ctype, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.App().Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func login(t *testing.T, s *Server, user string) string {
	t.Helper()
	r := do(t, s, "POST", "/api/v1/auth/login", "", "application/json", `{"username":"`+user+`","password":"demo"}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	return r.body["token"].(string)
}

func TestLogin(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct {
		name, ctype, body string
		want              int
		field             string
	}{
		{"ok", "application/json", `{"username":"applicant","password":"demo"}`, 200, ""},
		{"wrong password", "application/json", `{"username":"applicant","password":"nope"}`, 401, ""},
		{"unknown user", "application/json", `{"username":"ghost","password":"demo"}`, 401, ""},
		{"missing password", "application/json", `{"username":"applicant"}`, 422, "password"},
		{"unknown field", "application/json", `{"username":"applicant","password":"demo","role":"admin"}`, 422, "role"},
		{"wrong type", "application/json", `{"username":7,"password":"demo"}`, 422, "username"},
		{"malformed", "application/json", `{"username":`, 400, ""},
		{"not json", "text/plain", `username=applicant`, 415, ""},
		{"two values", "application/json", `{"username":"a","password":"b"} {}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "POST", "/api/v1/auth/login", "", tc.ctype, tc.body)
			require.Equal(t, tc.want, r.status, r.raw)
			if tc.want != 200 {
				require.Equal(t, "application/problem+json", r.ctype)
				require.EqualValues(t, tc.want, r.body["status"])
				require.NotEmpty(t, r.body["detail"])
			}
			if tc.field != "" {
				require.Contains(t, r.raw, `"field":"`+tc.field+`"`)
			}
		})
	}
	r := do(t, s, "POST", "/api/v1/auth/login", "", "application/json", `{"username":"township_clerk","password":"demo"}`)
	require.Equal(t, "township_clerk", r.body["user"].(map[string]any)["username"])
	roles := r.body["user"].(map[string]any)["roles"].([]any)
	require.Equal(t, map[string]any{"role": "township_clerk", "region": "430721100"}, roles[0])
}

func TestLoginIsRateLimited(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.LoginLimit = 3 })
	for i := 0; i < 3; i++ {
		r := do(t, s, "POST", "/api/v1/auth/login", "", "application/json", `{"username":"applicant","password":"x"}`)
		require.Equal(t, http.StatusUnauthorized, r.status)
	}
	r := do(t, s, "POST", "/api/v1/auth/login", "", "application/json", `{"username":"applicant","password":"demo"}`)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, "application/problem+json", r.ctype)
}

func TestTokensAreChecked(t *testing.T) {
	now := time.Now()
	s := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return now } })
	good := login(t, s, "applicant")
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "1", Issuer: "assistflow",
		ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}).SignedString([]byte("another secret"))
	require.NoError(t, err)
	none := "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwiaXNzIjoiYXNzaXN0ZmxvdyJ9."
	for _, tc := range []struct {
		name, token string
		want        int
	}{{"valid", good, 200}, {"missing", "", 401}, {"forged", forged, 401}, {"alg none", none, 401}, {"garbage", "abc", 401}} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v1/me", tc.token, "", "")
			require.Equal(t, tc.want, r.status, r.raw)
		})
	}
	now = now.Add(13 * time.Hour)
	r := do(t, s, "GET", "/api/v1/me", good, "", "")
	require.Equal(t, http.StatusUnauthorized, r.status, "an expired token is refused")

	// Each request sees the user as they are now: disabled, refused;
	// enabled again, accepted with the grants they hold at that moment.
	now = now.Add(-13 * time.Hour)
	ctx := context.Background()
	u, err := s.store.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	require.NoError(t, s.store.SetUserDisabled(ctx, u.ID, true))
	requireRefused(t, s, good, "user is unknown or disabled")
	require.NoError(t, s.store.SetUserDisabled(ctx, u.ID, false))
	_, _, err = s.store.AddGrant(ctx, u.ID, store.NewGrant{Role: "auditor", Region: store.DemoCounty})
	require.NoError(t, err)
	r = do(t, s, "GET", "/api/v1/me", good, "", "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Contains(t, r.raw, `"role":"auditor"`)

	// A database that cannot answer refuses a valid token too, as a server
	// error: the client's sign-in is not what failed.
	require.NoError(t, s.cfg.Store.Close())
	r = do(t, s, "GET", "/api/v1/me", good, "", "")
	require.Equal(t, http.StatusInternalServerError, r.status, r.raw)
	require.Equal(t, "application/problem+json", r.ctype)
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newTestServer(t, nil)
	r := do(t, s, "GET", "/openapi.json", "", "", "")
	require.Equal(t, 200, r.status)
	require.Equal(t, "3.1.0", r.body["openapi"])
	paths := r.body["paths"].(map[string]any)
	documented := 0
	pages := map[string]bool{}
	for _, pr := range s.pageRoutes {
		pages[pr.method+" "+pr.path] = true
	}
	for _, rt := range s.App().GetRoutes(true) {
		if rt.Method == "HEAD" || rt.Path == "/" || pages[rt.Method+" "+rt.Path] {
			continue // web pages are not part of the API contract
		}
		p := pathParam.ReplaceAllString(rt.Path, "{$1}")
		ops, ok := paths[p].(map[string]any)
		require.True(t, ok, "route %s %s is missing from /openapi.json", rt.Method, rt.Path)
		require.Contains(t, ops, strings.ToLower(rt.Method), "route %s %s", rt.Method, rt.Path)
		documented++
	}
	ops := 0
	for _, m := range paths {
		ops += len(m.(map[string]any))
	}
	require.Equal(t, documented, ops, "every documented operation is a route")
	docs := do(t, s, "GET", "/docs", "", "", "")
	require.Equal(t, 200, docs.status)
	require.Contains(t, docs.raw, "/api/v1/tasks/:id/decision")
}

func TestUnknownRouteIsProblem(t *testing.T) {
	s := newTestServer(t, nil)
	r := do(t, s, "GET", "/api/v1/nope", "", "", "")
	require.Equal(t, 404, r.status)
	require.Equal(t, "application/problem+json", r.ctype)
}

func TestOIDCTokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		enc := base64.RawURLEncoding
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1",
			"n": enc.EncodeToString(key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer jwks.Close()
	s := newTestServer(t, func(c *Config) {
		c.OIDC = &OIDC{Issuer: "https://id.example", JWKSURL: jwks.URL, Audience: "assistflow"}
	})
	sign := func(kid, iss, user string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": iss, "aud": "assistflow",
			"preferred_username": user, "exp": time.Now().Add(time.Hour).Unix()})
		tok.Header["kid"] = kid
		raw, err := tok.SignedString(key)
		require.NoError(t, err)
		return raw
	}
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"maps to a local user", sign("k1", "https://id.example", "county_approver"), 200},
		{"other issuer", sign("k1", "https://evil.example", "county_approver"), 401},
		{"unknown key", sign("k2", "https://id.example", "county_approver"), 401},
		{"no such local user", sign("k1", "https://id.example", "stranger"), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v1/me", tc.token, "", "")
			require.Equal(t, tc.want, r.status, r.raw)
			if tc.want == 200 {
				require.Equal(t, "county_approver", r.body["username"])
			}
		})
	}
	u, err := s.store.UserByUsername(context.Background(), "county_approver")
	require.NoError(t, err)
	require.NoError(t, s.store.SetUserDisabled(context.Background(), u.ID, true))
	requireRefused(t, s, sign("k1", "https://id.example", "county_approver"), "user is unknown or disabled")
}

func TestJSONBodyLimit(t *testing.T) {
	s := newTestServer(t, nil)
	big := `{"username":"` + strings.Repeat("x", 2<<20) + `","password":"demo"}`
	r := do(t, s, "POST", "/api/v1/auth/login", "", "application/json", big)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
}

// TestEveryRouteDeclaresAccess walks the route table: each route is public,
// for any signed-in user, or names the object and actions it needs; and a
// route that declared nothing would be refused to everyone.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	s := newTestServer(t, nil)
	for _, r := range s.routes {
		a := r.access
		declared := a.public || a.signedIn || (a.obj != "" && len(a.acts) > 0)
		require.True(t, declared, "%s %s declares no access", r.method, r.path)
		if a.public {
			require.Contains(t, []string{"/healthz", "/readyz", "/openapi.json", "/docs", "/api/v1/auth/login"}, r.path,
				"only these routes are public")
		}
	}
	undeclared := s.guard(access{})
	require.Len(t, undeclared, 1)
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler})
	app.Get("/x", undeclared[0])
	resp, err := app.Test(httptest.NewRequest("GET", "/x", nil), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t, nil)
	req := httptest.NewRequest("GET", "/docs", nil)
	resp, err := s.App().Test(req, -1)
	require.NoError(t, err)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "SAMEORIGIN", resp.Header.Get("X-Frame-Options"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
}
