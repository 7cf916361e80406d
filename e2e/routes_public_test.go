package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apiRoutes is every route of the case-work API these tests cover.
// TestRoutesPublic requires each in the OpenAPI document and on the docs
// page, and checks the bearer token on every route the document lists.
var apiRoutes = []struct{ method, pattern string }{
	{"GET", "/healthz"},
	{"GET", "/readyz"},
	{"GET", "/openapi.json"},
	{"GET", "/docs"},
	{"POST", "/api/v1/auth/login"},
	{"POST", "/api/v1/auth/logout"},
	{"GET", "/api/v1/me"},
	{"POST", "/api/v1/cases"},
	{"GET", "/api/v1/cases"},
	{"GET", "/api/v1/cases/:id"},
	{"POST", "/api/v1/cases/:id/withdraw"},
	{"POST", "/api/v1/cases/:id/materials"},
	{"POST", "/api/v1/cases/:id/objections"},
	{"POST", "/api/v1/cases/:id/attachments"},
	{"GET", "/api/v1/cases/:id/attachments"},
	{"GET", "/api/v1/cases/:id/attachments/:aid"},
	{"GET", "/api/v1/notices"},
	{"GET", "/api/v1/tasks"},
	{"POST", "/api/v1/tasks/:id/claim"},
	{"POST", "/api/v1/tasks/:id/unclaim"},
	{"POST", "/api/v1/tasks/:id/delegate"},
	{"POST", "/api/v1/tasks/:id/decision"},
	{"POST", "/api/v1/tasks/decisions"},
}

// TestRoutesPublic covers the public routes, sign-in, /me, the bearer
// token on every other /api/v1 route, and the sign-in rate limit.
func TestRoutesPublic(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "township_approver", "admin", "auditor")
	t.Run("health", func(t *testing.T) { checkHealth(t, r) })
	var ops []operation
	t.Run("openapi lists the routes", func(t *testing.T) { ops = checkOpenAPI(t, r) })
	require.GreaterOrEqual(t, len(ops), len(apiRoutes))
	t.Run("docs page", func(t *testing.T) { checkDocs(t, r) })
	t.Run("unknown route", func(t *testing.T) {
		requireProblem(t, r.send(t, "GET", "/api/v1/nowhere", "applicant", nil), http.StatusNotFound)
	})
	t.Run("login", func(t *testing.T) { checkLogin(t, r) })
	t.Run("me", func(t *testing.T) { checkMe(t, r) })
	t.Run("no token", func(t *testing.T) { checkUnauthenticated(t, r, ops) })
	t.Run("roles that may not", func(t *testing.T) { checkRoleGuard(t, r) })
	t.Run("login rate limit", func(t *testing.T) { checkLoginLimit(t, r) })
}

func checkHealth(t *testing.T, r *routes) {
	var h map[string]any
	r.ok(t, http.StatusOK, r.send(t, "GET", "/healthz", "", nil), &h)
	require.Equal(t, "ok", h["status"])
	var ready readiness
	r.ok(t, http.StatusOK, r.send(t, "GET", "/readyz", "", nil), &ready)
	require.Equal(t, "ready", ready.Status)
	for _, name := range []string{"database", "temporal", "worker"} {
		require.Equal(t, "ok", ready.Checks[name]["status"], "check %s", name)
	}
}

// operation is one method and path of the OpenAPI document.
type operation struct{ method, path string }

// checkOpenAPI: the document lists every route of apiRoutes, and marks
// every /api/v1 route but sign-in as needing a bearer token. It returns
// every operation it lists, routes added since apiRoutes included.
func checkOpenAPI(t *testing.T, r *routes) []operation {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	r.ok(t, http.StatusOK, r.send(t, "GET", "/openapi.json", "", nil), &doc)
	require.Equal(t, "3.1.0", doc.OpenAPI)
	var ops []operation
	listed := map[operation]bool{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			o := operation{strings.ToUpper(method), path}
			ops, listed[o] = append(ops, o), true
			_, hasSecurity := op["security"]
			secured := strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/auth/login"
			require.Equal(t, secured, hasSecurity, "security of %v", o)
			require.NotEmpty(t, op["summary"], "summary of %v", o)
		}
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, rt := range apiRoutes {
		require.True(t, listed[operation{rt.method, param.ReplaceAllString(rt.pattern, "{$1}")}],
			"%s %s is not in the OpenAPI document", rt.method, rt.pattern)
	}
	return ops
}

func checkDocs(t *testing.T, r *routes) {
	rp := r.send(t, "GET", "/docs", "", nil)
	require.Equal(t, http.StatusOK, rp.Status)
	require.True(t, strings.HasPrefix(rp.Header.Get("Content-Type"), "text/html"), rp.Header.Get("Content-Type"))
	for _, rt := range apiRoutes {
		require.Contains(t, string(rp.Body), "<code>"+rt.pattern+"</code>")
	}
}

func checkLogin(t *testing.T, r *routes) {
	var res struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
		User      userDoc   `json:"user"`
	}
	r.ok(t, http.StatusOK, r.send(t, "POST", "/api/v1/auth/login", "",
		map[string]string{"username": "village_officer", "password": "demo"}), &res)
	require.NotEmpty(t, res.Token)
	require.True(t, res.ExpiresAt.After(time.Now()))
	require.Equal(t, "village_officer", res.User.Username)
	require.Equal(t, []roleDoc{{"village_officer", village1}}, res.User.Roles)

	wrong := ""
	for _, tc := range []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"wrong password", map[string]string{"username": "applicant", "password": "nope"}, http.StatusUnauthorized, nil},
		{"unknown user", map[string]string{"username": "nobody", "password": "demo"}, http.StatusUnauthorized, nil},
		{"empty", map[string]string{}, http.StatusUnprocessableEntity, []string{"username", "password"}},
		{"unknown field", map[string]string{"username": "applicant", "password": "demo", "otp": "1"},
			http.StatusUnprocessableEntity, []string{"otp"}},
		{"not JSON", rawBody{"text/plain", []byte("applicant:demo")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", rawBody{"application/json", []byte(`{"username":`)}, http.StatusBadRequest, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := requireProblem(t, r.send(t, "POST", "/api/v1/auth/login", "", tc.body), tc.status, tc.fields...)
			if tc.status == http.StatusUnauthorized {
				if wrong == "" {
					wrong = p.Detail
				}
				require.Equal(t, wrong, p.Detail, "unknown users and wrong passwords get the same answer")
			}
		})
	}
}

