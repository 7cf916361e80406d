package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/gofiber/fiber/v2"
)

// dueSoon is how close a deadline must be for the "due soon" tab.
const dueSoon = 48 * time.Hour

type taskView struct {
	ID        int64      `json:"id"`
	CaseID    int64      `json:"case_id"`
	Program   string     `json:"program"`
	Stage     string     `json:"stage"`
	StageName string     `json:"stage_name"`
	Kind      string     `json:"kind"`
	Role      string     `json:"role"`
	Region    string     `json:"region"`
	Actions   store.JSON `json:"actions"`
	Assignee  *int64     `json:"assignee"`
	Delegate  *int64     `json:"delegate,omitempty"`
	DueAt     *time.Time `json:"due_at"`
	Overdue   bool       `json:"overdue"`
}

func viewOfTask(t store.Task, now time.Time) taskView {
	return taskView{ID: t.ID, CaseID: t.CaseID, Program: t.Program, Stage: t.Stage, StageName: t.StageName,
		Kind: t.Kind, Role: t.Role, Region: t.RegionCode, Actions: t.Actions, Assignee: t.AssigneeID, Delegate: t.DelegateID,
		DueAt: t.DueAt, Overdue: t.Overdue || (t.DueAt != nil && t.DueAt.Before(now))}
}

func (s *Server) inbox(c *fiber.Ctx) error {
	q, err := s.inboxQuery(c)
	if err != nil {
		return err
	}
	ts, next, err := s.store.Inbox(c.UserContext(), q)
	if err != nil {
		return err
	}
	counts, err := s.store.InboxCounts(c.UserContext(), q)
	if err != nil {
		return err
	}
	items := make([]taskView, 0, len(ts))
	for _, t := range ts {
		items = append(items, viewOfTask(t, q.Now))
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": cursor(next), "counts": counts})
}

// inboxQuery reads the inbox's view, filters and paging from the query
// string; the API and the inbox page take the same parameters.
func (s *Server) inboxQuery(c *fiber.Ctx) (store.InboxQuery, error) {
	p := principal(c)
	view := c.Query("view", store.ViewAll)
	if !slices.Contains(store.Views, view) {
		return store.InboxQuery{}, badField("view", fmt.Sprintf("unknown view %q; one of %s", view, strings.Join(store.Views, ", ")))
	}
	limit, after, err := paging(c)
	if err != nil {
		return store.InboxQuery{}, err
	}
	q := store.InboxQuery{UserID: p.User.ID, Scopes: s.inboxScopes(p), View: view, Program: c.Query("program"),
		Stage: c.Query("stage"), After: after, Limit: limit, Now: s.cfg.Now(), DueSoon: dueSoon}
	if v := c.Query("case_id"); v != "" {
		if q.CaseID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return store.InboxQuery{}, badField("case_id", "must be a case id")
		}
	}
	if code := c.Query("region"); code != "" {
		r, err := s.store.Region(c.UserContext(), code)
		if err != nil {
			return store.InboxQuery{}, badField("region", fmt.Sprintf("unknown region %q", code))
		}
		q.RegionPath = r.Path
	}
	return q, nil
}

// visibleTask loads a task the caller holds the role for; anything else
// is 404.
func (s *Server) visibleTask(c *fiber.Ctx, idParam string) (store.Task, error) {
	id, err := strconv.ParseInt(idParam, 10, 64)
	if err != nil || id <= 0 {
		return store.Task{}, newProblem(fiber.StatusNotFound, "no such task")
	}
	t, err := s.store.Task(c.UserContext(), id)
	if err != nil {
		return store.Task{}, err
	}
	p := principal(c)
	if !t.Visible(s.scopes(p, rbac.ObjTask, rbac.ActDecide)) && !t.ActingFor(p.User.ID, s.cfg.Now()) {
		return store.Task{}, store.ErrNotFound
	}
	return t, nil
}

