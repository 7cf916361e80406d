package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/store"
)

// ProjectInput is the workflow's view of its case at sequence Seq.
type ProjectInput struct {
	CaseID             int64
	Seq                int64
	Status             string
	CurrentStages      []store.CurrentStage
	ExpectedDecisionAt *time.Time
	// DefinitionVersion is the version the case now runs on (0: unchanged).
	DefinitionVersion int
}

// Project writes the case row the API reads; an older Seq never
// overwrites a newer one.
func (a *Activities) Project(ctx context.Context, in ProjectInput) error {
	return boundary(a.Store.Project(ctx, store.Projection{CaseID: in.CaseID, Seq: in.Seq, Status: in.Status,
		CurrentStages: in.CurrentStages, ExpectedDecisionAt: in.ExpectedDecisionAt,
		DefinitionVersion: in.DefinitionVersion}))
}

// EventInput is a timeline event that is not a task decision: a stage
// skipped, a notice posted, materials supplied, the case withdrawn.
type EventInput struct {
	Key        string
	CaseID     int64
	At         time.Time
	Stage      string
	Action     string
	ActorID    *int64
	ActorRole  string
	ReasonCode string
	Comment    string
}

// RecordEvent appends to the case timeline and, for actions a person
// took, to the audit trail.
func (a *Activities) RecordEvent(ctx context.Context, in EventInput) error {
	err := a.Store.AppendEvent(ctx, store.CaseEvent{EventKey: in.Key, CaseID: in.CaseID, At: in.At,
		Stage: in.Stage, Action: in.Action, ActorID: in.ActorID, ActorRole: in.ActorRole,
		ReasonCode: in.ReasonCode, Comment: in.Comment})
	if err != nil || in.ActorID == nil {
		return boundary(err)
	}
	return boundary(a.Store.Audit(ctx, store.AuditEvent{EventKey: in.Key, At: in.At, ActorID: in.ActorID,
		Action: "case." + in.Action, Object: fmt.Sprintf("case/%d", in.CaseID),
		Detail: mustJSON(map[string]any{"stage": in.Stage, "reason_code": in.ReasonCode})}))
}

func mustJSON(v any) store.JSON {
	b, err := json.Marshal(v)
	if err != nil {
		return store.JSON("{}")
	}
	return b
}
