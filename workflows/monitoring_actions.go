package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// actOn records the re-check decision; a proposal to eliminate runs the
// risk-elimination chain as a child workflow.
func (m *monitoring) actOn(ctx workflow.Context, d *Decision) error {
	err := workflow.ExecuteActivity(ctx, a.CloseTask, activities.CloseTaskInput{TaskID: m.task.ID,
		Action: d.Action, Comment: d.Comment, ActorID: d.ActorID, ActorRole: d.ActorRole,
		OnBehalfOf: d.OnBehalfOf, At: d.At}).Get(ctx, nil)
	if err != nil {
		return err
	}
	// The decision is on record: its caller need not wait for an
	// elimination chain that takes weeks.
	m.settled = m.requests
	switch d.Action {
	case ActionRecordMeasure:
		m.in.Measures++
	case ActionProposeEliminate:
		m.in.Facts.Household.PerCapitaIncome = d.PerCapitaIncome
		return m.eliminate(ctx)
	}
	return nil
}

// eliminate runs the risk-elimination definition. Approval marks the
// household risk_eliminated; rejection keeps it in monitoring.
func (m *monitoring) eliminate(ctx workflow.Context) error {
	m.in.Eliminations++
	scope := fmt.Sprintf("%s/elimination/%d", MonitoringID(m.in.CaseID), m.in.Eliminations)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: scope})
	in := ApprovalInput{CaseID: m.in.CaseID, Definition: m.in.Elimination, Regions: m.in.Regions,
		ApplicantID: m.in.ApplicantID, Facts: m.in.Facts, FinalStatus: store.StatusRiskEliminated,
		Scope: scope, SeqBase: m.in.Seq}
	var status string
	if err := workflow.ExecuteChildWorkflow(cctx, ApprovalWorkflow, in).Get(ctx, &status); err != nil {
		return err
	}
	m.in.Seq += monitoringSeqPerCycle
	if status == store.StatusRiskEliminated {
		m.in.Eliminated = true
		return nil // the child projected risk_eliminated
	}
	return m.project(ctx)
}

// register installs the re-check decision and the alert report.
func (m *monitoring) register(ctx workflow.Context) error {
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide, m.decide,
		workflow.UpdateHandlerOptions{Validator: m.validateDecide})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateReport, m.report,
		workflow.UpdateHandlerOptions{Validator: m.validateReport})
	if err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryState, func() (MonitoringInput, error) { return m.in, nil })
}

func (m *monitoring) validateDecide(ctx workflow.Context, d Decision) error {
	t := m.task
	switch {
	case t == nil || (d.TaskKey != "" && t.Key != d.TaskKey) || (d.TaskKey == "" && t.ID != d.TaskID):
		return reject(RejectInvalid, "task %d is not the open re-check of case %d", d.TaskID, m.in.CaseID)
	case t.Status != store.TaskOpen:
		return reject(RejectConflict, "task %d is already decided: %s by user %d", t.ID, t.Decision.Action, t.Decision.ActorID)
	case d.ActorRole != t.Role:
		return reject(RejectForbidden, "task %d is for role %s, not %s", t.ID, t.Role, d.ActorRole)
	case d.ActorID == m.in.ApplicantID:
		return reject(RejectForbidden, "nobody decides their own case")
	case !slices.Contains(t.Actions, d.Action):
		return reject(RejectInvalid, "action %q is not allowed on a re-check; allowed: %v", d.Action, t.Actions)
	case d.Action == ActionProposeEliminate:
		return m.eliminationGuard(workflow.Now(ctx), d)
	}
	return nil
}

// eliminationGuard holds the rules of DOMAIN §4: monitored at least six
// months, at least one measure received, income above the threshold, and
// labour capacity (a household without it stays monitored).
func (m *monitoring) eliminationGuard(now time.Time, d Decision) error {
	var why []string
	if now.Sub(m.in.EnrolledAt) < minMonitoredForElimDays*24*time.Hour {
		why = append(why, "monitored less than 6 months")
	}
	if m.in.Measures < 1 {
		why = append(why, "no assistance measure recorded")
	}
	if d.PerCapitaIncome <= m.in.IncomeThreshold {
		why = append(why, fmt.Sprintf("per-capita income %.0f is not above the threshold %.0f",
			d.PerCapitaIncome, m.in.IncomeThreshold))
	}
	if !m.in.Facts.Household.LaborCapacity {
		why = append(why, "the household has no labour capacity and stays monitored")
	}
	if len(why) > 0 {
		return reject(RejectInvalid, "risk elimination not allowed: %v", why)
	}
	return nil
}

func (m *monitoring) decide(ctx workflow.Context, d Decision) (Result, error) {
	d.At, d.TaskID = workflow.Now(ctx), m.task.ID
	m.task.Status, m.task.Decision = store.TaskDecided, &d
	return m.awaitSettled(ctx)
}

func (m *monitoring) validateReport(r Report) error {
	if r.Kind != "alert" && r.Kind != "new_risk" {
		return reject(RejectInvalid, "report kind %q: want alert or new_risk", r.Kind)
	}
	if r.Kind == "new_risk" && !m.in.Eliminated {
		return reject(RejectConflict, "household is still monitored; report an alert instead")
	}
	return nil
}

// report queues the alert; the main loop acts on it at its next rest.
func (m *monitoring) report(ctx workflow.Context, r Report) (Result, error) {
	m.reports = append(m.reports, r)
	return Result{Status: m.status()}, nil
}

func (m *monitoring) awaitSettled(ctx workflow.Context) (Result, error) {
	m.requests++
	n := m.requests
	if err := workflow.Await(ctx, func() bool { return m.settled >= n }); err != nil {
		return Result{}, err
	}
	return Result{Status: m.status()}, nil
}

func (m *monitoring) status() string {
	if m.in.Eliminated {
		return store.StatusRiskEliminated
	}
	return store.StatusMonitoring
}

func (m *monitoring) project(ctx workflow.Context) error {
	m.in.Seq++
	if err := workflow.UpsertTypedSearchAttributes(ctx, SACaseStatus.ValueSet(m.status())); err != nil {
		return err
	}
	var stages []store.CurrentStage
	if m.task != nil && m.task.Status == store.TaskOpen {
		stages = []store.CurrentStage{{ID: m.task.Stage, Name: recheckNames[m.task.Stage], Role: m.task.Role, DueAt: m.task.DueAt}}
	}
	return workflow.ExecuteActivity(ctx, a.Project, activities.ProjectInput{CaseID: m.in.CaseID, Seq: m.in.Seq,
		Status: m.status(), CurrentStages: stages}).Get(ctx, nil)
}

func (m *monitoring) event(ctx workflow.Context, action, comment string) error {
	m.in.Seq++
	return workflow.ExecuteActivity(ctx, a.RecordEvent, activities.EventInput{
		Key:    fmt.Sprintf("%s/event/%d", MonitoringID(m.in.CaseID), m.in.Seq),
		CaseID: m.in.CaseID, At: workflow.Now(ctx), Action: action, Comment: comment}).Get(ctx, nil)
}
