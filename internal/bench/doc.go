// Package bench is the load driver behind `assistflow bench`: it measures
// the platform against bare Temporal on the same embedded server (HTTP
// approvers versus a minimal workflow driven by the SDK), one inbox page at
// a million open tasks against the same SQL through database/sql, an
// authorization decision with 100,000 grants, and the start-up of `dev`.
//
// It holds no wiring: cmd/assistflow starts the dev stack and hands this
// package its URL, Temporal client and store. It must not import the
// embedded Temporal server, api or workflows; the figures it reports come
// from the outside, as a user or an operator would see them.
package bench
