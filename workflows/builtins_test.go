package workflows_test

import (
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

// decision is one scripted decision: who decides which task, and how.
type decision struct {
	ref, user string
	d         workflows.Decision
}

// builtinRuns approves every human stage of each built-in definition.
// monitoring-identification also starts the household's Monitoring.
var builtinRuns = map[string]struct {
	final     string
	monitor   bool
	decisions []decision
}{
	"dibao-application": {store.StatusApproved, false, []decision{
		{"intake", "township_clerk", approve()},
		{"home_investigation", "township_clerk", approve()},
		{"township_opinion", "township_approver", approve()},
		{"county_confirmation", "county_approver", approve()},
	}},
	"linshi-urgent": {store.StatusApproved, false, []decision{
		{"urgent_aid", "township_approver", approve()},
		{"paperwork", "township_clerk", approve()},
		{"county_record", "county_approver", approve()},
	}},
	"monitoring-identification": {store.StatusMonitoring, true, []decision{
		{"home_check", "village_officer", approve()},
		{"village_appraisal", "village_committee", approve()},
		{"township_review", "township_approver", approve()},
		{"county_approval", "county_approver", approve()},
	}},
	"risk-elimination": {store.StatusRiskEliminated, false, []decision{
		{"home_check", "village_officer", approve()},
		{"village_appraisal", "village_committee", appraisal(7, 5, 1)},
		{"township_review", "township_approver", approve()},
		{"county_approval", "county_approver", approve()},
	}},
}

// TestApprovalBuiltins runs every built-in definition from submission to
// its final status, and checks the workflow's account against the database.
func TestApprovalBuiltins(t *testing.T) {
	for _, def := range process.Builtins() {
		t.Run(def.Key, func(t *testing.T) {
			run, ok := builtinRuns[def.Key]
			require.True(t, ok, "no approval run scripted for built-in %s", def.Key)
			h := newHarness(t)
			in := h.approvalInput(def, household())
			in.FinalStatus = run.final
			var outs []*outcome
			for _, d := range run.decisions {
				outs = append(outs, h.decide(d.ref, d.user, d.d))
			}
			var monitored *workflows.MonitoringInput
			if run.monitor {
				in.Monitor = h.monitoringInput(in)
				monitored = h.awaitFirstVisit(in.CaseID)
			}
			status := h.mustApprove(in)

			require.Equal(t, run.final, status)
			for _, o := range outs {
				o.requireAccepted(t)
			}
			require.Equal(t, run.final, outs[len(outs)-1].result.Status, "the last decision answers with the final status")
			requireApproved(t, h, def, run.final)
			for _, d := range run.decisions {
				ts := h.tasksAt(d.ref)
				require.Len(t, ts, 1, d.ref)
				require.Equal(t, store.TaskDecided, ts[0].Status, d.ref)
				require.Equal(t, process.ActionApprove, ts[0].Decision, d.ref)
				require.Equal(t, h.user(d.user), *ts[0].DecidedBy, d.ref)
			}
			if run.monitor {
				requireMonitoringStarted(t, h, in, monitored)
			}
		})
	}
}

// requireApproved checks the end of an approval that went through every
// stage of def: workflow state and database agree.
func requireApproved(t *testing.T, h *harness, def process.Definition, final string) {
	t.Helper()
	st := h.state()
	require.Equal(t, final, st.Status)
	require.Empty(t, st.Stage)
	c := h.caseRow()
	require.Equal(t, final, c.Status)
	require.Empty(t, c.Stages())
	if final != store.StatusMonitoring { // the Monitoring's own projection has no decision date
		require.Equal(t, def.SLA != nil, c.ExpectedDecisionAt != nil, "expected decision date iff the definition has a time limit")
	}
	for _, task := range h.tasks() {
		if task.WorkflowID == h.wfID {
			require.Equal(t, store.TaskDecided, task.Status, "task %d at %s", task.ID, task.Stage)
		}
	}
	acts := actions(h.timeline())
	require.Equal(t, "submitted", acts[0])
	require.Equal(t, "approved", acts[len(acts)-1])
	var notices, checks int
	for _, s := range def.Stages {
		switch s.Kind {
		case process.KindNotice:
			notices++
			require.Contains(t, historyOf(st), s.ID+":notice_posted")
		case process.KindDataCheck:
			checks++
			require.Contains(t, acts, s.ID+":data_checked")
		default:
			require.Contains(t, acts, s.ID+":approve")
		}
	}
	require.Len(t, h.noticeStatuses(), notices)
	for _, s := range h.noticeStatuses() {
		require.Equal(t, store.NoticeClosed, s)
	}
	reports, err := h.st.DataCheckReports(h.ctx, h.caseID)
	require.NoError(t, err)
	require.Len(t, reports, checks)
}

// historyOf lists the workflow's own account as "stage:action".
func historyOf(st workflows.State) []string {
	out := make([]string, len(st.History))
	for i, e := range st.History {
		out[i] = e.Stage + ":" + e.Action
	}
	return out
}

// awaitFirstVisit queues, after the approval, a wait for the Monitoring
// child's first monthly visit; it then records the child's state and
// cancels it, as the test environment would otherwise run it forever.
func (h *harness) awaitFirstVisit(caseID int64) *workflows.MonitoringInput {
	got := &workflows.MonitoringInput{}
	h.wait(month - time.Hour) // the first visit opens a month after enrolment
	h.when("first monthly visit of the monitoring", h.isOpen("monthly_visit"), func() {
		v, err := h.env.QueryWorkflowByID(workflows.MonitoringID(caseID), workflows.QueryState)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(got))
		h.env.CancelWorkflowByID(workflows.MonitoringID(caseID), "")
	})
	return got
}
