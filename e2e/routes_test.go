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

// apiRoutes is every route of the case-work API these tests cover.
// TestRoutesPublic requires each in the OpenAPI document and on the docs
// page, and checks the bearer token on every route the document lists.
var apiRoutes = []struct{ method, pattern string }{
	{"GET", "/healthz"},
	{"GET", "/readyz"},
	{"GET", "/openapi.json"},
	{"GET", "/docs"},
	{"POST", "/api/v1/auth/login"},
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

// TestRoutesCaseSubmission covers POST /cases (idempotency and every
// rejection), GET /cases/:id and GET /cases (visibility, filters, paging).
func TestRoutesCaseSubmission(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", "village_officer2")
	var first, other caseView
	var firstID string
	t.Run("same key twice", func(t *testing.T) { first, other, firstID = checkIdempotentSubmit(t, r) })
	require.NotZero(t, first.ID)
	r.waitStage(t, "applicant", first.ID, "home_check")
	r.waitStage(t, "applicant2", other.ID, "home_check")
	var retried caseView
	t.Run("rejected submissions", func(t *testing.T) { retried = checkRejectedSubmissions(t, r) })
	require.NotZero(t, retried.ID)
	t.Run("read one case", func(t *testing.T) { checkReadCase(t, r, first.ID, firstID) })
	t.Run("list cases", func(t *testing.T) { checkListCases(t, r, []int64{retried.ID, first.ID}, other.ID) })
}

// submission is a valid case body for village 1.
func submission(head string) map[string]any {
	return map[string]any{"program": "monitoring", "region": village1, "channel": "self_report", "household": household(head)}
}

// checkIdempotentSubmit: a retried submission returns the first case; the
// key belongs to its submitter.
func checkIdempotentSubmit(t *testing.T, r *routes) (caseView, caseView, string) {
	body := submission("张三")
	idNum := body["household"].(map[string]any)["members"].([]map[string]any)[0]["id_number"].(string)
	var c1, c2, c3 caseView
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant", body, "Idempotency-Key", "same-key"), &c1)
	require.Equal(t, "in_review", c1.Status)
	require.Equal(t, "monitoring", c1.Program)
	require.Equal(t, 2, c1.Definition.Version, "the pilot county starts on version 2")
	r.ok(t, http.StatusOK, r.send(t, "POST", "/api/v1/cases", "applicant", body, "Idempotency-Key", "same-key"), &c2)
	require.Equal(t, c1.ID, c2.ID)

	body2 := submission("黄桂兰")
	body2["region"] = village2
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant2", body2, "Idempotency-Key", "same-key"), &c3)
	require.NotEqual(t, c1.ID, c3.ID)
	ids, _ := caseIDs(t, r.send(t, "GET", "/api/v1/cases", "applicant", nil))
	require.Equal(t, []int64{c1.ID}, ids, "the retry made no second case")
	return c1, c3, idNum
}

type submissionCase struct {
	name   string
	user   string
	key    string
	edit   func(b map[string]any)
	body   any // sent instead of the edited submission
	status int
	fields []string
}

func submissionCases() []submissionCase {
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	badID := func(b map[string]any) {
		m := b["household"].(map[string]any)["members"].([]map[string]any)[0]
		id := m["id_number"].(string)
		m["id_number"] = id[:17] + map[bool]string{true: "1", false: "0"}[id[17] == '0']
	}
	const u, k = "applicant", "rejected"
	unprocessable := http.StatusUnprocessableEntity
	return []submissionCase{
		{"no Idempotency-Key", u, "", nil, nil, unprocessable, []string{"Idempotency-Key"}},
		{"Idempotency-Key too long", u, strings.Repeat("k", 201), nil, nil, unprocessable, []string{"Idempotency-Key"}},
		{"bad ID check digit", u, k, badID, nil, unprocessable, []string{"household.members[0].id_number"}},
		{"unknown program", u, k, set("program", "pension"), nil, unprocessable, []string{"program"}},
		{"program without a chain", u, k, set("program", "tekun"), nil, unprocessable, []string{"program"}},
		{"unknown channel", u, k, set("channel", "fax"), nil, unprocessable, []string{"channel"}},
		{"township region", u, k, set("region", township), nil, unprocessable, []string{"region"}},
		{"unknown region", u, k, set("region", "430721100299"), nil, unprocessable, []string{"region"}},
		{"no region", u, k, set("region", ""), nil, unprocessable, []string{"region"}},
		{"unknown field", u, k, set("colour", "red"), nil, unprocessable, []string{"colour"}},
		{"household of wrong type", u, k, set("household", "many"), nil, unprocessable, []string{"household"}},
		{"another village", u, k, set("region", village2), nil, http.StatusForbidden, nil},
		{"official self-reporting", "village_officer", k, nil, nil, http.StatusForbidden, nil},
		{"not JSON", u, k, nil, rawBody{"text/plain", []byte("program=monitoring")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, k, nil, rawBody{"application/json", []byte(`{"program":`)}, http.StatusBadRequest, nil},
		{"two JSON values", u, k, nil, rawBody{"application/json", []byte(`{} {}`)}, http.StatusBadRequest, nil},
		{"body over 1 MB", u, k, nil, rawBody{"application/json", []byte(`{"program":"` + strings.Repeat("m", 1<<20) + `"}`)},
			http.StatusRequestEntityTooLarge, nil},
	}
}

// caseLists is every case list the route tests' users see.
func caseLists(t *testing.T, r *routes) []string {
	var out []string
	for _, u := range []string{"applicant", "applicant2", "village_officer", "village_officer2"} {
		rp := r.send(t, "GET", "/api/v1/cases", u, nil)
		require.Equal(t, http.StatusOK, rp.Status)
		out = append(out, u+": "+string(rp.Body))
	}
	return out
}

// checkRejectedSubmissions: each rejection names its field and stores
// nothing; the key of a rejected request is still free afterwards.
func checkRejectedSubmissions(t *testing.T, r *routes) caseView {
	before := caseLists(t, r)
	for _, tc := range submissionCases() {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if body == nil {
				b := submission("王五")
				if tc.edit != nil {
					tc.edit(b)
				}
				body = b
			}
			var headers []string
			if tc.key != "" {
				headers = []string{"Idempotency-Key", tc.key}
			}
			requireProblem(t, r.send(t, "POST", "/api/v1/cases", tc.user, body, headers...), tc.status, tc.fields...)
			require.Equal(t, before, caseLists(t, r), "a rejected submission changed the case lists")
		})
	}
	var c caseView
	r.ok(t, http.StatusCreated, r.send(t, "POST", "/api/v1/cases", "applicant", submission("王五"), "Idempotency-Key", "rejected"), &c)
	r.waitStage(t, "applicant", c.ID, "home_check")
	return c
}

