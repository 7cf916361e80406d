package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/internal/failpoint"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/activity"
)

// OpenTaskInput opens one human task. Key is unique per case, stage,
// branch and attempt, so a retried activity finds the task it made.
type OpenTaskInput struct {
	Key        string
	CaseID     int64
	Stage      string
	StageName  string
	Kind       string
	Role       string
	RegionCode string
	Actions    []string
	DueAt      *time.Time
}

// OpenTask opens a task in the inbox and returns its id.
func (a *Activities) OpenTask(ctx context.Context, in OpenTaskInput) (int64, error) {
	id, err := a.openTask(ctx, in)
	if err == nil {
		// A crash drill stops here, by stage: the row is committed, the
		// answer not yet given.
		failpoint.Crash("activities/open-task-committed/" + in.Stage)
	}
	return id, err
}

func (a *Activities) openTask(ctx context.Context, in OpenTaskInput) (int64, error) {
	// The task remembers which workflow waits for it: the API sends the
	// decision there.
	wf := activity.GetInfo(ctx).WorkflowExecution.ID
	t, err := a.Store.OpenTask(ctx, store.NewTask{Key: in.Key, WorkflowID: wf, CaseID: in.CaseID, Stage: in.Stage,
		StageName: in.StageName, Kind: in.Kind, Role: in.Role, RegionCode: in.RegionCode,
		Actions: in.Actions, DueAt: in.DueAt})
	if err != nil {
		return 0, boundary(err)
	}
	return t.ID, nil
}

// CloseTaskInput records a decision the workflow accepted.
type CloseTaskInput struct {
	TaskID     int64
	Action     string
	ReasonCode string
	Comment    string
	ActorID    int64
	ActorRole  string
	OnBehalfOf *int64
	At         time.Time
}

// CloseTask marks the task decided and writes the timeline event.
func (a *Activities) CloseTask(ctx context.Context, in CloseTaskInput) error {
	err := a.Store.CloseTask(ctx, store.TaskDecision{TaskID: in.TaskID, Action: in.Action,
		ReasonCode: in.ReasonCode, Comment: in.Comment, ActorID: in.ActorID, ActorRole: in.ActorRole,
		OnBehalfOf: in.OnBehalfOf, At: in.At})
	if err != nil {
		return boundary(err)
	}
	a.logger(ctx).Info("task decided", "task", in.TaskID, "action", in.Action)
	return boundary(a.Store.Audit(ctx, store.AuditEvent{EventKey: fmt.Sprintf("task/%d/decided", in.TaskID),
		At: in.At, ActorID: &in.ActorID, Action: "task.decide", Object: fmt.Sprintf("task/%d", in.TaskID),
		Detail: mustJSON(map[string]any{"action": in.Action, "reason_code": in.ReasonCode, "on_behalf_of": in.OnBehalfOf})}))
}

// CancelTasksInput cancels a case's open tasks, of one stage or all.
type CancelTasksInput struct {
	CaseID int64
	Stage  string
}

// CancelTasks removes tasks nobody needs to decide any more.
func (a *Activities) CancelTasks(ctx context.Context, in CancelTasksInput) error {
	return boundary(a.Store.CancelOpenTasks(ctx, in.CaseID, in.Stage))
}

// DeadlineInput names a task whose SLA reached a threshold.
type DeadlineInput struct {
	TaskID     int64
	CaseID     int64
	Stage      string
	StageName  string
	Role       string
	RegionPath string // the task's region; escalation goes to the level above
	Percent    int    // 80 = reminder, 100 = overdue
}

// TaskDeadline reminds the task's role at 80% of its SLA, and at 100%
// marks it overdue and notifies the level above.
func (a *Activities) TaskDeadline(ctx context.Context, in DeadlineInput) error {
	caseID := in.CaseID
	n := store.Notification{CaseID: &caseID, Role: in.Role, RegionPath: in.RegionPath}
	if in.Percent < 100 {
		n.NotificationKey = fmt.Sprintf("task/%d/remind", in.TaskID)
		n.Kind, n.Message = "reminder", fmt.Sprintf("案件 %d 的「%s」环节即将到期", in.CaseID, in.StageName)
		return boundary(a.sender().Send(ctx, n))
	}
	if err := a.Store.MarkOverdue(ctx, in.TaskID); err != nil {
		return boundary(err)
	}
	n.NotificationKey = fmt.Sprintf("task/%d/overdue", in.TaskID)
	n.Kind, n.Message = "overdue", fmt.Sprintf("案件 %d 的「%s」环节已超期", in.CaseID, in.StageName)
	if err := a.sender().Send(ctx, n); err != nil {
		return boundary(err)
	}
	n.NotificationKey = fmt.Sprintf("task/%d/escalated", in.TaskID)
	n.Kind, n.Role, n.RegionPath = "escalation", "", parentPath(in.RegionPath)
	n.Message = fmt.Sprintf("下级环节超期：案件 %d 的「%s」（%s）", in.CaseID, in.StageName, in.Role)
	return boundary(a.sender().Send(ctx, n))
}

// parentPath drops the last code of a region path: the level above.
func parentPath(path string) string {
	codes := store.PathCodes(path)
	if len(codes) <= 1 {
		return path
	}
	out := ""
	for _, c := range codes[:len(codes)-1] {
		out += c + "/"
	}
	return out
}
