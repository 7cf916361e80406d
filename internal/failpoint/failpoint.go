// Package failpoint stops the process at a named point in the code, as a
// power cut would, for the crash drills. A point is armed only through the
// environment variable ASSISTFLOW_FAILPOINTS, a comma-separated list of
// names, each optionally "@N" to fire at its N-th pass (default the
// first). Unarmed, a point costs one map lookup on an empty map.
package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Env names the variable that arms failpoints.
const Env = "ASSISTFLOW_FAILPOINTS"

var (
	mu    sync.Mutex
	armed = parse(os.Getenv(Env))
)

// parse reads "a,b@3" into the pass at which each point fires.
func parse(s string) map[string]int {
	points := map[string]int{}
	for _, f := range strings.Split(s, ",") {
		name, at, found := strings.Cut(strings.TrimSpace(f), "@")
		if name == "" {
			continue
		}
		n := 1
		if found {
			if v, err := strconv.Atoi(at); err == nil && v > 0 {
				n = v
			}
		}
		points[name] = n
	}
	return points
}

// Crash kills the process with SIGKILL at the pass of name that is armed:
// no deferred function, shutdown hook or buffered write runs after it.
func Crash(name string) {
	mu.Lock()
	n, ok := armed[name]
	if ok {
		n--
		armed[name] = n
	}
	mu.Unlock()
	if !ok || n != 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "failpoint %s: killing the process\n", name)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
