// Package api is the HTTP face of assistflow (Fiber v2): JSON routes under
// /api/v1, health checks, RFC 9457 problem responses and the OpenAPI
// document; and the web pages (pages*.go, templates and assets embedded
// from api/web), which authenticate by session cookie with CSRF tokens and
// call the same functions as the JSON handlers.
//
// The API never writes case state: a submission starts a workflow and a
// decision is a Temporal Update whose validator is the single judge. It
// imports workflows only for Update names and payload types, store for
// reads, and process for validation; never gorm or activities.
package api
