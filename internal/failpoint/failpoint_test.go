package failpoint

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	require.Equal(t, map[string]int{"a": 1, "b": 3, "c": 1}, parse(" a, b@3 ,c@x,,"))
	require.Empty(t, parse(""))
}

// TestCrashKillsAtTheArmedPass runs this test binary again with a point
// armed at its second pass and sees it die by SIGKILL there, not before.
func TestCrashKillsAtTheArmedPass(t *testing.T) {
	if os.Getenv("FAILPOINT_CHILD") == "1" {
		Crash("p")
		os.Stdout.WriteString("passed once\n")
		Crash("p")
		os.Stdout.WriteString("passed twice\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKillsAtTheArmedPass$")
	cmd.Env = append(os.Environ(), "FAILPOINT_CHILD=1", Env+"=p@2")
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	status := exit.Sys().(syscall.WaitStatus)
	require.True(t, status.Signaled())
	require.Equal(t, syscall.SIGKILL, status.Signal())
	require.True(t, strings.Contains(string(out), "passed once"))
	require.False(t, strings.Contains(string(out), "passed twice"))
}

func TestUnarmedPointDoesNothing(t *testing.T) {
	Crash("never-armed")
}
