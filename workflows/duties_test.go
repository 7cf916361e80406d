package workflows_test

import (
	"fmt"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

// TestSeparationOfDuties: nobody decides their own case, a task is for its
// role, and one person decides at one level of a case only (DOMAIN §6).
// Deciding two stages of the same level is allowed: the rule is per level.
func TestSeparationOfDuties(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(builtin(t, "linshi-urgent"), household())
	own := h.decide("urgent_aid", "applicant", as(process.RoleTownshipApprover, approve()))
	wrongRole := h.decide("urgent_aid", "village_officer", as(process.RoleVillageOfficer, approve()))
	h.decide("urgent_aid", "township_approver", approve())
	sameLevel := h.decide("paperwork", "township_approver", as(process.RoleTownshipClerk, approve()))
	otherLevel := h.decide("county_record", "township_approver", as(process.RoleCountyApprover, approve()))
	h.decide("county_record", "county_approver", approve())
	status := h.mustApprove(in)

	own.requireRejected(t, workflows.RejectForbidden, "nobody decides their own case")
	wrongRole.requireRejected(t, workflows.RejectForbidden, "is for role township_approver, not village_officer")
	sameLevel.requireAccepted(t)
	otherLevel.requireRejected(t, workflows.RejectForbidden,
		fmt.Sprintf("user %d already decided at township level", h.user("township_approver")))
	require.Equal(t, store.StatusApproved, status)
	record := h.tasksAt("county_record")
	require.Len(t, record, 1)
	require.Equal(t, h.user("county_approver"), *record[0].DecidedBy)
}

const twoLevelDef = `
key: two-level-test
program: dibao
name: {zh: 两级审核测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - {id: township_check, kind: review, role: township_approver, level: township, actions: [approve, reject]}
`

// TestConcurrentDecisions: two officials of the same role decide the same
// task at once. Exactly one decision stands; the other is refused with a
// conflict that names it, and nothing of it reaches the database.
func TestConcurrentDecisions(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(definition(t, twoLevelDef), household())
	outs := h.decideTogether("village_check", map[string]workflows.Decision{
		"village_officer":  approve(),
		"village_officer2": rejectFor("info_false"),
	}, "village_officer", "village_officer2")
	h.decide("township_check", "township_approver", approve())
	status := h.mustApprove(in)

	var won, lost *outcome
	var winner string
	for i, o := range outs {
		if o.accepted {
			require.Nil(t, won, "both decisions were accepted")
			won, winner = o, []string{"village_officer", "village_officer2"}[i]
		} else {
			lost = o
		}
	}
	require.NotNil(t, won, "no decision was accepted")
	require.NotNil(t, lost)
	won.requireAccepted(t)
	wantAction := map[string]string{"village_officer": "approve", "village_officer2": "reject"}[winner]
	lost.requireRejected(t, workflows.RejectConflict,
		fmt.Sprintf("already decided: %s by user %d", wantAction, h.user(winner)))

	task := h.tasksAt("village_check")
	require.Len(t, task, 1)
	require.Equal(t, wantAction, task[0].Decision)
	require.Equal(t, h.user(winner), *task[0].DecidedBy)
	var decided int
	for _, e := range h.timeline() {
		if e.Stage == "village_check" {
			decided++
		}
	}
	require.Equal(t, 1, decided, "one decision on the timeline")
	if winner == "village_officer" {
		require.Equal(t, store.StatusApproved, status)
	} else {
		require.Equal(t, store.StatusRejected, status)
	}
}

const appraisalDef = `
key: appraisal-test
program: monitoring
name: {zh: 民主评议测试}
stages:
  - id: village_appraisal
    kind: appraisal
    role: village_committee
    level: village
    actions: [approve, reject]
    quorum: {min_attendees: 5, approve_share: 0.5}
  - {id: township_check, kind: review, role: township_approver, level: township, actions: [approve, reject]}
`

// TestAppraisalQuorum: the democratic review passes only with its record,
// a quorum and more than half the votes; a refused record changes nothing.
func TestAppraisalQuorum(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(definition(t, appraisalDef), household())
	type attempt struct {
		d          workflows.Decision
		kind, text string
	}
	attempts := []attempt{
		{approve(), workflows.RejectInvalid, "appraisal record (attendees, votes) is required"},
		{appraisal(4, 4, 0), workflows.RejectInvalid, "quorum not met: 4 attendees, at least 5 required"},
		{appraisal(6, 3, 3), workflows.RejectInvalid, "the review did not pass: 3 of 6 voted for"},
		{appraisal(6, 2, 1), workflows.RejectInvalid, "the review did not pass"},
		{appraisal(5, 4, 2), workflows.RejectInvalid, "appraisal record is inconsistent"},
	}
	outs := make([]*outcome, len(attempts))
	before, after := h.unchangedBy("village_appraisal", func() {
		for i, a := range attempts {
			outs[i] = h.decide("village_appraisal", "village_committee", a.d)
		}
	})
	valid := h.decide("village_appraisal", "village_committee", appraisal(6, 4, 1))
	h.decide("township_check", "township_approver", approve())
	status := h.mustApprove(in)

	for i, a := range attempts {
		outs[i].requireRejected(t, a.kind, a.text)
	}
	require.Equal(t, *before, *after, "refused appraisals change nothing")
	valid.requireAccepted(t)
	require.Equal(t, store.StatusApproved, status)
	ts := h.tasksAt("village_appraisal")
	require.Len(t, ts, 1)
	require.Equal(t, process.KindAppraisal, ts[0].Kind)
	require.Equal(t, process.ActionApprove, ts[0].Decision)
}
