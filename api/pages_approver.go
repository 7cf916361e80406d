package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// approverPages are the pages of officials: the inbox, claiming,
// returning, delegating and deciding tasks (the forms sit on the case
// page), county batch approval.
func (s *Server) approverPages() []pageRoute {
	return []pageRoute{
		{"GET", "/inbox", s.pageInbox, need(rbac.ObjTask, rbac.ActRead), "nav.inbox"},
		{"POST", "/inbox/batch", s.pageBatch, need(rbac.ObjTask, rbac.ActBatch), ""},
		{"POST", "/tasks/:id/claim", s.pageClaim, need(rbac.ObjTask, rbac.ActDecide), ""},
		{"POST", "/tasks/:id/unclaim", s.pageUnclaim, need(rbac.ObjTask, rbac.ActDecide), ""},
		{"POST", "/tasks/:id/delegate", s.pageDelegate, need(rbac.ObjTask, rbac.ActDecide), ""},
		{"POST", "/tasks/:id/decision", s.pageDecide, need(rbac.ObjTask, rbac.ActDecide), ""},
	}
}

// inboxRow is one task with the case facts the list shows.
type inboxRow struct {
	Task     taskView
	HeadName string
	Status   string
	Batch    bool // may be approved in a batch
	Region   store.Region
}

func (s *Server) pageInbox(c *fiber.Ctx) error {
	return s.renderInbox(c, nil)
}

// renderInbox shows one page of one tab of the inbox with the counts of
// all tabs, the filters and the paging links, read by the same inboxQuery
// (view, filters, limit, cursor) as GET /api/v1/tasks.
func (s *Server) renderInbox(c *fiber.Ctx, results []fiber.Map) error {
	q, err := s.inboxQuery(c)
	if err != nil {
		return err
	}
	ctx, p := c.UserContext(), principal(c)
	ts, next, err := s.store.Inbox(ctx, q)
	if err != nil {
		return err
	}
	counts, err := s.store.InboxCounts(ctx, q)
	if err != nil {
		return err
	}
	batch := s.cfg.Authz.AllowedSomewhere(p.User.ID, rbac.ObjTask, rbac.ActBatch)
	regions, err := s.inboxRegions(c, p)
	if err != nil {
		return err
	}
	names := map[string]store.Region{}
	for _, r := range regions {
		names[r.Code] = r
	}
	rows := make([]inboxRow, 0, len(ts))
	for _, t := range ts {
		cs, err := s.store.Case(ctx, t.CaseID)
		if err != nil {
			return err
		}
		r := inboxRow{Task: viewOfTask(t, q.Now), HeadName: cs.HeadName, Status: cs.Status, Region: names[t.RegionCode]}
		r.Batch = batch && strings.Contains(string(t.Actions), `"approve"`) &&
			(t.AssigneeID == nil || *t.AssigneeID == p.User.ID)
		rows = append(rows, r)
	}
	pager, err := inboxPaging(c, next)
	if err != nil {
		return err
	}
	return s.render(c, "inbox", "inbox.title", fiber.Map{"Rows": rows, "Counts": counts, "View": q.View,
		"Program": q.Program, "Region": c.Query("region"), "Stage": q.Stage, "Limit": q.Limit, "Regions": regions,
		"Batch": batch, "Results": results, "Pager": pager,
		"BatchAction": "/inbox/batch?" + c.Request().URI().QueryArgs().String()})
}

// inboxRegions are the regions a user's task scopes cover, for the filter.
func (s *Server) inboxRegions(c *fiber.Ctx, p *Principal) ([]store.Region, error) {
	all, err := s.store.Regions(c.UserContext())
	if err != nil {
		return nil, err
	}
	var out []store.Region
	for _, r := range all {
		for _, sc := range s.inboxScopes(p) {
			if strings.HasPrefix(r.Path, sc.RegionPath) {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

func (s *Server) pageClaim(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.store.ClaimTask(c.UserContext(), t.ID, principal(c).User.ID); err != nil {
		return err
	}
	s.setFlash(c, "flash.claimed")
	return c.Redirect(fmt.Sprintf("/cases/%d#decide", t.CaseID), fiber.StatusSeeOther)
}

// pageDecide sends the decision form through the same checks and the same
// Temporal Update as POST /api/v1/tasks/:id/decision.
func (s *Server) pageDecide(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	req := decisionRequest{Action: c.FormValue("action"), ReasonCode: c.FormValue("reason_code"),
		Comment: strings.TrimSpace(c.FormValue("comment"))}
	errs := append(req.validate(""), req.fits(t, "")...)
	if len(errs) == 0 {
		err = s.decide(c, t, req)
	} else {
		err = invalid(errs)
	}
	var pe *problem
	if errors.As(err, &pe) && pe.p.Status == fiber.StatusUnprocessableEntity {
		s.setFlash(c, "error.decision_fields")
		return c.Redirect(fmt.Sprintf("/cases/%d#decide", t.CaseID), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "flash.decided")
	return c.Redirect("/inbox", fiber.StatusSeeOther)
}

// pageBatch approves the checked tasks one by one through decideEach, as
// POST /api/v1/tasks/decisions does, and shows a result per task.
func (s *Server) pageBatch(c *fiber.Ctx) error {
	comment := strings.TrimSpace(c.FormValue("comment"))
	var ds []decisionRequest
	for _, v := range c.Request().PostArgs().PeekMulti("task") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || id <= 0 {
			return badField("task", "not a task id")
		}
		ds = append(ds, decisionRequest{TaskID: id, Action: "approve", Comment: comment})
	}
	if n := len(ds); n == 0 || n > 200 {
		s.setFlash(c, "error.batch_empty")
		return c.Redirect("/inbox?"+c.Request().URI().QueryArgs().String(), fiber.StatusSeeOther)
	}
	for _, d := range ds {
		if errs := d.validate(""); len(errs) > 0 {
			return invalid(errs)
		}
	}
	results := s.decideEach(c, ds)
	c.Locals("flash_now", "flash.batch")
	return s.renderInbox(c, results)
}
