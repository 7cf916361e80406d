// Package simulate answers "what would happen to a case on this chain?"
// before a definition (a published version or a draft) is used: it plays a
// Scenario of decisions, objections and waits through the real Approval
// interpreter in Temporal's time-skipping test environment and reports the
// path, the notices and the time limits met or missed.
//
// Nothing leaves the process: every activity is answered in memory, so a
// simulation writes no case, task or audit row, and the Monitoring child of
// an identification is never started. The interpreter is the production
// one, so a simulation cannot drift from what a real case does; the tests
// hold it to a run of the same scenario on the real store.
//
// It imports workflows, activities (to name and mock activity methods),
// process and the SDK's testsuite; never store writes, api, or the
// embedded Temporal server (go.temporal.io/server), which would make every
// package that links it slow to build.
package simulate
