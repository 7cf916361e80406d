package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

const raceTasks = 100

// TestDecisionRace: 100 urgent-aid tasks, each decided by two township
// approvers of the same township at the same instant. Exactly one decision
// stands per task: one approver gets 200, the other 409 problem+json, and
// the case's timeline shows one decision.
func TestDecisionRace(t *testing.T) {
	dataDir := t.TempDir()
	prepare(t, dataDir, "PT4S")
	addUser(t, dataDir, "township_approver2", "township_approver", "430721100")
	d := startDev(t, dataDir)
	c := newDrillClient(d)
	deadline := time.Now().Add(5 * time.Minute)

	ids := make([]int64, raceTasks)
	tasks := make([]int64, raceTasks)
	parallel(t, raceTasks, 8, func(i int) error {
		id, err := c.submitLinshi(fmt.Sprintf("race-%d", i), deadline)
		ids[i] = id
		if err == nil {
			tasks[i], err = c.openTaskAt(id, "urgent_aid", "township_approver", deadline)
		}
		return err
	})

	type outcome struct{ ok, conflict, other int }
	results := make([]outcome, raceTasks)
	parallel(t, raceTasks, 10, func(i int) error {
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		gate := make(chan struct{})
		for k, user := range []string{"township_approver", "township_approver2"} {
			wg.Go(func() {
				<-gate
				statuses[k] = c.decideProblem(t, tasks[i], user)
			})
		}
		close(gate)
		wg.Wait()
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				results[i].ok++
			case http.StatusConflict:
				results[i].conflict++
			default:
				results[i].other++
			}
		}
		return nil
	})
	var oks, conflicts int
	for i, r := range results {
		require.Equal(t, outcome{ok: 1, conflict: 1}, r, "task %d of case %d", tasks[i], ids[i])
		oks, conflicts = oks+r.ok, conflicts+r.conflict
	}
	decisions := 0
	for _, id := range ids {
		var cv caseView
		st, err := c.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "applicant", nil, &cv)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, st)
		n := timelineCount(cv, "urgent_aid", "approve")
		require.Equal(t, 1, n, "case %d shows one decision", id)
		decisions += n
	}
	d.stop()
	stored := countDecisions(t, dataDir, "urgent_aid")
	t.Logf("decision race: %d tasks, %d answered 200, %d answered 409, %d decisions in the timelines, %d stored",
		raceTasks, oks, conflicts, decisions, stored)
	require.EqualValues(t, raceTasks, stored)
	requireNoPersonalData(t, d)
}

// decideProblem posts an approval as user and returns the status, requiring
// a 409 to be problem+json that says the task is decided.
func (c *drillClient) decideProblem(t *testing.T, taskID int64, user string) int {
	d := c.cur.Load()
	tok, err := c.token(d, user)
	if err != nil {
		return 0
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tasks/%d/decision", d.base, taskID),
		bytes.NewReader([]byte(`{"action":"approve","comment":"同意"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusConflict && (resp.Header.Get("Content-Type") != "application/problem+json" ||
		!bytes.Contains(body, []byte("decided"))) {
		t.Errorf("task %d: a 409 that is not a problem saying the task is decided: %s", taskID, body)
	}
	return resp.StatusCode
}

// openTaskAt waits until user's inbox holds the case's task at stage.
func (c *drillClient) openTaskAt(caseID int64, stage, user string, deadline time.Time) (int64, error) {
	var id int64
	err := retry(deadline, fmt.Sprintf("task of case %d at %s", caseID, stage), func() (bool, error) {
		var inbox struct{ Items []task }
		st, err := c.do("GET", fmt.Sprintf("/api/v1/tasks?view=all&case_id=%d", caseID), user, nil, &inbox)
		for _, tk := range inbox.Items {
			if tk.Stage == stage {
				id = tk.ID
				return true, nil
			}
		}
		return false, fmt.Errorf("inbox: %d %v", st, err)
	})
	return id, err
}

// parallel runs fn for 0..n-1 on workers goroutines and fails on any error.
func parallel(t *testing.T, n, workers int, fn func(i int) error) {
	t.Helper()
	for _, err := range pool(n, workers, fn)() {
		require.NoError(t, err)
	}
}

// pool runs fn for 0..n-1 on workers goroutines; wait blocks until all
// are done and returns the errors they gave.
func pool(n, workers int, fn func(i int) error) (wait func() []error) {
	jobs := make(chan int, n)
	for i := range n {
		jobs <- i
	}
	close(jobs)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		})
	}
	return func() []error {
		wg.Wait()
		close(errs)
		var out []error
		for err := range errs {
			out = append(out, err)
		}
		return out
	}
}

// addUser gives a prepared data dir one more official.
func addUser(t *testing.T, dataDir, name, role, region string) {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	_, err := st.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name, Password: "demo",
		Grants: []store.NewGrant{{Role: role, Region: region}}})
	require.NoError(t, err)
}

// countDecisions counts stored decisions of linshi cases at a stage.
func countDecisions(t *testing.T, dataDir, stage string) int64 {
	t.Helper()
	ctx := context.Background()
	st := openDataDir(t, dataDir)
	defer st.Close()
	var n int64
	require.NoError(t, st.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM case_events e JOIN cases c ON c.id = e.case_id "+
		"WHERE c.program = 'linshi' AND e.stage = ? AND e.action = 'approve'", stage).Scan(&n))
	return n
}