func (s *Server) claimTask(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.store.ClaimTask(c.UserContext(), t.ID, principal(c).User.ID); err != nil {
		return err
	}
	t, _ = s.store.Task(c.UserContext(), t.ID)
	return c.JSON(viewOfTask(t, s.cfg.Now()))
}

func (s *Server) unclaimTask(c *fiber.Ctx) error {
	t, err := s.unclaim(c)
	if err != nil {
		return err
	}
	return c.JSON(viewOfTask(t, s.cfg.Now()))
}

// unclaim returns the task of the path's :id, which the caller holds, to
// the claimable pool; the JSON handler and the case page both call it.
func (s *Server) unclaim(c *fiber.Ctx) (store.Task, error) {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return t, err
	}
	if err := s.store.UnclaimTask(c.UserContext(), t.ID, principal(c).User.ID); err != nil {
		return t, err
	}
	return s.store.Task(c.UserContext(), t.ID)
}

type decisionRequest struct {
	TaskID     int64                `json:"task_id,omitempty"`
	Action     string               `json:"action"`
	ReasonCode string               `json:"reason_code"`
	Comment    string               `json:"comment"`
	Evidence   []string             `json:"evidence"`
	ReturnTo   string               `json:"return_to"`
	Appraisal  *workflows.Appraisal `json:"appraisal"`
	Income     float64              `json:"per_capita_income"`
	Measure    string               `json:"measure"`
}

func (r decisionRequest) validate(prefix string) process.ValidationError {
	var errs process.ValidationError
	if r.Action == "" {
		errs = append(errs, process.FieldError{Field: prefix + "action", Message: "is required"})
	}
	if len([]rune(r.Comment)) > 2000 {
		errs = append(errs, process.FieldError{Field: prefix + "comment", Message: "must be at most 2000 characters"})
	}
	if len(r.Evidence) > 50 {
		errs = append(errs, process.FieldError{Field: prefix + "evidence", Message: "at most 50 items"})
	}
	return errs
}

// fits checks a decision against the task it is for, so the common
// mistakes come back with the field named; the workflow's validator stays
// the judge of everything else.
func (r decisionRequest) fits(t store.Task, prefix string) process.ValidationError {
	var allowed []string
	_ = json.Unmarshal(t.Actions, &allowed)
	var errs process.ValidationError
	if r.Action != "" && !slices.Contains(allowed, r.Action) {
		errs = append(errs, process.FieldError{Field: prefix + "action",
			Message: fmt.Sprintf("%q is not allowed on this task; one of %s", r.Action, strings.Join(allowed, ", "))})
	}
	if (r.Action == process.ActionReject || r.Action == process.ActionUphold) && r.ReasonCode == "" {
		errs = append(errs, process.FieldError{Field: prefix + "reason_code", Message: "is required to " + r.Action})
	}
	return errs
}

func (s *Server) decideTask(c *fiber.Ctx) error {
	t, err := s.visibleTask(c, c.Params("id"))
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if errs := req.validate(""); len(errs) > 0 {
		return invalid(errs)
	}
	if errs := req.fits(t, ""); len(errs) > 0 {
		return invalid(errs)
	}
	if err := s.decide(c, t, req); err != nil {
		return err
	}
	return s.writeCase(c, fiber.StatusOK, t.CaseID)
}

