package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CaseEvent is one line of a case's timeline.
type CaseEvent struct {
	ID         int64     `json:"-"`
	EventKey   string    `json:"-"`
	CaseID     int64     `json:"-"`
	At         time.Time `json:"at"`
	Stage      string    `json:"stage,omitempty"`
	Action     string    `json:"action"`
	ActorID    *int64    `json:"-"`
	ActorRole  string    `json:"actor_role,omitempty"`
	OnBehalfOf *int64    `json:"-"`
	ReasonCode string    `json:"reason_code,omitempty"`
	Comment    string    `json:"comment,omitempty"`
}

// AppendEvent adds a timeline event once per EventKey.
func (s *Store) AppendEvent(ctx context.Context, e CaseEvent) error {
	return appendEvent(s.db.WithContext(ctx), e)
}

func appendEvent(tx *gorm.DB, e CaseEvent) error {
	return translate(tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&e).Error)
}

// Timeline lists a case's events in order.
func (s *Store) Timeline(ctx context.Context, caseID int64) ([]CaseEvent, error) {
	return rowsOf[CaseEvent](ctx, s, "FROM case_events WHERE case_id = ? ORDER BY at, id", caseID)
}
