package simulate

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Unfinished is a scenario that ran but could not bring its case to an end:
// a decision the workflow refused, a case still open after the limits.
type Unfinished struct{ Err error }

func (e *Unfinished) Error() string { return "the scenario cannot finish: " + e.Err.Error() }

func (e *Unfinished) Unwrap() error { return e.Err }

// Limits keep one request from running for long: a return loop or a case
// nobody finishes stops here with an Unfinished error.
const (
	maxDecisions = 200
	maxSimulated = 3 * 365 * 24 * time.Hour
)

// The simulated people. Every official gets a fresh id per decision, so the
// interpreter's "one person decides one level" rule never trips.
const (
	applicantID = 1
	residentID  = 2
	firstActor  = 1000
	caseID      = 1
)

// regions is the demo chain a simulated case lives in, root first, as
// store.SeedDemo writes it.
var regions = []workflows.RegionRef{
	{Code: "430000", Level: "province", Path: "430000/"},
	{Code: "430700", Level: "city", Path: "430000/430700/"},
	{Code: "430721", Level: "county", Path: "430000/430700/430721/"},
	{Code: "430721100", Level: "township", Path: "430000/430700/430721/430721100/"},
	{Code: "430721100201", Level: "village", Path: "430000/430700/430721/430721100/430721100201/"},
}

// Run plays sc through def in Temporal's time-skipping test environment:
// the real Approval interpreter, with every activity answered in memory
// and recorded, so an administrator sees the path a real case would take
// without writing a row anywhere. An invalid definition or scenario is a
// process.ValidationError; a scenario that cannot finish is *Unfinished.
func Run(ctx context.Context, def process.Definition, sc Scenario) (res Result, err error) {
	if errs := process.Validate(def); len(errs) > 0 {
		return Result{}, errs
	}
	p, errs := sc.compile(def)
	if len(errs) > 0 {
		return Result{}, errs
	}
	defer func() {
		if v := recover(); v != nil {
			err = &Unfinished{Err: fmt.Errorf("the test environment stopped: %v", v)}
		}
	}()
	env := newEnv(p.start)
	rec := newRecorder(def, p.start.Location())
	rec.mock(env)
	actor := int64(firstActor)
	o := newOfficial(ctx, env, def, p, people{applicant: applicantID, resident: residentID, isOpen: rec.isOpen,
		official: func(string) int64 { actor++; return actor }})
	completed := func(info *activity.Info, _ converter.EncodedValue, err error) {
		if err != nil {
			o.fail(fmt.Errorf("activity %s failed: %w", info.ActivityType.Name, err))
			return
		}
		for _, ev := range rec.completed(info.ActivityID, env.Now()) {
			switch ev := ev.(type) {
			case openedTask:
				o.taskOpened(ev)
			case noticePosted:
				o.noticeOpened()
			}
		}
	}
	// New cases write in batches, in local activities (workflows'
	// local-writes); both kinds must drive the simulated people.
	env.SetOnActivityCompletedListener(completed)
	env.SetOnLocalActivityCompletedListener(completed)
	status, err := o.play(input(def, caseID, applicantID))
	if err != nil {
		return Result{}, err
	}
	return rec.result(status, p.start), nil
}

// input is the ApprovalInput of a simulated case: the demo chain, the final
// status "approved" for every program, and no Monitoring child, which
// would outlive the simulation.
func input(def process.Definition, id, applicant int64) workflows.ApprovalInput {
	return workflows.ApprovalInput{CaseID: id, Definition: def, Regions: regions, ApplicantID: applicant,
		FinalStatus: store.StatusApproved, Facts: process.Facts{Program: def.Program, Channel: "self_report",
			Region: regions[len(regions)-1].Code, Household: household}}
}

// newEnv is a test environment that logs nothing and starts at start. Each
// gets its own national calendar: building one takes under a millisecond,
// and a simulation then shares nothing with another.
func newEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions((&workflows.Workflows{Calendar: process.DefaultCalendar()}).Approval,
		workflow.RegisterOptions{Name: workflows.ApprovalWorkflow})
	env.SetStartTime(start)
	return env
}

// mock answers every activity the interpreter calls and keeps its input,
// by activity id, for the listener that builds the path when it completes.
func (r *recorder) mock(env *testsuite.TestWorkflowEnvironment) {
	var a *activities.Activities
	env.RegisterActivity(&activities.Activities{})
	id := func(ctx context.Context, in any) (int64, error) { return r.keep(ctx, in, true), nil }
	keep := func(ctx context.Context, in any) error { r.keep(ctx, in, false); return nil }
	on := func(fn, answer any) { env.OnActivity(fn, mock.Anything, mock.Anything).Return(answer) }
	on(a.OpenTask, func(ctx context.Context, in activities.OpenTaskInput) (int64, error) { return id(ctx, in) })
	on(a.OpenNotice, func(ctx context.Context, in activities.OpenNoticeInput) (int64, error) { return id(ctx, in) })
	on(a.FileObjection, func(ctx context.Context, in activities.ObjectionInput) (int64, error) { return id(ctx, in) })
	on(a.RunDataCheck, func(ctx context.Context, in activities.DataCheckInput) (activities.DataCheckReport, error) {
		return activities.DataCheckReport{Results: []activities.CheckResult{}}, keep(ctx, in)
	})
	on(a.CloseTask, func(ctx context.Context, in activities.CloseTaskInput) error { return keep(ctx, in) })
	on(a.CancelTasks, func(ctx context.Context, in activities.CancelTasksInput) error { return keep(ctx, in) })
	on(a.Project, func(ctx context.Context, in activities.ProjectInput) error { return keep(ctx, in) })
	on(a.RecordEvent, func(ctx context.Context, in activities.EventInput) error { return keep(ctx, in) })
	on(a.EndNotice, func(ctx context.Context, in activities.EndNoticeInput) error { return keep(ctx, in) })
	on(a.TaskDeadline, func(ctx context.Context, in activities.DeadlineInput) error { return keep(ctx, in) })
	on(a.ResolveObjection, func(ctx context.Context, in activities.ResolveObjectionInput) error { return keep(ctx, in) })
	on(a.Apply, func(ctx context.Context, writes []activities.Write) (activities.Applied, error) {
		return r.keepWrites(ctx, writes), nil
	})
}

// play runs the case to its end while the people act, and returns its
// final status or why it could not finish.
func (o *official) play(in workflows.ApprovalInput) (string, error) {
	o.begin()
	o.env.ExecuteWorkflow(workflows.ApprovalWorkflow, in)
	if err := o.failure(); err != nil {
		return "", &Unfinished{Err: err}
	}
	if err := o.env.GetWorkflowError(); err != nil {
		return "", &Unfinished{Err: fmt.Errorf("the workflow failed: %w", err)}
	}
	var status string
	if err := o.env.GetWorkflowResult(&status); err != nil {
		return "", &Unfinished{Err: fmt.Errorf("the workflow's result: %w", err)}
	}
	return status, nil
}
