package workflows

import (
	"fmt"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// runReview opens one task (review or appraisal) and acts on its decision.
func (r *approval) runReview(ctx workflow.Context, st process.Stage) (outcome, error) {
	t, err := r.openTask(ctx, st, st, "")
	if err != nil {
		return outcome{}, err
	}
	if err := r.project(ctx); err != nil {
		return outcome{}, err
	}
	if err := r.wait(ctx, nil, func() bool { return t.Status != store.TaskOpen || r.interrupted() }); err != nil {
		return outcome{}, err
	}
	if t.Status == store.TaskOpen {
		return r.interruption(), nil
	}
	if err := r.closeTask(ctx, t); err != nil {
		return outcome{}, err
	}
	return r.outcomeOf(st, t.Decision), nil
}

// runParallel is a countersign: every branch opens a task at once; the
// stage passes when Require of them approve (all when 0), and fails as soon
// as that can no longer happen.
func (r *approval) runParallel(ctx workflow.Context, st process.Stage) (outcome, error) {
	tasks := make([]*TaskState, 0, len(st.Branches))
	for _, b := range st.Branches {
		if skip, err := r.skipped(ctx, b); err != nil {
			return outcome{}, err
		} else if skip {
			continue
		}
		t, err := r.openTask(ctx, st, b, b.ID)
		if err != nil {
			return outcome{}, err
		}
		tasks = append(tasks, t)
	}
	if len(tasks) == 0 {
		return outcome{kind: "next"}, nil
	}
	need := st.Require
	if need <= 0 || need > len(tasks) {
		need = len(tasks)
	}
	if err := r.project(ctx); err != nil {
		return outcome{}, err
	}
	for {
		approved, failed, final := 0, 0, (*TaskState)(nil)
		err := r.wait(ctx, nil, func() bool { return r.interrupted() || r.hasUnprocessed(tasks) })
		if err != nil {
			return outcome{}, err
		}
		if r.interrupted() {
			return r.interruption(), nil
		}
		for _, t := range tasks {
			if t.Status == store.TaskDecided && !t.processed {
				if err := r.closeTask(ctx, t); err != nil {
					return outcome{}, err
				}
			}
			if t.Decision == nil {
				continue
			}
			if t.Decision.Action == process.ActionApprove {
				approved++
			} else {
				failed++
				final = t
			}
		}
		if final != nil && (final.Decision.Action != process.ActionReject || failed > len(tasks)-need) {
			spec := st
			for _, b := range st.Branches {
				if b.ID == final.Branch && b.ReturnTo != "" {
					spec.ReturnTo = b.ReturnTo
				}
			}
			return r.outcomeOf(spec, final.Decision), r.cancelStage(ctx, st.ID)
		}
		if approved >= need {
			return outcome{kind: "next"}, r.cancelStage(ctx, st.ID)
		}
		if err := r.project(ctx); err != nil {
			return outcome{}, err
		}
	}
}

func (r *approval) hasUnprocessed(tasks []*TaskState) bool {
	for _, t := range tasks {
		if t.Status == store.TaskDecided && !t.processed {
			return true
		}
	}
	return false
}

func (r *approval) cancelStage(ctx workflow.Context, stage string) error {
	for i := range r.st.Tasks {
		if r.st.Tasks[i].Stage == stage && r.st.Tasks[i].Status == store.TaskOpen {
			r.st.Tasks[i].Status = store.TaskCancelled
		}
	}
	return r.put(ctx, activities.Write{Cancel: &activities.CancelTasksInput{CaseID: r.in.CaseID, Stage: stage}})
}

// outcomeOf turns an accepted decision into where the case goes next.
func (r *approval) outcomeOf(st process.Stage, d *Decision) outcome {
	switch d.Action {
	case process.ActionReject, process.ActionUphold:
		return outcome{kind: "reject", reason: d.ReasonCode, comment: d.Comment}
	case process.ActionReturn:
		return outcome{kind: "return", returnTo: r.returnTarget(st, d.ReturnTo)}
	case process.ActionReturnToApplicant:
		return outcome{kind: "applicant"}
	}
	return outcome{kind: "next"}
}

// returnTarget is the stage index a "return" goes to: the one the decision
// names, else the stage's return_to, else the previous human stage.
func (r *approval) returnTarget(st process.Stage, named string) int {
	d := r.in.Definition
	for _, id := range []string{named, st.ReturnTo} {
		if i := d.StageIndex(id); id != "" && i >= 0 {
			return i
		}
	}
	for i := d.StageIndex(st.ID) - 1; i >= 0; i-- {
		if d.Stages[i].IsHuman() {
			return i
		}
	}
	return 0
}

// runDataCheck queries the data sources and attaches the report.
func (r *approval) runDataCheck(ctx workflow.Context, st process.Stage) (outcome, error) {
	if err := r.project(ctx); err != nil {
		return outcome{}, err
	}
	key := fmt.Sprintf("%s/%s/%d/report", r.scope(), st.ID, r.attempt(st.ID, ""))
	actx := workflow.WithStartToCloseTimeout(ctx, 2*time.Minute)
	var rep activities.DataCheckReport
	err := r.activity(actx, a.RunDataCheck, activities.DataCheckInput{Key: key,
		CaseID: r.in.CaseID, Stage: st.ID, Sources: st.Sources, At: workflow.Now(ctx)}, &rep)
	if err != nil {
		return outcome{}, err
	}
	r.history(ctx, st.ID, "data_checked", 0, "")
	return outcome{kind: "next"}, nil
}

// awaitApplicant pauses the case (and its SLA clock) until the applicant
// supplies what was asked for, then the same stage runs again.
func (r *approval) awaitApplicant(ctx workflow.Context, st process.Stage) error {
	r.st.Status = store.StatusAwaitingApplicant
	if err := r.project(ctx); err != nil {
		return err
	}
	paused := workflow.Now(ctx)
	err := r.wait(ctx, nil, func() bool { return r.materials != nil || r.withdraw != nil })
	if err != nil || r.withdraw != nil {
		return err
	}
	r.st.Paused += workflow.Now(ctx).Sub(paused)
	m := r.materials
	r.materials = nil
	r.st.Status = store.StatusInReview
	return r.record(ctx, st.ID, "materials_supplied", &m.ActorID, m.Note)
}
