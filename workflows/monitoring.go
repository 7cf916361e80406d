package workflows

import (
	"fmt"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// Re-check task actions of the Monitoring workflow.
const (
	ActionNoChange          = "no_change"
	ActionRecordMeasure     = "record_measure"
	ActionProposeEliminate  = "propose_elimination"
	kindRecheck             = "recheck"
	monitoringSeqPerCycle   = 1_000_000
	defaultIncomeThreshold  = 7500
	minMonitoredForElimDays = 180
)

// recheckNames are the Chinese names of the re-check stages.
var recheckNames = map[string]string{"monthly_visit": "定期走访", "reassessment": "预警复核", "annual_review": "年度复核"}

// MonitoringInput carries an enrolled household across continue-as-new:
// everything the next cycle needs, and nothing that grows without bound.
type MonitoringInput struct {
	CaseID      int64
	ApplicantID int64
	Regions     []RegionRef
	Facts       process.Facts
	// Elimination is a snapshot of the risk-elimination definition the
	// household would go through.
	Elimination process.Definition
	// VisitEvery is the re-check cadence (default 30 days); every
	// AnnualEvery-th visit is the annual review by the township.
	VisitEvery      time.Duration
	AnnualEvery     int
	IncomeThreshold float64

	EnrolledAt   time.Time
	Cycle        int
	Measures     int
	Eliminations int
	Eliminated   bool
	Seq          int64
	// Reports are alerts filed while the previous run was closing.
	Reports []Report `json:",omitempty"`
}

// Report is a department alert or a new risk reported for a household.
type Report struct {
	Kind   string // alert | new_risk
	Source string
	Detail string
}

// monitoring is one cycle of an enrolled household.
type monitoring struct {
	w        *Workflows
	in       MonitoringInput
	reports  []Report
	requests int
	settled  int
	task     *TaskState
}

// Monitoring re-checks an enrolled household every cycle, re-assesses it
// when an alert arrives, runs the risk-elimination chain when a re-check
// proposes it and the guard holds, and returns an eliminated household to
// monitoring when a new risk is reported. Each cycle ends in
// continue-as-new, so the history stays small for years.
func (w *Workflows) Monitoring(ctx workflow.Context, in MonitoringInput) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	m := &monitoring{w: w, in: in, reports: in.Reports}
	m.defaults(ctx)
	if err := m.register(ctx); err != nil {
		return err
	}
	if m.in.Cycle == 1 {
		if err := m.project(ctx); err != nil {
			return err
		}
	}
	if err := m.cycle(ctx); err != nil {
		return err
	}
	m.settled = m.requests
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	next := m.in
	next.Cycle++
	next.Reports = m.reports
	return workflow.NewContinueAsNewError(ctx, MonitoringWorkflow, next)
}

func (m *monitoring) defaults(ctx workflow.Context) {
	if m.in.VisitEvery <= 0 {
		m.in.VisitEvery = 30 * 24 * time.Hour
	}
	if m.in.AnnualEvery <= 0 {
		m.in.AnnualEvery = 12
	}
	if m.in.IncomeThreshold <= 0 {
		m.in.IncomeThreshold = defaultIncomeThreshold
	}
	if m.in.Cycle == 0 {
		m.in.Cycle, m.in.EnrolledAt = 1, workflow.Now(ctx)
	}
	if m.in.Seq == 0 {
		m.in.Seq = monitoringSeqPerCycle
	}
}

// cycle waits for the next visit (or an alert), opens the re-check task
// and acts on its result. An eliminated household gets no visits; it waits
// for a new risk.
func (m *monitoring) cycle(ctx workflow.Context) error {
	if m.in.Eliminated {
		if err := m.awaitReport(ctx, 0); err != nil || len(m.reports) == 0 {
			return err
		}
		m.reports = nil
		m.in.Eliminated = false
		if err := m.event(ctx, "risk_returned", ""); err != nil {
			return err
		}
		return m.project(ctx)
	}
	if err := m.awaitReport(ctx, m.in.VisitEvery); err != nil {
		return err
	}
	stage, role, level := "monthly_visit", process.RoleVillageOfficer, "village"
	if len(m.reports) > 0 {
		stage = "reassessment"
		m.reports = nil
	} else if m.in.Cycle%m.in.AnnualEvery == 0 {
		stage, role, level = "annual_review", process.RoleTownshipClerk, "township"
	}
	if err := m.openRecheck(ctx, stage, role, level); err != nil {
		return err
	}
	if m.task.Status == store.TaskOpen {
		m.settled = m.requests
	}
	if err := workflow.Await(ctx, func() bool { return m.task.Status == store.TaskDecided }); err != nil {
		return err
	}
	return m.actOn(ctx, m.task.Decision)
}

// awaitReport sleeps for d (forever when 0) unless a report arrives first.
func (m *monitoring) awaitReport(ctx workflow.Context, d time.Duration) error {
	m.settled = m.requests
	cond := func() bool { return len(m.reports) > 0 }
	if d == 0 {
		return workflow.Await(ctx, cond)
	}
	_, err := workflow.AwaitWithTimeout(ctx, d, cond)
	return err
}

func (m *monitoring) openRecheck(ctx workflow.Context, stage, role, level string) error {
	region := m.regionAt(level)
	due := workflow.Now(ctx).Add(m.in.VisitEvery)
	key := fmt.Sprintf("%s/cycle/%d", MonitoringID(m.in.CaseID), m.in.Cycle)
	t := &TaskState{Key: key, Stage: stage, Kind: kindRecheck, Role: role, Level: level, Region: region.Code,
		Actions:  []string{ActionNoChange, ActionRecordMeasure, ActionProposeEliminate},
		OpenedAt: workflow.Now(ctx), DueAt: &due, Status: store.TaskOpen}
	in := activities.OpenTaskInput{Key: key, CaseID: m.in.CaseID, Stage: stage, StageName: recheckNames[stage], Kind: kindRecheck, Role: role,
		RegionCode: region.Code, Actions: t.Actions, DueAt: t.DueAt}
	m.task = t
	return workflow.ExecuteActivity(ctx, a.OpenTask, in).Get(ctx, &t.ID)
}

func (m *monitoring) regionAt(level string) RegionRef {
	for _, reg := range m.in.Regions {
		if reg.Level == level {
			return reg
		}
	}
	return m.in.Regions[len(m.in.Regions)-1]
}
