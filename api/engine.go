package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/gofiber/fiber/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// DefinitionFor names the approval chain new cases of a program start on.
var DefinitionFor = map[string]string{
	"monitoring": "monitoring-identification",
	"dibao":      "dibao-application",
	"linshi":     "linshi-urgent",
	"tekun":      "tekun-application",
}

// EliminationDefinition is the chain a monitored household leaves by.
const EliminationDefinition = "risk-elimination"

// definition loads and parses the version new cases start on in a region.
func (s *Server) definition(ctx context.Context, key, regionPath string) (process.Definition, error) {
	row, err := s.store.ActiveDefinition(ctx, key, regionPath)
	if err != nil {
		return process.Definition{}, err
	}
	d, err := process.Parse(row.Body)
	if err != nil {
		return process.Definition{}, fmt.Errorf("stored definition %s v%d: %w", key, row.Version, err)
	}
	d.Version = row.Version
	return d, nil
}

// regionChain loads the regions from the root down to path's last code.
func (s *Server) regionChain(ctx context.Context, path string) ([]workflows.RegionRef, error) {
	var out []workflows.RegionRef
	for _, code := range store.PathCodes(path) {
		r, err := s.store.Region(ctx, code)
		if err != nil {
			return nil, err
		}
		out = append(out, workflows.RegionRef{Code: r.Code, Level: r.Level, Path: r.Path})
	}
	return out, nil
}

// startCase starts the approval workflow of a stored case. Starting it
// again is harmless: the workflow id is the case's, and an existing run is
// used as it is.
func (s *Server) startCase(ctx context.Context, c store.Case, def process.Definition, h process.Household) error {
	regions, err := s.regionChain(ctx, c.RegionPath)
	if err != nil {
		return err
	}
	facts := process.Facts{Program: c.Program, Channel: c.Channel, Region: c.RegionCode, Household: h.Facts()}
	in := workflows.ApprovalInput{CaseID: c.ID, Definition: def, Regions: regions, ApplicantID: c.ApplicantID,
		Facts: facts, FinalStatus: store.StatusApproved, Revision: workflows.CurrentRevision}
	for _, name := range h.RelatedOfficials {
		u, err := s.store.UserByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("%w: related official %q: %w", store.ErrInvalid, name, err)
		}
		in.Related = append(in.Related, u.ID)
	}
	if c.Program == "monitoring" && def.Key == DefinitionFor["monitoring"] {
		elim, err := s.definition(ctx, EliminationDefinition, c.RegionPath)
		if err != nil {
			return err
		}
		in.FinalStatus = store.StatusMonitoring
		in.Monitor = &workflows.MonitoringInput{CaseID: c.ID, ApplicantID: c.ApplicantID, Regions: regions,
			Facts: facts, Elimination: elim}
	}
	opts := client.StartWorkflowOptions{
		ID:                       workflows.ApprovalID(c.ID),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// Where a worker shares this process's client (dev), the server hands
		// it the first workflow task with the answer, skipping matching.
		EnableEagerStart: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SAProgram.ValueSet(c.Program),
			workflows.SARegion.ValueSet(c.RegionCode), workflows.SADefinitionKey.ValueSet(def.Key),
			workflows.SACaseStatus.ValueSet(store.StatusInReview)),
	}
	_, err = s.cfg.Temporal.ExecuteWorkflow(ctx, opts, workflows.ApprovalWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil // a closed run of this case exists: it was started before
	}
	return err
}

// updateError turns "workflow already closed" into a conflict the caller
// can understand; validator rejections pass through as they are.
func updateError(err error) error {
	var notFound *serviceerror.NotFound
	var deadline *serviceerror.DeadlineExceeded
	switch {
	case errors.As(err, &notFound):
		return fmt.Errorf("%w: the case is closed and accepts no more changes", store.ErrConflict)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &deadline):
		// The request is durable in Temporal and may still apply: a retry
		// with the same request is answered by the same Update.
		return newProblem(fiber.StatusServiceUnavailable, "the case did not answer in time; retry the same request")
	}
	return err
}

// updateTimeout bounds how long a request waits for a workflow's answer.
const updateTimeout = 30 * time.Second

func householdOf(c store.Case) process.Household {
	var h process.Household
	_ = json.Unmarshal(c.Household, &h)
	return h
}
