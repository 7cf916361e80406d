package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apiRoutes is every route of the API, with a concrete path to call it by.
// TestRoutesPublic compares it with the OpenAPI document, so a route added
// to the server without a test here fails.
var apiRoutes = []struct{ method, pattern, path string }{
	{"GET", "/healthz", "/healthz"},
	{"GET", "/readyz", "/readyz"},
	{"GET", "/openapi.json", "/openapi.json"},
	{"GET", "/docs", "/docs"},
	{"POST", "/api/v1/auth/login", "/api/v1/auth/login"},
	{"GET", "/api/v1/me", "/api/v1/me"},
	{"POST", "/api/v1/cases", "/api/v1/cases"},
	{"GET", "/api/v1/cases", "/api/v1/cases"},
	{"GET", "/api/v1/cases/:id", "/api/v1/cases/1"},
	{"POST", "/api/v1/cases/:id/withdraw", "/api/v1/cases/1/withdraw"},
	{"POST", "/api/v1/cases/:id/materials", "/api/v1/cases/1/materials"},
	{"POST", "/api/v1/cases/:id/objections", "/api/v1/cases/1/objections"},
	{"POST", "/api/v1/cases/:id/attachments", "/api/v1/cases/1/attachments"},
	{"GET", "/api/v1/cases/:id/attachments", "/api/v1/cases/1/attachments"},
	{"GET", "/api/v1/cases/:id/attachments/:aid", "/api/v1/cases/1/attachments/1"},
	{"GET", "/api/v1/notices", "/api/v1/notices?region=430721100201"},
	{"GET", "/api/v1/tasks", "/api/v1/tasks"},
	{"POST", "/api/v1/tasks/:id/claim", "/api/v1/tasks/1/claim"},
	{"POST", "/api/v1/tasks/:id/unclaim", "/api/v1/tasks/1/unclaim"},
	{"POST", "/api/v1/tasks/:id/delegate", "/api/v1/tasks/1/delegate"},
	{"POST", "/api/v1/tasks/:id/decision", "/api/v1/tasks/1/decision"},
	{"POST", "/api/v1/tasks/decisions", "/api/v1/tasks/decisions"},
}

// TestRoutesPublic covers the public routes, sign-in, /me, the bearer
// token on every other /api/v1 route, and the sign-in rate limit.
func TestRoutesPublic(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "township_approver")
	t.Run("health", func(t *testing.T) { checkHealth(t, r) })
	t.Run("openapi lists exactly the routes", func(t *testing.T) { checkOpenAPI(t, r) })
	t.Run("docs page", func(t *testing.T) { checkDocs(t, r) })
	t.Run("unknown route", func(t *testing.T) {
		requireProblem(t, r.send(t, "GET", "/api/v1/nowhere", "applicant", nil), http.StatusNotFound)
	})
	t.Run("login", func(t *testing.T) { checkLogin(t, r) })
	t.Run("me", func(t *testing.T) { checkMe(t, r) })
	t.Run("no token", func(t *testing.T) { checkUnauthenticated(t, r) })
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

func checkOpenAPI(t *testing.T, r *routes) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	r.ok(t, http.StatusOK, r.send(t, "GET", "/openapi.json", "", nil), &doc)
	require.Equal(t, "3.1.0", doc.OpenAPI)
	param := regexp.MustCompile(`:([a-z_]+)`)
	var want, got []string
	secured := map[string]bool{}
	for _, rt := range apiRoutes {
		key := strings.ToLower(rt.method) + " " + param.ReplaceAllString(rt.pattern, "{$1}")
		want = append(want, key)
		secured[key] = strings.HasPrefix(rt.pattern, "/api/v1/") && rt.pattern != "/api/v1/auth/login"
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := method + " " + path
			got = append(got, key)
			_, hasSecurity := op["security"]
			require.Equal(t, secured[key], hasSecurity, "security of %s", key)
			require.NotEmpty(t, op["summary"], "summary of %s", key)
		}
	}
	require.ElementsMatch(t, want, got)
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

// checkUnauthenticated: every /api/v1 route but login answers 401 without
// a valid bearer token, before it looks at anything else.
func checkUnauthenticated(t *testing.T, r *routes) {
	for _, rt := range apiRoutes {
		if !strings.HasPrefix(rt.pattern, "/api/v1/") || rt.pattern == "/api/v1/auth/login" {
			continue
		}
		for _, auth := range []string{"", "Bearer ", "Bearer not-a-token", "Basic YXBwbGljYW50OmRlbW8=",
			"Bearer " + forged(r.tokens["applicant"])} {
			t.Run(rt.method+" "+rt.pattern+" "+auth, func(t *testing.T) {
				var headers []string
				if auth != "" {
					headers = []string{"Authorization", auth}
				}
				requireProblem(t, r.send(t, rt.method, rt.path, "", map[string]any{}, headers...), http.StatusUnauthorized)
			})
		}
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

// checkLoginLimit: one client address gets at most 20 sign-ins a minute.
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
	var me userDoc
	r.ok(t, http.StatusOK, r.send(t, "GET", "/api/v1/me", "applicant", nil), &me)
}

// longText is n runes of Chinese text.
func longText(n int) string { return strings.Repeat("理", n) }

// caseURL is the path of a case or of something under it.
func caseURL(id int64, rest ...string) string {
	return fmt.Sprintf("/api/v1/cases/%d", id) + strings.Join(rest, "")
}
