package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// E2EConfig says where the dev stack runs and how hard to drive it.
type E2EConfig struct {
	APIURL    string
	Temporal  client.Client
	Store     *store.Store
	Cases     int
	Approvers int
	// Queue is the platform's task queue; the bench waits on it for the
	// engine's visibility writes to catch up (see settle).
	Queue string
	// ProfileDir, when set, receives a CPU profile of each side's measured
	// run (platform.prof, baseline.prof) and its heap allocations (see
	// profile).
	ProfileDir string
}

// Throughput is one side of the end-to-end comparison.
type Throughput struct {
	Seconds     float64 `json:"seconds"`
	CasesPerSec float64 `json:"cases_per_sec"`
	// Decision is the latency of one decision: the HTTP call on the
	// platform, the Update round trip on the baseline.
	Decision Latency `json:"decision"`
	// CPUPerCase is the whole process's CPU time (user and system: the
	// server, the worker, the API, the databases and the driver) over the
	// measured run, per case. Other load on the machine moves it less than
	// it moves cases/s (±12% against ±20% over one day's runs).
	CPUPerCase float64 `json:"cpu_ms_per_case"`
	// AllocPerCase is what the whole process allocated on the heap over
	// the measured run, per case, in KiB: the garbage collector's work
	// grows with it, and the machine's other load hardly moves it.
	AllocPerCase float64 `json:"alloc_kib_per_case"`
	// Settle is how long the server's visibility writes of this side's
	// workflows ran on after its last case ended; it is not in Seconds.
	Settle float64 `json:"settle_seconds"`
}

// E2EResult compares the platform with bare Temporal in the same run.
type E2EResult struct {
	Cases     int        `json:"cases"`
	Approvers int        `json:"approvers"`
	Reviews   int        `json:"reviews"`
	Platform  Throughput `json:"platform"`
	Baseline  Throughput `json:"baseline"`
	// Ratio is platform cases/s over baseline cases/s (the goal is ≥ 0.8).
	Ratio float64 `json:"ratio"`
	// CPURatio is baseline CPU per case over platform CPU per case: the
	// throughput ratio two saturated cores would give.
	CPURatio float64 `json:"cpu_ratio"`
}

// benchProgram's chain is replaced, in the bench county only, by three
// reviews village → township → county without notice.
const (
	benchProgram = "linshi"
	benchKey     = "linshi-urgent"
)

// reviewers are the demo users deciding the three stages, in order.
var reviewers = []string{"village_officer", "township_approver", "county_approver"}

// ThreeReviews is the chain the end-to-end bench runs.
func ThreeReviews() process.Definition {
	review := func(id, role, level, zh, en string) process.Stage {
		return process.Stage{ID: id, Kind: process.KindReview, Role: role, Level: level,
			Name: process.Text{Zh: zh, En: en}, Actions: []string{process.ActionApprove, process.ActionReject}}
	}
	return process.Definition{Key: benchKey, Program: benchProgram,
		Name: process.Text{Zh: "压测：村乡县三级审核", En: "Bench: village, township, county review"},
		Stages: []process.Stage{
			review("village_review", process.RoleVillageOfficer, "village", "村级审核", "Village review"),
			review("township_review", process.RoleTownshipApprover, "township", "乡镇审核", "Township review"),
			review("county_review", process.RoleCountyApprover, "county", "县级审批", "County approval"),
		}}
}

// publishThreeReviews makes the bench chain the active one in the demo county.
func publishThreeReviews(ctx context.Context, st *store.Store) error {
	d := ThreeReviews()
	if errs := process.Validate(d); len(errs) > 0 {
		return fmt.Errorf("bench definition: %v", errs)
	}
	v, err := st.PublishDefinition(ctx, d.Key, d.JSON(), nil)
	if err != nil {
		return err
	}
	return st.Activate(ctx, d.Key, v, store.DemoCounty)
}

