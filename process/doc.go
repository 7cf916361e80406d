// Package process is the definition language of approval chains: types, parsing, validation
// and the working-day calendar. Pure Go and deterministic, no I/O; imported by workflows (to
// interpret) and api (to validate). It must not import store, api, activities, workflows or
// any I/O library.
package process
