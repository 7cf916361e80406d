package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// linshiStages is the urgent temporary-aid chain: three reviews, no public
// notice, so a case runs to "approved" on decisions alone.
var linshiStages = []struct{ id, user string }{
	{"urgent_aid", "township_approver"}, {"paperwork", "township_clerk"}, {"county_record", "county_approver"},
}

// drillClient talks to whichever dev is current, from any goroutine, and
// returns transport errors instead of failing the test: during a kill -9
// requests fail and are retried against the restarted process.
type drillClient struct {
	cur    atomic.Pointer[dev]
	mu     sync.Mutex
	tokens map[string]string // "base|user" → token
	http   *http.Client
	// lost counts requests that got no answer (the process was killed
	// under them) and were sent again.
	lost atomic.Int64
}

func newDrillClient(d *dev) *drillClient {
	c := &drillClient{tokens: map[string]string{}, http: &http.Client{Timeout: 30 * time.Second}}
	c.cur.Store(d)
	return c
}

// do sends one JSON request as user to the current dev.
func (c *drillClient) do(method, path, user string, body, out any, headers ...string) (int, error) {
	d := c.cur.Load()
	tok, err := c.token(d, user)
	if err != nil {
		return 0, err
	}
	return c.raw(d.base, method, path, tok, body, out, headers...)
}

func (c *drillClient) token(d *dev, user string) (string, error) {
	c.mu.Lock()
	tok, ok := c.tokens[d.base+"|"+user]
	c.mu.Unlock()
	if ok {
		return tok, nil
	}
	var res struct{ Token string }
	st, err := c.raw(d.base, "POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": "demo"}, &res)
	if err != nil || st != http.StatusOK {
		return "", fmt.Errorf("login %s: status %d: %v", user, st, err)
	}
	c.mu.Lock()
	c.tokens[d.base+"|"+user] = res.Token
	c.mu.Unlock()
	return res.Token, nil
}

func (c *drillClient) raw(base, method, path, tok string, body, out any, headers ...string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.lost.Add(1)
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		err = json.Unmarshal(raw, out)
	}
	return resp.StatusCode, err
}

// retry runs step until it reports done, or fails after the deadline.
func retry(deadline time.Time, what string, step func() (bool, error)) error {
	last := errors.New("the deadline passed before the first try")
	for time.Now().Before(deadline) {
		done, err := step()
		if done {
			return nil
		}
		last = err
		time.Sleep(50 * time.Millisecond) // pacing a poll, not waiting for a condition
	}
	return fmt.Errorf("%s: gave up: %v", what, last)
}

// submitLinshi files an urgent-aid case, retrying with the same
// Idempotency-Key until an answer arrives: a retry after a lost answer
// gets the case the first attempt made.
func (c *drillClient) submitLinshi(key string, deadline time.Time) (int64, error) {
	var id int64
	err := retry(deadline, "submit "+key, func() (bool, error) {
		var cv caseView
		st, err := c.do("POST", "/api/v1/cases", "applicant", map[string]any{"program": "linshi",
			"region": "430721100201", "channel": "self_report", "household": household("周" + key)}, &cv,
			"Idempotency-Key", key)
		id = cv.ID
		return err == nil && (st == http.StatusCreated || st == http.StatusOK), fmt.Errorf("status %d: %v", st, err)
	})
	return id, err
}

// approveStage decides a case's task at a stage as user, resending after a
// failure until the case's timeline holds the decision: a resent decision
// carries the same Update ID, so it is never applied twice.
func (c *drillClient) approveStage(caseID int64, stage, user string, deadline time.Time) error {
	return retry(deadline, fmt.Sprintf("case %d %s", caseID, stage), func() (bool, error) {
		var cv caseView
		st, err := c.do("GET", fmt.Sprintf("/api/v1/cases/%d", caseID), user, nil, &cv)
		if err != nil || st != http.StatusOK {
			return false, fmt.Errorf("read case: %d %v", st, err)
		}
		if timelineHas(cv, stage, "approve") {
			return true, nil
		}
		var inbox struct{ Items []task }
		st, err = c.do("GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID), user, nil, &inbox)
		if err != nil || st != http.StatusOK {
			return false, fmt.Errorf("inbox: %d %v", st, err)
		}
		for _, tk := range inbox.Items {
			if tk.Stage == stage {
				st, err = c.do("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), user,
					map[string]string{"action": "approve", "comment": "核实无误"}, nil)
				return err == nil && st == http.StatusOK, fmt.Errorf("decide: %d %v", st, err)
			}
		}
		return false, fmt.Errorf("no %s task yet", stage)
	})
}

func timelineHas(cv caseView, stage, action string) bool {
	for _, e := range cv.Timeline {
		if e.Stage == stage && e.Action == action {
			return true
		}
	}
	return false
}

// drillCounts are the figures a drill reconciles, read with SQL from the
// application database after dev has exited.
type drillCounts struct {
	Cases, Approved, Tasks, DecidedTasks, DuplicateStageTasks, Decisions, DecisionAudits int64
	// UnansweredUpdates are Updates still in the API's outbox.
	UnansweredUpdates int64
}

func readDrillCounts(t *testing.T, dataDir string) drillCounts {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	var n drillCounts
	for _, q := range []struct {
		dst *int64
		sql string
	}{
		{&n.Cases, "SELECT COUNT(*) FROM cases WHERE program = 'linshi'"},
		{&n.Approved, "SELECT COUNT(*) FROM cases WHERE program = 'linshi' AND status = 'approved'"},
		{&n.Tasks, "SELECT COUNT(*) FROM tasks WHERE program = 'linshi'"},
		{&n.DecidedTasks, "SELECT COUNT(*) FROM tasks WHERE program = 'linshi' AND status = 'decided'"},
		{&n.DuplicateStageTasks, "SELECT COUNT(*) FROM (SELECT case_id, stage FROM tasks WHERE program = 'linshi' " +
			"GROUP BY case_id, stage HAVING COUNT(*) > 1) AS d"},
		{&n.Decisions, "SELECT COUNT(*) FROM case_events e JOIN cases c ON c.id = e.case_id " +
			"WHERE c.program = 'linshi' AND e.action IN ('approve', 'reject')"},
		{&n.DecisionAudits, "SELECT COUNT(*) FROM audit_events WHERE action = 'task.decide'"},
		{&n.UnansweredUpdates, "SELECT COUNT(*) FROM update_outbox"},
	} {
		require.NoError(t, st.SQL().QueryRowContext(ctx, q.sql).Scan(q.dst), q.sql)
	}
	return n
}

// requireNoPersonalData scans everything a dev printed for the households'
// ID numbers (all of county 430721) and their phone number.
func requireNoPersonalData(t *testing.T, ds ...*dev) {
	t.Helper()
	var all strings.Builder
	for _, d := range ds {
		all.WriteString(d.stdout.String())
		all.WriteString(d.stderr.String())
	}
	logs := all.String()
	require.NotContains(t, logs, "13900001111", "no phone number in the logs")
	require.NotRegexp(t, `4307211\d{10}[\dX]`, logs, "no ID number in the logs")
	t.Logf("scanned %d bytes of logs: no ID number, no phone number", len(logs))
}
