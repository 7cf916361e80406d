package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// binary is the assistflow executable built once for the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "assistflow-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "assistflow")
	build := exec.Command("go", "build", "-o", binary, "../cmd/assistflow")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build assistflow:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// dev is one running `assistflow dev`.
type dev struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	base    string
	stdout  *bytes.Buffer
	stderr  *bytes.Buffer
	exited  chan error
	tokens  map[string]string
}

// startDev starts the binary on dataDir with free ports and waits for its
// "assistflow ready" line.
func startDev(t *testing.T, dataDir string, extra ...string) *dev {
	t.Helper()
	return startDevEnv(t, dataDir, nil, extra...)
}

// startDevEnv is startDev with more environment variables.
func startDevEnv(t *testing.T, dataDir string, env []string, extra ...string) *dev {
	t.Helper()
	port := freePort(t)
	args := append([]string{"dev", "--data-dir", dataDir, "--http-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--temporal-port", "0", "--ui-port", "0", "--log-format", "json"}, extra...)
	d := &dev{t: t, dataDir: dataDir, base: fmt.Sprintf("http://127.0.0.1:%d", port),
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	d.cmd = exec.Command(binary, args...)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stderr = d.stderr
	out, err := d.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, d.cmd.Start())
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			d.stdout.WriteString(line + "\n")
			if strings.HasPrefix(line, "assistflow ready") {
				close(ready)
			}
		}
	}()
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() { d.kill() })
	select {
	case <-ready:
	case err := <-d.exited:
		t.Fatalf("assistflow dev exited before ready: %v\nstderr:\n%s", err, d.stderr.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("assistflow dev not ready in 90s\nstderr:\n%s", d.stderr.String())
	}
	return d
}

// stop sends SIGTERM and requires a clean exit within the 10 s budget.
func (d *dev) stop() {
	d.t.Helper()
	require.NoError(d.t, d.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-d.exited:
		require.NoError(d.t, err, "dev should exit 0 on SIGTERM\nstderr:\n%s", d.stderr.String())
	case <-time.After(15 * time.Second):
		d.t.Fatalf("dev did not stop within 15s of SIGTERM")
	}
}

// kill is kill -9: no shutdown code runs.
func (d *dev) kill() {
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// call makes one JSON request and decodes a JSON answer into out (when non-nil).
func (d *dev) call(method, path, token string, body any, out any, headers ...string) int {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(d.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	require.NoError(d.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(d.t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(d.t, json.Unmarshal(raw, out), "decode %s %s: %s", method, path, raw)
	}
	return resp.StatusCode
}

// login signs a demo user in once per running dev and returns the token.
func (d *dev) login(username string) string {
	d.t.Helper()
	if tok, ok := d.tokens[username]; ok {
		return tok
	}
	if d.tokens == nil {
		d.tokens = map[string]string{}
	}
	d.tokens[username] = d.signIn(username)
	return d.tokens[username]
}

// signIn signs a demo user in anew: a token of its own, for a test that
// signs it out.
func (d *dev) signIn(username string) string {
	d.t.Helper()
	var res struct {
		Token string `json:"token"`
	}
	st := d.call("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": "demo"}, &res)
	require.Equal(d.t, http.StatusOK, st, "login %s", username)
	require.NotEmpty(d.t, res.Token)
	return res.Token
}

// runBinary runs assistflow to completion and returns its combined output.
func runBinary(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	return string(out), err
}

func splitArgs(s string) []string { return strings.Fields(s) }

// openDataDir opens the application database of a data dir, for reading
// or preparing it while no dev runs; the caller closes it.
func openDataDir(t *testing.T, dataDir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dataDir, "assistflow.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return st
}
