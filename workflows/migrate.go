package workflows

import (
	"fmt"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// interrupted reports a request that ends the current stage early.
func (r *approval) interrupted() bool { return r.withdraw != nil || r.migration != nil }

// interruption is how a stage ends when interrupted.
func (r *approval) interruption() outcome {
	if r.withdraw != nil {
		return outcome{kind: "withdrawn"}
	}
	return outcome{kind: "migrate"}
}

// validateMigration accepts a move only where it is well defined: an open
// case in a stage the mapping names, not waiting for the applicant and
// with no objection under review.
func (r *approval) validateMigration(m Migration) error {
	cur := r.in.Definition
	target, mapped := m.Mapping[r.st.Stage]
	switch {
	case r.final():
		return reject(RejectConflict, "case is already %s", r.st.Status)
	case r.migration != nil:
		return reject(RejectConflict, "a migration of this case is already under way")
	case m.To.Key != cur.Key:
		return reject(RejectInvalid, "version %d is of %s, not %s", m.To.Version, m.To.Key, cur.Key)
	case m.To.Version == cur.Version:
		return reject(RejectConflict, "case is already on version %d", cur.Version)
	case r.st.Status == store.StatusAwaitingApplicant:
		return reject(RejectConflict, "case waits for the applicant's materials; migrate it after they arrive")
	case r.openObjections():
		return reject(RejectConflict, "an objection is under review; migrate after it is decided")
	case !mapped:
		return reject(RejectInvalid, "stage %s has no mapping to version %d", r.st.Stage, m.To.Version)
	case m.To.StageIndex(target) < 0:
		return reject(RejectInvalid, "version %d has no stage %s", m.To.Version, target)
	}
	return nil
}

func (r *approval) migrateCase(ctx workflow.Context, m Migration) (Result, error) {
	r.migration = &m
	res, err := r.awaitSettled(ctx)
	if err == nil && r.migrationErr != nil {
		err, r.migrationErr = r.migrationErr, nil
	}
	return res, err
}

// migrate moves the case from stage i of its version onto the mapped stage
// of the new one: what is open is cancelled, the new version's stage
// opens afresh, and the timeline says so.
func (r *approval) migrate(ctx workflow.Context, i int) (int, error) {
	m := r.migration
	r.migration = nil
	from := r.st.Stage
	target := r.in.Definition.StageIndex(from)
	if to, ok := m.Mapping[from]; ok {
		target = m.To.StageIndex(to)
	}
	if target < 0 {
		r.migrationErr = reject(RejectInvalid, "stage %s has no mapping to version %d", from, m.To.Version)
		return i, nil
	}
	if err := r.activity(ctx, a.CancelTasks, activities.CancelTasksInput{CaseID: r.in.CaseID}, nil); err != nil {
		return i, err
	}
	for _, t := range r.st.Tasks {
		if t.Status == store.TaskOpen {
			t.Status = store.TaskCancelled
		}
	}
	if r.noticeID != 0 {
		if err := r.endNotice(ctx, store.NoticeCancelled); err != nil {
			return i, err
		}
		r.st.Status = store.StatusInReview
	}
	note := fmt.Sprintf("v%d %s → v%d %s", r.in.Definition.Version, from, m.To.Version, m.To.Stages[target].ID)
	r.in.Definition = m.To
	return target, r.record(ctx, from, "migrated", &m.ActorID, note)
}