// checkReadCase: the owner sees the household in full, an official of the
// village masked, everyone else nothing at all.
func checkReadCase(t *testing.T, r *routes, id int64, idNum string) {
	idOf := func(user string) string {
		var c struct {
			Household struct {
				Members []struct {
					IDNumber string `json:"id_number"`
				} `json:"members"`
			} `json:"household"`
		}
		r.ok(t, http.StatusOK, r.send(t, "GET", caseURL(id), user, nil), &c)
		require.Len(t, c.Household.Members, 1)
		return c.Household.Members[0].IDNumber
	}
	require.Equal(t, idNum, idOf("applicant"))
	masked := idOf("village_officer")
	require.NotEqual(t, idNum, masked)
	require.Equal(t, idNum[:6], masked[:6])
	for _, tc := range []struct{ name, user, path string }{
		{"another applicant", "applicant2", caseURL(id)},
		{"official of another village", "village_officer2", caseURL(id)},
		{"id not a number", "applicant", "/api/v1/cases/abc"},
		{"id zero", "applicant", "/api/v1/cases/0"},
		{"no such case", "applicant", "/api/v1/cases/99999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", tc.path, tc.user, nil), http.StatusNotFound)
		})
	}
}

// checkListCases: own is the applicant's cases so far (newest first),
// other the one case of applicant2 in village 2.
func checkListCases(t *testing.T, r *routes, own []int64, other int64) {
	linshi := r.submitCase(t, "applicant", "linshi", village1, "list-linshi")
	gone := r.submitCase(t, "applicant", "monitoring", village1, "list-gone")
	var w caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", caseURL(gone.ID, "/withdraw"), "applicant", nil), &w)
	require.Equal(t, "withdrawn", w.Status)
	r.waitStage(t, "applicant", linshi.ID, "urgent_aid")
	mine := append([]int64{gone.ID, linshi.ID}, own...)
	for _, tc := range []struct {
		user, query string
		want        []int64
	}{
		{"applicant", "", mine},
		{"applicant2", "", []int64{other}},
		{"village_officer", "", mine},
		{"village_officer2", "", []int64{other}},
		{"applicant", "program=linshi", []int64{linshi.ID}},
		{"applicant", "status=withdrawn", []int64{gone.ID}},
		{"applicant", "status=in_review", append([]int64{linshi.ID}, own...)},
		{"village_officer", "program=monitoring&status=in_review", own},
		{"village_officer", "stage=home_check", own},
		{"village_officer", "stage=urgent_aid", []int64{linshi.ID}},
		{"village_officer", "region=" + township, mine},
		{"village_officer", "region=" + village2, []int64{}},
		{"applicant2", "status=withdrawn", []int64{}},
	} {
		t.Run(tc.user+" "+tc.query, func(t *testing.T) {
			ids, next := caseIDs(t, r.send(t, "GET", "/api/v1/cases?"+tc.query, tc.user, nil))
			require.Equal(t, tc.want, ids)
			require.Nil(t, next)
		})
	}
	t.Run("keyset paging", func(t *testing.T) {
		for _, size := range []int{1, 2} {
			require.Equal(t, mine, pageThrough(t, r, "village_officer", size))
		}
	})
	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=ten", "limit"},
		{"cursor=!!", "cursor"}, {"cursor=0", "cursor"}, {"cursor=-5", "cursor"},
		{"region=999", "region"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/cases?"+tc.query, "applicant", nil),
				http.StatusUnprocessableEntity, tc.field)
		})
	}
}

