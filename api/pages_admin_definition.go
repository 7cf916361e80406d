package api

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strconv"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/simulate"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// definitionData is one definition's page: versions, diagram, diff, the
// draft editor, simulation, publishing and activation.
type definitionData struct {
	Def      *definitionView
	Manage   bool
	Requests []pageRequest
	// Shown is the version the diagram draws ("draft" or a number).
	Shown   string
	Diagram template.HTML
	Diff    *definitionDiff
	DiffErr *formProblems
	// Source is the draft editor's text; DraftProblems what the
	// validator found in it (or why it could not be read).
	Source        string
	DraftProblems *formProblems
	// Latest is the newest version; DraftSame says the draft would
	// publish nothing new, being that version already.
	Latest      int
	DraftSame   bool
	SimTarget   string
	SimScenario string
	Sim         *simulate.Result
	SimProblems *formProblems
	Regions     []store.Region
	Everywhere  bool
	ActProblems *formProblems
}

// definitionPage gathers the page of the path's :key.
func (s *Server) definitionPage(c *fiber.Ctx) (*definitionData, error) {
	key := c.Params("key")
	items, err := s.definitionsOf(c)
	if err != nil {
		return nil, err
	}
	d := &definitionData{SimScenario: "{}", SimTarget: "draft"}
	for _, it := range items {
		if it.Key == key {
			d.Def = it
		}
	}
	if d.Def == nil {
		return nil, store.ErrNotFound
	}
	p := principal(c)
	d.Manage = s.pageAllowed(p, need(rbac.ObjDefinition, rbac.ActManage))
	var latest []byte
	if n := len(d.Def.Versions); n > 0 {
		latest = d.Def.Versions[n-1].Body
	}
	if d.Requests, err = s.pageRequests(c, key, latest); err != nil {
		return nil, err
	}
	if d.Manage {
		if d.Regions, err = s.managedRegions(c, rbac.ObjDefinition); err != nil {
			return nil, err
		}
		d.Everywhere = s.atTop(p, rbac.ActManage)
	}
	if n := len(d.Def.Versions); n > 0 {
		d.Latest = d.Def.Versions[n-1].Version
	}
	if d.Def.Draft == nil {
		d.SimTarget = strconv.Itoa(len(d.Def.Versions))
	} else if err := s.checkDraft(c, d, d.Def.Draft.Body); err != nil {
		return nil, err
	}
	s.drawDiagram(c, d)
	if c.Method() == fiber.MethodGet && (d.Def.Draft != nil || len(d.Def.Versions) > 1) {
		diff, err := s.diffOf(c, key, c.Query("from"), c.Query("to"))
		if d.DiffErr, err = problemsOf(err); err != nil {
			return nil, err
		} else if d.DiffErr == nil {
			d.Diff = &diff
		}
	}
	return d, nil
}

// checkDraft fills the editor with the stored draft, indented, and lists
// what the publish validator finds in it.
func (s *Server) checkDraft(c *fiber.Ctx, d *definitionData, body []byte) error {
	var buf bytes.Buffer
	if json.Indent(&buf, body, "", "  ") == nil {
		d.Source = buf.String()
	} else {
		d.Source = string(body)
	}
	def, err := process.Parse(body)
	if err != nil {
		d.DraftProblems = &formProblems{General: []string{err.Error()}}
		return nil
	}
	errs, err := s.publishProblems(c.UserContext(), def)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		d.DraftProblems, _ = problemsOf(invalid(errs))
	}
	if n := len(d.Def.Versions); n > 0 {
		if prev, err := process.Parse(d.Def.Versions[n-1].Body); err == nil {
			diff := diffDefinitions(def.Key, "", "", prev, def)
			d.DraftSame = len(diff.Definition) == 0 && len(diff.Stages) == 0
		}
	}
	return nil
}

// drawDiagram draws the version named by ?v= (a number or "draft"); by
// default the latest version, or the draft before there is one. A draft
// is drawn only when it is valid: the drawing assumes a sound chain.
func (s *Server) drawDiagram(c *fiber.Ctx, d *definitionData) {
	ref := c.Query("v")
	if ref == "" {
		ref = "draft"
		if n := len(d.Def.Versions); n > 0 {
			ref = strconv.Itoa(d.Def.Versions[n-1].Version)
		}
	}
	var body []byte
	if ref == "draft" && d.Def.Draft != nil && d.DraftProblems == nil {
		body = d.Def.Draft.Body
	}
	for _, v := range d.Def.Versions {
		if strconv.Itoa(v.Version) == ref {
			body = v.Body
		}
	}
	def, err := process.Parse(body)
	if body == nil || err != nil {
		return
	}
	if n, err := strconv.Atoi(ref); err == nil {
		def.Version = n
	}
	svg := diagramSVG(def)
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:] // inline in HTML: no XML declaration
	}
	d.Shown = ref
	// The drawing is this server's own SVG; every text in it from the
	// definition is escaped by diagramSVG.
	d.Diagram = template.HTML(svg) //nolint:gosec // escaped by diagramSVG
}

