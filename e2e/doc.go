// Package e2e drives the real assistflow binary: it builds it once, starts
// `assistflow dev` on free ports and a temporary data dir, and talks to it
// over real HTTP. Its tests kill the process (SIGKILL included) and start
// it again on the same data dir to prove nothing is lost.
//
// The package links no Temporal server itself; the binary does.
package e2e
