package workflows_test

import (
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

// TestRejectAtEachLevel rejects the identification at the village, the
// township and the county. A rejection without a reason code is refused
// by the validator and leaves no trace; one with a code ends the case.
func TestRejectAtEachLevel(t *testing.T) {
	for _, tc := range []struct {
		level, stage, user, code string
		before                   []decision
		never                    []string // stages that must never open
	}{
		{"village", "home_check", "village_officer", "info_false", nil,
			[]string{"village_appraisal", "township_review", "county_approval"}},
		{"township", "township_review", "township_approver", "income_above_line", []decision{
			{"home_check", "village_officer", approve()},
			{"village_appraisal", "village_committee", approve()},
		}, []string{"county_approval"}},
		{"county", "county_approval", "county_approver", "has_vehicle", []decision{
			{"home_check", "village_officer", approve()},
			{"village_appraisal", "village_committee", approve()},
			{"township_review", "township_approver", approve()},
		}, nil},
	} {
		t.Run(tc.level, func(t *testing.T) {
			h := newHarness(t)
			in := h.approvalInput(builtin(t, "monitoring-identification"), household())
			for _, d := range tc.before {
				h.decide(d.ref, d.user, d.d)
			}
			var noReason *outcome
			before, after := h.unchangedBy(tc.stage, func() {
				noReason = h.decide(tc.stage, tc.user, rejectFor(""))
			})
			rejected := h.decide(tc.stage, tc.user, rejectFor(tc.code))
			status := h.mustApprove(in)

			noReason.requireRejected(t, workflows.RejectInvalid, "reason_code is required")
			require.Equal(t, *before, *after, "a rejected Update changes nothing")
			require.Equal(t, store.StatusRejected, rejected.requireAccepted(t).Status)
			require.Equal(t, store.StatusRejected, status)
			require.Equal(t, store.StatusRejected, h.caseRow().Status)
			require.Equal(t, store.StatusRejected, h.state().Status)

			ts := h.tasksAt(tc.stage)
			require.Len(t, ts, 1)
			require.Equal(t, process.ActionReject, ts[0].Decision)
			require.Equal(t, tc.code, ts[0].ReasonCode)
			require.Equal(t, h.user(tc.user), *ts[0].DecidedBy)
			ev := h.lastEvent("rejected")
			require.Equal(t, tc.code, ev.ReasonCode, "the household is told the reason")
			for _, s := range tc.never {
				require.Empty(t, h.tasksAt(s), "stage %s after the rejection", s)
			}
			for _, task := range h.tasks() {
				require.NotEqual(t, store.TaskOpen, task.Status)
			}
		})
	}
}

const returnDef = `
key: return-test
program: dibao
name: {zh: 退回测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - {id: township_check, kind: review, role: township_clerk, level: township, actions: [approve, reject, return]}
  - {id: county_check, kind: review, role: county_approver, level: county, actions: [approve, reject, return]}
`

// TestReturnToEarlierStage returns the case to an earlier stage, by
// default and by name; naming a later stage or the stage itself is refused.
func TestReturnToEarlierStage(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(definition(t, returnDef), household())
	h.decide("village_check", "village_officer", approve())
	later := h.decide("township_check", "township_clerk", returnTo("county_check"))
	itself := h.decide("township_check", "township_clerk", returnTo("township_check"))
	back := h.decide("township_check", "township_clerk", returnTo(""))
	h.decide("village_check", "village_officer", approve())
	h.decide("township_check", "township_clerk", approve())
	named := h.decide("county_check", "county_approver", returnTo("village_check"))
	h.decide("village_check", "village_officer", approve())
	h.decide("township_check", "township_clerk", approve())
	last := h.decide("county_check", "county_approver", approve())
	status := h.mustApprove(in)

	later.requireRejected(t, workflows.RejectInvalid, `return_to "county_check" is not an earlier stage`)
	itself.requireRejected(t, workflows.RejectInvalid, "is not an earlier stage")
	require.Equal(t, workflows.Result{Status: store.StatusInReview, Stage: "village_check"}, back.requireAccepted(t),
		"a return without return_to goes to the previous human stage")
	require.Equal(t, "village_check", named.requireAccepted(t).Stage)
	last.requireAccepted(t)
	require.Equal(t, store.StatusApproved, status)
	require.Equal(t, store.StatusApproved, h.caseRow().Status)

	decisions := func(stage string) []string {
		var out []string
		for _, task := range h.tasksAt(stage) {
			require.Equal(t, store.TaskDecided, task.Status)
			out = append(out, task.Decision)
		}
		return out
	}
	require.Equal(t, []string{"approve", "approve", "approve"}, decisions("village_check"), "a fresh task per return")
	require.Equal(t, []string{"return", "approve", "approve"}, decisions("township_check"))
	require.Equal(t, []string{"return", "approve"}, decisions("county_check"))
	require.Equal(t, []string{"submitted",
		"village_check:approve", "township_check:return",
		"village_check:approve", "township_check:approve", "county_check:return",
		"village_check:approve", "township_check:approve", "county_check:approve", "approved"}, actions(h.timeline()))
}

// TestReturnToApplicant pauses the case for the applicant: the SLA clock
// stops, only the applicant may supply materials, and the same stage then
// runs again with a fresh task.
func TestReturnToApplicant(t *testing.T) {
	const paused = 72 * time.Hour
	h := newHarness(t)
	in := h.approvalInput(builtin(t, "dibao-application"), household())
	early := h.supply("applicant")
	var first store.Case
	h.when("read the expected decision", h.isOpen("intake"), func() { first = h.caseRow() })
	ret := h.decide("intake", "township_clerk", action(process.ActionReturnToApplicant))
	var waiting store.Case
	h.then("read the paused case", func() { waiting = h.caseRow() })
	stranger := h.supply("township_clerk")
	h.wait(paused - 2*pollEvery)
	supplied := h.supply("applicant")
	var resumed store.Case
	var resumedState workflows.State
	h.when("read the resumed case", h.isOpen("intake"), func() { resumed, resumedState = h.caseRow(), h.state() })
	for _, d := range builtinRuns["dibao-application"].decisions {
		h.decide(d.ref, d.user, d.d)
	}
	status := h.mustApprove(in)

	early.requireRejected(t, workflows.RejectConflict, "no materials are owed")
	require.Equal(t, store.StatusAwaitingApplicant, ret.requireAccepted(t).Status)
	require.Equal(t, store.StatusAwaitingApplicant, waiting.Status)
	require.Len(t, waiting.Stages(), 1, "nothing is waiting for an official; the case waits for the applicant")
	require.Equal(t, "applicant", waiting.Stages()[0].Role)
	require.Equal(t, "intake", waiting.Stages()[0].ID)
	stranger.requireRejected(t, workflows.RejectForbidden, "only the applicant supplies materials")
	require.Equal(t, store.StatusInReview, supplied.requireAccepted(t).Status)
	require.Equal(t, store.StatusInReview, resumed.Status)
	require.Equal(t, paused, resumedState.Paused)
	require.NotNil(t, first.ExpectedDecisionAt)
	require.NotNil(t, resumed.ExpectedDecisionAt)
	require.WithinDuration(t, first.ExpectedDecisionAt.Add(paused), *resumed.ExpectedDecisionAt, time.Second,
		"the expected decision moves by the time the case waited for the applicant")
	require.Equal(t, store.StatusApproved, status)

	intake := h.tasksAt("intake")
	require.Len(t, intake, 2)
	require.Equal(t, process.ActionReturnToApplicant, intake[0].Decision)
	require.Equal(t, process.ActionApprove, intake[1].Decision)
	require.NotEqual(t, intake[0].ID, intake[1].ID)
	ev := h.lastEvent("materials_supplied")
	require.Equal(t, "intake", ev.Stage)
	require.Equal(t, h.user("applicant"), *ev.ActorID)
}

const conditionDef = `
key: condition-test
program: dibao
name: {zh: 条件环节测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - id: large_household_check
    kind: review
    when: household.size > 4
    role: township_clerk
    level: township
    actions: [approve, reject]
  - {id: county_check, kind: review, role: county_approver, level: county, actions: [approve, reject]}
`

// TestConditionSkipsStage runs a stage whose CEL condition holds and skips
// it, with a timeline entry, when it does not.
func TestConditionSkipsStage(t *testing.T) {
	five := []string{"430721195001010010", "430721197802020021", "430721200001010012",
		"430721200201010013", "430721200401010014"}
	for _, tc := range []struct {
		name    string
		members []string
		runs    bool
	}{
		{"condition false skips", nil, false},
		{"condition true runs", five, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			in := h.approvalInput(definition(t, conditionDef), household(tc.members...))
			h.decide("village_check", "village_officer", approve())
			if tc.runs {
				h.decide("large_household_check", "township_clerk", approve())
			}
			h.decide("county_check", "county_approver", approve())
			require.Equal(t, store.StatusApproved, h.mustApprove(in))

			acts := actions(h.timeline())
			if tc.runs {
				require.Len(t, h.tasksAt("large_household_check"), 1)
				require.NotContains(t, acts, "large_household_check:skipped")
				return
			}
			require.Empty(t, h.tasksAt("large_household_check"))
			require.Equal(t, []string{"submitted", "village_check:approve", "large_household_check:skipped",
				"county_check:approve", "approved"}, acts)
			require.Equal(t, "household.size > 4", h.lastEvent("skipped").Comment)
		})
	}
}
