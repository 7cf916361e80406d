package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// proc is one child process of the cluster test: its own process group
// (so a kill takes its children too), its output in a log file under the
// test's temp dir.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	mu      sync.Mutex
	err     error
}

// startProc starts bin with args and env; when ready is not empty it waits
// (up to 2 minutes) for a stdout line starting with it.
func startProc(t *testing.T, logDir, name, ready, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, logPath: filepath.Join(logDir, name+".log"), exited: make(chan struct{})}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	// Pdeathsig: a test binary killed by -timeout takes its children along
	// instead of leaving a cluster running against the shared PostgreSQL.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.cmd.Stderr = logFile
	out, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	seen := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(logFile, sc.Text())
			if ready != "" && strings.HasPrefix(sc.Text(), ready) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	go func() {
		err := p.cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		_ = logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- first errors of %s ---\n%s", p.name, grepLines(p.logPath, `"level":"ERROR"`, 10))
			t.Logf("--- last lines of %s ---\n%s", p.name, tail(p.logPath, 30))
		}
	})
	if ready == "" {
		return p
	}
	select {
	case <-seen:
	case <-p.exited:
		t.Fatalf("%s exited before ready: %v\n%s", name, p.exitErr(), tail(p.logPath, 60))
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s not ready in 2m\n%s", name, tail(p.logPath, 60))
	}
	return p
}

func (p *proc) exitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// kill is SIGKILL to the whole process group: no shutdown code runs.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
	}
}

// runTool runs a command to completion, failing the test with its output.
func runTool(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", filepath.Base(bin), strings.Join(args, " "), out)
	return string(out)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	lines := bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// grepLines returns the first n lines of a file that contain pattern.
func grepLines(path, pattern string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, pattern) && len(out) < n {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
