package api

import (
	"context"
	"errors"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/simulate"
	"github.com/gofiber/fiber/v2"
)

// simulateTimeout bounds the wall-clock time of one simulation. A scenario
// takes milliseconds; one that does not is stopped rather than left to hold
// a request open.
const simulateTimeout = 20 * time.Second

// simulateRequest names what to simulate, a published version or the
// draft, and the scenario to play through it.
type simulateRequest struct {
	Version  int               `json:"version"`
	Draft    bool              `json:"draft"`
	Scenario simulate.Scenario `json:"scenario"`
}

// simulate plays a scenario through a definition in the workflow test
// environment and answers with its path. It writes nothing: an
// administrator may try a draft before anyone can start a case on it.
func (s *Server) simulate(c *fiber.Ctx) error {
	var req simulateRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := s.runScenario(c, req)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// runScenario checks and plays a scenario; shared by the JSON handler and
// the definition page.
func (s *Server) runScenario(c *fiber.Ctx, req simulateRequest) (simulate.Result, error) {
	def, err := s.simulated(c, req)
	if err != nil {
		return simulate.Result{}, err
	}
	if errs := process.Validate(def); len(errs) > 0 {
		return simulate.Result{}, &problem{Problem{Status: fiber.StatusUnprocessableEntity,
			Detail: "the definition is not valid; nothing was simulated", Errors: errs}}
	}
	if errs := req.Scenario.Check(def); len(errs) > 0 {
		for i := range errs {
			errs[i].Field = "scenario." + errs[i].Field
		}
		return simulate.Result{}, invalid(errs)
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), simulateTimeout)
	defer cancel()
	res, err := simulate.Run(ctx, def, req.Scenario)
	var unfinished *simulate.Unfinished
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return res, newProblem(fiber.StatusServiceUnavailable, "the simulation took longer than "+simulateTimeout.String())
	case errors.As(err, &unfinished):
		return res, newProblem(fiber.StatusUnprocessableEntity, unfinished.Error())
	case err != nil:
		return res, err
	}
	return res, nil
}

// simulated loads the definition a request names: exactly one of a
// version number and "draft": true.
func (s *Server) simulated(c *fiber.Ctx, req simulateRequest) (process.Definition, error) {
	switch {
	case req.Draft && req.Version != 0, !req.Draft && req.Version == 0:
		return process.Definition{}, badField("version", `give a version number or "draft": true, not both`)
	case req.Version < 0:
		return process.Definition{}, badField("version", "must be a positive version number")
	case req.Draft:
		_, d, err := s.loadDraft(c)
		return d, err
	}
	row, err := s.store.DefinitionVersion(c.UserContext(), c.Params("key"), req.Version)
	if err != nil {
		return process.Definition{}, err
	}
	d, err := process.Parse(row.Body)
	d.Version = row.Version
	return d, err
}
