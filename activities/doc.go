// Package activities holds every side effect the workflows need: inbox
// tasks, the case projection and timeline, notices and objections, data
// checks, notifications and audit events.
//
// Every activity is idempotent: each write carries a key derived from the
// workflow's own state, and the store ignores a key it has seen, so a retry
// after a timeout or a worker crash changes nothing twice.
// It imports store and process; never api, workflows or Fiber.
package activities
