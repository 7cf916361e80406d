package workflows

import (
	"time"

	"github.com/assistflow/assistflow/activities"
	"go.temporal.io/sdk/workflow"
)

// versionStatusOnChange marks cases that upsert their status search
// attribute only when the status changes. The end-to-end bench's CPU
// profile showed the embedded server's visibility queue at a fifth of the
// run, mostly upserts of an unchanged status. Cases started before keep
// the old commands, so their histories replay unchanged.
const versionStatusOnChange = "status-on-change"

// versionLocalWrites marks cases whose short database writes (record an
// event, open, close and cancel tasks, project the case) are queued and
// run together, in one local activity and one transaction, when the
// workflow is about to wait. As regular activities each write cost a
// round trip through the matching service, three history events and a
// workflow task, and a decision waited for three of them: the bench
// measured a decision at five times a bare Update.
//
// A decision is an Update, durable only once the workflow task that
// accepts it completes, and a local activity writes inside that task: a
// crash in between leaves the writes without the Update. The API's outbox
// (api/outbox.go) closes that gap: every Update stays recorded until the
// workflow has answered it and is sent again after a crash, with its own
// id; the workflow then applies it afresh and the writes, keyed by task
// and event, find their rows already there. Cases started before keep
// regular activities, so their histories replay unchanged.
const versionLocalWrites = "local-writes"

// has reports whether this run takes the change named id: runs started at
// a revision have every change up to it, older ones ask GetVersion.
func (r *approval) has(ctx workflow.Context, id string) bool {
	if r.in.Revision >= 1 {
		return true
	}
	return workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
}

// put queues one short database write of the case, or, in runs from
// before versionLocalWrites, runs it at once as a regular activity.
func (r *approval) put(ctx workflow.Context, w activities.Write) error {
	if r.localWrites {
		r.pending = append(r.pending, w)
		return nil
	}
	var err error
	switch {
	case w.Event != nil:
		err = workflow.ExecuteActivity(ctx, a.RecordEvent, *w.Event).Get(ctx, nil)
	case w.Open != nil:
		var id int64
		err = workflow.ExecuteActivity(ctx, a.OpenTask, *w.Open).Get(ctx, &id)
		r.setTaskIDs(map[string]int64{w.Open.Key: id})
	case w.Close != nil:
		err = workflow.ExecuteActivity(ctx, a.CloseTask, *w.Close).Get(ctx, nil)
	case w.Cancel != nil:
		err = workflow.ExecuteActivity(ctx, a.CancelTasks, *w.Cancel).Get(ctx, nil)
	case w.Project != nil:
		err = workflow.ExecuteActivity(ctx, a.Project, *w.Project).Get(ctx, nil)
	}
	return err
}

// flush runs the queued writes: before the workflow waits, runs another
// activity or a child, and before it ends.
func (r *approval) flush(ctx workflow.Context) error {
	if len(r.pending) == 0 {
		return nil
	}
	writes := r.pending
	r.pending = nil
	opts := activityOptions()
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second, RetryPolicy: opts.RetryPolicy})
	var res activities.Applied
	if err := workflow.ExecuteLocalActivity(lctx, a.Apply, writes).Get(ctx, &res); err != nil {
		return err
	}
	r.setTaskIDs(res.TaskIDs)
	return nil
}

// activity runs a regular activity after the queued writes.
func (r *approval) activity(ctx workflow.Context, fn, in, out any) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, fn, in).Get(ctx, out)
}

// setTaskIDs gives opened tasks their inbox ids.
func (r *approval) setTaskIDs(ids map[string]int64) {
	for _, t := range r.st.Tasks {
		if id, ok := ids[t.Key]; ok && t.ID == 0 {
			t.ID = id
		}
	}
}

// statusChanged reports whether the case's status search attribute must
// be written: always for older cases, only on a change for newer ones.
func (r *approval) statusChanged(ctx workflow.Context) bool {
	if !r.statusOnChange {
		return true
	}
	have, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(SACaseStatus)
	return !ok || have != r.st.Status
}