// pageThrough follows next_cursor through a user's case list.
func pageThrough(t *testing.T, r *routes, user string, size int) []int64 {
	var all []int64
	query := fmt.Sprintf("limit=%d", size)
	for pages := 0; pages < 20; pages++ {
		ids, next := caseIDs(t, r.send(t, "GET", "/api/v1/cases?"+query, user, nil))
		require.LessOrEqual(t, len(ids), size)
		all = append(all, ids...)
		if next == nil {
			return all
		}
		require.Len(t, ids, size, "only a full page has a next page")
		query = fmt.Sprintf("limit=%d&cursor=%s", size, *next)
	}
	t.Fatalf("more than 20 pages of %d", size)
	return nil
}

// TestRoutesCaseLifecycle covers withdraw and materials.
func TestRoutesCaseLifecycle(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer")
	t.Run("withdraw", func(t *testing.T) { checkWithdraw(t, r) })
	t.Run("materials", func(t *testing.T) { checkMaterials(t, r) })
}

func checkWithdraw(t *testing.T, r *routes) {
	c := r.submitCase(t, "applicant", "monitoring", village1, "withdraw-1")
	tk := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	url := caseURL(c.ID, "/withdraw")
	state := func(t *testing.T) []string { return r.snapshot(t, c.ID, "applicant", "village_officer") }
	requireRejected(t, r, "POST", state, []rejection{
		{"by another applicant", "applicant2", url, nil, http.StatusNotFound, nil},
		{"by an official", "village_officer", url, nil, http.StatusForbidden, nil},
		{"no such case", "applicant", caseURL(99999999, "/withdraw"), nil, http.StatusNotFound, nil},
		{"reason of wrong type", "applicant", url, map[string]any{"reason": 5}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"unknown field", "applicant", url, map[string]any{"why": "x"}, http.StatusUnprocessableEntity, []string{"why"}},
		{"reason too long", "applicant", url, map[string]any{"reason": longText(2001)}, http.StatusUnprocessableEntity, nil},
		{"not JSON", "applicant", url, rawBody{"text/plain", []byte("不申请了")}, http.StatusUnsupportedMediaType, nil},
	})
	var w caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", url, "applicant", map[string]string{"reason": "家里情况好转了"}), &w)
	require.Equal(t, "withdrawn", w.Status)
	require.Empty(t, w.CurrentStages)
	require.Equal(t, 1, timelineCount(w, "", "withdrawn"))
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("view=all&case_id=%d", c.ID)).Items,
		"the withdrawn case's task left the inbox")
	requireProblem(t, r.decide(t, "village_officer", tk.ID, map[string]string{"action": "approve"}), http.StatusConflict)

	// The closed case accepts nothing more: materials (a new Update id)
	// and a second withdrawal (the same Update id as the first) alike.
	requireRejected(t, r, "POST", state, []rejection{
		{"materials after withdrawal", "applicant", caseURL(c.ID, "/materials"), map[string]string{"note": "x"}, http.StatusConflict, nil},
		{"withdraw again", "applicant", url, nil, http.StatusConflict, nil},
		{"withdraw again with a reason", "applicant", url, map[string]string{"reason": "再次撤回"}, http.StatusConflict, nil},
	})
}

func checkMaterials(t *testing.T, r *routes) {
	c := r.submitCase(t, "applicant", "monitoring", village1, "materials-1")
	first := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	url := caseURL(c.ID, "/materials")
	state := func(t *testing.T) []string { return r.snapshot(t, c.ID, "applicant", "village_officer") }
	note := map[string]string{"note": "补交了户口本复印件"}
	requireRejected(t, r, "POST", state, []rejection{
		{"none are owed", "applicant", url, note, http.StatusConflict, nil},
		{"by another applicant", "applicant2", url, note, http.StatusNotFound, nil},
	})

	var ret caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_officer", first.ID,
		map[string]string{"action": "return_to_applicant", "comment": "请补交户口本"}), &ret)
	require.Equal(t, "awaiting_applicant", ret.Status)
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("view=all&case_id=%d", c.ID)).Items)

	requireRejected(t, r, "POST", state, []rejection{
		{"empty note", "applicant", url, map[string]string{"note": ""}, http.StatusUnprocessableEntity, []string{"note"}},
		{"nothing supplied", "applicant", url, map[string]any{}, http.StatusUnprocessableEntity, []string{"note"}},
		{"note too long", "applicant", url, map[string]string{"note": longText(2001)}, http.StatusUnprocessableEntity, nil},
		{"not JSON", "applicant", url, rawBody{"text/plain", []byte("户口本")}, http.StatusUnsupportedMediaType, nil},
		{"by an official", "village_officer", url, note, http.StatusForbidden, nil},
		{"by another applicant while owed", "applicant2", url, note, http.StatusNotFound, nil},
	})

	var sup caseView
	r.ok(t, http.StatusOK, r.send(t, "POST", url, "applicant", note), &sup)
	require.Equal(t, "in_review", sup.Status)
	require.Equal(t, 1, timelineCount(sup, "home_check", "materials_supplied"))
	again := r.waitTask(t, "village_officer", c.ID, "home_check")
	require.NotEqual(t, first.ID, again.ID, "the stage runs again as a new task")
	requireProblem(t, r.send(t, "POST", url, "applicant", note), http.StatusConflict)
}

