package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// versionStatusOnChange marks cases that upsert their status search
// attribute only when the status changes. The end-to-end bench's CPU
// profile showed the embedded server's visibility queue at a fifth of the
// run, mostly upserts of an unchanged status. Cases started before keep
// the old commands, so their histories replay unchanged.
const versionStatusOnChange = "status-on-change"

// versionLocalWrites marks cases whose short database writes (record an
// event, open, close and cancel tasks, project the case) run as local
// activities, in the worker holding the workflow task. As regular
// activities each write cost a round trip through the matching service,
// three history events and a workflow task, and a decision waited for
// three of them: the bench measured a decision at five times a bare
// Update.
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

// write runs one short database write of the case.
func (r *approval) write(ctx workflow.Context, activity, in any) workflow.Future {
	if !r.localWrites {
		return workflow.ExecuteActivity(ctx, activity, in)
	}
	opts := activityOptions()
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second, RetryPolicy: opts.RetryPolicy})
	return workflow.ExecuteLocalActivity(ctx, activity, in)
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
