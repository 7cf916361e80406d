package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartupRun is how long `assistflow dev` takes to serve on a fresh data
// dir, and what it holds in memory once idle.
type StartupRun struct {
	ReadySeconds float64 `json:"ready_seconds"`
	IdleAfterS   float64 `json:"idle_after_s"`
	IdleRSSMiB   float64 `json:"idle_rss_mib"`
}

// RunStartup starts exe dev on dataDir with free ports, times it to the
// "assistflow ready" line, reads VmRSS after idle, and stops it.
func RunStartup(ctx context.Context, exe, dataDir string, idle time.Duration) (*StartupRun, error) {
	cmd := exec.CommandContext(ctx, exe, "dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0",
		"--temporal-port", "0", "--ui-port", "0", "--log-level", "warn")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s dev: %w", exe, err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	ready := make(chan time.Duration, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "assistflow ready") {
				ready <- time.Since(start)
			}
		}
	}()
	run := &StartupRun{IdleAfterS: idle.Seconds()}
	select {
	case d := <-ready:
		run.ReadySeconds = d.Seconds()
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("dev was not ready within 2 minutes")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select { // a fixed idle period, not a wait for a condition
	case <-time.After(idle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	kb, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	run.IdleRSSMiB = float64(kb) / 1024
	return run, nil
}

// vmRSS reads a process's resident set in KiB from /proc.
func vmRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read memory of dev: %w", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}
