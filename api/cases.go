package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/gofiber/fiber/v2"
)

type caseRequest struct {
	Program   string            `json:"program"`
	Region    string            `json:"region"`
	Channel   string            `json:"channel"`
	Household process.Household `json:"household"`
}

// validate checks every field and reports all problems at once.
func (r caseRequest) validate() process.ValidationError {
	var errs process.ValidationError
	if _, ok := DefinitionFor[r.Program]; !ok {
		errs = append(errs, process.FieldError{Field: "program", Message: fmt.Sprintf("unknown program %q; one of monitoring, dibao, tekun, linshi", r.Program)})
	}
	if r.Region == "" {
		errs = append(errs, process.FieldError{Field: "region", Message: "is required (a village code)"})
	}
	if !process.Channels.Has(r.Channel) {
		errs = append(errs, process.FieldError{Field: "channel", Message: fmt.Sprintf("unknown channel %q; one of %s", r.Channel, strings.Join(process.Channels.Keys(), ", "))})
	}
	return append(errs, r.Household.Validate()...)
}

// createCase stores a submission once per Idempotency-Key and starts its
// approval workflow.
func (s *Server) createCase(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if key == "" || len(key) > 200 {
		return badField("Idempotency-Key", "header is required (1 to 200 characters): it makes a retried submission return the same case")
	}
	var req caseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cs, created, err := s.submitCase(c.UserContext(), principal(c), key, req)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return s.writeCase(c, status, cs.ID)
}

// submitCase validates a submission, stores it once per key and starts its
// approval workflow: the one path by which the API and the apply page
// create cases.
func (s *Server) submitCase(ctx context.Context, p *Principal, key string, req caseRequest) (store.Case, bool, error) {
	if errs := req.validate(); len(errs) > 0 {
		return store.Case{}, false, invalid(errs)
	}
	for i, name := range req.Household.RelatedOfficials {
		if _, err := s.store.UserByUsername(ctx, name); err != nil {
			return store.Case{}, false, badField(fmt.Sprintf("household.related_officials[%d]", i), fmt.Sprintf("no official %q", name))
		}
	}
	region, err := s.store.Region(ctx, req.Region)
	if errors.Is(err, store.ErrNotFound) || (err == nil && region.Level != store.LevelVillage) {
		return store.Case{}, false, badField("region", fmt.Sprintf("%q is not a village code", req.Region))
	} else if err != nil {
		return store.Case{}, false, err
	}
	if !s.maySubmit(p, req.Channel, region.Path) {
		return store.Case{}, false, newProblem(fiber.StatusForbidden, "you may submit cases only for your own village, or in your jurisdiction as an official")
	}
	def, err := s.definition(ctx, DefinitionFor[req.Program], region.Path)
	if errors.Is(err, store.ErrNotFound) {
		return store.Case{}, false, badField("program", fmt.Sprintf("no approval chain is active for %s in this region", req.Program))
	} else if err != nil {
		return store.Case{}, false, err
	}
	cs, created, err := s.store.CreateCase(ctx, store.NewCase{Program: req.Program, RegionCode: region.Code,
		Channel: req.Channel, ApplicantID: p.User.ID, SubmittedBy: p.User.ID, IdempotencyKey: key, RequestHash: req.digest(),
		DefinitionKey: def.Key, DefinitionVersion: def.Version, HeadName: req.Household.HeadName,
		HouseholdSize: len(req.Household.Members), Category: req.Household.Category, Household: req.Household})
	if err != nil {
		return store.Case{}, false, err
	}
	if !created {
		if def, err = s.caseDefinition(ctx, cs); err != nil {
			return store.Case{}, false, err
		}
	}
	if err := s.startCase(ctx, cs, def, householdOf(cs)); err != nil {
		return store.Case{}, false, err
	}
	s.awaitFirstProjection(ctx, cs.ID)
	if created {
		s.log.Info("case submitted", "case", cs.ID, "program", cs.Program, "region", cs.RegionCode)
	}
	return cs, created, nil
}

