package workflows

import (
	"slices"
	"unicode/utf8"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// maxText bounds comments, reasons and notes carried into history.
const maxText = 2000

// register installs the query and the Updates. Validators are the single
// judge of whether a request is allowed: they run before anything is
// written, and a rejected Update leaves no trace in the history.
func (r *approval) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return r.st, nil }); err != nil {
		return err
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateDecide, r.decide, r.validateDecide},
		{UpdateWithdraw, r.withdrawCase, r.validateWithdraw},
		{UpdateSupplyMaterials, r.supplyMaterials, r.validateMaterials},
		{UpdateObject, r.object, r.validateObject},
		{UpdateMigrate, r.migrateCase, r.validateMigration},
	}
	for _, h := range handlers {
		err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validate})
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *approval) validateDecide(d Decision) error {
	t := r.task(d)
	switch {
	case t == nil:
		return reject(RejectInvalid, "task %d is not a task of case %d", d.TaskID, r.in.CaseID)
	case t.Status == store.TaskDecided:
		return reject(RejectConflict, "task %d is already decided: %s by user %d",
			t.ID, t.Decision.Action, t.Decision.ActorID)
	case t.Status != store.TaskOpen:
		return reject(RejectConflict, "task %d is %s", t.ID, t.Status)
	case d.ActorRole != t.Role:
		return reject(RejectForbidden, "task %d is for role %s, not %s", t.ID, t.Role, d.ActorRole)
	case !slices.Contains(t.Actions, d.Action):
		return reject(RejectInvalid, "action %q is not allowed on this task; allowed: %v", d.Action, t.Actions)
	case (d.Action == process.ActionReject || d.Action == process.ActionUphold) && d.ReasonCode == "":
		return reject(RejectInvalid, "reason_code is required to %s", d.Action)
	case utf8.RuneCountInString(d.Comment) > maxText:
		return reject(RejectInvalid, "comment is longer than %d characters", maxText)
	case d.ActorID == r.in.ApplicantID:
		return reject(RejectForbidden, "nobody decides their own case")
	case slices.Contains(r.in.Related, d.ActorID):
		return reject(RejectForbidden, "user %d declared a family tie to this household and may not decide its case", d.ActorID)
	}
	for _, dc := range r.deciders {
		if dc.user == d.ActorID && dc.level != t.Level {
			return reject(RejectForbidden, "user %d already decided at %s level of this case; one person decides one level",
				d.ActorID, dc.level)
		}
	}
	if t.Branch != "" && t.Kind != kindObjection {
		for _, o := range r.st.Tasks {
			if o != t && o.Stage == t.Stage && o.OpenedAt.Equal(t.OpenedAt) && o.Decision != nil &&
				o.Decision.ActorID == d.ActorID {
				return reject(RejectForbidden, "user %d already signed branch %s of this countersign", d.ActorID, o.Branch)
			}
		}
	}
	if d.Action == process.ActionReturn && d.ReturnTo != "" {
		if i := r.in.Definition.StageIndex(d.ReturnTo); i < 0 || i >= r.in.Definition.StageIndex(t.Stage) {
			return reject(RejectInvalid, "return_to %q is not an earlier stage", d.ReturnTo)
		}
	}
	if t.Kind == process.KindAppraisal {
		return r.validateAppraisal(t, d)
	}
	return nil
}

