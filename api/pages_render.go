package api

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"strings"

	"github.com/assistflow/assistflow/api/web"
	"github.com/gofiber/fiber/v2"
)

// pageSet holds every page template parsed once per language at start-up:
// a broken template stops the process instead of a page failing later.
type pageSet map[string]map[string]*template.Template

// loadPages parses layout.html with each other template, once for each
// language, with t bound to that language.
func loadPages() (pageSet, error) {
	layout, err := fs.ReadFile(web.Templates, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(web.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	set := pageSet{}
	for _, lang := range []string{web.LangZh, web.LangEn} {
		set[lang] = map[string]*template.Template{}
		for _, f := range files {
			name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
			if name == "layout" {
				continue
			}
			body, err := fs.ReadFile(web.Templates, f)
			if err != nil {
				return nil, err
			}
			t := template.New(name).Funcs(pageFuncs(lang))
			if _, err := t.Parse(string(layout)); err != nil {
				return nil, fmt.Errorf("layout.html: %w", err)
			}
			if _, err := t.Parse(string(body)); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			set[lang][name] = t
		}
	}
	return set, nil
}

// pageData is what every page template receives: the layout's fields and
// the page's own data in Data.
type pageData struct {
	Lang, Title, Path, Next string
	CSRF, Flash, Error      string
	User                    *Principal
	Nav                     []navItem
	Data                    any
}

// render writes a page in the request's language inside the layout.
func (s *Server) render(c *fiber.Ctx, name, titleKey string, data any) error {
	lang, _ := c.Locals("lang").(string)
	t := s.pages[lang][name]
	if t == nil {
		return fmt.Errorf("no page template %q", name)
	}
	p, _ := c.Locals("principal").(*Principal)
	d := pageData{Lang: lang, Title: titleKey, Path: c.Path(), Next: c.OriginalURL(), CSRF: s.csrfToken(c),
		Flash: s.takeFlash(c), User: p, Nav: s.navFor(c, p), Data: data}
	if f, ok := c.Locals("flash_now").(string); ok {
		d.Flash = f
	}
	if e, ok := c.Locals("page_error").(string); ok {
		d.Error = e
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return err
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

// pageStatus maps an error to the status and message key of an error
// page, with the same vocabulary the API's problem answers use.
func pageStatus(err error) (int, string) {
	var pe *problem
	status := 0
	if errors.As(err, &pe) {
		status = pe.p.Status
		if strings.HasPrefix(pe.p.Detail, "error.") {
			return status, pe.p.Detail
		}
	} else {
		status, _ = statusOf(err)
	}
	switch status {
	case fiber.StatusNotFound:
		return status, "error.not_found"
	case fiber.StatusForbidden:
		return status, "error.forbidden"
	case fiber.StatusUnauthorized:
		return status, "error.signin"
	case fiber.StatusConflict:
		return status, "error.conflict"
	case fiber.StatusTooManyRequests:
		return status, "error.too_many"
	case fiber.StatusUnprocessableEntity, fiber.StatusBadRequest:
		return status, "error.invalid"
	}
	return status, "error.internal"
}

// pageError renders an error of a page handler as an HTML page with the
// status the API would answer.
func (s *Server) pageError(c *fiber.Ctx, err error) error {
	status, key := pageStatus(err)
	if status >= 500 {
		s.log.Error("page failed", "method", c.Method(), "route", c.Route().Path, "error", err)
	}
	c.Status(status)
	if rerr := s.render(c, "error", "error.title", fiber.Map{"Status": status, "Key": key}); rerr != nil {
		s.log.Error("error page failed", "error", rerr)
		return c.Status(status).SendString(web.T(web.LangZh, key))
	}
	return nil
}
