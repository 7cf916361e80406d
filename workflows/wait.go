package workflows

import (
	"fmt"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// wait blocks until cond holds. Meanwhile it wakes for every task deadline
// (the reminder at 80% of a task's SLA, the escalation at 100%) and for
// until, if given, and it settles accepted Updates whenever the case is at
// rest, so their callers get an answer that matches the database.
func (r *approval) wait(ctx workflow.Context, until *time.Time, cond func() bool) error {
	for {
		// An Update accepted while the loop was busy is settled only once
		// the loop has acted on it: settling before checking cond would
		// answer a caller before its request reached the database.
		if cond() {
			return nil
		}
		// The queued writes land before anyone is told the case is at
		// rest; writing yields, so look at cond again afterwards.
		if len(r.pending) > 0 {
			if err := r.flush(ctx); err != nil {
				return err
			}
			continue
		}
		r.settle()
		if until != nil && !until.After(workflow.Now(ctx)) {
			until = nil // passed: from now on wake only for task deadlines
		}
		next := r.nextDeadline(until)
		if next == nil {
			return workflow.Await(ctx, cond)
		}
		d := next.Sub(workflow.Now(ctx))
		if d > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, d, cond)
			if err != nil || ok {
				return err
			}
		}
		if err := r.fireDeadlines(ctx); err != nil {
			return err
		}
	}
}

// nextDeadline is the earliest reminder or escalation still to fire, or until.
func (r *approval) nextDeadline(until *time.Time) *time.Time {
	var next *time.Time
	consider := func(t time.Time) {
		if next == nil || t.Before(*next) {
			next = &t
		}
	}
	if until != nil {
		consider(*until)
	}
	for _, t := range r.st.Tasks {
		if t.Status != store.TaskOpen || t.DueAt == nil {
			continue
		}
		if !t.reminded {
			consider(remindAt(*t))
		} else if !t.overdue {
			consider(*t.DueAt)
		}
	}
	return next
}

func remindAt(t TaskState) time.Time {
	return t.OpenedAt.Add(t.DueAt.Sub(t.OpenedAt) * 8 / 10)
}

// fireDeadlines sends the reminders and escalations that are due now.
func (r *approval) fireDeadlines(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	for i := range r.st.Tasks {
		t := r.st.Tasks[i]
		if t.Status != store.TaskOpen || t.DueAt == nil {
			continue
		}
		for _, step := range []struct {
			done    *bool
			at      time.Time
			percent int
		}{{&t.reminded, remindAt(*t), 80}, {&t.overdue, *t.DueAt, 100}} {
			if *step.done || now.Before(step.at) {
				continue
			}
			err := r.activity(ctx, a.TaskDeadline, activities.DeadlineInput{TaskID: t.ID,
				CaseID: r.in.CaseID, Stage: t.Stage, StageName: r.stageName(*t), Role: t.Role, RegionPath: r.regionAt(t.Level).Path,
				Percent: step.percent}, nil)
			if err != nil {
				return err
			}
			*step.done = true
			action := "reminded"
			if step.percent == 100 {
				action = "overdue"
			}
			r.history(ctx, t.Stage, action, 0, t.Role)
		}
	}
	return nil
}

// settle marks every accepted Update as acted on. It is called only when
// the main loop is at rest (waiting, or finished), after it has projected.
func (r *approval) settle() { r.settled = r.requests }

// project writes the case row the API reads.
func (r *approval) project(ctx workflow.Context) error {
	r.seq++
	var stages []store.CurrentStage
	for _, t := range r.st.Tasks {
		if t.Status == store.TaskOpen {
			stages = append(stages, store.CurrentStage{ID: t.Stage, Name: r.stageName(*t), Role: t.Role, DueAt: t.DueAt})
		}
	}
	if r.st.Status == store.StatusInNotice {
		end := r.noticeEnd
		stages = append(stages, store.CurrentStage{ID: r.st.Stage, Name: r.stageNameByID(r.st.Stage), DueAt: &end})
	}
	if len(stages) == 0 && r.st.Stage != "" && r.st.Status == store.StatusAwaitingApplicant {
		// No task is open while the applicant owes materials: say where the case stands.
		stages = append(stages, store.CurrentStage{ID: r.st.Stage, Name: r.stageNameByID(r.st.Stage), Role: "applicant"})
	}
	in := activities.ProjectInput{CaseID: r.in.CaseID, Seq: r.seq, Status: r.st.Status, CurrentStages: stages,
		ExpectedDecisionAt: r.expectedDecision(), DefinitionVersion: r.in.Definition.Version}
	if r.statusChanged(ctx) {
		if err := workflow.UpsertTypedSearchAttributes(ctx, SACaseStatus.ValueSet(r.st.Status)); err != nil {
			return err
		}
	}
	return r.put(ctx, activities.Write{Project: &in})
}

// expectedDecision is the case deadline moved by the time the SLA clock
// was paused waiting for the applicant.
func (r *approval) expectedDecision() *time.Time {
	if r.st.Deadline == nil {
		return nil
	}
	at := r.st.Deadline.Add(r.st.Paused)
	return &at
}

func (r *approval) stageName(t TaskState) string {
	if t.Kind == kindObjection {
		return "异议核查"
	}
	for _, st := range r.in.Definition.Stages {
		if st.ID != t.Stage {
			continue
		}
		for _, b := range st.Branches {
			if b.ID == t.Branch && b.Name.String() != "" {
				return b.Name.String()
			}
		}
		if n := st.Name.String(); n != "" {
			return n
		}
	}
	return t.Stage
}

func (r *approval) stageNameByID(id string) string {
	if i := r.in.Definition.StageIndex(id); i >= 0 {
		return r.in.Definition.Stages[i].Name.String()
	}
	return id
}

// record appends to the timeline (and audit, when a person acted).
func (r *approval) record(ctx workflow.Context, stage, action string, actor *int64, comment string) error {
	r.history(ctx, stage, action, 0, "")
	n := len(r.st.History)
	in := activities.EventInput{Key: fmt.Sprintf("%s/event/%d", r.scope(), n), CaseID: r.in.CaseID,
		At: workflow.Now(ctx), Stage: stage, Action: action, ActorID: actor, Comment: comment}
	if action == "rejected" {
		in.ReasonCode, in.Comment = comment, ""
	}
	return r.put(ctx, activities.Write{Event: &in})
}

func (r *approval) history(ctx workflow.Context, stage, action string, actor int64, role string) {
	r.st.History = append(r.st.History, HistoryEntry{At: workflow.Now(ctx), Stage: stage, Action: action,
		ActorID: actor, ActorRole: role})
}
