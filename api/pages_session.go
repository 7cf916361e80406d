package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/assistflow/assistflow/api/web"
	"github.com/gofiber/fiber/v2"
)

// Cookies of the pages. The session holds a token signed like the API's
// bearer tokens; the anonymous id only anchors the sign-in form's CSRF
// token before there is a session.
const (
	sessionCookie = "af_session"
	anonCookie    = "af_anon"
	flashCookie   = "af_flash"
	langCookie    = "lang"
	csrfField     = "_csrf"
)

// pageSession runs first on every page: it marks the request as a page
// (errors render as HTML), picks the language, and resolves the session
// cookie to the same Principal the API uses. A missing or invalid
// session is not an error here; pageGuard decides whether one is needed.
// A session that could not be checked (the database failed) is: the
// page answers with an error and the browser keeps its session.
func (s *Server) pageSession(c *fiber.Ctx) error {
	if err := s.loadSession(c); err != nil {
		return err
	}
	return c.Next()
}

// loadSession is pageSession's work, also used to answer an unknown path
// a browser asked for with an HTML page.
func (s *Server) loadSession(c *fiber.Ctx) error {
	c.Locals("page", true)
	c.Locals("lang", web.Pick(c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	if raw := c.Cookies(sessionCookie); raw != "" {
		p, jti, err := s.sessionPrincipal(c, raw)
		switch {
		case err == nil:
			c.Locals("principal", p)
			c.Locals("csrf_id", "s:"+jti)
			return nil
		case errors.Is(err, errLookupFailed):
			return err
		}
		s.clearCookie(c, sessionCookie)
	}
	anon := c.Cookies(anonCookie)
	if len(anon) != 32 {
		anon = randomHex(16)
		c.Cookie(&fiber.Cookie{Name: anonCookie, Value: anon, Path: "/", HTTPOnly: true, SameSite: "Lax",
			Secure: s.secure(c)})
	}
	c.Locals("csrf_id", "a:"+anon)
	return nil
}

// sessionPrincipal validates a session token exactly like a bearer token
// of this server and loads the user's current grants.
func (s *Server) sessionPrincipal(c *fiber.Ctx, raw string) (*Principal, string, error) {
	claims, err := s.ownClaims(raw)
	if err != nil || claims.ID == "" {
		return nil, "", errors.New("invalid session")
	}
	p, err := s.ownPrincipal(c.UserContext(), claims)
	return p, claims.ID, err
}

// csrfToken is HMAC(secret, session id): it needs no server-side state, so
// any of several serve processes accepts a form another one rendered.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	id, _ := c.Locals("csrf_id").(string)
	return s.csrfFor(id)
}

// csrfFor is the token of one session ("s:" + token id) or anonymous
// browser ("a:" + its random id).
func (s *Server) csrfFor(id string) string {
	mac := hmac.New(sha256.New, s.cfg.JWTSecret)
	mac.Write([]byte("assistflow csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// checkCSRF refuses an unsafe page request whose form (or X-CSRF-Token
// header) does not carry the token of this session.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	got := c.FormValue(csrfField)
	if got == "" {
		got = c.Get("X-CSRF-Token")
	}
	if len(s.cfg.JWTSecret) == 0 || !hmac.Equal([]byte(got), []byte(s.csrfToken(c))) {
		s.log.Warn("page request without a valid CSRF token", "method", c.Method(), "route", c.Route().Path)
		return newProblem(fiber.StatusForbidden, "error.csrf")
	}
	return c.Next()
}

func (s *Server) pageLogin(c *fiber.Ctx) error {
	if c.Locals("principal") != nil {
		return c.Redirect(localPath(c.Query("next"), "/"), fiber.StatusSeeOther)
	}
	return s.render(c, "login", "login.title", fiber.Map{"Next": localPath(c.Query("next"), "/")})
}

// pageLoginSubmit checks the password as the JSON login does and sets the
// session cookie.
func (s *Server) pageLoginSubmit(c *fiber.Ctx) error {
	req := loginRequest{Username: c.FormValue("username"), Password: c.FormValue("password")}
	next := localPath(c.FormValue("next"), "/")
	u, _, err := s.checkPassword(c.UserContext(), req)
	if err != nil {
		status, _ := pageStatus(err)
		c.Status(status)
		return s.render(c, "login", "login.title", fiber.Map{"Next": next, "Username": req.Username,
			"Failed": true, "Disabled": len(s.cfg.JWTSecret) == 0})
	}
	exp := s.cfg.Now().Add(s.cfg.JWTTTL)
	tok, err := s.issueToken(u, exp)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: tok, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.secure(c), Expires: exp})
	s.clearCookie(c, anonCookie)
	s.log.Info("page sign-in", "user", u.ID)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// pageLogout ends the browser's session: the cookie goes, and the token
// it held is revoked on the server, so a copy of it (another tab, a
// stolen cookie, a bearer header) is refused from now on. If the
// revocation cannot be stored, the sign-out fails visibly and the cookie
// stays: the user must not believe a live token is dead.
func (s *Server) pageLogout(c *fiber.Ctx) error {
	claims, err := s.ownClaims(c.Cookies(sessionCookie))
	if err != nil {
		return newProblem(fiber.StatusUnauthorized, "error.signin")
	}
	everywhere := c.FormValue("everywhere") == "1"
	if err := s.signOut(c, claims, everywhere); err != nil {
		return err
	}
	s.clearCookie(c, sessionCookie)
	if everywhere {
		s.setFlash(c, "flash.signed_out_everywhere")
	} else {
		s.setFlash(c, "flash.signed_out")
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// pageLang stores the language choice of the switch link and returns to
// the page it was clicked on.
func (s *Server) pageLang(c *fiber.Ctx) error {
	lang := c.Query("to")
	if lang != web.LangEn {
		lang = web.LangZh
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", SameSite: "Lax", Secure: s.secure(c),
		Expires: s.cfg.Now().Add(365 * 24 * time.Hour)})
	return c.Redirect(localPath(c.Query("next"), "/"), fiber.StatusSeeOther)
}

// pageHome sends each user to where their work is.
func (s *Server) pageHome(c *fiber.Ctx) error {
	p, _ := c.Locals("principal").(*Principal)
	if p == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	if nav := s.navFor(c, p); len(nav) > 0 {
		return c.Redirect(nav[0].Href, fiber.StatusSeeOther)
	}
	return s.render(c, "home", "home.title", nil)
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.secure(c), Expires: time.Unix(1, 0)})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