func (s *Server) pageDefinition(c *fiber.Ctx) error {
	d, err := s.definitionPage(c)
	if err != nil {
		return err
	}
	return s.renderDefinition(c, d)
}

func (s *Server) renderDefinition(c *fiber.Ctx, d *definitionData) error {
	return s.render(c, "admin_definition", "admin.definition.title", d)
}

// refused re-renders the page with status 422 after a form's problems
// were put in place by set; an error that is no form problem goes to the
// error page.
func (s *Server) refused(c *fiber.Ctx, cause error, set func(*definitionData, *formProblems)) error {
	probs, err := problemsOf(cause)
	if err != nil {
		return err
	}
	d, err := s.definitionPage(c)
	if err != nil {
		return err
	}
	set(d, probs)
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderDefinition(c, d)
}

// pageDraftStart opens a draft from the latest version, to edit.
func (s *Server) pageDraftStart(c *fiber.Ctx) error {
	key := c.Params("key")
	rows, err := s.store.DefinitionVersions(c.UserContext())
	if err != nil {
		return err
	}
	var body []byte
	for _, r := range rows {
		if r.Key == key {
			body = r.Body
		}
	}
	if body == nil {
		return store.ErrNotFound
	}
	d, err := parseDraft(body)
	if err != nil {
		return err
	}
	if _, err := s.saveDraft(c, d, true); err != nil {
		return err
	}
	s.setFlash(c, "admin.flash.draft_created")
	return c.Redirect("/admin/definitions/"+key+"#draft", fiber.StatusSeeOther)
}

// pageDraftSave replaces the draft with the editor's text. Text that does
// not parse is not saved and comes back with the reason; a draft that
// parses is saved even if invalid, like the API, and the page lists its
// problems next to the editor.
func (s *Server) pageDraftSave(c *fiber.Ctx) error {
	key, source := c.Params("key"), c.FormValue("source")
	d, err := parseDraft([]byte(source))
	if err == nil && d.Key != key {
		err = badField("key", "must be \""+key+"\", the key of this definition")
	}
	if err == nil {
		_, err = s.saveDraft(c, d, false)
	}
	if err != nil {
		return s.refused(c, err, func(d *definitionData, p *formProblems) { d.Source, d.DraftProblems = source, p })
	}
	flash := "admin.flash.draft_saved"
	if errs, err := s.publishProblems(c.UserContext(), d); err == nil && len(errs) > 0 {
		flash = "admin.flash.draft_saved_invalid"
	}
	s.setFlash(c, flash)
	return c.Redirect("/admin/definitions/"+key+"#draft", fiber.StatusSeeOther)
}

// pagePublish freezes the draft, or asks a second administrator to.
func (s *Server) pagePublish(c *fiber.Ctx) error {
	_, req, err := s.publish(c)
	if err != nil {
		return s.refused(c, err, func(d *definitionData, p *formProblems) { d.DraftProblems = p })
	}
	s.setFlash(c, map[bool]string{true: "admin.flash.requested", false: "admin.flash.published"}[req != nil])
	return c.Redirect("/admin/definitions/"+c.Params("key"), fiber.StatusSeeOther)
}

// pageActivate makes a version the one new cases start on in a region.
func (s *Server) pageActivate(c *fiber.Ctx) error {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		v = 0 // no such version: activateVersion says so by field
	}
	req, err := s.activateVersion(c, c.Params("key"), activationRequest{Version: v, Region: c.FormValue("region")})
	if err != nil {
		return s.refused(c, err, func(d *definitionData, p *formProblems) { d.ActProblems = p })
	}
	s.setFlash(c, map[bool]string{true: "admin.flash.requested", false: "admin.flash.activated"}[req != nil])
	return c.Redirect("/admin/definitions/"+c.Params("key")+"#versions", fiber.StatusSeeOther)
}

// pageSimulate plays the scenario through the draft or a version and
// shows the path on the same page; it changes nothing.
func (s *Server) pageSimulate(c *fiber.Ctx) error {
	target, text := c.FormValue("target"), c.FormValue("scenario")
	req := simulateRequest{Draft: target == "draft"}
	if !req.Draft {
		req.Version, _ = strconv.Atoi(target)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	var res simulate.Result
	err := dec.Decode(&req.Scenario)
	if err != nil {
		err = badField("scenario", err.Error())
	} else {
		res, err = s.runScenario(c, req)
	}
	probs, err := problemsOf(err)
	if err != nil {
		return err
	}
	d, err := s.definitionPage(c)
	if err != nil {
		return err
	}
	d.SimTarget, d.SimScenario, d.SimProblems = target, text, probs
	if probs == nil {
		d.Sim = &res
	} else {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.renderDefinition(c, d)
}
