package workflows_test

import (
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

const month = 30 * 24 * time.Hour

// monitoringInput is what an identification hands to the Monitoring of its
// household: the risk-elimination definition and the household's facts.
func (h *harness) monitoringInput(in workflows.ApprovalInput) *workflows.MonitoringInput {
	return &workflows.MonitoringInput{CaseID: in.CaseID, ApplicantID: in.ApplicantID, Regions: in.Regions,
		Facts: in.Facts, Elimination: builtin(h.t, "risk-elimination")}
}

// enrolled stores a monitored household's case and returns the input of
// its first Monitoring run.
func (h *harness) enrolled() workflows.MonitoringInput {
	in := h.approvalInput(builtin(h.t, "monitoring-identification"), household())
	return *h.monitoringInput(in)
}

// runMonitoring runs one cycle of the Monitoring while the script plays. A
// cycle ends in continue-as-new, which ends a test run: the input it
// continues with is returned, for the next run.
func (h *harness) runMonitoring(in workflows.MonitoringInput) workflows.MonitoringInput {
	h.t.Helper()
	h.fresh()
	h.wfID = workflows.MonitoringID(in.CaseID)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: h.wfID})
	h.play(func() { h.env.ExecuteWorkflow(workflows.MonitoringWorkflow, in) })
	var can *workflow.ContinueAsNewError
	require.ErrorAs(h.t, h.env.GetWorkflowError(), &can, "a monitoring cycle ends in continue-as-new")
	require.Equal(h.t, workflows.MonitoringWorkflow, can.WorkflowType.Name)
	var next workflows.MonitoringInput
	require.NoError(h.t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

// requireMonitoringStarted checks that the approval started the household's
// Monitoring, which opened its first monthly visit 30 days later.
func requireMonitoringStarted(t *testing.T, h *harness, in workflows.ApprovalInput, got *workflows.MonitoringInput) {
	t.Helper()
	require.Equal(t, in.CaseID, got.CaseID)
	require.Equal(t, 1, got.Cycle)
	require.Equal(t, "risk-elimination", got.Elimination.Key)
	require.False(t, got.EnrolledAt.IsZero())
	visits := h.tasksAt("monthly_visit")
	require.Len(t, visits, 1)
	v := visits[0]
	require.Equal(t, workflows.MonitoringID(in.CaseID), v.WorkflowID)
	require.Equal(t, process.RoleVillageOfficer, v.Role)
	require.Equal(t, store.DemoVillage, v.RegionCode)
	require.WithinDuration(t, got.EnrolledAt.Add(2*month), *v.DueAt, time.Second,
		"the first visit opens 30 days after enrolment and is due 30 days later")
	require.Equal(t, store.StatusMonitoring, h.caseRow().Status)
}

// TestMonitoringTwoYears runs 24 monthly cycles, each its own run chained by
// continue-as-new: a visit by the village officer every 30 days, and every
// 12th an annual review by the township clerk.
func TestMonitoringTwoYears(t *testing.T) {
	h := newHarness(t)
	in := h.enrolled()
	for cycle := 1; cycle <= 24; cycle++ {
		stage, user := "monthly_visit", "village_officer"
		if cycle%12 == 0 {
			stage, user = "annual_review", "township_clerk"
		}
		d := action(workflows.ActionNoChange)
		if cycle == 3 {
			d = workflows.Decision{Action: workflows.ActionRecordMeasure, Measure: "产业帮扶"}
		}
		h.wait(month) // the visit opens a month into the run
		o := h.decide(stage, user, d)
		next := h.runMonitoring(in)

		require.Equal(t, store.StatusMonitoring, o.requireAccepted(t).Status, "cycle %d", cycle)
		require.Equal(t, cycle+1, next.Cycle)
		require.True(t, testStart.Equal(next.EnrolledAt), "enrolment is carried across runs")
		in = next
	}
	require.Equal(t, 1, in.Measures)
	require.False(t, in.Eliminated)
	require.Equal(t, store.StatusMonitoring, h.caseRow().Status)

	tasks := h.tasks()
	require.Len(t, tasks, 24)
	prevDecided := testStart
	for i, task := range tasks {
		cycle := i + 1
		require.Equal(t, store.TaskDecided, task.Status, "cycle %d", cycle)
		require.Equal(t, workflows.MonitoringID(h.caseID), task.WorkflowID)
		want := struct{ stage, role, region string }{"monthly_visit", process.RoleVillageOfficer, store.DemoVillage}
		if cycle%12 == 0 {
			want.stage, want.role, want.region = "annual_review", process.RoleTownshipClerk, store.DemoTownship
		}
		require.Equal(t, want.stage, task.Stage, "cycle %d", cycle)
		require.Equal(t, want.role, task.Role, "cycle %d", cycle)
		require.Equal(t, want.region, task.RegionCode, "cycle %d", cycle)
		opened := task.DueAt.Add(-month)
		require.True(t, prevDecided.Add(month).Equal(opened), "cycle %d opens 30 days after the last decision", cycle)
		prevDecided = *task.DecidedAt
	}
	require.Greater(t, prevDecided.Sub(testStart), 2*360*24*time.Hour, "two years went by")
}

// TestMonitoringAlert: a department alert opens a re-assessment at once,
// and an alert that arrives while a visit is open is carried into the next
// run, which opens the re-assessment without waiting a month.
func TestMonitoringAlert(t *testing.T) {
	h := newHarness(t)
	in := h.enrolled()
	h.wait(10 * 24 * time.Hour)
	alert := h.report("alert")
	first := h.decide("reassessment", "village_officer", action(workflows.ActionNoChange))
	in = h.runMonitoring(in)

	require.Equal(t, store.StatusMonitoring, alert.requireAccepted(t).Status)
	first.requireAccepted(t)
	re := h.tasksAt("reassessment")
	require.Len(t, re, 1)
	require.True(t, re[0].DueAt.Add(-month).Before(testStart.Add(11*24*time.Hour)), "opened on the alert, not a month later")
	require.Empty(t, in.Reports)

	h.when("visit open", h.isOpen("monthly_visit"), func() {})
	during := h.report("alert")
	h.decide("monthly_visit", "village_officer", action(workflows.ActionNoChange))
	in = h.runMonitoring(in)
	during.requireAccepted(t)
	require.Len(t, in.Reports, 1, "the alert is carried into the next run")

	start := h.env.Now()
	h.decide("reassessment", "village_officer", action(workflows.ActionNoChange))
	in = h.runMonitoring(in)
	re = h.tasksAt("reassessment")
	require.Len(t, re, 2)
	require.True(t, start.Add(month).Equal(*re[1].DueAt), "the carried alert is re-assessed at once")
	require.Empty(t, in.Reports)
	require.Equal(t, 4, in.Cycle)
}