// TestRoutesNoticeBoard covers objections, the notice board and
// attachments. The notice lasts ten minutes, so a case stays on it.
func TestRoutesNoticeBoard(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", "village_committee")
	posted := r.submitCase(t, "applicant", "monitoring", village1, "notice-1")
	tk := r.waitTask(t, "village_officer", posted.ID, "home_check")
	r.ok(t, http.StatusOK, r.decide(t, "village_officer", tk.ID, map[string]string{"action": "approve"}), nil)
	tk = r.waitTask(t, "village_committee", posted.ID, "village_appraisal")
	var c caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_committee", tk.ID, map[string]string{"action": "approve"}), &c)
	require.Equal(t, "in_notice", c.Status)
	review := r.submitCase(t, "applicant", "monitoring", village1, "review-1")
	r.waitStage(t, "applicant", review.ID, "home_check")

	t.Run("objections", func(t *testing.T) { checkObjections(t, r, posted.ID, review.ID) })
	t.Run("notices", func(t *testing.T) { checkNotices(t, r, posted.ID, review.ID) })
	t.Run("attachments", func(t *testing.T) { checkAttachments(t, r, review.ID, posted.ID) })
}

func checkObjections(t *testing.T, r *routes, posted, review int64) {
	url := caseURL(posted, "/objections")
	reason := map[string]any{"reason": "该户儿子在外务工收入较高", "anonymous": true}
	state := func(t *testing.T) []string { return r.snapshot(t, posted, "applicant", "village_committee") }
	requireRejected(t, r, "POST", state, []rejection{
		{"case not in notice", "applicant2", caseURL(review, "/objections"), reason, http.StatusNotFound, nil},
		{"no such case", "applicant2", caseURL(99999999, "/objections"), reason, http.StatusNotFound, nil},
		{"id not a number", "applicant2", "/api/v1/cases/abc/objections", reason, http.StatusNotFound, nil},
		{"empty reason", "applicant2", url, map[string]any{"reason": ""}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"reason too long", "applicant2", url, map[string]any{"reason": longText(2001)}, http.StatusUnprocessableEntity, []string{"reason"}},
		{"unknown field", "applicant2", url, map[string]any{"reason": "x", "name": "y"}, http.StatusUnprocessableEntity, []string{"name"}},
		{"not JSON", "applicant2", url, rawBody{"text/plain", []byte("收入较高")}, http.StatusUnsupportedMediaType, nil},
		{"by the applicant", "applicant", url, reason, http.StatusForbidden, nil},
	})
	var obj struct {
		ObjectionID int64  `json:"objection_id"`
		CaseID      int64  `json:"case_id"`
		Status      string `json:"status"`
	}
	r.ok(t, http.StatusCreated, r.send(t, "POST", url, "applicant2", reason), &obj)
	require.Positive(t, obj.ObjectionID)
	require.Equal(t, posted, obj.CaseID)
	require.Equal(t, "open", obj.Status)
	tk := r.waitTask(t, "village_committee", posted, "notice")
	require.Contains(t, tk.Actions, "dismiss")
	require.Equal(t, "in_notice", r.getCase(t, "applicant", posted).Status)
}

func checkNotices(t *testing.T, r *routes, posted, review int64) {
	for _, tc := range []struct{ name, query string }{
		{"no region", ""}, {"empty region", "region="}, {"unknown region", "region=999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/notices?"+tc.query, "applicant2", nil),
				http.StatusUnprocessableEntity, "region")
		})
	}
	for _, tc := range []struct {
		region string
		want   []int64
	}{{village1, []int64{posted}}, {township, []int64{posted}}, {village2, nil}, {"430722", nil}} {
		t.Run("board of "+tc.region, func(t *testing.T) {
			var board struct {
				Region string `json:"region"`
				Items  []struct {
					CaseID   int64  `json:"case_id"`
					HeadName string `json:"head_name"`
					Region   string `json:"region"`
				} `json:"items"`
			}
			rp := r.send(t, "GET", "/api/v1/notices?region="+tc.region, "applicant2", nil)
			r.ok(t, http.StatusOK, rp, &board)
			require.Equal(t, tc.region, board.Region)
			require.NotNil(t, board.Items, "items is a list, never null: %s", rp.Body)
			var got []int64
			for _, it := range board.Items {
				got = append(got, it.CaseID)
				require.Equal(t, village1, it.Region)
			}
			require.Equal(t, tc.want, got)
			require.NotContains(t, string(rp.Body), "13900001111")
			require.NotContains(t, got, review)
		})
	}
}

type attachmentDoc struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// checkAttachments works on case id; other is another case of the same
// applicant.
func checkAttachments(t *testing.T, r *routes, id, other int64) {
	img := pngBytes(t)
	a := checkUploads(t, r, id, img)
	checkAttachmentReads(t, r, id, other, a, img)
}

