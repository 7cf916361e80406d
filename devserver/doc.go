// Package devserver runs a complete Temporal server inside the assistflow
// process, on a SQLite file, for `assistflow dev` and the end-to-end tests.
//
// It is the only package besides cmd that imports go.temporal.io/server:
// linking the server costs minutes of build time, so nothing else may.
// It must not import any assistflow package.
package devserver
