package workflows_test

import (
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

const noticeDays = 5

const noticeDef = `
key: notice-test
program: monitoring
name: {zh: 公示测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - {id: notice, kind: notice, duration: P5D}
  - {id: township_check, kind: review, role: township_approver, level: township, actions: [approve, reject]}
`

// noticeEnd is when the notice of the case ends, from the workflow's own
// account of when it was posted.
func noticeEnd(t *testing.T, st workflows.State) time.Time {
	t.Helper()
	for _, e := range st.History {
		if e.Action == "notice_posted" {
			return e.At.Add(noticeDays * 24 * time.Hour)
		}
	}
	require.Fail(t, "no notice was posted")
	return time.Time{}
}

// openedAt is when the workflow opened the first task of a stage.
func openedAt(t *testing.T, st workflows.State, stage string) time.Time {
	t.Helper()
	for _, task := range st.Tasks {
		if task.Stage == stage {
			return task.OpenedAt
		}
	}
	require.Fail(t, "stage never opened", stage)
	return time.Time{}
}

// TestNoticeObjectionDismissed: the case is on the village board; a
// resident's objection opens a review for the village committee; dismissed,
// the notice runs its full time and the case goes on.
func TestNoticeObjectionDismissed(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(definition(t, noticeDef), household())
	early := h.object("village_officer2", "家里有小轿车")
	h.decide("village_check", "village_officer", approve())
	var board []store.BoardEntry
	var posted store.Case
	h.then("read the board", func() {
		var err error
		board, err = h.st.Board(h.ctx, h.pathOf("village"), 10)
		require.NoError(t, err)
		posted = h.caseRow()
	})
	h.wait(24 * time.Hour)
	own := h.object("applicant", "我反对")
	empty := h.object("village_officer2", "")
	filed := h.object("village_officer2", "家里有小轿车")
	dismissed := h.decide("notice/objection-1", "village_committee", action(process.ActionDismiss))
	var during store.Notice
	h.then("read the notice after the dismissal", func() {
		var err error
		during, err = h.st.OpenNoticeOf(h.ctx, h.caseID)
		require.NoError(t, err)
	})
	h.decide("township_check", "township_approver", approve())
	status := h.mustApprove(in)

	early.requireRejected(t, workflows.RejectConflict, "case is not in public notice")
	own.requireRejected(t, workflows.RejectForbidden, "the applicant cannot object to their own case")
	empty.requireRejected(t, workflows.RejectInvalid, "reason must be 1 to")
	res := filed.requireAccepted(t)
	require.Equal(t, store.StatusInNotice, res.Status)
	require.NotZero(t, res.ObjectionID)
	require.Equal(t, store.StatusInNotice, dismissed.requireAccepted(t).Status, "a dismissal does not end the notice")

	require.Len(t, board, 1)
	require.Equal(t, h.caseID, board[0].CaseID)
	require.Equal(t, "王建国", board[0].HeadName)
	require.Equal(t, store.StatusInNotice, posted.Status)
	require.Equal(t, store.NoticeOpen, during.Status)

	st := h.state()
	end := noticeEnd(t, st)
	require.Equal(t, end, during.EndsAt.In(end.Location()))
	require.False(t, openedAt(t, st, "township_check").Before(end), "the notice runs its full time")
	require.Equal(t, store.StatusApproved, status)
	require.Equal(t, []string{store.NoticeClosed}, h.noticeStatuses())
	require.Equal(t, []string{"dismissed"}, h.objectionStatuses())
	review := h.tasksAt("notice")
	require.Len(t, review, 1)
	require.Equal(t, "objection", review[0].Kind)
	require.Equal(t, process.RoleVillageCommittee, review[0].Role)
	require.Equal(t, process.ActionDismiss, review[0].Decision)
	ev := h.lastEvent("objection_filed")
	require.Equal(t, h.user("village_officer2"), *ev.ActorID, "the system keeps who objected")
}

// TestNoticeObjectionUpheld: an upheld objection rejects the case with the
// reason given, and takes the notice down.
func TestNoticeObjectionUpheld(t *testing.T) {
	h := newHarness(t)
	in := h.approvalInput(definition(t, noticeDef), household())
	h.decide("village_check", "village_officer", approve())
	h.object("village_officer2", "家里有小轿车")
	noReason := h.decide("notice/objection-1", "village_committee", action(process.ActionUphold))
	upheld := h.decide("notice/objection-1", "village_committee",
		workflows.Decision{Action: process.ActionUphold, ReasonCode: "hidden_vehicle", Comment: "核实有车"})
	status := h.mustApprove(in)

	noReason.requireRejected(t, workflows.RejectInvalid, "reason_code is required to uphold")
	require.Equal(t, store.StatusRejected, upheld.requireAccepted(t).Status)
	require.Equal(t, store.StatusRejected, status)
	require.Equal(t, store.StatusRejected, h.caseRow().Status)
	require.Equal(t, "hidden_vehicle", h.lastEvent("rejected").ReasonCode)
	require.Equal(t, []string{store.NoticeCancelled}, h.noticeStatuses())
	require.Equal(t, []string{"upheld"}, h.objectionStatuses())
	require.Empty(t, h.tasksAt("township_check"))
	board, err := h.st.Board(h.ctx, h.pathOf("village"), 10)
	require.NoError(t, err)
	require.Empty(t, board)
}

// TestNoticeObjectionOutlivesNotice: an objection still under review when
// the notice time is up keeps the notice open until the committee decides;
// then the case goes on.
//
// BUG: approval.wait keeps the notice's end as a wake-up time after it has
// passed, so with an objection open it loops without yielding (the SDK's
// deadlock detector fails the workflow task). See the report. The spinning
// goroutine would outlive the test, so the test runs in a child process.
func TestNoticeObjectionOutlivesNotice(t *testing.T) {
	if !inChildProcess(t) {
		return
	}
	h := newHarness(t)
	in := h.approvalInput(definition(t, noticeDef), household())
	h.decide("village_check", "village_officer", approve())
	h.wait(4 * 24 * time.Hour)
	h.object("village_officer2", "家里有小轿车")
	h.wait(2 * 24 * time.Hour) // past the end of the notice
	dismissed := h.decide("notice/objection-1", "village_committee", action(process.ActionDismiss))
	h.decide("township_check", "township_approver", approve())
	status, err := h.runApproval(in)

	require.NoError(t, err)
	dismissed.requireAccepted(t)
	require.Equal(t, store.StatusApproved, status)
	require.Equal(t, []string{store.NoticeClosed}, h.noticeStatuses())
	st := h.state()
	require.True(t, openedAt(t, st, "township_check").After(noticeEnd(t, st)))
}
