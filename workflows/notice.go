package workflows

import (
	"fmt"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/workflow"
)

// runNotice posts the case on its village's board for the stage's duration.
// Objections open a review task for the village committee: a dismissed one
// lets the notice run on, an upheld one rejects the case. The notice ends
// only when its time is up and no objection is still open.
func (r *approval) runNotice(ctx workflow.Context, st process.Stage) (outcome, error) {
	now := workflow.Now(ctx)
	r.noticeEnd = now.Add(st.Duration.MustParse())
	village := r.regionAt("village")
	key := fmt.Sprintf("%s/%s/%d/notice", r.scope(), st.ID, r.attemptNotice(st.ID))
	err := r.activity(ctx, a.OpenNotice, activities.OpenNoticeInput{Key: key, CaseID: r.in.CaseID,
		Stage: st.ID, RegionCode: village.Code, StartsAt: now, EndsAt: r.noticeEnd}, &r.noticeID)
	if err != nil {
		return outcome{}, err
	}
	r.st.Status = store.StatusInNotice
	r.history(ctx, st.ID, "notice_posted", 0, "")
	if err := r.project(ctx); err != nil {
		return outcome{}, err
	}
	for {
		end := r.noticeEnd
		err := r.wait(ctx, &end, func() bool {
			return r.interrupted() || r.pendingFilings() || r.hasUnprocessedObjection() ||
				(!workflow.Now(ctx).Before(r.noticeEnd) && !r.openObjections())
		})
		if err != nil {
			return outcome{}, err
		}
		if r.interrupted() {
			return r.interruption(), nil
		}
		if out, done, err := r.handleObjections(ctx, st); err != nil || done {
			return out, err
		}
		if !workflow.Now(ctx).Before(r.noticeEnd) && !r.openObjections() && !r.pendingFilings() {
			break
		}
	}
	r.st.Status = store.StatusInReview
	return outcome{kind: "next"}, r.endNotice(ctx, store.NoticeClosed)
}

func (r *approval) attemptNotice(stage string) int {
	r.attempts[stage+"/notice"]++
	return r.attempts[stage+"/notice"]
}

func (r *approval) endNotice(ctx workflow.Context, status string) error {
	id := r.noticeID
	r.noticeID = 0
	return r.activity(ctx, a.EndNotice, activities.EndNoticeInput{NoticeID: id, Status: status}, nil)
}

// handleObjections files new objections and acts on decided ones.
func (r *approval) handleObjections(ctx workflow.Context, st process.Stage) (outcome, bool, error) {
	for i := range r.filings {
		if err := r.fileObjection(ctx, st, &r.filings[i]); err != nil {
			return outcome{}, false, err
		}
	}
	for i := range r.st.Tasks {
		t := r.st.Tasks[i]
		if t.Kind != kindObjection || t.Status != store.TaskDecided || t.processed {
			continue
		}
		if err := r.closeTask(ctx, t); err != nil {
			return outcome{}, false, err
		}
		status := "dismissed"
		if t.Decision.Action == process.ActionUphold {
			status = "upheld"
		}
		err := r.activity(ctx, a.ResolveObjection, activities.ResolveObjectionInput{
			ObjectionID: t.ObjectionID, Status: status}, nil)
		if err != nil {
			return outcome{}, false, err
		}
		if status == "upheld" {
			reason := t.Decision.ReasonCode
			if reason == "" {
				reason = "objection_upheld"
			}
			return outcome{kind: "reject", reason: reason, comment: t.Decision.Comment}, true, nil
		}
	}
	return outcome{}, false, r.project(ctx)
}

const kindObjection = "objection"

// fileObjection stores one filing and opens its review task.
func (r *approval) fileObjection(ctx workflow.Context, st process.Stage, f *pendingFiling) error {
	if f.done {
		return nil
	}
	key := fmt.Sprintf("%s/objection/%d", r.scope(), f.seq)
	err := r.activity(ctx, a.FileObjection, activities.ObjectionInput{Key: key, CaseID: r.in.CaseID,
		NoticeID: r.noticeID, FiledBy: f.filing.ActorID, Anonymous: f.filing.Anonymous, Reason: f.filing.Reason,
		At: workflow.Now(ctx)}, &f.id)
	if err != nil {
		return err
	}
	review := process.Stage{ID: st.ID, Kind: kindObjection, Role: process.RoleVillageCommittee, Level: "village",
		Name: process.Text{Zh: "异议核查", En: "Objection review"}, SLA: &process.SLA{WorkingDays: 5},
		Actions: []string{process.ActionDismiss, process.ActionUphold}}
	t, err := r.openTask(ctx, st, review, fmt.Sprintf("objection-%d", f.seq))
	if err != nil {
		return err
	}
	t.Kind, t.ObjectionID, f.done = kindObjection, f.id, true
	return nil
}

func (r *approval) pendingFilings() bool {
	for _, f := range r.filings {
		if !f.done {
			return true
		}
	}
	return false
}

func (r *approval) openObjections() bool {
	for _, t := range r.st.Tasks {
		if t.Kind == kindObjection && (t.Status == store.TaskOpen || (t.Status == store.TaskDecided && !t.processed)) {
			return true
		}
	}
	return false
}

func (r *approval) hasUnprocessedObjection() bool {
	for _, t := range r.st.Tasks {
		if t.Kind == kindObjection && t.Status == store.TaskDecided && !t.processed {
			return true
		}
	}
	return false
}
