package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignOutRevokesTheToken: after a sign-out the session's token is
// refused everywhere it was accepted — as a page cookie, as an API bearer
// token, and by another API process on the same database — while the
// user's other sign-ins keep working.
func TestSignOutRevokesTheToken(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "app.db")
	s := newTestServerAt(t, dsn, nil)
	other := newTestServerAt(t, dsn, nil) // a second serve process

	b := newBrowser(t, s)
	b.signIn("applicant")
	tok := b.cookies[sessionCookie].Value
	second := login(t, s, "applicant") // the same user signed in elsewhere

	// The token works as a session and as a bearer token, on both processes.
	cases := b.get("/my/cases")
	require.Equal(t, http.StatusOK, cases.status)
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", tok, "", "").status)
	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", tok, "", "").status)

	out := b.post("/logout", url.Values{"_csrf": {cases.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, out.status, out.body)
	require.Equal(t, "/login", out.header.Get("Location"))
	require.Nil(t, b.cookies[sessionCookie], "the cookie is cleared")

	for name, srv := range map[string]*Server{"same process": s, "other process": other} {
		t.Run(name, func(t *testing.T) {
			requireRefused(t, srv, tok, "signed out")

			// A browser that kept a copy of the cookie is not signed in.
			stale := newBrowser(t, srv)
			stale.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: tok}
			p := stale.get("/my/cases")
			require.Equal(t, http.StatusSeeOther, p.status)
			require.Equal(t, "/login?next="+url.QueryEscape("/my/cases"), p.header.Get("Location"))
			require.Nil(t, stale.cookies[sessionCookie], "the dead cookie is cleared")
		})
	}
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", second, "", "").status,
		"signing out one session leaves the user's other sign-ins alone")

	// A new sign-in gets a new token that works.
	b.signIn("applicant")
	require.NotEqual(t, tok, b.cookies[sessionCookie].Value)
	require.Equal(t, http.StatusOK, b.get("/my/cases").status)
}

// TestSignOutNeedsTheSession: a sign-out without a valid session or CSRF
// token revokes nothing.
func TestSignOutNeedsTheSession(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	b.signIn("applicant")
	tok := b.cookies[sessionCookie].Value
	require.Equal(t, http.StatusForbidden, b.post("/logout", url.Values{"_csrf": {"forged"}}).status)
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", tok, "", "").status, "a forged sign-out revokes nothing")

	anon := newBrowser(t, s)
	form := anon.get("/login")
	require.Equal(t, http.StatusUnauthorized, anon.post("/logout", url.Values{"_csrf": {form.csrf(t)}}).status)
}

// TestRevokedTokensArePrunedOnceExpired: a revocation is kept only while
// its token could still be used.
func TestRevokedTokensArePrunedOnceExpired(t *testing.T) {
	now := time.Now()
	s := newTestServer(t, func(c *Config) { c.Now = func() time.Time { return now } })
	first := newBrowser(t, s)
	first.signIn("applicant")
	form := first.get("/my/cases")
	require.Equal(t, http.StatusSeeOther, first.post("/logout", url.Values{"_csrf": {form.csrf(t)}}).status)

	now = now.Add(13 * time.Hour) // past the first token's 12 h
	second := newBrowser(t, s)
	second.signIn("applicant")
	form = second.get("/my/cases")
	require.Equal(t, http.StatusSeeOther, second.post("/logout", url.Values{"_csrf": {form.csrf(t)}}).status)

	var n int64
	require.NoError(t, s.store.SQL().QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM revoked_tokens").Scan(&n))
	require.Equal(t, int64(1), n, "only the second token's revocation is still needed")
}

// TestAPISignOut: an API client signs its own bearer token out; the token is
// refused from then on, by this process and another one on the same
// database, while the user's other token keeps working.
func TestAPISignOut(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "app.db")
	s := newTestServerAt(t, dsn, nil)
	other := newTestServerAt(t, dsn, nil)
	tok, second := login(t, s, "village_officer"), login(t, s, "village_officer")

	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", tok, "", "").status)
	out := do(t, s, "POST", "/api/v1/auth/logout", tok, "", "")
	require.Equal(t, http.StatusNoContent, out.status, out.raw)
	for name, srv := range map[string]*Server{"same process": s, "other process": other} {
		r := do(t, srv, "GET", "/api/v1/me", tok, "", "")
		require.Equal(t, http.StatusUnauthorized, r.status, name)
		require.Contains(t, r.body["detail"], "signed out", name)
	}
	again := do(t, s, "POST", "/api/v1/auth/logout", tok, "", "")
	require.Equal(t, http.StatusUnauthorized, again.status, "a repeated sign-out finds the token already dead")
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", second, "", "").status)
	require.Equal(t, http.StatusUnauthorized, do(t, s, "POST", "/api/v1/auth/logout", "", "", "").status,
		"signing out needs a token")
}

