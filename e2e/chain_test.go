package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// prepare seeds a data dir before `dev` first starts: demo data, a second
// county approver (to race), and a pilot version 2 of the identification
// of every chain with a notice, whose notice lasts as given, active in
// county 430721 only.
func prepare(t *testing.T, dataDir string, notice string) {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	require.NoError(t, st.Migrate(ctx))
	_, err := st.SeedDemo(ctx)
	require.NoError(t, err)
	_, err = st.CreateUser(ctx, store.NewUser{Username: "county_approver2", DisplayName: "钱志远", Password: "demo",
		Grants: []store.NewGrant{{Role: "county_approver", Region: "430721"}}})
	require.NoError(t, err)
	for _, d := range process.Builtins() {
		require.NoError(t, st.PublishBuiltin(ctx, d.Key, d.JSON()))
		i := d.StageIndex("notice")
		if i < 0 {
			continue
		}
		d.Stages[i].Duration = process.Duration(notice)
		require.Empty(t, process.Validate(d))
		v, err := st.PublishDefinition(ctx, d.Key, d.JSON(), nil)
		require.NoError(t, err)
		require.NoError(t, st.Activate(ctx, d.Key, v, "430721"))
	}
}

// waitStatus polls a case until it has the status (the notice runs on a
// real timer in the real server).
func (d *dev) waitStatus(token string, caseID int64, status string, within time.Duration) caseView {
	d.t.Helper()
	var c caseView
	require.Eventually(d.t, func() bool {
		d.call("GET", fmt.Sprintf("/api/v1/cases/%d", caseID), token, nil, &c)
		return c.Status == status
	}, within, 200*time.Millisecond, "case %d never reached %s (last %s)", caseID, status, c.Status)
	return c
}

// TestIdentificationChain takes a monitoring case through every stage of
// monitoring-identification to `monitoring` over real HTTP: the notice
// board masks personal data, an objection is dismissed, and two county
// approvers racing on one task get exactly one 200 and one 409.
func TestIdentificationChain(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	d := startDev(t, dataDir)
	applicant := d.login("applicant")

	hh := household("李四")
	idNum := hh["members"].([]map[string]any)[0]["id_number"].(string)
	var c caseView
	st := d.call("POST", "/api/v1/cases", applicant, map[string]any{"program": "monitoring",
		"region": "430721100201", "channel": "self_report", "household": hh}, &c, "Idempotency-Key", "chain-1")
	require.Equal(t, http.StatusCreated, st)
	require.Equal(t, 2, c.Definition.Version, "new cases in the pilot county start on version 2")

	d.approve(t, "village_officer", c.ID)
	c = d.approve(t, "village_committee", c.ID)
	require.Equal(t, "in_notice", c.Status)

	// The public notice board: any resident sees the household, never its ID number or phone.
	var board map[string]any
	require.Equal(t, http.StatusOK, d.call("GET", "/api/v1/notices?region=430721100201", d.login("applicant2"), nil, &board))
	raw, _ := json.Marshal(board)
	require.Contains(t, string(raw), "李四")
	require.NotContains(t, string(raw), idNum)
	require.NotContains(t, string(raw), "13900001111")
	require.NotContains(t, string(raw), "chronic_illness")

	// A neighbour objects; the village committee dismisses it; the notice runs on.
	var obj map[string]any
	st = d.call("POST", fmt.Sprintf("/api/v1/cases/%d/objections", c.ID), d.login("applicant2"),
		map[string]any{"reason": "该户有家庭成员在外务工收入较高", "anonymous": true}, &obj)
	require.Equal(t, http.StatusCreated, st)
	committee := d.login("village_committee")
	var objTask task
	require.Eventually(t, func() bool {
		tk, ok := d.openTask(committee, c.ID)
		objTask = tk
		return ok
	}, 10*time.Second, 100*time.Millisecond)
	st = d.call("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", objTask.ID), committee,
		map[string]string{"action": "dismiss", "comment": "经核实，务工收入已计入"}, nil)
	require.Equal(t, http.StatusOK, st)

	c = d.waitStatus(applicant, c.ID, "in_review", 30*time.Second)
	d.approve(t, "township_approver", c.ID)

	// Two county approvers decide the same task at once.
	tok1, tok2 := d.login("county_approver"), d.login("county_approver2")
	tk, ok := d.openTask(tok1, c.ID)
	require.True(t, ok)
	var wg sync.WaitGroup
	codes, bodies := make([]int, 2), make([]map[string]any, 2)
	for i, tok := range []string{tok1, tok2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = d.call("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), tok,
				map[string]string{"action": "approve"}, &bodies[i])
		}()
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, codes)
	loser := bodies[0]
	if codes[1] == http.StatusConflict {
		loser = bodies[1]
	}
	require.Contains(t, loser["detail"], "already decided: approve")

	final := d.waitStatus(applicant, c.ID, "monitoring", 15*time.Second)
	county := 0
	for _, e := range final.Timeline {
		if e.Stage == "county_approval" && e.Action == "approve" {
			county++
		}
	}
	require.Equal(t, 1, county, "the timeline shows one county decision")
	require.Equal(t, http.StatusOK, d.call("GET", "/api/v1/notices?region=430721100201", applicant, nil, &board))
	raw, _ = json.Marshal(board)
	require.False(t, strings.Contains(string(raw), "李四"), "the notice is off the board once it ended")
}
