package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// versionLocalWrites marks cases whose short database writes (open and
// close a task, project the case, record an event) run as local
// activities, and which upsert their status search attribute only when
// the status changes. The end-to-end bench showed each regular activity
// costing a round trip through the matching service and three history
// events, and a decision waits for three of them; a local activity runs in
// the worker that holds the workflow task and leaves one marker. Its CPU
// profile then showed the embedded server's visibility queue at a fifth of
// the run, mostly upserts of an unchanged status. Cases started before
// keep the old commands, so their histories replay unchanged.
const versionLocalWrites = "local-db-writes"

// write runs one short database write of the case.
func (r *approval) write(ctx workflow.Context, activity, in any) workflow.Future {
	if !r.local {
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
	if !r.local {
		return true
	}
	have, ok := workflow.GetTypedSearchAttributes(ctx).GetKeyword(SACaseStatus)
	return !ok || have != r.st.Status
}