// TestPasswordResetEndsTheUsersSessions: once an administrator sets a new
// password, every sign-in the user made before — bearer tokens and page
// sessions alike, on every API process — is refused with a reason, while
// other users' sign-ins and the user's sign-in with the new password work.
func TestPasswordResetEndsTheUsersSessions(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "app.db")
	s := newTestServerAt(t, dsn, nil)
	other := newTestServerAt(t, dsn, nil) // a second serve process
	officer := userID(t, s, "village_officer")

	b := newBrowser(t, s)
	b.signIn("village_officer")
	require.Equal(t, http.StatusOK, b.get("/inbox").status)
	bearer := login(t, s, "village_officer")
	bystander := login(t, s, "township_clerk")
	admin := login(t, s, "admin")

	r := do(t, s, "POST", fmt.Sprintf("/api/v1/admin/users/%d/password", officer), admin, "application/json",
		`{"password":"a-new-password"}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)

	for name, srv := range map[string]*Server{"same process": s, "other process": other} {
		t.Run(name, func(t *testing.T) {
			requireRefused(t, srv, bearer, "were ended")
		})
	}
	p := b.get("/inbox")
	require.Equal(t, http.StatusSeeOther, p.status, "the page session ended too")
	require.Equal(t, "/login?next="+url.QueryEscape("/inbox"), p.header.Get("Location"))

	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", bystander, "", "").status, "other users stay signed in")
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", admin, "", "").status)
	r = do(t, s, "POST", "/api/v1/auth/login", "", "application/json",
		`{"username":"village_officer","password":"a-new-password"}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	fresh, _ := r.body["token"].(string)
	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", fresh, "", "").status, "a new sign-in works")

	// A second reset ends that sign-in as well.
	r = do(t, s, "POST", fmt.Sprintf("/api/v1/admin/users/%d/password", officer), admin, "application/json",
		`{"password":"another-password"}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	requireRefused(t, s, fresh, "were ended")
}

// requireRefused asserts that srv refuses the bearer token with a problem
// that says why.
func requireRefused(t *testing.T, srv *Server, token, why string) {
	t.Helper()
	r := do(t, srv, "GET", "/api/v1/me", token, "", "")
	require.Equal(t, http.StatusUnauthorized, r.status, r.raw)
	require.Equal(t, "application/problem+json", r.ctype)
	require.Contains(t, r.body["detail"], why)
}

// TestSignOutEverywhere: a sign-out with everywhere ends every sign-in of
// the user — other bearer tokens and page sessions, on every API process —
// and leaves other users alone; a bad flag is refused and ends nothing.
func TestSignOutEverywhere(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "app.db")
	s := newTestServerAt(t, dsn, nil)
	other := newTestServerAt(t, dsn, nil) // a second serve process

	phone := login(t, s, "applicant")
	laptop := login(t, s, "applicant")
	b := newBrowser(t, s)
	b.signIn("applicant")
	bystander := login(t, s, "township_clerk")

	r := do(t, s, "POST", "/api/v1/auth/logout?everywhere=maybe", phone, "", "")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	require.Contains(t, r.raw, `"everywhere"`)
	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", phone, "", "").status, "a refused sign-out ends nothing")
	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", laptop, "", "").status)

	r = do(t, s, "POST", "/api/v1/auth/logout?everywhere=true", phone, "", "")
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	for name, srv := range map[string]*Server{"same process": s, "other process": other} {
		t.Run(name, func(t *testing.T) {
			requireRefused(t, srv, phone, "were ended")
			requireRefused(t, srv, laptop, "were ended")
		})
	}
	p := b.get("/my/cases")
	require.Equal(t, http.StatusSeeOther, p.status, "the page session ended too")
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", bystander, "", "").status, "other users stay signed in")

	// From the pages: the header's second sign-out form does the same.
	b.signIn("applicant")
	again := login(t, s, "applicant")
	page := b.get("/my/cases")
	require.Contains(t, page.body, `name="everywhere" value="1"`)
	require.Contains(t, page.body, "退出所有设备")
	out := b.post("/logout", url.Values{"_csrf": {page.csrf(t)}, "everywhere": {"1"}})
	require.Equal(t, http.StatusSeeOther, out.status, out.body)
	require.Equal(t, "/login", out.header.Get("Location"))
	require.Contains(t, b.get("/login").body, "您已在所有设备上退出登录")
	requireRefused(t, other, again, "were ended")

	// A new sign-in works.
	require.Equal(t, http.StatusOK, do(t, other, "GET", "/api/v1/me", login(t, s, "applicant"), "", "").status)
}