// checkUploads: one PNG is stored once however often it is sent; what is
// not accepted stores nothing.
func checkUploads(t *testing.T, r *routes, id int64, img []byte) attachmentDoc {
	var a, again attachmentDoc
	r.ok(t, http.StatusCreated, r.upload(t, "applicant", id, "户口本.png", img), &a)
	require.Equal(t, "image/png", a.ContentType)
	require.Equal(t, int64(len(img)), a.Size)
	require.Equal(t, id, a.CaseID)
	require.Equal(t, "户口本.png", a.Name)
	r.ok(t, http.StatusOK, r.upload(t, "applicant", id, "copy.png", img), &again)
	require.Equal(t, a.ID, again.ID, "the same file again is the same attachment")

	list := func(t *testing.T) []string {
		rp := r.send(t, "GET", caseURL(id, "/attachments"), "applicant", nil)
		require.Equal(t, http.StatusOK, rp.Status)
		return append(r.snapshot(t, id, "applicant", "village_officer"), string(rp.Body))
	}
	before := list(t)
	big := append(append([]byte{}, img...), make([]byte, 10<<20+1-len(img))...)
	for _, tc := range []struct {
		name, user, file string
		data             []byte
		status           int
		fields           []string
	}{
		{"text named .png", "applicant", "scan.png", []byte("just some words, not a picture\n"), http.StatusUnsupportedMediaType, nil},
		{"larger than 10 MB", "applicant", "scan.png", big, http.StatusRequestEntityTooLarge, nil},
		{"another applicant", "applicant2", "scan.png", img, http.StatusNotFound, nil},
		{"name too long", "applicant", strings.Repeat("a", 197) + ".png", img, http.StatusUnprocessableEntity, []string{"file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.upload(t, tc.user, id, tc.file, tc.data), tc.status, tc.fields...)
			require.Equal(t, before, list(t))
		})
	}
	t.Run("no file field", func(t *testing.T) {
		rp := r.send(t, "POST", caseURL(id, "/attachments"), "applicant", map[string]string{"file": "x"})
		requireProblem(t, rp, http.StatusUnprocessableEntity, "file")
		require.Equal(t, before, list(t))
	})
	return a
}

func checkAttachmentReads(t *testing.T, r *routes, id, other int64, a attachmentDoc, img []byte) {
	t.Run("list", func(t *testing.T) {
		for _, u := range []string{"applicant", "village_officer"} {
			var l struct{ Items []attachmentDoc }
			r.ok(t, http.StatusOK, r.send(t, "GET", caseURL(id, "/attachments"), u, nil), &l)
			require.Equal(t, []attachmentDoc{a}, l.Items)
		}
	})
	t.Run("download", func(t *testing.T) {
		for _, u := range []string{"applicant", "village_officer"} {
			rp := r.send(t, "GET", caseURL(id, fmt.Sprintf("/attachments/%d", a.ID)), u, nil)
			require.Equal(t, http.StatusOK, rp.Status)
			require.Equal(t, "image/png", rp.Header.Get("Content-Type"))
			require.Equal(t, "nosniff", rp.Header.Get("X-Content-Type-Options"))
			require.Contains(t, rp.Header.Get("Content-Disposition"), "attachment")
			require.Equal(t, img, rp.Body)
		}
	})
	for _, tc := range []struct{ name, user, path string }{
		{"list by another applicant", "applicant2", caseURL(id, "/attachments")},
		{"download by another applicant", "applicant2", caseURL(id, fmt.Sprintf("/attachments/%d", a.ID))},
		{"no such attachment", "applicant", caseURL(id, "/attachments/99999999")},
		{"attachment id not a number", "applicant", caseURL(id, "/attachments/abc")},
		{"attachment of another case", "applicant", caseURL(other, fmt.Sprintf("/attachments/%d", a.ID))},
		{"case id not a number", "applicant", fmt.Sprintf("/api/v1/cases/abc/attachments/%d", a.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", tc.path, tc.user, nil), http.StatusNotFound)
		})
	}
}

// TestRoutesTasks covers the inbox, claim, unclaim, delegate, decision and
// batch decisions on one running dev.
func TestRoutesTasks(t *testing.T) {
	r := startRoutes(t, "PT10M", "applicant", "applicant2", "village_officer", secondOfficer,
		"village_officer2", "village_committee", "township_approver", "township_clerk", "county_approver")
	c := r.submitCase(t, "applicant", "monitoring", village1, "tasks-1")
	tk := r.waitTask(t, "village_officer", c.ID, "home_check")
	r.waitStage(t, "applicant", c.ID, "home_check")
	state := func(t *testing.T) []string {
		return r.snapshot(t, c.ID, "applicant", "village_officer", secondOfficer, "village_committee")
	}
	t.Run("inbox", func(t *testing.T) { checkInbox(t, r, tk) })
	t.Run("outsiders", func(t *testing.T) { checkTaskOutsiders(t, r, tk, state) })
	t.Run("invalid decisions", func(t *testing.T) { checkInvalidDecisions(t, r, tk, state) })
	t.Run("claim and unclaim", func(t *testing.T) { checkClaim(t, r, tk, state) })
	t.Run("delegate", func(t *testing.T) { checkDelegate(t, r, tk, state) })
	t.Run("batch decisions", func(t *testing.T) { checkBatch(t, r) })
}

