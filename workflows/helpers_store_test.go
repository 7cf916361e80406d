package workflows_test

import (
	"fmt"

	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

// state is the "state" query of the case's approval.
func (h *harness) state() workflows.State { return h.stateOf(h.wfID) }

func (h *harness) stateOf(wfID string) workflows.State {
	v, err := h.env.QueryWorkflowByID(wfID, workflows.QueryState)
	require.NoError(h.t, err)
	var s workflows.State
	require.NoError(h.t, v.Get(&s))
	return s
}

// tasksAt lists the case's tasks of a stage, oldest first.
func (h *harness) tasksAt(stage string) []store.Task {
	var out []store.Task
	for _, t := range h.tasks() {
		if t.Stage == stage {
			out = append(out, t)
		}
	}
	return out
}

func (h *harness) tasks() []store.Task {
	ts, err := h.st.TasksOfCase(h.ctx, h.caseID)
	require.NoError(h.t, err)
	return ts
}

func (h *harness) caseRow() store.Case {
	c, err := h.st.Case(h.ctx, h.caseID)
	require.NoError(h.t, err)
	return c
}

func (h *harness) timeline() []store.CaseEvent {
	es, err := h.st.Timeline(h.ctx, h.caseID)
	require.NoError(h.t, err)
	return es
}

// actions lists the timeline as "stage:action" ("approved" for case events).
func actions(es []store.CaseEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
		if e.Stage != "" {
			out[i] = e.Stage + ":" + e.Action
		}
	}
	return out
}

// lastEvent is the last timeline event with action.
func (h *harness) lastEvent(action string) store.CaseEvent {
	es := h.timeline()
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Action == action {
			return es[i]
		}
	}
	require.Failf(h.t, "missing event", "no %q event in %v", action, actions(es))
	return store.CaseEvent{}
}

func (h *harness) notifications() []store.Notification {
	ns, err := h.st.NotificationsOfCase(h.ctx, h.caseID)
	require.NoError(h.t, err)
	return ns
}

// column reads one column of a table's rows of the case, oldest first.
// The store has no reader for notice and objection rows after they close.
func (h *harness) column(table, col string) []string {
	rows, err := h.st.SQL().QueryContext(h.ctx,
		fmt.Sprintf("SELECT %s FROM %s WHERE case_id = ? ORDER BY id", col, table), h.caseID)
	require.NoError(h.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(h.t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(h.t, rows.Err())
	return out
}

func (h *harness) noticeStatuses() []string    { return h.column("notices", "status") }
func (h *harness) objectionStatuses() []string { return h.column("objections", "status") }

// snapshot is everything a rejected Update must leave as it was.
type snapshot struct {
	State  workflows.State
	Case   store.Case
	Tasks  []store.Task
	Events []store.CaseEvent
}

func (h *harness) snapshot() snapshot {
	return snapshot{State: h.state(), Case: h.caseRow(), Tasks: h.tasks(), Events: h.timeline()}
}

// unchangedBy queues a snapshot as soon as the task at ref is open, the
// steps fn queues, and a snapshot after them.
func (h *harness) unchangedBy(ref string, fn func()) (before, after *snapshot) {
	before, after = &snapshot{}, &snapshot{}
	h.when("snapshot before", h.isOpen(ref), func() { *before = h.snapshot() })
	fn()
	h.then("snapshot after", func() { *after = h.snapshot() })
	return before, after
}