// validateAppraisal gates the democratic review on its quorum.
func (r *approval) validateAppraisal(t *TaskState, d Decision) error {
	ap := d.Appraisal
	if ap == nil {
		return reject(RejectInvalid, "appraisal record (attendees, votes) is required")
	}
	if ap.Attendees < 1 || ap.VotesFor < 0 || ap.VotesAgainst < 0 || ap.VotesFor+ap.VotesAgainst > ap.Attendees {
		return reject(RejectInvalid, "appraisal record is inconsistent: %d attendees, %d for, %d against",
			ap.Attendees, ap.VotesFor, ap.VotesAgainst)
	}
	i := r.in.Definition.StageIndex(t.Stage)
	q := r.in.Definition.Stages[i].Quorum
	if d.Action == process.ActionApprove && q != nil {
		if ap.Attendees < q.MinAttendees {
			return reject(RejectInvalid, "quorum not met: %d attendees, at least %d required", ap.Attendees, q.MinAttendees)
		}
		if float64(ap.VotesFor) <= q.ApproveShare*float64(ap.Attendees) {
			return reject(RejectInvalid, "the review did not pass: %d of %d voted for, more than %.0f%% required",
				ap.VotesFor, ap.Attendees, q.ApproveShare*100)
		}
	}
	return nil
}

func (r *approval) decide(ctx workflow.Context, d Decision) (Result, error) {
	t := r.task(d)
	d.TaskID = t.ID
	d.At = workflow.Now(ctx)
	t.Status, t.Decision = store.TaskDecided, &d
	r.deciders = append(r.deciders, decider{user: d.ActorID, level: t.Level})
	return r.awaitSettled(ctx)
}

func (r *approval) validateWithdraw(w Withdrawal) error {
	if r.final() {
		return reject(RejectConflict, "case is already %s", r.st.Status)
	}
	if w.ActorID != r.in.ApplicantID {
		return reject(RejectForbidden, "only the applicant withdraws a case")
	}
	if utf8.RuneCountInString(w.Reason) > maxText {
		return reject(RejectInvalid, "reason is longer than %d characters", maxText)
	}
	return nil
}

func (r *approval) withdrawCase(ctx workflow.Context, w Withdrawal) (Result, error) {
	r.withdraw = &w
	return r.awaitSettled(ctx)
}

func (r *approval) validateMaterials(m Materials) error {
	if r.st.Status != store.StatusAwaitingApplicant {
		return reject(RejectConflict, "case is %s, no materials are owed", r.st.Status)
	}
	if m.ActorID != r.in.ApplicantID {
		return reject(RejectForbidden, "only the applicant supplies materials")
	}
	if utf8.RuneCountInString(m.Note) > maxText {
		return reject(RejectInvalid, "note is longer than %d characters", maxText)
	}
	return nil
}

func (r *approval) supplyMaterials(ctx workflow.Context, m Materials) (Result, error) {
	r.materials = &m
	return r.awaitSettled(ctx)
}

func (r *approval) validateObject(f ObjectionFiling) error {
	n := utf8.RuneCountInString(f.Reason)
	switch {
	case r.st.Status != store.StatusInNotice || r.noticeID == 0:
		return reject(RejectConflict, "case is not in public notice")
	case f.ActorID == r.in.ApplicantID:
		return reject(RejectForbidden, "the applicant cannot object to their own case")
	case n == 0 || n > maxText:
		return reject(RejectInvalid, "reason must be 1 to %d characters", maxText)
	}
	return nil
}

func (r *approval) object(ctx workflow.Context, f ObjectionFiling) (Result, error) {
	r.filings = append(r.filings, pendingFiling{filing: f, seq: len(r.filings) + 1})
	i := len(r.filings) - 1
	res, err := r.awaitSettled(ctx)
	res.ObjectionID = r.filings[i].id
	return res, err
}

// awaitSettled returns once the main loop has acted on this Update and
// written the projection.
func (r *approval) awaitSettled(ctx workflow.Context) (Result, error) {
	r.requests++
	n := r.requests
	if err := workflow.Await(ctx, func() bool { return r.settled >= n }); err != nil {
		return Result{}, err
	}
	return Result{Status: r.st.Status, Stage: r.st.Stage}, nil
}

func (r *approval) final() bool {
	switch r.st.Status {
	case store.StatusApproved, store.StatusRejected, store.StatusWithdrawn, store.StatusMonitoring,
		store.StatusRiskEliminated:
		return true
	}
	return false
}
