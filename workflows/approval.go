package workflows

import (
	"fmt"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Workflows holds what the workflow code needs from its worker: the
// working-day calendar. Deadlines computed from it are recorded with
// SideEffect, so a calendar update never changes a replayed history.
type Workflows struct {
	Calendar *process.Calendar
}

// a names activities; it is never dereferenced.
var a *activities.Activities

// outcome is how a stage ended.
type outcome struct {
	kind     string // next | reject | return | applicant | withdrawn
	returnTo int
	reason   string
	comment  string
}

// approval is one running case: the definition snapshot plus everything
// the workflow has learned. Update handlers only record requests; the main
// loop is the single writer of tasks, notices and projections.
type approval struct {
	w        *Workflows
	in       ApprovalInput
	st       State
	seq      int64
	attempts map[string]int
	deciders []decider

	requests     int // updates accepted
	settled      int // updates fully acted on
	withdraw     *Withdrawal
	migration    *Migration
	migrationErr error
	materials    *Materials
	filings      []pendingFiling
	noticeID     int64
	noticeEnd    time.Time
	// statusOnChange upserts the status search attribute only when it
	// changes (cases started since versionStatusOnChange).
	statusOnChange bool
	localWrites    bool               // short writes queued, run in one local activity (versionLocalWrites)
	pending        []activities.Write // writes queued since the last flush
}

type decider struct {
	user  int64
	level string
}

type pendingFiling struct {
	filing ObjectionFiling
	seq    int
	id     int64
	done   bool
}

// Approval interprets a definition for one case until it is approved,
// rejected or withdrawn.
func (w *Workflows) Approval(ctx workflow.Context, in ApprovalInput) (string, error) {
	r := &approval{w: w, in: in, attempts: map[string]int{}, seq: in.SeqBase,
		st: State{CaseID: in.CaseID, Status: store.StatusInReview}}
	ctx = workflow.WithActivityOptions(ctx, activityOptions())
	if err := r.register(ctx); err != nil {
		return "", err
	}
	r.statusOnChange = r.has(ctx, versionStatusOnChange)
	r.localWrites = r.has(ctx, versionLocalWrites)
	r.st.Deadline = r.caseDeadline(ctx)
	if err := r.record(ctx, "", "submitted", nil, ""); err != nil {
		return "", err
	}
	status, err := r.run(ctx)
	if err == nil {
		err = r.flush(ctx)
	}
	if err != nil {
		return "", err
	}
	r.settle()
	// Let every Update handler return its result before the run closes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return status, nil
}

func (r *approval) run(ctx workflow.Context) (string, error) {
	stages := r.in.Definition.Stages
	for i := 0; i < len(stages); {
		if r.withdraw != nil {
			return r.finishWithdrawn(ctx)
		}
		if r.migration != nil {
			var err error
			if i, err = r.migrate(ctx, i); err != nil {
				return "", err
			}
			stages = r.in.Definition.Stages
			continue
		}
		st := stages[i]
		r.st.Stage = st.ID
		if skip, err := r.skipped(ctx, st); err != nil {
			return "", err
		} else if skip {
			i++
			continue
		}
		out, err := r.runStage(ctx, st)
		if err != nil {
			return "", err
		}
		switch out.kind {
		case "next":
			i++
		case "return":
			i = out.returnTo
		case "applicant":
			if err := r.awaitApplicant(ctx, st); err != nil {
				return "", err
			}
		case "reject":
			return r.finishRejected(ctx, out)
		case "withdrawn":
			return r.finishWithdrawn(ctx)
		case "migrate": // the loop's top applies it
		}
	}
	if r.withdraw != nil && r.has(ctx, "withdraw-with-last-decision") {
		return r.finishWithdrawn(ctx)
	}
	return r.finishApproved(ctx)
}

func (r *approval) runStage(ctx workflow.Context, st process.Stage) (outcome, error) {
	switch st.Kind {
	case process.KindNotice:
		return r.runNotice(ctx, st)
	case process.KindDataCheck:
		return r.runDataCheck(ctx, st)
	case process.KindParallel:
		return r.runParallel(ctx, st)
	default:
		return r.runReview(ctx, st)
	}
}

// skipped evaluates a stage's CEL condition. The answer is recorded with
// SideEffect, so a CEL library upgrade can never change a replayed case.
// A condition that fails to evaluate runs the stage: a human looking is
// the safe default.
func (r *approval) skipped(ctx workflow.Context, st process.Stage) (bool, error) {
	if st.When == "" {
		return false, nil
	}
	var run bool
	eval := func(workflow.Context) any {
		ok, err := process.EvalCondition(st.When, r.in.Facts) //workflowcheck:ignore recorded by SideEffect
		return err != nil || ok
	}
	if err := workflow.SideEffect(ctx, eval).Get(&run); err != nil || run {
		return false, err
	}
	return true, r.record(ctx, st.ID, "skipped", nil, st.When)
}

func (r *approval) finishApproved(ctx workflow.Context) (string, error) {
	status := r.in.FinalStatus
	if status == "" {
		status = store.StatusApproved
	}
	if r.in.Monitor != nil {
		if err := r.startMonitoring(ctx); err != nil {
			return "", err
		}
	}
	return status, r.finish(ctx, status, "approved", "")
}

func (r *approval) finishRejected(ctx workflow.Context, out outcome) (string, error) {
	return store.StatusRejected, r.finish(ctx, store.StatusRejected, "rejected", out.reason)
}

func (r *approval) finishWithdrawn(ctx workflow.Context) (string, error) {
	return store.StatusWithdrawn, r.finish(ctx, store.StatusWithdrawn, "withdrawn", "")
}

// finish cancels what is left open and writes the final projection.
func (r *approval) finish(ctx workflow.Context, status, action, reason string) error {
	if err := r.put(ctx, activities.Write{Cancel: &activities.CancelTasksInput{CaseID: r.in.CaseID}}); err != nil {
		return err
	}
	if r.noticeID != 0 {
		if err := r.endNotice(ctx, store.NoticeCancelled); err != nil {
			return err
		}
	}
	for i := range r.st.Tasks {
		if r.st.Tasks[i].Status == store.TaskOpen {
			r.st.Tasks[i].Status = store.TaskCancelled
		}
	}
	r.st.Status, r.st.Stage = status, ""
	var actor *int64
	if r.withdraw != nil && action == "withdrawn" {
		actor = &r.withdraw.ActorID
	}
	if err := r.record(ctx, "", action, actor, reason); err != nil {
		return err
	}
	return r.project(ctx)
}

func (r *approval) startMonitoring(ctx workflow.Context) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: MonitoringID(r.in.CaseID),
		// The household outlives its approval: the monitoring goes on alone.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SAProgram.ValueSet(r.in.Definition.Program), SACaseStatus.ValueSet(store.StatusMonitoring)),
	})
	child := workflow.ExecuteChildWorkflow(cctx, MonitoringWorkflow, *r.in.Monitor)
	var exec workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		return fmt.Errorf("start monitoring: %w", err)
	}
	return nil
}

// scope prefixes every idempotency key this run writes.
func (r *approval) scope() string {
	if r.in.Scope != "" {
		return r.in.Scope
	}
	return ApprovalID(r.in.CaseID)
}

func activityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeInvalid, activities.ErrTypeNotFound,
				activities.ErrTypeConflict},
		},
	}
}
