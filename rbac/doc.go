// Package rbac answers "may user U do action A on an object of kind O in
// region R": a Casbin v2 model with domains, where the domain is a region
// path and a role granted at a region holds for every region below it.
//
// Policies (role → object → action) and grants (user → role → region) live
// in the application database; the adapter here reads them through store.
// Every change bumps a version counter that each process polls, so a change
// takes effect at once where it was made and within seconds elsewhere.
// It imports store for its rows; never api, workflows or Fiber.
package rbac