func checkInbox(t *testing.T, r *routes, tk taskDoc) {
	for _, tc := range []struct{ query, field string }{
		{"view=unknown", "view"}, {"limit=0", "limit"}, {"limit=500", "limit"}, {"cursor=!!", "cursor"},
		{"case_id=abc", "case_id"}, {"region=999", "region"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			requireProblem(t, r.send(t, "GET", "/api/v1/tasks?"+tc.query, "village_officer", nil),
				http.StatusUnprocessableEntity, tc.field)
		})
	}
	all := r.inbox(t, "village_officer", "")
	require.Equal(t, []int64{tk.ID}, taskIDs(all), "the default view is all")
	require.Equal(t, "village_officer", all.Items[0].Role)
	require.Equal(t, village1, all.Items[0].Region)
	require.ElementsMatch(t, []string{"approve", "reject", "return_to_applicant"}, all.Items[0].Actions)
	require.Nil(t, all.Items[0].Assignee)
	for _, k := range []string{"mine", "claimable", "due_soon", "overdue"} {
		require.Contains(t, all.Counts, k)
	}
	require.Equal(t, int64(1), all.Counts["claimable"])
	require.Equal(t, int64(0), all.Counts["mine"])
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"view=claimable", []int64{tk.ID}}, {"view=mine", nil}, {"view=overdue", nil},
		{"program=monitoring", []int64{tk.ID}}, {"program=linshi", nil},
		{"stage=home_check", []int64{tk.ID}}, {"stage=village_appraisal", nil},
		{"region=" + township, []int64{tk.ID}}, {"region=" + village2, nil},
		{fmt.Sprintf("case_id=%d", tk.CaseID), []int64{tk.ID}}, {fmt.Sprintf("case_id=%d", tk.CaseID+1000), nil},
	} {
		t.Run("filter "+tc.query, func(t *testing.T) {
			require.Equal(t, tc.want, taskIDs(r.inbox(t, "village_officer", tc.query)))
		})
	}
	t.Run("applicant has no inbox", func(t *testing.T) {
		requireProblem(t, r.send(t, "GET", "/api/v1/tasks", "applicant", nil), http.StatusForbidden)
	})
}

// checkTaskOutsiders: an official of the neighbouring village and
// officials of other roles neither see the task nor act on it (404);
// applicants hold no role that acts on tasks at all (403).
func checkTaskOutsiders(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	for _, it := range r.inbox(t, "village_officer2", "view=all").Items {
		require.NotEqual(t, village1, it.Region, "village_officer2 sees a task of village 1")
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	delegation := map[string]string{"to_user": "village_committee", "until": until}
	approve := map[string]string{"action": "approve"}
	var cases []rejection
	for _, u := range []string{"village_officer2", "applicant", "applicant2", "village_committee", "township_approver"} {
		status := http.StatusNotFound
		if strings.HasPrefix(u, "applicant") {
			status = http.StatusForbidden
		}
		cases = append(cases,
			rejection{u + " claims", u, taskURL(tk.ID, "claim"), nil, status, nil},
			rejection{u + " unclaims", u, taskURL(tk.ID, "unclaim"), nil, status, nil},
			rejection{u + " delegates", u, taskURL(tk.ID, "delegate"), delegation, status, nil},
			rejection{u + " decides", u, taskURL(tk.ID, "decision"), approve, status, nil})
	}
	for _, action := range []string{"claim", "unclaim", "decision", "delegate"} {
		cases = append(cases,
			rejection{"no such task " + action, "village_officer", taskURL(99999999, action), approve, http.StatusNotFound, nil},
			rejection{"task id not a number " + action, "village_officer", "/api/v1/tasks/abc/" + action, approve, http.StatusNotFound, nil})
	}
	requireRejected(t, r, "POST", state, cases)
}

func checkInvalidDecisions(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	url := taskURL(tk.ID, "decision")
	evidence := make([]string, 51)
	for i := range evidence {
		evidence[i] = fmt.Sprintf("photo-%d", i)
	}
	const u, bad = "village_officer", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"no action", u, url, map[string]any{}, bad, []string{"action"}},
		{"empty action", u, url, map[string]any{"action": "", "comment": "x"}, bad, []string{"action"}},
		{"return on home_check", u, url, map[string]any{"action": "return"}, bad, nil},
		{"unknown action", u, url, map[string]any{"action": "approve_all"}, bad, nil},
		{"reject without reason_code", u, url, map[string]any{"action": "reject", "comment": "收入超标"}, bad, nil},
		{"comment too long", u, url, map[string]any{"action": "approve", "comment": longText(2001)}, bad, []string{"comment"}},
		{"too much evidence", u, url, map[string]any{"action": "approve", "evidence": evidence}, bad, []string{"evidence"}},
		{"unknown field", u, url, map[string]any{"action": "approve", "votes": 3}, bad, []string{"votes"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("approve")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, url, rawBody{"application/json", []byte(`{"action":"approve"`)}, http.StatusBadRequest, nil},
	})
}

