// Package web holds what the pages of the api package are made of: the
// html/template files, the static assets and the zh-CN/en message
// catalogue. Everything is embedded, so running the product needs no
// Node build and no files next to the binary.
//
// It imports nothing of the project: handlers, sessions and access rules
// live in package api (pages.go, pages_*.go).
package web

import "embed"

// Templates are the page templates: layout.html plus one file per page.
//
//go:embed templates/*.html
var Templates embed.FS

// Static are the assets served under /static/.
//
//go:embed static
var Static embed.FS
