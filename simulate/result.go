package simulate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"go.temporal.io/sdk/activity"
)

// Result is the path a scenario took: every task in the order it opened
// (with data checks, skipped stages and waits for the applicant between),
// the notices posted, and how the case ended against its time limits.
type Result struct {
	Status     string    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Path       []Visit   `json:"path"`
	Notices    []Notice  `json:"notices"`
	Total      string    `json:"total"`
	// CaseDeadline is the legal limit of the whole case, moved by the time
	// it waited for the applicant; CaseSLA is met, missed or none.
	CaseDeadline *time.Time `json:"case_deadline,omitempty"`
	CaseSLA      string     `json:"case_sla"`
}

// Visit is one stop on the path. Kind is the task's kind (review,
// appraisal, objection), data_check, applicant (waiting for materials) or
// the kind of a skipped stage; SLA is met, missed or none.
type Visit struct {
	Stage    string     `json:"stage"`
	Branch   string     `json:"branch,omitempty"`
	Kind     string     `json:"kind"`
	Role     string     `json:"role,omitempty"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	Duration string     `json:"duration"`
	Action   string     `json:"action"`
	DueAt    *time.Time `json:"due_at,omitempty"`
	SLA      string     `json:"sla"`
	taskID   int64
}

// Notice is one public notice; Status is closed or cancelled.
type Notice struct {
	Stage      string     `json:"stage"`
	OpenedAt   time.Time  `json:"opened_at"`
	EndsAt     time.Time  `json:"ends_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Status     string     `json:"status,omitempty"`
	Objections int        `json:"objections"`
}

// recorder turns the inputs the activities were called with into the
// path. Mocks run on activity goroutines and the listener on the test
// environment's loop, so the inputs they hand over are guarded.
type recorder struct {
	mu     sync.Mutex
	ids    int64
	inputs map[string][]call // by activity id; a batch of writes holds several

	def      process.Definition
	loc      *time.Location
	path     []*Visit
	tasks    map[int64]*Visit
	notices  []*Notice
	byNotice map[int64]*Notice
	awaiting time.Time // when the case went back to the applicant
	expected *time.Time
	ended    time.Time
}

type call struct {
	in any
	id int64
}

func newRecorder(def process.Definition, loc *time.Location) *recorder {
	return &recorder{inputs: map[string][]call{}, def: def, loc: loc, tasks: map[int64]*Visit{}, byNotice: map[int64]*Notice{}}
}

// keep stores an activity's input, with a fresh id when the activity
// creates a row (a task, a notice, an objection).
func (r *recorder) keep(ctx context.Context, in any, withID bool) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := call{in: in}
	if withID {
		r.ids++
		c.id = r.ids
	}
	id := activity.GetInfo(ctx).ActivityID
	r.inputs[id] = append(r.inputs[id], c)
	return c.id
}

// keepWrites records a batch of a case's writes (activities.Apply) in
// order and answers with the ids of the tasks it opens.
func (r *recorder) keepWrites(ctx context.Context, writes []activities.Write) activities.Applied {
	res := activities.Applied{TaskIDs: map[string]int64{}}
	for _, w := range writes {
		switch {
		case w.Event != nil:
			r.keep(ctx, *w.Event, false)
		case w.Open != nil:
			res.TaskIDs[w.Open.Key] = r.keep(ctx, *w.Open, true)
		case w.Close != nil:
			r.keep(ctx, *w.Close, false)
		case w.Cancel != nil:
			r.keep(ctx, *w.Cancel, false)
		case w.Project != nil:
			r.keep(ctx, *w.Project, false)
		}
	}
	return res
}

// completed records the activity that just completed at now and reports
// the events the people react to: tasks opened, a notice posted.
func (r *recorder) completed(activityID string, now time.Time) []any {
	r.mu.Lock()
	calls := r.inputs[activityID]
	delete(r.inputs, activityID)
	r.mu.Unlock()
	var events []any
	for _, c := range calls {
		if ev := r.apply(c, now.In(r.loc)); ev != nil {
			events = append(events, ev)
		}
	}
	return events
}

