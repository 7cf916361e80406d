package api

import (
	"fmt"
	"sort"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/rbac"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/gofiber/fiber/v2"
)

type migrationRequest struct {
	From    int               `json:"from"`
	To      int               `json:"to"`
	Mapping map[string]string `json:"mapping"` // stage of "from" → stage of "to"
}

type migrationPlan struct {
	to    process.Definition
	cases []store.Case
	moves map[[2]string]int // (from stage, to stage) → cases
	stuck map[string]int    // unmapped stage → cases
}

// planMigration checks a request and finds the open cases it would move,
// within the regions the administrator manages.
func (s *Server) planMigration(c *fiber.Ctx) (migrationRequest, migrationPlan, error) {
	var req migrationRequest
	var plan migrationPlan
	if err := decodeJSON(c, &req); err != nil {
		return req, plan, err
	}
	key := c.Params("key")
	from, ferr := s.store.DefinitionVersion(c.UserContext(), key, req.From)
	to, terr := s.store.DefinitionVersion(c.UserContext(), key, req.To)
	var errs process.ValidationError
	if ferr != nil {
		errs = append(errs, process.FieldError{Field: "from", Message: fmt.Sprintf("%s has no version %d", key, req.From)})
	}
	if terr != nil || req.To == req.From {
		errs = append(errs, process.FieldError{Field: "to", Message: fmt.Sprintf("a published version of %s other than from", key)})
	}
	if len(errs) > 0 {
		return req, plan, invalid(errs)
	}
	fromDef, _ := process.Parse(from.Body)
	plan.to, _ = process.Parse(to.Body)
	plan.to.Version = to.Version
	for src, dst := range req.Mapping {
		if fromDef.StageIndex(src) < 0 {
			errs = append(errs, process.FieldError{Field: "mapping." + src, Message: fmt.Sprintf("version %d has no stage %s", req.From, src)})
		}
		if plan.to.StageIndex(dst) < 0 {
			errs = append(errs, process.FieldError{Field: "mapping." + src, Message: fmt.Sprintf("version %d has no stage %s", req.To, dst)})
		}
	}
	if len(errs) > 0 {
		return req, plan, invalid(errs)
	}
	cases, err := s.store.OpenCasesOn(c.UserContext(), key, req.From, s.regionsFor(principal(c), rbac.ObjDefinition, rbac.ActManage))
	if err != nil {
		return req, plan, err
	}
	plan.cases, plan.moves, plan.stuck = cases, map[[2]string]int{}, map[string]int{}
	for _, cs := range cases {
		stage := currentStage(cs)
		if dst, ok := req.Mapping[stage]; ok {
			plan.moves[[2]string{stage, dst}]++
		} else {
			plan.stuck[stage]++
		}
	}
	return req, plan, nil
}

// currentStage is the top-level stage a case waits in, from its projection.
func currentStage(cs store.Case) string {
	if st := cs.Stages(); len(st) > 0 {
		return st[0].ID
	}
	return ""
}

func (p migrationPlan) view() fiber.Map {
	moves := []fiber.Map{}
	for k, n := range p.moves {
		moves = append(moves, fiber.Map{"from_stage": k[0], "to_stage": k[1], "cases": n})
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i]["from_stage"].(string) < moves[j]["from_stage"].(string) })
	stuck := []fiber.Map{}
	for k, n := range p.stuck {
		stuck = append(stuck, fiber.Map{"stage": k, "cases": n, "reason": "no mapping for this stage"})
	}
	sort.Slice(stuck, func(i, j int) bool { return stuck[i]["stage"].(string) < stuck[j]["stage"].(string) })
	return fiber.Map{"open_cases": len(p.cases), "moves": moves, "unmapped": stuck}
}

// previewMigration says what a migration would do: "these N cases move
// from stage X to stage Y", and which stages have no mapping.
func (s *Server) previewMigration(c *fiber.Ctx) error {
	_, plan, err := s.planMigration(c)
	if err != nil {
		return err
	}
	return c.JSON(plan.view())
}

// applyMigration moves each open case through its workflow's migrate
// Update, which refuses a case whose stage has no mapping; one case's
// refusal does not stop the others. Every move is audited.
func (s *Server) applyMigration(c *fiber.Ctx) error {
	req, plan, err := s.planMigration(c)
	if err != nil {
		return err
	}
	actor := principal(c).User.ID
	results := make([]fiber.Map, 0, len(plan.cases))
	moved := 0
	for _, cs := range plan.cases {
		res := fiber.Map{"case_id": cs.ID, "from_stage": currentStage(cs)}
		_, err := s.update(c.UserContext(), workflows.ApprovalID(cs.ID), workflows.UpdateMigrate,
			fmt.Sprintf("migrate/%d/%d/%d", cs.ID, req.From, req.To),
			workflows.Migration{ActorID: actor, To: plan.to, Mapping: req.Mapping})
		if err != nil {
			res["status"], res["detail"] = statusOf(err)
		} else {
			res["status"], res["to_stage"] = fiber.StatusOK, req.Mapping[currentStage(cs)]
			moved++
		}
		results = append(results, res)
	}
	// The cases moved are in their workflows' histories and timelines; the
	// event records the request and its outcome.
	err = s.audit(c, "definition.migrate", "definition/"+c.Params("key"),
		map[string]any{"from": req.From, "to": req.To, "mapping": req.Mapping, "moved": moved, "open": len(plan.cases)})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"moved": moved, "results": results})
}
