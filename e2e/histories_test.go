package e2e

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
)

var record = flag.Bool("record", false, "write the captured workflow histories to workflows/testdata")

// officials decide, in turn, whatever task of a case they can see.
var officials = []string{"village_officer", "village_committee", "township_clerk", "township_approver",
	"county_checker", "county_approver"}

// drive approves every task of a case as it appears until the case
// reaches want; notices run out on their real (seconds-long) timers.
func (d *dev) drive(t *testing.T, caseID int64, want string) {
	t.Helper()
	tokens := map[string]string{}
	for _, u := range officials {
		tokens[u] = d.login(u)
	}
	applicant := d.login("applicant")
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		var c caseView
		require.Equal(t, http.StatusOK, d.call("GET", fmt.Sprintf("/api/v1/cases/%d", caseID), applicant, nil, &c))
		if c.Status == want {
			return
		}
		acted := false
		for _, u := range officials {
			var inbox struct {
				Items []struct {
					ID   int64  `json:"id"`
					Kind string `json:"kind"`
				} `json:"items"`
			}
			d.call("GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID), tokens[u], nil, &inbox)
			for _, tk := range inbox.Items {
				body := map[string]any{"action": "approve", "comment": "同意"}
				if tk.Kind == process.KindAppraisal {
					body["appraisal"] = map[string]int{"Attendees": 9, "VotesFor": 8, "VotesAgainst": 1}
				}
				st := d.call("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), tokens[u], body, nil)
				require.Equal(t, http.StatusOK, st, "%s deciding task %d", u, tk.ID)
				acted = true
			}
		}
		if !acted {
			time.Sleep(200 * time.Millisecond) // a notice is running on a real timer
		}
	}
	t.Fatalf("case %d did not reach %s in time", caseID, want)
}

func (d *dev) temporalClient(t *testing.T) client.Client {
	t.Helper()
	m := regexp.MustCompile(`temporal=(\S+)`).FindStringSubmatch(d.stdout.String())
	require.NotNil(t, m, "dev printed no temporal address")
	c, err := client.Dial(client.Options{HostPort: m[1], Namespace: "assistflow"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// TestBuiltinChainsEndToEndAndReplay runs every built-in definition to its
// end on the real server (with pilot versions whose notices last seconds),
// then replays each recorded history against the current workflow code.
// With -record it also writes them to workflows/testdata, where the
// replay test of package workflows keeps old histories running.
func TestBuiltinChainsEndToEndAndReplay(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT3S")
	d := startDev(t, dataDir)
	applicant := d.login("applicant")
	tc := d.temporalClient(t)

	ids := map[string]string{}
	for _, sc := range []struct{ program, key, want string }{
		{"monitoring", "monitoring-identification", "monitoring"},
		{"dibao", "dibao-application", "approved"},
		{"linshi", "linshi-urgent", "approved"},
	} {
		var c caseView
		st := d.call("POST", "/api/v1/cases", applicant, map[string]any{"program": sc.program, "region": "430721100201",
			"channel": "self_report", "household": household("王五")}, &c, "Idempotency-Key", "record-"+sc.key)
		require.Equal(t, http.StatusCreated, st)
		d.drive(t, c.ID, sc.want)
		ids[sc.key] = workflows.ApprovalID(c.ID)
		if sc.key == "monitoring-identification" {
			ids["risk-elimination"] = d.eliminate(t, tc, c.ID)
		}
	}
	for key, id := range ids {
		h := fetchHistory(t, tc, id)
		if key != "risk-elimination" {
			requireLeanHistory(t, key, h)
		}
		// Kept before the replay, which changes the history it is given:
		// a history replayed once does not replay again.
		raw, err := protojson.MarshalOptions{Indent: " "}.Marshal(h)
		require.NoError(t, err)
		replayer := worker.NewWorkflowReplayer()
		wfs := &workflows.Workflows{Calendar: process.DefaultCalendar()}
		replayer.RegisterWorkflowWithOptions(wfs.Approval, workflow.RegisterOptions{Name: workflows.ApprovalWorkflow})
		replayer.RegisterWorkflowWithOptions(wfs.Monitoring, workflow.RegisterOptions{Name: workflows.MonitoringWorkflow})
		require.NoError(t, replayer.ReplayWorkflowHistory(nil, h), "replay %s", key)
		if *record {
			// Histories of earlier revisions stay: running cases replay them.
			name := fmt.Sprintf("%s.r%d.json", key, workflows.CurrentRevision)
			require.NoError(t, os.WriteFile(filepath.Join("..", "workflows", "testdata", name), raw, 0o644))
		}
	}
}

// requireLeanHistory checks what a case started through the API at the
// current revision costs the server: its short database writes leave
// local-activity markers, never a scheduled activity, and no change
// version is upserted as a search attribute.
func requireLeanHistory(t *testing.T, key string, h *historypb.History) {
	t.Helper()
	short := map[string]bool{"RecordEvent": true, "OpenTask": true, "CloseTask": true, "CancelTasks": true, "Project": true}
	markers := 0
	for _, e := range h.Events {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			require.False(t, short[a.GetActivityType().GetName()], "%s: %s ran as a regular activity",
				key, a.GetActivityType().GetName())
		}
		if a := e.GetUpsertWorkflowSearchAttributesEventAttributes(); a != nil {
			_, ok := a.GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]
			require.False(t, ok, "%s: a change version was upserted (event %d)", key, e.GetEventId())
		}
		if a := e.GetMarkerRecordedEventAttributes(); a != nil {
			require.NotEqual(t, "Version", a.GetMarkerName(), "%s: a version marker (event %d)", key, e.GetEventId())
			if a.GetMarkerName() == "LocalActivity" {
				markers++
			}
		}
	}
	require.Positive(t, markers, "%s: no local-activity marker", key)
}

// eliminate runs the risk-elimination chain for a monitored case the way
// the Monitoring workflow would, started directly so it need not wait six
// months, and drives it to risk_eliminated.
func (d *dev) eliminate(t *testing.T, tc client.Client, caseID int64) string {
	t.Helper()
	ctx := context.Background()
	var def process.Definition
	for _, b := range process.Builtins() {
		if b.Key == "risk-elimination" {
			def = b
		}
	}
	def.Stages[def.StageIndex("notice")].Duration = "PT3S"
	var regions []workflows.RegionRef
	path := ""
	for _, code := range []string{"430000", "430700", "430721", "430721100", "430721100201"} {
		path += code + "/"
		level := store.Levels[len(regions)]
		regions = append(regions, workflows.RegionRef{Code: code, Level: level, Path: path})
	}
	scope := fmt.Sprintf("%s/elimination/1", workflows.MonitoringID(caseID))
	in := workflows.ApprovalInput{CaseID: caseID, Definition: def, Regions: regions, ApplicantID: 1,
		FinalStatus: store.StatusRiskEliminated, Scope: scope, SeqBase: 10_000_000}
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: scope, TaskQueue: "assistflow"},
		workflows.ApprovalWorkflow, in)
	require.NoError(t, err)
	d.drive(t, caseID, "risk_eliminated")
	return scope
}

func fetchHistory(t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), id, "", false, 0)
	h := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	require.NotEmpty(t, h.Events)
	return h
}