func checkClaim(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	delegation := map[string]string{"to_user": "village_committee", "until": until}
	requireRejected(t, r, "POST", state, []rejection{
		{"delegate before claiming", "village_officer", taskURL(tk.ID, "delegate"), delegation, http.StatusConflict, nil},
		{"unclaim before claiming", "village_officer", taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
	})
	me := r.ids["village_officer"]
	claimed := r.taskAction(t, "village_officer", tk.ID, "claim", nil)
	require.Equal(t, &me, claimed.Assignee)
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, "village_officer", "view=mine")))
	require.Empty(t, r.inbox(t, "village_officer", "view=claimable").Items)
	require.Equal(t, int64(1), r.inbox(t, "village_officer", "").Counts["mine"])
	require.Equal(t, &me, r.taskAction(t, "village_officer", tk.ID, "claim", nil).Assignee, "claiming twice is harmless")

	requireRejected(t, r, "POST", state, []rejection{
		{"claim by another officer", secondOfficer, taskURL(tk.ID, "claim"), nil, http.StatusConflict, nil},
		{"unclaim by another officer", secondOfficer, taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
		{"delegate by another officer", secondOfficer, taskURL(tk.ID, "delegate"), delegation, http.StatusConflict, nil},
		{"decide by another officer", secondOfficer, taskURL(tk.ID, "decision"), map[string]string{"action": "approve"}, http.StatusConflict, nil},
	})
	require.Nil(t, r.taskAction(t, "village_officer", tk.ID, "unclaim", nil).Assignee)
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, secondOfficer, "view=claimable")))
	require.Equal(t, &me, r.taskAction(t, "village_officer", tk.ID, "claim", nil).Assignee)
}

func checkDelegate(t *testing.T, r *routes, tk taskDoc, state func(*testing.T) []string) {
	url := taskURL(tk.ID, "delegate")
	in := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	to := func(user, until string) map[string]string { return map[string]string{"to_user": user, "until": until} }
	const u, bad = "village_officer", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"to an applicant", u, url, to("applicant2", in(time.Hour)), bad, []string{"to_user"}},
		{"to an official elsewhere", u, url, to("village_officer2", in(time.Hour)), bad, []string{"to_user"}},
		{"to nobody", u, url, to("nobody", in(time.Hour)), bad, []string{"to_user"}},
		{"no to_user", u, url, map[string]string{"until": in(time.Hour)}, bad, []string{"to_user"}},
		{"until in the past", u, url, to("village_committee", in(-time.Hour)), bad, []string{"until"}},
		{"no until", u, url, map[string]string{"to_user": "village_committee"}, bad, []string{"until"}},
		{"until beyond 90 days", u, url, to("village_committee", in(91*24*time.Hour)), bad, []string{"until"}},
		{"nothing given", u, url, map[string]string{}, bad, []string{"to_user", "until"}},
		{"until not a time", u, url, to("village_committee", "tomorrow"), bad, []string{"until"}},
		{"to the holder", u, url, to("village_officer", in(time.Hour)), bad, []string{"to_user"}},
		{"unknown field", u, url, map[string]string{"to_user": "village_committee", "until": in(time.Hour), "note": "x"},
			bad, []string{"note"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("village_committee")}, http.StatusUnsupportedMediaType, nil},
	})
	d := r.taskAction(t, "village_officer", tk.ID, "delegate", to("village_committee", in(time.Hour)))
	committee, me := r.ids["village_committee"], r.ids["village_officer"]
	require.Equal(t, &committee, d.Delegate)
	require.Equal(t, &me, d.Assignee, "the holder keeps the task")
	require.Equal(t, []int64{tk.ID}, taskIDs(r.inbox(t, "village_committee", "view=mine")))

	var c caseView
	r.ok(t, http.StatusOK, r.decide(t, "village_committee", tk.ID, map[string]string{"action": "approve", "comment": "代为核实"}), &c)
	require.Equal(t, "in_review", c.Status)
	require.Equal(t, 1, timelineCount(c, "home_check", "approve"))
	require.Len(t, c.CurrentStages, 1)
	require.Equal(t, "village_appraisal", c.CurrentStages[0].ID)

	for _, user := range []string{"village_officer", "village_committee"} {
		p := requireProblem(t, r.decide(t, user, tk.ID, map[string]string{"action": "reject", "reason_code": "x"}), http.StatusConflict)
		require.Contains(t, p.Detail, "already decided: approve")
	}
	requireRejected(t, r, "POST", state, []rejection{
		{"claim a decided task", secondOfficer, taskURL(tk.ID, "claim"), nil, http.StatusConflict, nil},
		{"unclaim a decided task", "village_officer", taskURL(tk.ID, "unclaim"), nil, http.StatusConflict, nil},
		{"delegate a decided task", "village_officer", url, to("village_committee", in(time.Hour)), http.StatusConflict, nil},
	})
	final := r.getCase(t, "applicant", c.ID)
	require.Equal(t, 1, timelineCount(final, "home_check", "approve"), "the timeline shows one decision")
	require.Empty(t, r.inbox(t, "village_officer", fmt.Sprintf("case_id=%d", c.ID)).Items)
}

