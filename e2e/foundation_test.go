package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

type readiness struct {
	Status string                       `json:"status"`
	Checks map[string]map[string]string `json:"checks"`
}

func requireReady(t *testing.T, d *dev) {
	t.Helper()
	var r readiness
	require.Equal(t, http.StatusOK, d.call("GET", "/readyz", "", nil, &r))
	require.Equal(t, "ready", r.Status)
	for _, name := range []string{"database", "temporal", "worker"} {
		require.Equal(t, "ok", r.Checks[name]["status"], "check %s", name)
	}
	require.Equal(t, http.StatusOK, d.call("GET", "/healthz", "", nil, nil))
}

// countUsers reads the app database file directly, as an operator would.
func countUsers(t *testing.T, dataDir string) int64 {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dataDir, "assistflow.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer st.Close()
	n, err := st.CountUsers(context.Background())
	require.NoError(t, err)
	return n
}

// TestDevRestartsKeepEverything starts `dev`, works a case part-way,
// kills it with SIGKILL, restarts on the same data dir, and finishes the
// work: no re-seed, no lost case, the workflow goes on. A graceful stop
// and a third start follow.
func TestDevRestartsKeepEverything(t *testing.T) {
	dataDir := t.TempDir()
	d := startDev(t, dataDir)
	requireReady(t, d)
	require.Contains(t, d.stdout.String(), "village_committee2")
	require.Contains(t, d.stdout.String(), `password "demo"`)

	c := d.submit(d.login("applicant"), "restart-1", "张三")
	require.Equal(t, "in_review", c.Status)
	requireEmbeddedNamespace(t, d)
	d.approve(t, "village_officer", c.ID)
	d.kill()

	d = startDev(t, dataDir)
	requireReady(t, d)
	require.EqualValues(t, len(store.DemoUsers), countUsers(t, dataDir), "restart must not seed again")
	after := d.approve(t, "village_committee", c.ID)
	require.Equal(t, "in_notice", after.Status, "the workflow started before the kill goes on")
	d.stop()

	d = startDev(t, dataDir)
	requireReady(t, d)
	var got caseView
	require.Equal(t, http.StatusOK, d.call("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), d.login("applicant"), nil, &got))
	require.Equal(t, "in_notice", got.Status)
	require.EqualValues(t, len(store.DemoUsers), countUsers(t, dataDir))
}

// TestDevRefusesNewerSchema: a data dir migrated by a newer binary is
// refused with a clear message instead of being touched.
func TestDevRefusesNewerSchema(t *testing.T) {
	dataDir := t.TempDir()
	d := startDev(t, dataDir)
	d.stop()
	st, err := store.Open(context.Background(), filepath.Join(dataDir, "assistflow.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	_, err = st.SQL().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)`)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	out, err := runBinary(t, "dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--temporal-port", "0", "--ui-port", "0")
	require.Error(t, err)
	require.Contains(t, out, "database schema is newer than this binary knows")
	require.Contains(t, out, "99999")
}

// TestVersionAndHelp: every subcommand answers --help; version prints.
func TestVersionAndHelp(t *testing.T) {
	out, err := runBinary(t, "version")
	require.NoError(t, err)
	require.Contains(t, out, "assistflow ")
	for _, sub := range []string{"dev", "serve", "worker", "migrate", "migrate up", "migrate down", "migrate status", "version"} {
		args := append(splitArgs(sub), "--help")
		out, err := runBinary(t, args...)
		require.NoError(t, err, sub)
		require.Contains(t, out, "Usage:", sub)
	}
	out, err = runBinary(t, "dev", "--help")
	require.NoError(t, err)
	for _, flag := range []string{"--data-dir", "--http-addr", "--temporal-port", "--ui-port", "--database", "--log-format"} {
		require.Contains(t, out, flag)
	}
}

// TestMigrateCommands: migrate up/status/down on a fresh SQLite file.
func TestMigrateCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "app.db")
	out, err := runBinary(t, "migrate", "up", "--database", db)
	require.NoError(t, err, out)
	require.Contains(t, out, "schema at version")
	out, err = runBinary(t, "migrate", "status", "--database", db)
	require.NoError(t, err, out)
	require.Contains(t, out, "applied")
	require.NotContains(t, out, "pending")
	out, err = runBinary(t, "migrate", "down", "--database", db)
	require.NoError(t, err, out)
	out, err = runBinary(t, "migrate", "status", "--database", db)
	require.NoError(t, err, out)
	require.Contains(t, out, "pending")
}

// requireEmbeddedNamespace: the embedded namespace keeps closed histories
// 30 days and knows the search attributes the workflows set; the logs are
// JSON lines (as asked with --log-format json) and carry no personal data.
func requireEmbeddedNamespace(t *testing.T, d *dev) {
	t.Helper()
	ctx := context.Background()
	c := d.temporalClient(t)
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "assistflow"})
	require.NoError(t, err)
	require.Equal(t, 30*24*time.Hour, ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration())
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "assistflow"})
	require.NoError(t, err)
	for _, name := range []string{"CaseStatus", "Program", "RegionCode", "DefinitionKey"} {
		require.Contains(t, sa.GetCustomAttributes(), name)
	}
	logs := d.stderr.String()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		require.True(t, json.Valid([]byte(line)), "a log line that is not JSON: %s", line)
	}
	require.NotContains(t, logs, "13900001111", "no phone number in the logs")
	require.NotRegexp(t, `4307211\d{11}`, logs, "no ID number in the logs")
}
