package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// versionLocalWrites marks cases whose short database writes (open and
// close a task, project the case, record an event) run as local
// activities. The end-to-end bench showed each regular activity costing a
// round trip through the matching service and three history events, and a
// decision waits for three of them; a local activity runs in the worker
// that holds the workflow task and leaves one marker. Cases started before
// keep regular activities, so their histories replay unchanged.
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
