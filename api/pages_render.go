package api

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/assistflow/assistflow/api/web"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
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

// cst is the time zone every date on a page is shown in.
var cst = time.FixedZone("CST", 8*3600)

// codeLists are the code lists templates may label by name.
var codeLists = map[string]process.CodeList{
	"channel": process.Channels, "category": process.HouseholdCategories, "relation": process.Relations,
	"health": process.HealthStatuses, "labor": process.LaborCapacities, "income": process.IncomeSources,
	"spending": process.RigidSpendingKinds, "risk": process.RiskTypes, "housing": process.HousingGrades,
	"reason": process.DecisionReasons,
}

func pageFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string { return web.T(lang, key) },
		// tf is t for keys built at run time ("status." + .Status).
		// A run-time key missing from the catalogue shows its last part
		// (the code itself) rather than the whole key.
		"tf": func(parts ...string) string {
			if k := strings.Join(parts, ""); web.Has(web.LangZh, k) {
				return web.T(lang, k)
			}
			return parts[len(parts)-1]
		},
		"text": func(t process.Text) string {
			if lang == web.LangEn && t.En != "" {
				return t.En
			}
			return t.String()
		},
		"hasPrefix": strings.HasPrefix,
		"at": func(s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			return t.In(cst).Format("2006-01-02 15:04")
		},
		"label": func(list, key string) string { return codeLists[list].Label(key, lang) },
		"codes": func(list string) process.CodeList { return codeLists[list] },
		"en":    func() bool { return lang == web.LangEn },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(cst).Format("2006-01-02 15:04")
		},
		"day": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return *dateOf(t)
		},
		"money":       func(x float64) string { return fmt.Sprintf("%.2f", x) },
		"kb":          func(n int64) int64 { return (n + 1023) / 1024 },
		"add":         func(a, b int) int { return a + b },
		"inc":         func(a int) int { return a + 1 },
		"deref":       func(p *int64) int64 { return *p },
		"dict":        dict,
		"programs":    func() []string { return process.Programs },
		"grades":      func() []string { return []string{"1", "2", "3", "4"} },
		"tabs":        func() []string { return inboxTabs },
		"count":       tabCount,
		"stages":      reviewStages,
		"blankMember": func() memberRow { return memberRow{Relation: "spouse"} },
		"randomKey":   func() string { return randomHex(16) },
		"stageName": func(pg progress, id string) string {
			for _, st := range pg.Stages {
				if st.ID == id {
					if lang == web.LangEn && st.Name.En != "" {
						return st.Name.En
					}
					return st.Name.String()
				}
			}
			return id
		},
	}
}

// dict builds a map from key, value pairs: templates pass several values
// to a sub-template with it.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict needs key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// inboxTabs are the inbox views in tab order.
var inboxTabs = []string{store.ViewMine, store.ViewClaimable, store.ViewDueSoon, store.ViewOverdue, store.ViewAll}

// tabCount is the number on a tab; "all" shows none.
func tabCount(c store.InboxCounts, view string) int64 {
	switch view {
	case store.ViewMine:
		return c.Mine
	case store.ViewClaimable:
		return c.Claimable
	case store.ViewDueSoon:
		return c.DueSoon
	case store.ViewOverdue:
		return c.Overdue
	}
	return 0
}

// stageOption is one entry of the inbox's stage filter.
type stageOption struct {
	ID   string
	Name process.Text
}

// reviewStages lists the human stages of the built-in chains, for the
// inbox's stage filter.
func reviewStages() []stageOption {
	var out []stageOption
	seen := map[string]bool{}
	for _, d := range process.Builtins() {
		for _, st := range d.Stages {
			if st.Role == "" || seen[st.ID] {
				continue
			}
			seen[st.ID] = true
			out = append(out, stageOption{ID: st.ID, Name: st.Name})
		}
	}
	return out
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