// caseDefinition is the version a stored case started on.
func (s *Server) caseDefinition(ctx context.Context, cs store.Case) (process.Definition, error) {
	row, err := s.store.DefinitionVersion(ctx, cs.DefinitionKey, cs.DefinitionVersion)
	if err != nil {
		return process.Definition{}, err
	}
	d, err := process.Parse(row.Body)
	d.Version = row.Version
	return d, err
}

// visibleCase loads a case the caller may see; anything else is 404, never
// a hint that it exists.
func (s *Server) visibleCase(c *fiber.Ctx) (store.Case, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Case{}, newProblem(fiber.StatusNotFound, "no such case")
	}
	cs, err := s.store.Case(c.UserContext(), id)
	if err != nil {
		return store.Case{}, err
	}
	if !s.canSeeCase(principal(c), cs) {
		return store.Case{}, store.ErrNotFound
	}
	return cs, nil
}

func (s *Server) getCase(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	return s.writeCase(c, fiber.StatusOK, cs.ID)
}

func (s *Server) listCases(c *fiber.Ctx) error {
	p := principal(c)
	limit, after, err := paging(c)
	if err != nil {
		return err
	}
	q := store.CaseQuery{ApplicantID: p.User.ID, RegionPaths: s.regionsFor(p, rbac.ObjCase, rbac.ActRead), Status: c.Query("status"),
		Program: c.Query("program"), Stage: c.Query("stage"), After: after, Limit: limit}
	if code := c.Query("region"); code != "" {
		r, err := s.store.Region(c.UserContext(), code)
		if err != nil {
			return badField("region", fmt.Sprintf("unknown region %q", code))
		}
		q.RegionPath = r.Path
	}
	cs, next, err := s.store.Cases(c.UserContext(), q)
	if err != nil {
		return err
	}
	items := make([]caseSummary, 0, len(cs))
	for _, x := range cs {
		items = append(items, summaryOf(x))
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": cursor(next)})
}

type caseSummary struct {
	ID                   int64                `json:"id"`
	Program              string               `json:"program"`
	Status               string               `json:"status"`
	Region               string               `json:"region"`
	HeadName             string               `json:"head_name"`
	CurrentStages        []store.CurrentStage `json:"current_stages"`
	ExpectedDecisionDate *string              `json:"expected_decision_date"`
	CreatedAt            time.Time            `json:"created_at"`
}

func summaryOf(c store.Case) caseSummary {
	stages := c.Stages()
	if stages == nil {
		stages = []store.CurrentStage{}
	}
	return caseSummary{ID: c.ID, Program: c.Program, Status: c.Status, Region: c.RegionCode, HeadName: c.HeadName,
		CurrentStages: stages, ExpectedDecisionDate: dateOf(c.ExpectedDecisionAt), CreatedAt: c.CreatedAt}
}

// dateOf gives the calendar day in China of a deadline instant.
func dateOf(t *time.Time) *string {
	if t == nil {
		return nil
	}
	d := t.In(time.FixedZone("CST", 8*3600)).Add(-time.Nanosecond).Format("2006-01-02")
	return &d
}

type textRequest struct {
	Reason      string   `json:"reason"`
	Note        string   `json:"note"`
	Attachments []string `json:"attachments"`
	Anonymous   bool     `json:"anonymous"`
}

func (s *Server) withdrawCase(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var req textRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	if err := s.withdraw(c.UserContext(), principal(c), cs, req.Reason); err != nil {
		return err
	}
	return s.writeCase(c, fiber.StatusOK, cs.ID)
}

// withdraw asks a case's workflow to end the application; the API and the
// case page both withdraw through it.
func (s *Server) withdraw(ctx context.Context, p *Principal, cs store.Case, reason string) error {
	if closed(cs.Status) {
		return fmt.Errorf("%w: case is already %s", store.ErrConflict, cs.Status)
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return badField("reason", "must be at most 2000 characters")
	}
	_, err := s.update(ctx, workflows.ApprovalID(cs.ID), workflows.UpdateWithdraw,
		fmt.Sprintf("withdraw/%d", p.User.ID), workflows.Withdrawal{ActorID: p.User.ID, Reason: reason})
	return err
}

func (s *Server) supplyMaterials(c *fiber.Ctx) error {
	cs, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var req textRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	key := c.Get("Idempotency-Key", strconv.FormatInt(s.cfg.Now().UnixNano(), 10))
	if err := s.supply(c.UserContext(), principal(c), cs, key, req); err != nil {
		return err
	}
	return s.writeCase(c, fiber.StatusOK, cs.ID)
}

// supply sends materials that were asked for to the case's workflow; key
// makes a retried request count once.
func (s *Server) supply(ctx context.Context, p *Principal, cs store.Case, key string, req textRequest) error {
	if utf8.RuneCountInString(req.Note) == 0 && len(req.Attachments) == 0 {
		return badField("note", "say what you supply, or attach it")
	}
	if utf8.RuneCountInString(req.Note) > 2000 {
		return badField("note", "must be at most 2000 characters")
	}
	_, err := s.update(ctx, workflows.ApprovalID(cs.ID), workflows.UpdateSupplyMaterials,
		fmt.Sprintf("materials/%d/%s", p.User.ID, key),
		workflows.Materials{ActorID: p.User.ID, Note: req.Note, Attachments: req.Attachments})
	return err
}

// objectCase lets any signed-in resident object to a case on the notice
// board, without seeing anything else of it.
func (s *Server) objectCase(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return newProblem(fiber.StatusNotFound, "no such case")
	}
	if _, err := s.store.OpenNoticeOf(c.UserContext(), id); err != nil {
		return err
	}
	var req textRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	key := c.Get("Idempotency-Key", strconv.FormatInt(s.cfg.Now().UnixNano(), 10))
	res, err := s.object(c.UserContext(), principal(c), id, key, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"objection_id": res.ObjectionID, "case_id": id, "status": "open"})
}