type roleDoc struct {
	Role   string `json:"role"`
	Region string `json:"region"`
}

type userDoc struct {
	ID       int64     `json:"id"`
	Username string    `json:"username"`
	Roles    []roleDoc `json:"roles"`
}

func checkMe(t *testing.T, r *routes) {
	for _, tc := range []struct {
		user string
		role roleDoc
	}{{"applicant", roleDoc{"applicant", village1}}, {"township_approver", roleDoc{"township_approver", township}}} {
		var me userDoc
		r.ok(t, http.StatusOK, r.send(t, "GET", "/api/v1/me", tc.user, nil), &me)
		require.Equal(t, tc.user, me.Username)
		require.Equal(t, r.ids[tc.user], me.ID)
		require.Equal(t, []roleDoc{tc.role}, me.Roles)
	}
}

// checkUnauthenticated: every /api/v1 route the OpenAPI document lists,
// but sign-in, answers 401 without a valid bearer token, before it looks
// at anything else.
func checkUnauthenticated(t *testing.T, r *routes, ops []operation) {
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, op := range ops {
		if !strings.HasPrefix(op.path, "/api/v1/") || op.path == "/api/v1/auth/login" {
			continue
		}
		path := param.ReplaceAllString(op.path, "1")
		for _, auth := range []struct{ name, header string }{{"none", ""}, {"empty bearer", "Bearer "},
			{"garbage", "Bearer not-a-token"}, {"basic", "Basic YXBwbGljYW50OmRlbW8="},
			{"forged", "Bearer " + forged(r.tokens["applicant"])}} {
			t.Run(op.method+" "+op.path+" "+auth.name, func(t *testing.T) {
				var headers []string
				if auth.header != "" {
					headers = []string{"Authorization", auth.header}
				}
				requireProblem(t, r.send(t, op.method, path, "", map[string]any{}, headers...), http.StatusUnauthorized)
			})
		}
	}
}

// checkRoleGuard: a route answers 403 to a user none of whose roles may
// ever do what it does, whatever the object; the same users get 200 where
// a role allows it.
func checkRoleGuard(t *testing.T, r *routes) {
	for _, tc := range []struct {
		user, method, path string
		want               int
	}{
		{"admin", "GET", "/api/v1/cases", http.StatusForbidden},
		{"admin", "GET", "/api/v1/cases/1", http.StatusForbidden},
		{"admin", "POST", "/api/v1/cases", http.StatusForbidden},
		{"admin", "GET", "/api/v1/tasks", http.StatusForbidden},
		{"admin", "GET", "/api/v1/notices?region=" + village1, http.StatusOK},
		{"auditor", "GET", "/api/v1/cases", http.StatusOK},
		{"auditor", "GET", "/api/v1/tasks", http.StatusOK},
		{"auditor", "POST", "/api/v1/cases", http.StatusForbidden},
		{"auditor", "POST", "/api/v1/cases/1/objections", http.StatusForbidden},
		{"auditor", "POST", "/api/v1/tasks/1/decision", http.StatusForbidden},
		{"auditor", "POST", "/api/v1/tasks/decisions", http.StatusForbidden},
		{"township_approver", "POST", "/api/v1/tasks/decisions", http.StatusForbidden},
		{"applicant", "GET", "/api/v1/tasks", http.StatusForbidden},
		{"applicant", "POST", "/api/v1/tasks/1/claim", http.StatusForbidden},
	} {
		t.Run(tc.user+" "+tc.method+" "+tc.path, func(t *testing.T) {
			rp := r.send(t, tc.method, tc.path, tc.user, map[string]any{})
			if tc.want == http.StatusOK {
				r.ok(t, http.StatusOK, rp, nil)
				return
			}
			requireProblem(t, rp, tc.want)
		})
	}
}

// forged changes the signature of a token.
func forged(tok string) string {
	last := tok[len(tok)-2]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	return tok[:len(tok)-2] + string(repl) + tok[len(tok)-1:]
}

// checkLoginLimit: one client address gets at most 20 sign-ins a minute
// per account; other accounts signing in from it are not locked out.
func checkLoginLimit(t *testing.T, r *routes) {
	limited := false
	for i := 0; i < 21 && !limited; i++ {
		rp := r.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "applicant", "password": "guess"})
		if rp.Status == http.StatusTooManyRequests {
			requireProblem(t, rp, http.StatusTooManyRequests)
			limited = true
			continue
		}
		requireProblem(t, rp, http.StatusUnauthorized)
	}
	require.True(t, limited, "21 sign-ins in a row were never limited")
	requireProblem(t, r.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"username": "applicant", "password": "demo"}),
		http.StatusTooManyRequests)
	r.ok(t, http.StatusOK, r.send(t, "POST", "/api/v1/auth/login", "",
		map[string]string{"username": "township_approver", "password": "demo"}), nil)
	var me userDoc
	r.ok(t, http.StatusOK, r.send(t, "GET", "/api/v1/me", "applicant", nil), &me)
	require.Equal(t, "applicant", me.Username, "a token issued before the limit still works")
}
