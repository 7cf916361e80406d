package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type auditTrail struct {
	Items []struct {
		Action    string `json:"action"`
		Object    string `json:"object"`
		Actor     string `json:"actor"`
		ActorRole string `json:"actor_role"`
		Seq       int64  `json:"seq"`
		Hash      string `json:"hash"`
	} `json:"items"`
}

// TestAuditTrail: an applicant reads who decided each stage of their own
// case; an official's reveal of the full ID number is audited; and
// `assistflow audit verify` passes on the untouched database and fails,
// naming the link, once a stored event is altered.
func TestAuditTrail(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	d := startDev(t, dataDir)
	c := newDrillClient(d)
	deadline := time.Now().Add(3 * time.Minute)
	id, err := c.submitLinshi("audit-1", deadline)
	require.NoError(t, err)
	for _, s := range linshiStages {
		require.NoError(t, c.approveStage(id, s.id, s.user, deadline))
	}

	var revealed struct {
		Members []struct {
			IDNumber string `json:"id_number"`
		} `json:"members"`
	}
	st, err := c.do("POST", fmt.Sprintf("/api/v1/cases/%d/reveal", id), "township_approver",
		map[string]string{"reason": "核对户籍"}, &revealed)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st)
	require.Regexp(t, `^4307211\d{10}[\dX]$`, revealed.Members[0].IDNumber, "the full ID number")

	trail := readTrail(t, c, id, "applicant")
	decisions := 0
	for _, e := range trail.Items {
		require.NotEmpty(t, e.Hash)
		if e.Action == "task.decide" {
			decisions++
			require.NotEmpty(t, e.Actor, "the applicant sees who decided")
			require.NotEmpty(t, e.ActorRole)
		}
	}
	require.Equal(t, len(linshiStages), decisions)
	require.Equal(t, "case.reveal", trail.Items[len(trail.Items)-1].Action, "the reveal is on the trail")
	require.Equal(t, len(trail.Items), len(readTrail(t, c, id, "county_approver").Items), "officials see the same trail")
	st, err = c.do("GET", fmt.Sprintf("/api/v1/cases/%d/audit", id), "applicant2", nil, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, st, "another household does not see it")
	d.stop()
	requireNoPersonalData(t, d)

	out, err := runBinary(t, "audit", "verify", "--data-dir", dataDir)
	require.NoError(t, err, out)
	require.Contains(t, out, "audit trail intact")

	tamper(t, dataDir, "UPDATE audit_events SET actor_id = actor_id + 1 WHERE action = 'task.decide' AND seq = 2")
	out, err = runBinary(t, "audit", "verify", "--data-dir", dataDir)
	require.Error(t, err, "verify must exit non-zero on a tampered trail")
	require.Contains(t, out, "broken at seq 2")
	require.Contains(t, out, "event altered")
	t.Logf("audit verify on a tampered database:\n%s", out)
}

func readTrail(t *testing.T, c *drillClient, caseID int64, user string) auditTrail {
	t.Helper()
	var trail auditTrail
	st, err := c.do("GET", fmt.Sprintf("/api/v1/cases/%d/audit", caseID), user, nil, &trail)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st)
	return trail
}

// tamper runs one statement on the application database, as someone with
// file access would.
func tamper(t *testing.T, dataDir, stmt string) {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	res, err := st.SQL().ExecContext(ctx, stmt)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "tampered with one event")
}
