// Package migrations owns the application database schema: versioned SQL
// files per dialect, embedded in the binary and applied with goose.
//
// Both dialects move in lockstep: every version exists in sqlite/ and
// postgres/. It imports nothing from assistflow.
package migrations
