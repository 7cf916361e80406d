package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/assistflow/assistflow/cmd/assistflow/config"
	"github.com/assistflow/assistflow/internal/bench"
	"github.com/spf13/cobra"
)

// benchParts are the parts --only may name, in the order they run.
var benchParts = []string{"startup", "e2e", "authz", "inbox"}

// benchOptions are the flags of `assistflow bench`.
type benchOptions struct {
	cases, approvers, tasks, villages, grants, samples int
	postgres, only, cpuProfile, e2eProfiles            string
	json                                               bool
}

// benchCommand measures the platform on the dev stack in a temporary data
// dir, against bare Temporal on the same server (docs/benchmarks.md).
func benchCommand(stdout, stderr io.Writer, env func(string) (string, bool)) *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{Use: "bench", Args: cobra.NoArgs,
		Short: "Measure the platform against bare Temporal, the inbox at scale, authorization and start-up"}
	fs := cmd.Flags()
	fs.IntVar(&o.cases, "cases", 200, "cases driven end to end (and bare workflows for the baseline)")
	fs.IntVar(&o.approvers, "approvers", 10, "concurrent simulated approvers (and baseline drivers)")
	fs.IntVar(&o.tasks, "tasks", 1_000_000, "open tasks seeded for the inbox bench (measured at 10k, 100k, 1M on the way)")
	fs.IntVar(&o.villages, "villages", 10_000, "villages the seeded tasks spread over")
	fs.IntVar(&o.grants, "grants", 100_000, "grants loaded for the authorization bench")
	fs.IntVar(&o.samples, "samples", 200, "timed inbox pages per user and size")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL server DSN for the inbox bench on PostgreSQL (env ASSISTFLOW_BENCH_POSTGRES); a database is created and dropped")
	fs.StringVar(&o.only, "only", strings.Join(benchParts, ","), "parts to run: "+strings.Join(benchParts, ","))
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&o.e2eProfiles, "e2e-profiles", "", "write CPU profiles and heap allocations of the measured end-to-end runs to this directory (platform.prof, platform-allocs.prof, …)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if !fs.Changed("postgres") {
			o.postgres, _ = env("ASSISTFLOW_BENCH_POSTGRES")
		}
		parts := strings.Split(o.only, ",")
		for _, p := range parts {
			if !slices.Contains(benchParts, p) {
				return fmt.Errorf("--only: unknown part %q; parts are %s", p, strings.Join(benchParts, ","))
			}
		}
		if o.cpuProfile != "" && o.e2eProfiles != "" {
			return fmt.Errorf("--cpuprofile and --e2e-profiles exclude each other: Go runs one CPU profile at a time")
		}
		if o.cases < 1 || o.approvers < 1 || o.tasks < 1 || o.villages < 1 || o.grants < 10 || o.samples < 1 {
			return fmt.Errorf("--cases, --approvers, --tasks, --villages and --samples must be positive, --grants at least 10")
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
		rep, err := runBench(cmd.Context(), o, parts, log)
		if err != nil {
			return err
		}
		if o.json {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		rep.Print(stdout)
		return nil
	}
	return cmd
}

// runBench runs the chosen parts in a temporary directory it removes.
func runBench(ctx context.Context, o benchOptions, parts []string, log *slog.Logger) (*bench.Report, error) {
	dir, err := os.MkdirTemp("", "assistflow-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	rep := &bench.Report{Machine: bench.ThisMachine()}
	start := time.Now()
	for _, part := range benchParts {
		if !slices.Contains(parts, part) {
			continue
		}
		log.Info("bench part started", "part", part)
		if err := runBenchPart(ctx, part, o, filepath.Join(dir, part), rep, log); err != nil {
			return nil, fmt.Errorf("bench %s: %w", part, err)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func runBenchPart(ctx context.Context, part string, o benchOptions, dir string, rep *bench.Report, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	switch part {
	case "startup":
		var exe string
		if exe, err = os.Executable(); err == nil {
			rep.Startup, err = bench.RunStartup(ctx, exe, dir, 5*time.Second)
		}
	case "e2e":
		// The stack's warnings and errors are kept and shown if the run
		// fails: they say what a stuck case ran into.
		var warnings syncBuffer
		stack := slog.New(slog.NewTextHandler(&warnings, &slog.HandlerOptions{Level: slog.LevelWarn}))
		if rep.E2E, err = benchE2E(ctx, o, dir, stack); err == nil {
			log.Info("end to end measured", "platform_cases_per_sec", rep.E2E.Platform.CasesPerSec,
				"baseline_cases_per_sec", rep.E2E.Baseline.CasesPerSec, "ratio", rep.E2E.Ratio)
		} else if warnings.String() != "" {
			log.Error("end to end failed; the stack logged", "warnings", warnings.String())
		}
	case "authz":
		rep.Authz, err = bench.RunAuthz(ctx, dir, o.grants, 20_000, quiet)
	case "inbox":
		cfg := bench.InboxConfig{Tasks: o.tasks, Villages: o.villages, Samples: o.samples, Dir: dir, Log: log}
		var run *bench.InboxRun
		if run, err = bench.RunInboxSQLite(ctx, cfg); err == nil {
			rep.Inbox = append(rep.Inbox, *run)
		}
		if err == nil && o.postgres == "" {
			rep.Notes = append(rep.Notes, "inbox on PostgreSQL skipped: no --postgres or ASSISTFLOW_BENCH_POSTGRES given")
		} else if err == nil {
			if run, err = bench.RunInboxPostgres(ctx, cfg, o.postgres); err == nil {
				rep.Inbox = append(rep.Inbox, *run)
			}
		}
	}
	return err
}

// benchE2E starts exactly the dev stack on dir with free ports and drives it.
func benchE2E(ctx context.Context, o benchOptions, dir string, log *slog.Logger) (*bench.E2EResult, error) {
	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.LogLevel = dir, "127.0.0.1:0", "warn"
	cfg.Temporal.Port, cfg.Temporal.UIPort = 0, 0
	d, err := startDevStack(ctx, cfg, log)
	if d != nil {
		defer d.stop.run(log)
	}
	if err != nil {
		return nil, err
	}
	return bench.RunE2E(ctx, bench.E2EConfig{APIURL: d.apiURL, Temporal: d.client, Store: d.store,
		Cases: o.cases, Approvers: o.approvers, Queue: cfg.Temporal.TaskQueue, ProfileDir: o.e2eProfiles})
}

// syncBuffer is a buffer that goroutines may write while another reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