type batchResult struct {
	TaskID int64  `json:"task_id"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// batchOf is a batch approving the tasks.
func batchOf(ids ...int64) map[string]any {
	ds := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		ds = append(ds, map[string]any{"task_id": id, "action": "approve"})
	}
	return map[string]any{"decisions": ds}
}

// countyTasks takes temporary-aid cases through the township stages to
// the county record, the stage a county approver decides in batches. It
// returns the cases, their urgent-aid tasks and (for the first n) their
// county tasks.
func countyTasks(t *testing.T, r *routes, n int, keys ...string) ([]caseView, []taskDoc, []taskDoc) {
	var cases []caseView
	var urgent, county []taskDoc
	for _, key := range keys {
		c := r.submitCase(t, "applicant", "linshi", village1, key)
		cases = append(cases, c)
		urgent = append(urgent, r.waitTask(t, "township_approver", c.ID, "urgent_aid"))
	}
	t.Run("inbox paging", func(t *testing.T) {
		var got []int64
		first := r.inbox(t, "township_approver", "limit=2")
		require.Len(t, first.Items, 2)
		require.NotNil(t, first.NextCursor)
		second := r.inbox(t, "township_approver", "limit=2&cursor="+*first.NextCursor)
		require.Nil(t, second.NextCursor)
		got = append(taskIDs(first), taskIDs(second)...)
		require.Equal(t, []int64{urgent[0].ID, urgent[1].ID, urgent[2].ID}, got)
	})
	for i := 0; i < n; i++ {
		r.ok(t, http.StatusOK, r.decide(t, "township_approver", urgent[i].ID, map[string]string{"action": "approve"}), nil)
		pw := r.waitTask(t, "township_clerk", cases[i].ID, "paperwork")
		r.ok(t, http.StatusOK, r.decide(t, "township_clerk", pw.ID, map[string]string{"action": "approve"}), nil)
		county = append(county, r.waitTask(t, "county_approver", cases[i].ID, "county_record"))
		r.waitStage(t, "applicant", cases[i].ID, "county_record")
	}
	return cases, urgent, county
}

// checkBatch: the county approver decides county tasks in batches; one
// result per task, a failure does not stop the others.
func checkBatch(t *testing.T, r *routes) {
	cases, urgent, county := countyTasks(t, r, 2, "batch-open", "batch-done", "batch-township")
	var done caseView
	r.ok(t, http.StatusOK, r.decide(t, "county_approver", county[1].ID, map[string]string{"action": "approve"}), &done)
	require.Equal(t, "approved", done.Status)

	url := "/api/v1/tasks/decisions"
	tooMany := make([]int64, 201)
	for i := range tooMany {
		tooMany[i] = county[0].ID
	}
	state := func(t *testing.T) []string {
		return r.snapshot(t, cases[0].ID, "applicant", "county_approver", "township_approver")
	}
	const u, bad = "county_approver", http.StatusUnprocessableEntity
	requireRejected(t, r, "POST", state, []rejection{
		{"no decisions field", u, url, map[string]any{}, bad, []string{"decisions"}},
		{"zero decisions", u, url, batchOf(), bad, []string{"decisions"}},
		{"201 decisions", u, url, batchOf(tooMany...), bad, []string{"decisions"}},
		{"no task_id", u, url, map[string]any{"decisions": []map[string]any{{"action": "approve"}}}, bad, []string{"decisions[0].task_id"}},
		{"no action", u, url, map[string]any{"decisions": []map[string]any{{"task_id": county[0].ID}, {"task_id": county[1].ID, "action": ""}}},
			bad, []string{"decisions[0].action", "decisions[1].action"}},
		{"not JSON", u, url, rawBody{"text/plain", []byte("approve all")}, http.StatusUnsupportedMediaType, nil},
		{"malformed JSON", u, url, rawBody{"application/json", []byte(`{"decisions":[`)}, http.StatusBadRequest, nil},
		{"by a township approver", "township_approver", url, batchOf(urgent[2].ID), http.StatusForbidden, nil},
		{"by an applicant", "applicant", url, batchOf(county[0].ID), http.StatusForbidden, nil},
	})

	var res struct{ Results []batchResult }
	ids := []int64{county[0].ID, 99999999, county[1].ID, urgent[2].ID}
	r.ok(t, http.StatusOK, r.send(t, "POST", url, u, batchOf(ids...)), &res)
	require.Len(t, res.Results, len(ids))
	var gotIDs []int64
	var statuses []int
	for _, x := range res.Results {
		gotIDs, statuses = append(gotIDs, x.TaskID), append(statuses, x.Status)
	}
	require.Equal(t, ids, gotIDs)
	require.Equal(t, []int{200, 404, 409, 404}, statuses, "the township task is not the county approver's")
	require.Contains(t, res.Results[2].Detail, "already decided: approve")
	c := r.getCase(t, "applicant", cases[0].ID)
	require.Equal(t, "approved", c.Status)
	require.Equal(t, 1, timelineCount(c, "county_record", "approve"))
	require.Equal(t, 1, timelineCount(r.getCase(t, "applicant", cases[1].ID), "county_record", "approve"))
	require.Equal(t, []int64{urgent[2].ID}, taskIDs(r.inbox(t, "township_approver", fmt.Sprintf("case_id=%d", cases[2].ID))),
		"a task the batch could not see is left as it was")
}
