package workflows_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// outcome records what became of one Update. Its callbacks run on workflow
// goroutines, so tests read it only after the run has ended.
type outcome struct {
	desc      string
	sent      bool
	sendErr   error
	taskID    int64
	accepted  bool
	rejection error
	completed bool
	result    workflows.Result
	err       error
}

func (o *outcome) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.rejection = err },
		OnComplete: func(v any, err error) {
			o.completed, o.err = true, err
			if r, ok := v.(workflows.Result); ok {
				o.result = r
			}
		},
	}
}

// accepted requires the Update to have passed its validator and completed.
func (o *outcome) requireAccepted(t *testing.T) workflows.Result {
	t.Helper()
	require.True(t, o.sent, "%s: never sent", o.desc)
	require.NoError(t, o.sendErr, o.desc)
	require.NoError(t, o.rejection, "%s: rejected", o.desc)
	require.True(t, o.accepted, "%s: not accepted", o.desc)
	require.True(t, o.completed, "%s: never completed", o.desc)
	require.NoError(t, o.err, o.desc)
	return o.result
}

// requireRejected requires the validator to have rejected the Update with
// an application error of kind whose message contains text.
func (o *outcome) requireRejected(t *testing.T, kind, text string) {
	t.Helper()
	require.True(t, o.sent, "%s: never sent", o.desc)
	require.NoError(t, o.sendErr, o.desc)
	require.False(t, o.accepted, "%s: accepted, want rejected (%s)", o.desc, kind)
	require.False(t, o.completed, "%s: completed, want rejected", o.desc)
	var ae *temporal.ApplicationError
	require.True(t, errors.As(o.rejection, &ae), "%s: rejection %v is not an application error", o.desc, o.rejection)
	require.Equal(t, kind, ae.Type(), "%s: %v", o.desc, ae)
	require.Contains(t, ae.Error(), text, o.desc)
}

// send delivers an Update to a workflow of the test environment.
func (h *harness) send(wfID, name string, o *outcome, arg any) {
	h.updates++
	o.sent = true
	o.sendErr = h.env.UpdateWorkflowByID(wfID, name, fmt.Sprintf("update-%d", h.updates), o.callbacks(), arg)
}

// decide queues a decision on the task at ref by a demo user, as soon as
// that task is open. The decision goes to the workflow the task names, as
// the API sends it; ActorRole defaults to the task's role.
func (h *harness) decide(ref, username string, d workflows.Decision) *outcome {
	o := &outcome{desc: fmt.Sprintf("%s on %s by %s", d.Action, ref, username)}
	h.when(o.desc, h.isOpen(ref), func() { h.sendDecision(ref, username, d, o) })
	return o
}

func (h *harness) sendDecision(ref, username string, d workflows.Decision, o *outcome) {
	t, _ := h.openTask(ref)
	d.TaskID, d.ActorID = t.ID, h.user(username)
	if d.ActorRole == "" {
		d.ActorRole = t.Role
	}
	o.taskID = t.ID
	h.send(t.WorkflowID, workflows.UpdateDecide, o, d)
}

// decideTogether queues decisions on one task sent in the same instant, as
// two officials pressing "submit" at once.
func (h *harness) decideTogether(ref string, by map[string]workflows.Decision, order ...string) []*outcome {
	outs := make([]*outcome, len(order))
	for i, u := range order {
		outs[i] = &outcome{desc: fmt.Sprintf("%s on %s by %s", by[u].Action, ref, u)}
	}
	h.when("decide together on "+ref, h.isOpen(ref), func() {
		for i, u := range order {
			h.sendDecision(ref, u, by[u], outs[i])
		}
	})
	return outs
}

// withdraw queues the withdrawal of the case by a demo user.
func (h *harness) withdraw(username string) *outcome {
	o := &outcome{desc: "withdraw by " + username}
	h.then(o.desc, func() {
		h.send(h.wfID, workflows.UpdateWithdraw, o, workflows.Withdrawal{ActorID: h.user(username), Reason: "家庭情况好转"})
	})
	return o
}

// supply queues materials supplied by a demo user.
func (h *harness) supply(username string) *outcome {
	o := &outcome{desc: "supply_materials by " + username}
	h.then(o.desc, func() {
		h.send(h.wfID, workflows.UpdateSupplyMaterials, o, workflows.Materials{ActorID: h.user(username),
			Note: "补充了收入证明", Attachments: []string{"income.pdf"}})
	})
	return o
}

// object queues an objection filed by a demo user.
func (h *harness) object(username, reason string) *outcome {
	o := &outcome{desc: "object by " + username}
	h.then(o.desc, func() {
		h.send(h.wfID, workflows.UpdateObject, o, workflows.ObjectionFiling{ActorID: h.user(username),
			Reason: reason, Anonymous: true})
	})
	return o
}

// report queues a report to the household's monitoring.
func (h *harness) report(kind string) *outcome {
	o := &outcome{desc: "report " + kind}
	h.then(o.desc, func() {
		h.send(h.wfID, workflows.UpdateReport, o, workflows.Report{Kind: kind, Source: "medical_insurance",
			Detail: "大额医疗自付费用"})
	})
	return o
}

// Decisions.

func approve() workflows.Decision { return workflows.Decision{Action: process.ActionApprove} }

func rejectFor(code string) workflows.Decision {
	return workflows.Decision{Action: process.ActionReject, ReasonCode: code, Comment: "不符合条件"}
}

func returnTo(stage string) workflows.Decision {
	return workflows.Decision{Action: process.ActionReturn, ReturnTo: stage, Comment: "请重新核实"}
}

func action(a string) workflows.Decision { return workflows.Decision{Action: a} }

func as(role string, d workflows.Decision) workflows.Decision {
	d.ActorRole = role
	return d
}

// appraisal is a democratic review's record with an approval.
func appraisal(attendees, votesFor, votesAgainst int) workflows.Decision {
	return workflows.Decision{Action: process.ActionApprove, Appraisal: &workflows.Appraisal{
		Attendees: attendees, VotesFor: votesFor, VotesAgainst: votesAgainst, Minutes: "村民代表会议"}}
}
