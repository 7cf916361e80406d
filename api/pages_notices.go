package api

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// boardRow is one household on the notice board page: the public notice
// (never ID numbers, phones or bank accounts; see store.BoardEntry) and,
// for users who may object to it, the state of its objection form.
type boardRow struct {
	store.BoardEntry
	MayObject bool
	Form      objectionForm
}

// objectionForm is one case's objection form: what was typed, the key
// that makes a resubmission of it one objection, and the API's field
// error when it was refused.
type objectionForm struct {
	Reason    string
	Anonymous bool
	Idem      string
	Error     string
}

// pageNotices shows the notice board of one of the user's regions (the
// first by default). Like the API's board it names households, never
// their ID numbers or phones.
func (s *Server) pageNotices(c *fiber.Ctx) error {
	return s.renderNotices(c, c.Query("region"), 0, objectionForm{})
}

// renderNotices shows the board of region (one of the user's; the first
// when it is not), with an objection form under each household the user
// may object to; failed, when not 0, is the case whose form comes back
// with what was typed and its error.
func (s *Server) renderNotices(c *fiber.Ctx, region string, failed int64, form objectionForm) error {
	ctx, p := c.UserContext(), principal(c)
	regions, err := s.boardRegions(c, p)
	if err != nil {
		return err
	}
	cur := regions[0]
	for _, r := range regions {
		if r.Code == region {
			cur = r
		}
	}
	items, err := s.store.Board(ctx, cur.Path, 200)
	if err != nil {
		return err
	}
	// The rules are objectCase's: a role that may object somewhere (the
	// route's access), and not on one's own case (the workflow refuses it).
	mayObject := s.cfg.Authz.AllowedSomewhere(p.User.ID, rbac.ObjCase, rbac.ActObject)
	own := map[int64]bool{}
	if mayObject && len(items) > 0 {
		mine, _, err := s.store.Cases(ctx, store.CaseQuery{ApplicantID: p.User.ID, Limit: 200})
		if err != nil {
			return err
		}
		for _, cs := range mine {
			own[cs.ID] = true
		}
	}
	rows := make([]boardRow, 0, len(items))
	for _, it := range items {
		r := boardRow{BoardEntry: it, MayObject: mayObject && !own[it.CaseID], Form: objectionForm{Idem: randomHex(16)}}
		if it.CaseID == failed {
			r.Form = form
		}
		rows = append(rows, r)
	}
	return s.render(c, "notices", "notices.title", fiber.Map{"Regions": regions, "Region": cur, "Items": rows})
}

// boardRegions are the regions whose board the user may read: those of
// their grants, in grant order.
func (s *Server) boardRegions(c *fiber.Ctx, p *Principal) ([]store.Region, error) {
	var regions []store.Region
	seen := map[string]bool{}
	for _, g := range p.Grants {
		if seen[g.RegionCode] || !s.cfg.Authz.Allowed(p.User.ID, g.RegionPath, rbac.ObjNotice, rbac.ActRead) {
			continue
		}
		seen[g.RegionCode] = true
		r, err := s.store.Region(c.UserContext(), g.RegionCode)
		if err != nil {
			return nil, err
		}
		regions = append(regions, r)
	}
	if len(regions) == 0 {
		return nil, store.ErrNotFound
	}
	return regions, nil
}

// pageObject files the board's objection form through object, as POST
// /api/v1/cases/:id/objections does. The form's key (idem) is drawn when
// the board is drawn, so a form sent twice — a double click, a reload
// after a lost answer — is one Update id and one objection. Field errors
// come back inline in the case's form, with what was typed.
func (s *Server) pageObject(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.ErrNotFound
	}
	if _, err := s.store.OpenNoticeOf(c.UserContext(), id); err != nil {
		return err
	}
	form := objectionForm{Reason: strings.TrimSpace(c.FormValue("reason")), Anonymous: c.FormValue("anonymous") != "",
		Idem: c.FormValue("idem")}
	if len(form.Idem) == 0 || len(form.Idem) > 64 {
		form.Idem = randomHex(16)
	}
	region := c.FormValue("region")
	_, err = s.object(c.UserContext(), principal(c), id, "page/"+form.Idem,
		textRequest{Reason: form.Reason, Anonymous: form.Anonymous})
	var pe *problem
	if errors.As(err, &pe) && pe.p.Status == fiber.StatusUnprocessableEntity && len(pe.p.Errors) > 0 {
		lang, _ := c.Locals("lang").(string)
		form.Error = fieldMessage(lang, pe.p.Errors[0].Message)
		c.Locals("page_error", "error.fields")
		c.Status(fiber.StatusUnprocessableEntity)
		return s.renderNotices(c, region, id, form)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "flash.objected")
	back := "/notices"
	if region != "" {
		back += "?region=" + url.QueryEscape(region)
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