// object files an objection to a case on notice through the case's
// workflow, whose validator judges who may object; the API and the notice
// board page both file through it. key makes a retried request one
// objection: it names the Update, and Temporal answers a repeated Update
// id with the first answer.
func (s *Server) object(ctx context.Context, p *Principal, caseID int64, key string, req textRequest) (workflows.Result, error) {
	switch n := utf8.RuneCountInString(req.Reason); {
	case n == 0:
		return workflows.Result{}, badField("reason", "is required")
	case n > 2000:
		return workflows.Result{}, badField("reason", "must be at most 2000 characters")
	}
	return s.update(ctx, workflows.ApprovalID(caseID), workflows.UpdateObject,
		fmt.Sprintf("object/%d/%s", p.User.ID, key),
		workflows.ObjectionFiling{ActorID: p.User.ID, Reason: req.Reason, Anonymous: req.Anonymous})
}

func decodeOptionalJSON(c *fiber.Ctx, dst any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return decodeJSON(c, dst)
}

// closed reports whether a case status is final: its workflow accepts no
// more changes.
func closed(status string) bool {
	switch status {
	case store.StatusApproved, store.StatusRejected, store.StatusWithdrawn, store.StatusMonitoring,
		store.StatusRiskEliminated:
		return true
	}
	return false
}

// awaitFirstProjection waits, briefly, until the new case's workflow has
// opened its first stage and written it: the answer to a submission then
// shows where the case waits, and that task is already in the inbox.
// After the wait the answer goes out anyway; the case goes on regardless.
func (s *Server) awaitFirstProjection(ctx context.Context, id int64) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cs, err := s.store.Case(ctx, id); err != nil || cs.ProjectionSeq > 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// digest identifies a submission's content, so a reused Idempotency-Key
// with another body is told apart from a retry.
func (r caseRequest) digest() string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
