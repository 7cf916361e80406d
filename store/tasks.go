package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Task states.
const (
	TaskOpen      = "open"
	TaskDecided   = "decided"
	TaskCancelled = "cancelled"
)

// Task is one human step of one case: a review, an appraisal, an objection
// review or a re-check visit, for a role at a region.
type Task struct {
	ID         int64  `json:"id"`
	TaskKey    string `json:"-"`
	WorkflowID string `json:"-"`
	CaseID     int64  `json:"case_id"`
	Program    string `json:"program"`
	Stage      string `json:"stage"`
	StageName  string `json:"stage_name"`
	Kind       string `json:"kind"`
	Role       string `json:"role"`
	RegionCode string `json:"region"`
	RegionPath string `json:"-"`
	Actions    JSON   `json:"actions"`
	Status     string `json:"status"`
	AssigneeID *int64 `json:"assignee,omitempty"`
	// DelegateID acts for the assignee until DelegateUntil.
	DelegateID    *int64     `json:"delegate,omitempty"`
	DelegateUntil *time.Time `json:"delegate_until,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	Overdue       bool       `json:"overdue"`
	Decision      string     `json:"decision,omitempty"`
	ReasonCode    string     `json:"reason_code,omitempty"`
	DecidedBy     *int64     `json:"decided_by,omitempty"`
	OnBehalfOf    *int64     `json:"on_behalf_of,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// NewTask is a task to open; Key makes opening idempotent.
type NewTask struct {
	Key, WorkflowID, Stage, StageName, Kind, Role, RegionCode string
	CaseID                                                    int64
	Actions                                                   []string
	DueAt                                                     *time.Time
}

// OpenTask creates the task once per key and returns it; a retry returns
// the row the first attempt made.
func (s *Store) OpenTask(ctx context.Context, in NewTask) (Task, error) {
	var t Task
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&t, "task_key = ?", in.Key).Error; err == nil {
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var c Case
		if err := tx.Select("id", "program").First(&c, "id = ?", in.CaseID).Error; err != nil {
			return translate(err)
		}
		var r Region
		if err := tx.First(&r, "code = ?", in.RegionCode).Error; err != nil {
			return fmt.Errorf("%w: task region %s: %w", ErrInvalid, in.RegionCode, translate(err))
		}
		actions, _ := json.Marshal(in.Actions)
		t = Task{TaskKey: in.Key, WorkflowID: in.WorkflowID, CaseID: in.CaseID, Program: c.Program, Stage: in.Stage, StageName: in.StageName,
			Kind: in.Kind, Role: in.Role, RegionCode: r.Code, RegionPath: r.Path, Actions: actions,
			Status: TaskOpen, DueAt: in.DueAt, CreatedAt: s.now()}
		return tx.Create(&t).Error
	})
	return t, translate(err)
}

// Task returns one task.
func (s *Store) Task(ctx context.Context, id int64) (Task, error) {
	return rowOf[Task](ctx, s, "FROM tasks WHERE id = ?", id)
}

// TaskDecision closes a task with the decision a workflow accepted.
type TaskDecision struct {
	TaskID             int64
	Action, ReasonCode string
	Comment            string
	ActorID            int64
	ActorRole          string
	OnBehalfOf         *int64
	At                 time.Time
}

// CloseTask records a decision on an open task and its timeline event in
// one transaction. Closing an already-decided task with the same decision
// is a no-op (an activity retry); a different one is ErrConflict.
func (s *Store) CloseTask(ctx context.Context, d TaskDecision) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var t Task
		if err := tx.First(&t, "id = ?", d.TaskID).Error; err != nil {
			return translate(err)
		}
		if t.Status == TaskDecided && t.Decision == d.Action && t.DecidedBy != nil && *t.DecidedBy == d.ActorID {
			return nil
		}
		if t.Status != TaskOpen {
			return fmt.Errorf("%w: task %d is %s", ErrConflict, t.ID, t.Status)
		}
		at := d.At
		if err := tx.Model(&t).Updates(map[string]any{"status": TaskDecided, "decision": d.Action,
			"reason_code": d.ReasonCode, "decided_by": d.ActorID, "on_behalf_of": d.OnBehalfOf,
			"decided_at": &at}).Error; err != nil {
			return translate(err)
		}
		return appendEvent(tx, CaseEvent{EventKey: fmt.Sprintf("task/%d/decided", t.ID), CaseID: t.CaseID,
			At: at, Stage: t.Stage, Action: d.Action, ActorID: &d.ActorID, ActorRole: d.ActorRole,
			OnBehalfOf: d.OnBehalfOf, ReasonCode: d.ReasonCode, Comment: d.Comment})
	})
}

// CancelOpenTasks cancels every open task of a case (withdrawal, rejection,
// a countersign already decided).
func (s *Store) CancelOpenTasks(ctx context.Context, caseID int64, stage string) error {
	q := s.db.WithContext(ctx).Model(&Task{}).Where("case_id = ? AND status = ?", caseID, TaskOpen)
	if stage != "" {
		q = q.Where("stage = ?", stage)
	}
	return translate(q.Update("status", TaskCancelled).Error)
}

// MarkOverdue flags an open task whose SLA has run out.
func (s *Store) MarkOverdue(ctx context.Context, taskID int64) error {
	return translate(s.db.WithContext(ctx).Model(&Task{}).
		Where("id = ? AND status = ?", taskID, TaskOpen).Update("overdue", true).Error)
}

// TasksOfCase lists a case's tasks, oldest first.
func (s *Store) TasksOfCase(ctx context.Context, caseID int64) ([]Task, error) {
	var ts []Task
	err := s.db.WithContext(ctx).Where("case_id = ?", caseID).Order("id").Find(&ts).Error
	return ts, translate(err)
}
