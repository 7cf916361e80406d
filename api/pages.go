package api

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/assistflow/assistflow/api/web"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// pageRoute is one HTML page. Pages are kept apart from the JSON route
// table: they are not part of the API contract (no OpenAPI entry), they
// answer HTML, and they authenticate by session cookie with CSRF tokens
// instead of bearer tokens.
type pageRoute struct {
	method, path string
	handler      fiber.Handler
	access       access
	// nav is the message key of the page's entry in the header navigation;
	// empty for pages reached only by links. The entry shows to users the
	// page's access admits.
	nav string
}

// pageTable lists every page. Admin pages append to it in
// pages_admin*.go through adminPages (see api/web/README.md).
func (s *Server) pageTable() []pageRoute {
	rs := []pageRoute{
		{"GET", "/", s.pageHome, public, ""},
		{"GET", "/login", s.pageLogin, public, ""},
		{"POST", "/login", s.pageLoginSubmit, public, ""},
		{"POST", "/logout", s.pageLogout, signedIn, ""},
		{"GET", "/lang", s.pageLang, public, ""},
	}
	rs = append(rs, s.applicantPages()...)
	rs = append(rs, s.approverPages()...)
	rs = append(rs, s.adminPages()...)
	return rs
}

// mountPages registers the static assets and every page. login is the
// limiter the JSON login uses: the page login counts against it too.
func (s *Server) mountPages(login fiber.Handler) {
	static, _ := fs.Sub(web.Static, "static")
	s.app.Use("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(static)}))
	s.pageRoutes = s.pageTable()
	for _, r := range s.pageRoutes {
		handlers := []fiber.Handler{s.pageSession}
		if r.method == "POST" && r.path == "/login" {
			handlers = append(handlers, login)
		}
		handlers = append(handlers, s.pageGuard(r.access))
		if r.method != "GET" {
			handlers = append(handlers, s.checkCSRF)
		}
		handlers = append(handlers, r.handler)
		s.app.Add(r.method, r.path, handlers...)
	}
}

// pageGuard is guard for pages: the same access rules, answered with a
// redirect to the sign-in page or a 403 page instead of problem+json.
func (s *Server) pageGuard(a access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if a.public {
			return c.Next()
		}
		p, _ := c.Locals("principal").(*Principal)
		if p == nil {
			if c.Method() == "GET" {
				return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return newProblem(fiber.StatusUnauthorized, "error.signin")
		}
		if s.pageAllowed(p, a) {
			return c.Next()
		}
		return newProblem(fiber.StatusForbidden, "error.forbidden")
	}
}

// pageAllowed reports whether a signed-in user passes a page's access.
func (s *Server) pageAllowed(p *Principal, a access) bool {
	switch {
	case a.public || a.signedIn:
		return true
	case a.obj == "" || len(a.acts) == 0:
		return false // fails closed, like guard
	}
	for _, act := range a.acts {
		if s.cfg.Authz.AllowedSomewhere(p.User.ID, a.obj, act) {
			return true
		}
	}
	return false
}

// navItem is one link of the header navigation.
type navItem struct {
	Href, Key string
	Active    bool
}

// navFor lists the pages with a nav entry that the user may open.
func (s *Server) navFor(c *fiber.Ctx, p *Principal) []navItem {
	var out []navItem
	if p == nil {
		return out
	}
	for _, r := range s.pageRoutes {
		if r.nav == "" || r.method != "GET" || !s.pageAllowed(p, r.access) {
			continue
		}
		active := c.Path() == r.path || (r.path != "/" && strings.HasPrefix(c.Path(), r.path+"/"))
		out = append(out, navItem{Href: r.path, Key: r.nav, Active: active})
	}
	return out
}

// localPath keeps a redirect target on this site: a path, never a scheme
// or another host ("//evil.example").
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	return next
}

// setFlash leaves a message key for the next page the browser shows (a
// redirect after a POST). It holds a key of the catalogue, never user data.
func (s *Server) setFlash(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: key, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.secure(c), Expires: s.cfg.Now().Add(time.Minute)})
}

// takeFlash reads and clears the flash message.
func (s *Server) takeFlash(c *fiber.Ctx) string {
	key := c.Cookies(flashCookie)
	if key == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.secure(c), Expires: time.Unix(1, 0)})
	if !web.Has(web.LangZh, key) {
		return ""
	}
	return key
}

// secure reports whether cookies must carry the Secure attribute: always
// behind HTTPS, and when the operator says the site is served over HTTPS
// by a proxy that terminates TLS.
func (s *Server) secure(c *fiber.Ctx) bool {
	return s.cfg.SecureCookies || c.Protocol() == "https"
}
