package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// browser is a minimal cookie-keeping client for page tests: it sends what
// a browser would (form posts, cookies) and never follows redirects, so
// tests see each answer.
type browser struct {
	t       *testing.T
	s       *Server
	cookies map[string]*http.Cookie
	header  http.Header
}

type page struct {
	status int
	header http.Header
	body   string
	set    map[string]*http.Cookie
}

func newBrowser(t *testing.T, s *Server) *browser {
	return &browser{t: t, s: s, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.s.App().Test(req, -1)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(raw), set: map[string]*http.Cookie{}}
	for _, c := range resp.Cookies() {
		p.set[c.Name] = c
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return p
}

func (b *browser) get(path string) page {
	return b.do(httptest.NewRequest("GET", path, nil))
}

func (b *browser) post(path string, form url.Values) page {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the CSRF token a page's forms carry.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	require.NotNil(t, m, "page has no CSRF field:\n%s", p.body)
	return m[1]
}

// signIn signs a user in through the login page, as a person would.
func (b *browser) signIn(user string) {
	b.t.Helper()
	form := b.get("/login")
	p := b.post("/login", url.Values{"username": {user}, "password": {"demo"}, "_csrf": {form.csrf(b.t)}, "next": {"/"}})
	require.Equal(b.t, http.StatusSeeOther, p.status, p.body)
	require.NotNil(b.t, b.cookies[sessionCookie])
}
