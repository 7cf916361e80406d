package api

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// casePage is what the case page shows; the masking of View is the API's
// (caseViewFor), so an official sees here exactly what the API shows them.
type casePage struct {
	View        caseView
	Owner       bool
	Progress    progress
	Files       []store.Attachment
	Checks      []dataCheck
	Tasks       []taskForm
	MayWithdraw bool
	MaySupply   bool
	MayUpload   bool
}

// dataCheck is one stored data-check report as the page lists it.
type dataCheck struct {
	Stage   string
	Hits    int
	Results []struct {
		Source  string   `json:"source"`
		Status  string   `json:"status"`
		Details []string `json:"details"`
	}
}

// taskForm is an open task of the case the user may claim or decide.
type taskForm struct {
	Task    store.Task
	Actions []string
	Mine    bool // claimed by the user (or acting for the holder)
	Free    bool // nobody claimed it yet
	// Held: the user claimed it themselves (not acting), so may return it
	// to the pool or delegate it to one of Candidates.
	Held       bool
	Candidates []store.User
	Delegation delegationForm
}

// delegationForm keeps a refused delegation as it was typed, with the
// problems the API found in it.
type delegationForm struct {
	ToUser, Until string
	Problems      *formProblems
}

func (s *Server) pageCase(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	return s.renderCase(c, cs, func(*casePage) {})
}

// renderCase shows the case page of a case the user may see; set puts a
// refused form back.
func (s *Server) renderCase(c *fiber.Ctx, cs store.Case, set func(*casePage)) error {
	ctx, p := c.UserContext(), principal(c)
	v, err := s.caseViewFor(ctx, p, cs.ID)
	if err != nil {
		return err
	}
	pg := casePage{View: v, Owner: cs.ApplicantID == p.User.ID}
	def, err := s.caseDefinition(ctx, cs)
	if err != nil {
		return err
	}
	pg.Progress = progressOf(def, cs, v.Timeline)
	if pg.Files, err = s.store.Attachments(ctx, cs.ID); err != nil {
		return err
	}
	for _, r := range v.DataChecks {
		d := dataCheck{Stage: r.Stage}
		var body struct {
			Hits    int             `json:"hits"`
			Results json.RawMessage `json:"results"`
		}
		_ = json.Unmarshal(r.Report, &body)
		d.Hits = body.Hits
		_ = json.Unmarshal(body.Results, &d.Results)
		pg.Checks = append(pg.Checks, d)
	}
	if pg.Tasks, err = s.caseTasks(c, p, cs.ID); err != nil {
		return err
	}
	az := s.cfg.Authz
	pg.MayWithdraw = pg.Owner && !closed(cs.Status) && az.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActWithdraw)
	pg.MaySupply = pg.Owner && cs.Status == store.StatusAwaitingApplicant &&
		az.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActSupply)
	pg.MayUpload = !closed(cs.Status) && az.Allowed(p.User.ID, cs.RegionPath, rbac.ObjCase, rbac.ActAttach)
	set(&pg)
	return s.render(c, "case", "case.title", pg)
}

// caseTasks lists the case's open tasks the user may act on, found the way
// the inbox finds them.
func (s *Server) caseTasks(c *fiber.Ctx, p *Principal, caseID int64) ([]taskForm, error) {
	if !s.cfg.Authz.AllowedSomewhere(p.User.ID, rbac.ObjTask, rbac.ActDecide) {
		return nil, nil
	}
	now := s.cfg.Now()
	ts, _, err := s.store.Inbox(c.UserContext(), store.InboxQuery{UserID: p.User.ID, Scopes: s.inboxScopes(p),
		View: store.ViewAll, CaseID: caseID, Limit: 20, Now: now, DueSoon: dueSoon})
	if err != nil {
		return nil, err
	}
	deciders := s.scopes(p, rbac.ObjTask, rbac.ActDecide)
	var out []taskForm
	for _, t := range ts {
		acting := t.ActingFor(p.User.ID, now)
		if t.Status != store.TaskOpen || (!t.Visible(deciders) && !acting) {
			continue
		}
		held := t.AssigneeID != nil && *t.AssigneeID == p.User.ID
		f := taskForm{Task: t, Free: t.AssigneeID == nil, Mine: acting || held, Held: held}
		_ = json.Unmarshal(t.Actions, &f.Actions)
		if held {
			if f.Candidates, err = s.actingCandidates(c.UserContext(), p, t); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// caseID reads the :id of a case route for redirects.
func caseURL(c *fiber.Ctx) string {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	return fmt.Sprintf("/cases/%d", id)
}

func (s *Server) pageWithdraw(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	if err := s.withdraw(c.UserContext(), principal(c), cs, c.FormValue("reason")); err != nil {
		return err
	}
	s.setFlash(c, "flash.withdrawn")
	return c.Redirect(caseURL(c), fiber.StatusSeeOther)
}

func (s *Server) pageSupply(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	key := c.FormValue("idem")
	if key == "" {
		key = randomHex(16)
	}
	req := textRequest{Note: c.FormValue("note")}
	if err := s.supply(c.UserContext(), principal(c), cs, "page/"+key, req); err != nil {
		return err
	}
	s.setFlash(c, "flash.supplied")
	return c.Redirect(caseURL(c), fiber.StatusSeeOther)
}

func (s *Server) pageUpload(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return badField("file", "choose a file")
	}
	if _, _, err := s.attach(c.UserContext(), principal(c), cs, fh); err != nil {
		return err
	}
	s.setFlash(c, "flash.uploaded")
	return c.Redirect(caseURL(c), fiber.StatusSeeOther)
}