// apply records one write of a completed activity.
func (r *recorder) apply(c call, now time.Time) any {
	switch in := c.in.(type) {
	case activities.OpenTaskInput:
		v := &Visit{Stage: in.Stage, Branch: branchOf(in.Key), Kind: in.Kind, Role: in.Role, OpenedAt: now,
			DueAt: r.in(in.DueAt), taskID: c.id}
		r.path, r.tasks[c.id] = append(r.path, v), v
		return openedTask{ID: c.id, Key: in.Key, Role: in.Role, Kind: in.Kind}
	case activities.CloseTaskInput:
		r.tasks[in.TaskID].close(in.At.In(r.loc), in.Action)
		if in.Action == process.ActionReturnToApplicant {
			r.awaiting = in.At.In(r.loc)
		}
	case activities.CancelTasksInput:
		for _, v := range r.path {
			if v.taskID != 0 && v.ClosedAt == nil && (in.Stage == "" || v.Stage == in.Stage) {
				v.close(now, "cancelled")
			}
		}
	case activities.DataCheckInput:
		r.add(&Visit{Stage: in.Stage, Kind: process.KindDataCheck, OpenedAt: now}, now, "checked")
	case activities.EventInput:
		r.event(in, now)
	case activities.OpenNoticeInput:
		n := &Notice{Stage: in.Stage, OpenedAt: in.StartsAt.In(r.loc), EndsAt: in.EndsAt.In(r.loc)}
		r.notices, r.byNotice[c.id] = append(r.notices, n), n
		return noticePosted{}
	case activities.ObjectionInput:
		r.byNotice[in.NoticeID].Objections++
	case activities.EndNoticeInput:
		r.byNotice[in.NoticeID].ClosedAt, r.byNotice[in.NoticeID].Status = &now, in.Status
	case activities.ProjectInput:
		r.expected = r.in(in.ExpectedDecisionAt)
	}
	return nil
}

// event records the timeline events that shape the path: a stage skipped,
// materials supplied, the case's end.
func (r *recorder) event(in activities.EventInput, now time.Time) {
	switch in.Action {
	case "skipped":
		kind := ""
		if i := r.def.StageIndex(in.Stage); i >= 0 {
			kind = r.def.Stages[i].Kind
		}
		r.add(&Visit{Stage: in.Stage, Kind: kind, OpenedAt: now}, now, "skipped")
	case "materials_supplied":
		r.add(&Visit{Stage: in.Stage, Kind: "applicant", Role: process.RoleApplicant, OpenedAt: r.awaiting}, now, in.Action)
	case "approved", "rejected", "withdrawn":
		r.ended = in.At.In(r.loc)
	}
}

func (r *recorder) add(v *Visit, at time.Time, action string) {
	v.close(at, action)
	r.path = append(r.path, v)
}

func (r *recorder) in(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	at := t.In(r.loc)
	return &at
}

// isOpen reports whether a task is still waiting for its decision.
func (r *recorder) isOpen(taskID int64) bool {
	v := r.tasks[taskID]
	return v != nil && v.ClosedAt == nil
}

func (v *Visit) close(at time.Time, action string) {
	v.ClosedAt, v.Action, v.Duration = &at, action, isoDuration(at.Sub(v.OpenedAt))
	v.SLA = slaOf(at, v.DueAt)
}

// result is the path once the workflow has ended with status.
func (r *recorder) result(status string, start time.Time) Result {
	res := Result{Status: status, StartedAt: start, FinishedAt: r.ended, Total: isoDuration(r.ended.Sub(start)),
		Path: make([]Visit, len(r.path)), Notices: make([]Notice, len(r.notices)), CaseDeadline: r.expected,
		CaseSLA: slaOf(r.ended, r.expected)}
	for i, v := range r.path {
		res.Path[i] = *v
	}
	for i, n := range r.notices {
		res.Notices[i] = *n
	}
	return res
}

func slaOf(done time.Time, due *time.Time) string {
	switch {
	case due == nil:
		return "none"
	case done.After(*due):
		return "missed"
	}
	return "met"
}

// isoDuration writes d the way scenarios are written: P1DT4H30M.
func isoDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "PT0S"
	}
	out := "P"
	if days := d / (24 * time.Hour); days > 0 {
		out += fmt.Sprintf("%dD", days)
		d -= days * 24 * time.Hour
	}
	if d == 0 {
		return out
	}
	out += "T"
	for _, u := range []struct {
		unit time.Duration
		sym  string
	}{{time.Hour, "H"}, {time.Minute, "M"}, {time.Second, "S"}} {
		if n := d / u.unit; n > 0 {
			out += fmt.Sprintf("%d%s", n, u.sym)
			d -= n * u.unit
		}
	}
	return out
}