// RunE2E drives cfg.Cases cases through the platform and as many bare
// workflows through the same server, a short warm-up before each.
func RunE2E(ctx context.Context, cfg E2EConfig) (*E2EResult, error) {
	if err := publishThreeReviews(ctx, cfg.Store); err != nil {
		return nil, err
	}
	p := &platform{base: cfg.APIURL, http: newHTTP(cfg.Approvers), run: time.Now().UnixNano(),
		desks: make(chan *desk, cfg.Approvers)}
	b, err := startBaseline(cfg.Temporal)
	if err != nil {
		return nil, err
	}
	defer b.stop()
	warm := min(cfg.Cases, cfg.Approvers)
	res := &E2EResult{Cases: cfg.Cases, Approvers: cfg.Approvers, Reviews: len(reviewers)}
	for _, side := range []struct {
		name  string
		queue string
		drive func(ctx context.Context, cases []int) ([]time.Duration, error)
		out   *Throughput
	}{{"baseline", baselineQueue, b.drive, &res.Baseline}, {"platform", cfg.Queue, p.drive, &res.Platform}} {
		began := time.Now()
		if _, err := fanOut(ctx, cfg.Approvers, 0, warm, side.drive); err != nil {
			return nil, fmt.Errorf("%s warm-up: %w", side.name, err)
		}
		stop, err := profile(cfg.ProfileDir, side.name)
		if err != nil {
			return nil, err
		}
		start, cpu, heap := time.Now(), cpuTime(), allocated()
		lat, err := fanOut(ctx, cfg.Approvers, warm, warm+cfg.Cases, side.drive)
		err = errors.Join(err, stop())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", side.name, err)
		}
		secs := time.Since(start).Seconds()
		n := float64(cfg.Cases)
		*side.out = Throughput{Seconds: secs, CasesPerSec: n / secs, Decision: Summarize(lat),
			CPUPerCase:   float64((cpuTime() - cpu).Microseconds()) / 1000 / n,
			AllocPerCase: float64(allocated()-heap) / 1024 / n}
		ended := time.Now()
		if err := settle(ctx, cfg.Temporal, side.queue, began); err != nil {
			return nil, fmt.Errorf("%s: %w", side.name, err)
		}
		side.out.Settle = time.Since(ended).Seconds()
	}
	if res.Baseline.CasesPerSec > 0 {
		res.Ratio = res.Platform.CasesPerSec / res.Baseline.CasesPerSec
	}
	if res.Platform.CPUPerCase > 0 {
		res.CPURatio = res.Baseline.CPUPerCase / res.Platform.CPUPerCase
	}
	return res, nil
}

// settle waits until the server's visibility records show none of the
// side's workflows running. The engine writes them from a queue after each
// workflow task, so without the wait the side measured second would also
// pay for the first side's backlog.
func settle(ctx context.Context, c client.Client, queue string, since time.Time) error {
	q := fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running' AND StartTime >= '%s'",
		queue, since.UTC().Format(time.RFC3339Nano))
	return poll(ctx, func() (bool, error) {
		n, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
		return err == nil && n.GetCount() == 0, err
	})
}

// profile starts a CPU profile of one side into dir, if dir is set, and
// returns what stops it. Stopping also writes the heap's allocations
// before and after the side (SIDE-allocs-before.prof, SIDE-allocs.prof):
// `go tool pprof -sample_index=alloc_space -base` of the two is what the
// side allocated.
func profile(dir, side string) (stop func() error, err error) {
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := writeAllocs(filepath.Join(dir, side+"-allocs-before.prof")); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, side+".prof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("profile %s: %w", side, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return errors.Join(f.Close(), writeAllocs(filepath.Join(dir, side+"-allocs.prof")))
	}, nil
}

// writeAllocs writes the process's allocation profile so far to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
}

// allocated is how many bytes this process has allocated on the heap so
// far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fanOut runs cases [from, to) on n concurrent workers, each taking every
// n-th case in turn, and gathers their decision latencies.
func fanOut(ctx context.Context, n, from, to int,
	drive func(ctx context.Context, cases []int) ([]time.Duration, error)) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		all   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	for w := range n {
		wg.Go(func() {
			var mine []int
			for i := from + w; i < to; i += n {
				mine = append(mine, i)
			}
			lat, err := drive(ctx, mine)
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if err != nil && first == nil {
				first = err
				cancel()
			}
		})
	}
	wg.Wait()
	return all, first
}
