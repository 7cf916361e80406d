package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoginPageSpeaksChineseByDefaultAndEnglishOnRequest(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	p := b.get("/login")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.header.Get("Content-Type"), "text/html")
	require.Contains(t, p.body, `<html lang="zh-CN">`)
	require.Contains(t, p.body, "用户名")
	require.Contains(t, p.body, `<label for="password">`)

	b.header.Set("Accept-Language", "en-US,en;q=0.9,zh;q=0.5")
	require.Contains(t, b.get("/login").body, "Username")

	// The switch wins over the browser's preference.
	p = b.get("/lang?to=zh-CN&next=/login")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/login", p.header.Get("Location"))
	require.Contains(t, b.get("/login").body, "用户名")

	// The switch never sends the browser to another site.
	require.Equal(t, "/", b.get("/lang?to=en&next=//evil.example/x").header.Get("Location"))
}

func TestPageSignInSetsAHardenedSessionCookie(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	form := b.get("/login?next=/my/cases")
	require.Contains(t, form.body, `value="/my/cases"`)

	wrong := b.post("/login", url.Values{"username": {"applicant"}, "password": {"nope"}, "_csrf": {form.csrf(t)}})
	require.Equal(t, http.StatusUnauthorized, wrong.status)
	require.Contains(t, wrong.body, "用户名或密码错误")
	require.Nil(t, wrong.set[sessionCookie])

	ok := b.post("/login", url.Values{"username": {"applicant"}, "password": {"demo"}, "_csrf": {wrong.csrf(t)},
		"next": {"/my/cases"}})
	require.Equal(t, http.StatusSeeOther, ok.status, ok.body)
	require.Equal(t, "/my/cases", ok.header.Get("Location"))
	c := ok.set[sessionCookie]
	require.NotNil(t, c)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "plain HTTP without --secure-cookies")

	// The session token is a token of this server, but the JSON API takes
	// bearer tokens only: the cookie alone gets 401 there.
	me := b.do(httptest.NewRequest("GET", "/api/v1/me", nil))
	require.Equal(t, http.StatusUnauthorized, me.status)
	require.Equal(t, http.StatusOK, do(t, s, "GET", "/api/v1/me", c.Value, "", "").status)

	secure := newTestServer(t, func(c *Config) { c.SecureCookies = true })
	sb := newBrowser(t, secure)
	sb.signIn("applicant")
	require.True(t, sb.cookies[sessionCookie].Secure)
}

func TestUnsafePageRequestsNeedTheSessionsCSRFToken(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	p := b.post("/login", url.Values{"username": {"applicant"}, "password": {"demo"}})
	require.Equal(t, http.StatusForbidden, p.status)
	require.Contains(t, p.body, "页面已过期")
	require.Nil(t, p.set[sessionCookie])

	b.signIn("applicant")
	home := b.get("/login") // signed in: sent on
	require.Equal(t, http.StatusSeeOther, home.status)

	require.Equal(t, http.StatusForbidden, b.post("/logout", url.Values{"_csrf": {"forged"}}).status)
	require.NotNil(t, b.cookies[sessionCookie], "a refused logout keeps the session")

	// A token of another browser's session does not pass either.
	other := newBrowser(t, s)
	other.signIn("applicant")
	claims, err := s.ownClaims(other.cookies[sessionCookie].Value)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, b.post("/logout", url.Values{"_csrf": {s.csrfFor("s:" + claims.ID)}}).status)

	mine, err := s.ownClaims(b.cookies[sessionCookie].Value)
	require.NoError(t, err)
	out := b.post("/logout", url.Values{"_csrf": {s.csrfFor("s:" + mine.ID)}})
	require.Equal(t, http.StatusSeeOther, out.status)
	require.Nil(t, b.cookies[sessionCookie], "signed out")
}

func TestPagesNeedASessionAndTheRightRole(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	p := b.get("/")
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/login", p.header.Get("Location"))
}

// A session the server cannot check because its database failed is not
// a signed-out session: the page says it failed, as a page, and the
// browser keeps its session for the next try.
func TestASessionThatCannotBeCheckedIsKept(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	b.signIn("applicant")
	session := b.cookies[sessionCookie].Value
	require.NoError(t, s.store.Close())
	for _, path := range []string{"/", "/no/such/page"} {
		b.header.Set("Accept", "text/html")
		p := b.get(path)
		require.Equal(t, http.StatusInternalServerError, p.status, path)
		require.Contains(t, p.header.Get("Content-Type"), "text/html", path)
		require.NotContains(t, p.set, sessionCookie, "%s must not clear the session", path)
		require.Equal(t, session, b.cookies[sessionCookie].Value)
	}
}

func TestPageSignInCountsAgainstTheLoginLimit(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.LoginLimit = 2 })
	b := newBrowser(t, s)
	var last page
	for range 3 {
		form := b.get("/login")
		last = b.post("/login", url.Values{"username": {"applicant"}, "password": {"nope"}, "_csrf": {form.csrf(t)}})
	}
	require.Equal(t, http.StatusTooManyRequests, last.status)
	require.Contains(t, last.body, "尝试次数过多")
	require.Contains(t, last.header.Get("Content-Type"), "text/html")
}

func TestUnknownPathIsAPageForBrowsersAndAProblemForClients(t *testing.T) {
	s := newTestServer(t, nil)
	b := newBrowser(t, s)
	b.header.Set("Accept", "text/html,application/xhtml+xml")
	p := b.get("/no/such/page")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.header.Get("Content-Type"), "text/html")
	require.Contains(t, p.body, "没有找到该页面")

	r := do(t, s, "GET", "/no/such/page", "", "", "")
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "application/problem+json", r.ctype)
	api := b.get("/api/v1/nowhere")
	require.Equal(t, "application/problem+json", api.header.Get("Content-Type"), "API paths always answer problem+json")
}

// CSRF tokens need no server state: a form rendered by one serve process
// is accepted by another with the same secret.
func TestCSRFTokensHoldAcrossProcesses(t *testing.T) {
	one, two := newTestServer(t, nil), newTestServer(t, nil)
	b := newBrowser(t, one)
	b.signIn("applicant")
	form := b.get("/my/cases")
	require.Equal(t, http.StatusOK, form.status)
	b.s = two
	out := b.post("/logout", url.Values{"_csrf": {form.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, out.status, out.body)
	require.Nil(t, b.cookies[sessionCookie])
}
