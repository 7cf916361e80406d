package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Updates go through an outbox. A case's workflow writes the database
// inside the workflow task that accepts an Update (local activities), and
// Temporal makes the Update durable only when that task completes: a crash
// in between leaves the writes without the Update. So the API records each
// Update before sending it and forgets it once the workflow has answered,
// and ResendUpdates sends every unanswered one again with its own id. The
// workflow either knows it (Temporal answers from the first run) or
// applies it afresh; the writes are idempotent, keyed by task and event.

// outboxGrace is how long an Update may go unanswered before a sweep sends
// it again: longer than any request waits (updateTimeout).
const outboxGrace = updateTimeout + 15*time.Second

// update sends an Update to a workflow and waits for its result. id makes
// a retry of the same request return the first answer.
func (s *Server) update(ctx context.Context, workflowID, name, id string, arg any) (workflows.Result, error) {
	payload, err := json.Marshal(arg)
	if err != nil {
		return workflows.Result{}, err
	}
	now := time.Now()
	err = s.store.PutUpdate(ctx, store.PendingUpdate{UpdateID: id, WorkflowID: workflowID, Name: name,
		Payload: payload, CreatedAt: now, NextAt: now.Add(outboxGrace)})
	if err != nil {
		return workflows.Result{}, err
	}
	res, _, err := s.send(ctx, workflowID, name, id, arg)
	return res, err
}

// send delivers one Update and, once the workflow has answered it either
// way, removes it from the outbox. ok reports an answer.
func (s *Server) send(ctx context.Context, workflowID, name, id string, arg any) (res workflows.Result, ok bool, err error) {
	res, err = s.deliver(ctx, workflowID, name, id, arg)
	if ok = answered(err); ok {
		if derr := s.store.DoneUpdate(context.WithoutCancel(ctx), id); derr != nil {
			s.log.Warn("outbox: answered update not removed", "update", id, "error", derr)
		}
	}
	if err != nil {
		return workflows.Result{}, ok, updateError(err)
	}
	return res, ok, nil
}

func (s *Server) deliver(ctx context.Context, workflowID, name, id string, arg any) (workflows.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	h, err := s.cfg.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID,
		UpdateName: name, UpdateID: id, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return workflows.Result{}, err
	}
	var res workflows.Result
	return res, h.Get(ctx, &res)
}

// answered tells an answer of the workflow (a result, a refusal by its
// validator, a closed case) from a delivery that may not have arrived.
func answered(err error) bool {
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	return err == nil || errors.As(err, &appErr) || errors.As(err, &notFound)
}

// ResendUpdates sends again the Updates due at or before due that no
// workflow has answered, and reports how many were answered now.
func (s *Server) ResendUpdates(ctx context.Context, due time.Time) (int, error) {
	backoff := func(attempts int) time.Duration { return min(outboxGrace<<min(attempts, 6), 24*time.Hour) }
	pending, err := s.store.ClaimDueUpdates(ctx, due, time.Now(), 100, backoff)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range pending {
		_, ok, err := s.resend(ctx, u)
		switch {
		case !ok:
			// No answer (the workers may be down): the rest would wait as
			// long; they are due again after their backoff.
			s.log.Warn("outbox: update not answered, will retry", "update", u.UpdateID, "attempt", u.Attempts,
				"error", err)
			return n, nil
		case err != nil:
			s.log.Info("outbox: resent update refused", "update", u.UpdateID, "workflow", u.WorkflowID,
				"reason", err.Error())
		}
		n++
	}
	return n, nil
}

// resend sends a stored Update again.
func (s *Server) resend(ctx context.Context, u store.PendingUpdate) (workflows.Result, bool, error) {
	arg, err := updateArg(u)
	if err != nil {
		s.log.Error("outbox: unreadable update dropped", "update", u.UpdateID, "error", err)
		return workflows.Result{}, true, errors.Join(err, s.store.DoneUpdate(ctx, u.UpdateID))
	}
	return s.send(ctx, u.WorkflowID, u.Name, u.UpdateID, arg)
}

// updateArg decodes a stored Update's argument into the type its handler takes.
func updateArg(u store.PendingUpdate) (any, error) {
	var arg any
	switch u.Name {
	case workflows.UpdateDecide:
		arg = &workflows.Decision{}
	case workflows.UpdateWithdraw:
		arg = &workflows.Withdrawal{}
	case workflows.UpdateSupplyMaterials:
		arg = &workflows.Materials{}
	case workflows.UpdateObject:
		arg = &workflows.ObjectionFiling{}
	case workflows.UpdateMigrate:
		arg = &workflows.Migration{}
	default:
		return nil, fmt.Errorf("unknown update %q", u.Name)
	}
	if err := json.Unmarshal(u.Payload, arg); err != nil {
		return nil, err
	}
	return arg, nil
}
