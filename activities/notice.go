package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/store"
)

// OpenNoticeInput posts a case on its village's notice board.
type OpenNoticeInput struct {
	Key        string
	CaseID     int64
	Stage      string
	RegionCode string
	StartsAt   time.Time
	EndsAt     time.Time
}

// OpenNotice posts the notice and returns its id.
func (a *Activities) OpenNotice(ctx context.Context, in OpenNoticeInput) (int64, error) {
	n, err := a.Store.OpenNotice(ctx, in.Key, in.CaseID, in.Stage, in.RegionCode, in.StartsAt, in.EndsAt)
	if err != nil {
		return 0, boundary(err)
	}
	return n.ID, nil
}

// EndNoticeInput takes a notice down.
type EndNoticeInput struct {
	NoticeID int64
	Status   string // closed or cancelled
}

// EndNotice takes a notice off the board.
func (a *Activities) EndNotice(ctx context.Context, in EndNoticeInput) error {
	return boundary(a.Store.EndNotice(ctx, in.NoticeID, in.Status))
}

// ObjectionInput is an objection a resident filed during a notice.
type ObjectionInput struct {
	Key       string
	CaseID    int64
	NoticeID  int64
	FiledBy   int64
	Anonymous bool
	Reason    string
	At        time.Time
}

// FileObjection stores the objection and returns its id.
func (a *Activities) FileObjection(ctx context.Context, in ObjectionInput) (int64, error) {
	o, err := a.Store.FileObjection(ctx, store.Objection{ObjectionKey: in.Key, CaseID: in.CaseID,
		NoticeID: in.NoticeID, FiledBy: in.FiledBy, Anonymous: in.Anonymous, Reason: in.Reason})
	if err != nil {
		return 0, boundary(err)
	}
	filer := &in.FiledBy
	if err := a.Store.AppendEvent(ctx, store.CaseEvent{EventKey: in.Key, CaseID: in.CaseID, At: in.At,
		Stage: "notice", Action: "objection_filed", ActorID: filer, Comment: in.Reason}); err != nil {
		return 0, boundary(err)
	}
	return o.ID, boundary(a.Store.Audit(ctx, store.AuditEvent{EventKey: in.Key, At: in.At, ActorID: filer,
		Action: "objection.file", Object: fmt.Sprintf("case/%d", in.CaseID),
		Detail: mustJSON(map[string]any{"objection": o.ID, "anonymous": in.Anonymous})}))
}

// ResolveObjectionInput records the committee's finding.
type ResolveObjectionInput struct {
	ObjectionID int64
	Status      string // dismissed or upheld
}

// ResolveObjection stores the finding on the objection.
func (a *Activities) ResolveObjection(ctx context.Context, in ResolveObjectionInput) error {
	return boundary(a.Store.ResolveObjection(ctx, in.ObjectionID, in.Status))
}
