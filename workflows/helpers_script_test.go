package workflows_test

import (
	"strings"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// The script: steps played in order on the workflow clock. Each waits for
// its `after` delay and then until it is ready (usually: its task is open in
// the database), polling every pollEvery of workflow time.

// step is one thing a person (or the test) does during a run.
type step struct {
	desc  string
	after time.Duration // at least this long after the previous step
	ready func() bool   // nil: always ready
	act   func()
	// optional steps at the end of a script need not run: the workflow
	// may have ended before them.
	optional bool
}

// runApproval runs the approval to its end while the script plays, and
// returns its status, or the error it ended with.
func (h *harness) runApproval(in workflows.ApprovalInput) (string, error) {
	h.t.Helper()
	h.fresh()
	h.wfID = workflows.ApprovalID(in.CaseID)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: h.wfID})
	h.play(func() { h.env.ExecuteWorkflow(workflows.ApprovalWorkflow, in) })
	if err := h.env.GetWorkflowError(); err != nil {
		return "", err
	}
	var status string
	require.NoError(h.t, h.env.GetWorkflowResult(&status))
	return status, nil
}

// mustApprove runs the approval and requires it to end without error.
func (h *harness) mustApprove(in workflows.ApprovalInput) string {
	h.t.Helper()
	status, err := h.runApproval(in)
	require.NoError(h.t, err)
	return status
}

// play runs a workflow while the queued script plays, then requires that
// the workflow ended and every step ran.
func (h *harness) play(execute func()) {
	h.t.Helper()
	h.used = true
	h.next, h.last = 0, h.env.Now()
	if len(h.steps) > 0 {
		h.env.RegisterDelayedCallback(h.tick, h.steps[0].after)
	} else {
		h.watchdog()
	}
	execute()
	require.True(h.t, h.env.IsWorkflowCompleted())
	for h.next < len(h.steps) && h.steps[h.next].optional {
		h.next++
	}
	if h.next < len(h.steps) {
		require.Failf(h.t, "script stopped", "step %d %q never ran; the workflow ended with: %v",
			h.next+1, h.steps[h.next].desc, h.env.GetWorkflowError())
	}
	h.steps, h.next, h.pending = nil, 0, 0 // the next run has its own script
}

// tick runs the next step if it is ready, else looks again later. It runs
// on the test goroutine, between workflow tasks, when no activity runs.
func (h *harness) tick() {
	s := h.steps[h.next]
	now := h.env.Now()
	if s.ready != nil && !s.ready() {
		if now.Sub(h.last) > maxStepWait {
			h.t.Errorf("step %q: not ready after %v of workflow time", s.desc, maxStepWait)
			h.env.CancelWorkflow()
			return
		}
		h.env.RegisterDelayedCallback(h.tick, pollEvery)
		return
	}
	s.act()
	h.last = now
	h.next++
	if h.next < len(h.steps) {
		h.env.RegisterDelayedCallback(h.tick, h.steps[h.next].after)
	} else {
		h.watchdog()
	}
}

// watchdog ends a workflow still waiting long after the script's last step,
// which would otherwise idle the test environment into a panic.
func (h *harness) watchdog() {
	h.env.RegisterDelayedCallback(func() {
		h.t.Errorf("the workflow still runs %v after the last step of the script", maxStepWait)
		h.env.CancelWorkflow()
	}, maxStepWait)
}

func (h *harness) add(s step) {
	s.after = max(pollEvery, h.pending)
	h.pending = 0
	h.steps = append(h.steps, &s)
}

// wait makes the next step wait at least d after the previous one.
func (h *harness) wait(d time.Duration) { h.pending = d }

// then queues a step that runs fn, e.g. to take a snapshot.
func (h *harness) then(desc string, fn func()) { h.add(step{desc: desc, act: fn}) }

// finally queues an optional last step.
func (h *harness) finally(desc string, fn func()) {
	h.add(step{desc: desc, act: fn})
	h.steps[len(h.steps)-1].optional = true
}

// when queues fn to run as soon as ready holds.
func (h *harness) when(desc string, ready func() bool, fn func()) {
	h.add(step{desc: desc, ready: ready, act: fn})
}

// isOpen reports whether the task at ref is open.
func (h *harness) isOpen(ref string) func() bool {
	return func() bool { _, ok := h.openTask(ref); return ok }
}

// openTask finds the open task at ref: "stage", or "stage/branch" for a
// countersign branch or an objection review ("notice/objection-1").
func (h *harness) openTask(ref string) (store.Task, bool) {
	stage, branch, _ := strings.Cut(ref, "/")
	tasks, err := h.st.TasksOfCase(h.ctx, h.caseID)
	require.NoError(h.t, err)
	for _, t := range tasks {
		if t.Status == store.TaskOpen && t.Stage == stage && (branch == "" || h.branchOf(t) == branch) {
			return t, true
		}
	}
	return store.Task{}, false
}

// branchOf asks the approval that owns t which branch t belongs to.
func (h *harness) branchOf(t store.Task) string {
	for _, ts := range h.stateOf(t.WorkflowID).Tasks {
		if ts.ID == t.ID {
			return ts.Branch
		}
	}
	return ""
}