// decide sends one decision to the workflow waiting for the task. A task
// already decided answers 409 with the decision that stands.
func (s *Server) decide(c *fiber.Ctx, t store.Task, req decisionRequest) error {
	p := principal(c)
	id := fmt.Sprintf("decide/%d/%d", t.ID, p.User.ID)
	if t.Status == store.TaskDecided {
		if t.DecidedBy != nil && *t.DecidedBy == p.User.ID {
			// The official's own decision, asked again: if a crash cut it
			// off before the workflow answered, this sends it once more.
			u, pending, err := s.store.PendingUpdate(c.UserContext(), id)
			if err != nil {
				return err
			}
			if pending {
				if _, _, err := s.resend(c.UserContext(), u); err != nil {
					return err
				}
			}
		}
		return fmt.Errorf("%w: task %d is already decided: %s", store.ErrConflict, t.ID, t.Decision)
	}
	if t.Status != store.TaskOpen {
		return fmt.Errorf("%w: task %d is %s", store.ErrConflict, t.ID, t.Status)
	}
	var onBehalfOf *int64
	if t.AssigneeID != nil && *t.AssigneeID != p.User.ID {
		if !t.ActingFor(p.User.ID, s.cfg.Now()) {
			return fmt.Errorf("%w: task %d is claimed by another official", store.ErrConflict, t.ID)
		}
		onBehalfOf = t.AssigneeID
	}
	d := workflows.Decision{TaskKey: t.TaskKey, TaskID: t.ID, ActorID: p.User.ID, ActorRole: t.Role,
		OnBehalfOf: onBehalfOf, Action: req.Action,
		ReasonCode: req.ReasonCode, Comment: req.Comment, Evidence: req.Evidence, ReturnTo: req.ReturnTo,
		Appraisal: req.Appraisal, PerCapitaIncome: req.Income, Measure: req.Measure}
	_, err := s.update(c.UserContext(), t.WorkflowID, workflows.UpdateDecide, id, d)
	return err
}

// decideBatch decides up to 200 tasks (county batch approval) and reports
// a result per task; one failure does not stop the others.
func (s *Server) decideBatch(c *fiber.Ctx) error {
	var req struct {
		Decisions []decisionRequest `json:"decisions"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if n := len(req.Decisions); n == 0 || n > 200 {
		return badField("decisions", "1 to 200 decisions")
	}
	var errs process.ValidationError
	for i, d := range req.Decisions {
		prefix := fmt.Sprintf("decisions[%d].", i)
		if d.TaskID <= 0 {
			errs = append(errs, process.FieldError{Field: prefix + "task_id", Message: "is required"})
		}
		errs = append(errs, d.validate(prefix)...)
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	return c.JSON(fiber.Map{"results": s.decideEach(c, req.Decisions)})
}

// decideEach decides tasks one by one (county batch approval, from the API
// and the inbox page) and reports a status per task; one failure does not
// stop the others.
func (s *Server) decideEach(c *fiber.Ctx, ds []decisionRequest) []fiber.Map {
	results := make([]fiber.Map, 0, len(ds))
	for _, d := range ds {
		res := fiber.Map{"task_id": d.TaskID, "status": fiber.StatusOK}
		t, err := s.visibleTask(c, strconv.FormatInt(d.TaskID, 10))
		if err == nil {
			if errs := d.fits(t, ""); len(errs) > 0 {
				err = invalid(errs)
			} else {
				err = s.decide(c, t, d)
			}
		}
		if err != nil {
			res["status"], res["detail"] = statusOf(err)
			if pe, ok := err.(*problem); ok {
				res["status"], res["detail"] = pe.p.Status, pe.p.Detail
			}
		}
		results = append(results, res)
	}
	return results
}

func (s *Server) notices(c *fiber.Ctx) error {
	code := c.Query("region")
	if code == "" {
		return badField("region", "is required (a region code)")
	}
	r, err := s.store.Region(c.UserContext(), code)
	if err != nil {
		return badField("region", fmt.Sprintf("unknown region %q", code))
	}
	items, err := s.store.Board(c.UserContext(), r.Path, 200)
	if err != nil {
		return err
	}
	if items == nil {
		items = []store.BoardEntry{}
	}
	return c.JSON(fiber.Map{"region": r.Code, "region_name": r.Name, "items": items})
}

// paging reads limit (1..200, default 50) and an opaque cursor.
func paging(c *fiber.Ctx) (int, int64, error) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return 0, 0, badField("limit", "must be 1 to 200")
		}
		limit = n
	}
	var after int64
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 36, 64)
		if err != nil || n <= 0 {
			return 0, 0, badField("cursor", "is not a cursor this API returned")
		}
		after = n
	}
	return limit, after, nil
}

func cursor(id int64) *string {
	if id == 0 {
		return nil
	}
	s := strconv.FormatInt(id, 36)
	return &s
}
