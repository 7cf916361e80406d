package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// versionStatusOnChange marks cases that upsert their status search
// attribute only when the status changes. The end-to-end bench's CPU
// profile showed the embedded server's visibility queue at a fifth of the
// run, mostly upserts of an unchanged status. Cases started before keep
// the old commands, so their histories replay unchanged.
//
// The case's database writes stay regular activities on purpose. Running
// them as local activities was tried (the bench's "local-db-writes") and
// failed the crash drill: a decision is an Update, and an Update is durable
// only once the workflow task that accepts it completes. A local activity
// writes inside that task, so a crash before it completes left the
// database saying "decided, next task open" while the workflow, which
// never saw the Update, still waited at the old stage. A regular activity
// is scheduled by the completing task, after the Update is recorded.
const versionStatusOnChange = "status-on-change"

// write runs one short database write of the case.
func (r *approval) write(ctx workflow.Context, activity, in any) workflow.Future {
	return workflow.ExecuteActivity(ctx, activity, in)
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
