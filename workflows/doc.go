// Package workflows is the deterministic orchestration of assistflow: the
// Approval workflow, which interprets a snapshot of a process.Definition
// stage by stage, and the Monitoring workflow, which re-checks an enrolled
// household until its risk is eliminated.
//
// Every side effect goes through an activity of package activities, named
// through a nil *activities.Activities. This package must not import gorm,
// fiber, casbin, net/http, os or math/rand.
package workflows
