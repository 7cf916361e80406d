package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Report is every figure of one run; nil sections were not asked for.
type Report struct {
	Machine Machine     `json:"machine"`
	E2E     *E2EResult  `json:"e2e,omitempty"`
	Inbox   []InboxRun  `json:"inbox,omitempty"`
	Authz   *AuthzRun   `json:"authz,omitempty"`
	Startup *StartupRun `json:"startup,omitempty"`
	// Notes says what was skipped and why (e.g. no PostgreSQL DSN).
	Notes   []string `json:"notes,omitempty"`
	Seconds float64  `json:"seconds"`
}

// Latency summarises timed samples in milliseconds.
type Latency struct {
	N     int     `json:"n"`
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
}

// Summarize returns the nearest-rank p50 and p99 of samples.
func Summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Latency{N: len(s), P50Ms: ms(percentile(s, 50)), P99Ms: ms(percentile(s, 99))}
}

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Print writes the report as plain tables for a person.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "machine: %d CPU (%s), %.1f GiB RAM, %s %s/%s\n\n", r.Machine.CPUs, r.Machine.CPUModel,
		r.Machine.MemGiB, r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch)
	if e := r.E2E; e != nil {
		fmt.Fprintf(w, "end to end (%d cases, %d approvers, 3 reviews)\n", e.Cases, e.Approvers)
		row(w, "", "cases/s", "decision p50 ms", "decision p99 ms", "CPU ms/case", "KiB/case", "visibility settle s")
		for _, side := range []struct {
			name string
			t    Throughput
		}{{"platform (HTTP)", e.Platform}, {"bare Temporal", e.Baseline}} {
			row(w, side.name, f2(side.t.CasesPerSec), f2(side.t.Decision.P50Ms), f2(side.t.Decision.P99Ms),
				f2(side.t.CPUPerCase), f2(side.t.AllocPerCase), f2(side.t.Settle))
		}
		fmt.Fprintf(w, "  ratio platform/baseline: %.2f (CPU per case: %.2f)\n\n", e.Ratio, e.CPURatio)
	}
	for _, in := range r.Inbox {
		fmt.Fprintf(w, "inbox page on %s (%d villages)\n", in.Database, in.Villages)
		row(w, "tasks / user", "store p50", "store p99", "sql p50", "sql p99", "ratio p50", "counts p99")
		for _, s := range in.Sizes {
			for _, u := range s.Users {
				row(w, fmt.Sprintf("%d / %s", s.Tasks, u.User), f2(u.Store.P50Ms), f2(u.Store.P99Ms),
					f2(u.SQL.P50Ms), f2(u.SQL.P99Ms), f2(u.Ratio), f2(u.Counts.P99Ms))
			}
		}
		fmt.Fprintln(w)
	}
	if a := r.Authz; a != nil {
		fmt.Fprintf(w, "authorization (%d grants, load %.0f ms): cached %.1f µs, uncached %.1f µs per decision\n\n",
			a.Grants, a.LoadMs, a.CachedMicros, a.UncachedMicros)
	}
	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "start-up: ready in %.2f s, idle RSS %.0f MiB\n\n", s.ReadySeconds, s.IdleRSSMiB)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintf(w, "total %.0f s\n", r.Seconds)
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintf(w, "  %-24s", cells[0])
	for _, c := range cells[1:] {
		fmt.Fprintf(w, " %12s", c)
	}
	fmt.Fprintln(w)
}

func f2(v float64) string { return fmt.Sprintf("%.2f", v) }
