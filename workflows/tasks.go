package workflows

import (
	"fmt"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// attempt counts how often a stage (or branch) has opened, so a returned
// stage gets a fresh task with its own idempotency key.
func (r *approval) attempt(stage, branch string) int {
	return r.attempts[stage+"/"+branch]
}

// openTask opens the inbox task of a review, appraisal or countersign branch.
func (r *approval) openTask(ctx workflow.Context, st, spec process.Stage, branch string) (*TaskState, error) {
	key := st.ID + "/" + branch
	r.attempts[key]++
	region := r.regionAt(spec.Level)
	now := workflow.Now(ctx)
	sla := spec.SLA
	if sla == nil {
		sla = st.SLA // a countersign branch takes its stage's time limit
	}
	t := &TaskState{Key: fmt.Sprintf("%s/%s/%d", r.scope(), key, r.attempts[key]), Stage: st.ID, Branch: branch, Kind: spec.Kind, Role: spec.Role, Level: spec.Level,
		Region: region.Code, Actions: spec.Actions, OpenedAt: now, Status: store.TaskOpen,
		DueAt: r.due(ctx, now, sla)}
	if t.Kind == "" || t.Kind == process.KindParallel {
		t.Kind = process.KindReview
	}
	name := spec.Name.String()
	if name == "" {
		name = st.Name.String()
	}
	in := activities.OpenTaskInput{Key: t.Key, CaseID: r.in.CaseID, Stage: st.ID, StageName: name, Kind: t.Kind, Role: t.Role,
		RegionCode: t.Region, Actions: t.Actions, DueAt: t.DueAt}
	// Known before the row exists: a decision naming the key is accepted
	// even if it overtakes the activity's answer.
	r.st.Tasks = append(r.st.Tasks, t)
	if err := r.put(ctx, activities.Write{Open: &in}); err != nil {
		return nil, err
	}
	r.history(ctx, st.ID, "opened", 0, spec.Role)
	return t, nil
}

// closeTask writes an accepted decision to the inbox and timeline.
func (r *approval) closeTask(ctx workflow.Context, t *TaskState) error {
	d := t.Decision
	err := r.put(ctx, activities.Write{Close: &activities.CloseTaskInput{TaskID: t.ID, Action: d.Action,
		ReasonCode: d.ReasonCode, Comment: d.Comment, ActorID: d.ActorID, ActorRole: d.ActorRole,
		OnBehalfOf: d.OnBehalfOf, At: d.At}})
	if err != nil {
		return err
	}
	t.processed = true
	r.history(ctx, t.Stage, d.Action, d.ActorID, d.ActorRole)
	return nil
}

// task finds the task a decision names, by key or by id.
func (r *approval) task(d Decision) *TaskState {
	for _, t := range r.st.Tasks {
		if (d.TaskKey != "" && t.Key == d.TaskKey) || (d.TaskKey == "" && d.TaskID != 0 && t.ID == d.TaskID) {
			return t
		}
	}
	return nil
}

// regionAt is the case's region at a level (the village for village
// stages, its township for township stages, ...). An unknown level falls
// back to the case's own region.
func (r *approval) regionAt(level string) RegionRef {
	for _, reg := range r.in.Regions {
		if reg.Level == level {
			return reg
		}
	}
	return r.in.Regions[len(r.in.Regions)-1]
}

func (r *approval) regionCodes() []string {
	codes := make([]string, len(r.in.Regions))
	for i, reg := range r.in.Regions {
		codes[i] = reg.Code
	}
	return codes
}

// due is when an SLA starting now runs out. Working-day deadlines come
// from the calendar through SideEffect: the answer is recorded once, so a
// later holiday-table update cannot change a replayed case.
func (r *approval) due(ctx workflow.Context, from time.Time, sla *process.SLA) *time.Time {
	if sla == nil {
		return nil
	}
	var at time.Time
	if sla.WorkingDays > 0 {
		codes := r.regionCodes()
		enc := workflow.SideEffect(ctx, func(workflow.Context) any {
			return r.w.Calendar.AddWorkingDays(from, sla.WorkingDays, codes...)
		})
		if err := enc.Get(&at); err != nil {
			return nil
		}
	} else if d, err := sla.Duration.Parse(); err == nil && d > 0 {
		at = from.Add(d)
	} else {
		return nil
	}
	return &at
}

// caseDeadline is the legal time limit of the whole case.
func (r *approval) caseDeadline(ctx workflow.Context) *time.Time {
	return r.due(ctx, workflow.Now(ctx), r.in.Definition.SLA)
}
