package workflows_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays every history recorded from a real
// server (e2e TestBuiltinChainsEndToEndAndReplay -record) against the
// current workflow code: a change that alters the commands of a case
// already running fails here unless it is behind workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	// One history per built-in definition, at least.
	require.GreaterOrEqual(t, len(files), 4, "recorded histories are missing from testdata")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			wfs := &workflows.Workflows{Calendar: calendar()}
			replayer.RegisterWorkflowWithOptions(wfs.Approval, workflow.RegisterOptions{Name: workflows.ApprovalWorkflow})
			replayer.RegisterWorkflowWithOptions(wfs.Monitoring, workflow.RegisterOptions{Name: workflows.MonitoringWorkflow})
			logger := tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}
