package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cluster is the running system of TestCluster.
type cluster struct {
	dir, frontend, appDSN string
	env                   []string
	nodes                 []*node
	mu                    sync.Mutex
	workers               []*proc
	workerHealth          []string
}

// startCluster builds and starts every process: Temporal, migrations,
// namespace setup, two APIs and two workers.
func startCluster(t *testing.T, pg pgServer) *cluster {
	t.Helper()
	c := &cluster{dir: t.TempDir()}
	serverBin, sqlTool := buildTemporal(t, c.dir)
	tdb, vdb, app := pg.createDB(t, "cluster_temporal"), pg.createDB(t, "cluster_visibility"), pg.createDB(t, "cluster_app")
	setupTemporalSchema(t, sqlTool, pg, tdb, vdb)
	c.frontend = startTemporal(t, c.dir, serverBin, pg, tdb, vdb)
	c.appDSN = pg.dsn(app)
	c.env = []string{"ASSISTFLOW_DATABASE=" + c.appDSN, "ASSISTFLOW_TEMPORAL_ADDRESS=" + c.frontend,
		"ASSISTFLOW_LOG_FORMAT=json", "ASSISTFLOW_DATA_DIR=" + c.dir,
		// Four processes and Temporal share one PostgreSQL (100 connections by default).
		"ASSISTFLOW_DATABASE_MAX_CONNS=6", "ASSISTFLOW_JWT_SECRET=cluster-test-secret-0123456789"}
	runTool(t, binary, c.env, "migrate", "up")
	out := runTool(t, binary, c.env, "temporal", "setup", "--retention", "72h")
	require.Contains(t, out, "temporal namespace assistflow ready")
	seedDemo(t, c.appDSN)

	var wg sync.WaitGroup
	for i := range 2 {
		port := freePort(t)
		c.nodes = append(c.nodes, &node{base: fmt.Sprintf("http://127.0.0.1:%d", port)})
		wg.Add(2)
		// Processes start together, as a rollout starts them: start-up work
		// (built-ins, policies) must be safe under that race.
		go func() {
			defer wg.Done()
			startProc(t, c.dir, fmt.Sprintf("serve-%d", i+1), "assistflow ready", binary, c.env,
				"serve", "--http-addr", fmt.Sprintf("127.0.0.1:%d", port), "--maker-checker=false")
		}()
		go func() {
			defer wg.Done()
			c.startWorker(t, fmt.Sprintf("worker-%d", i+1))
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return c
}

// startWorker starts one worker process and keeps it for the kill.
func (c *cluster) startWorker(t *testing.T, name string) {
	health := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startProc(t, c.dir, name, "assistflow worker ready", binary, c.env, "worker", "--health-addr", health)
	c.mu.Lock()
	c.workers = append(c.workers, p)
	c.workerHealth = append(c.workerHealth, "http://"+health)
	c.mu.Unlock()
}

// activateChain publishes the test's chain as linshi-urgent v2 and
// activates it in the county, through the first API.
func (c *cluster) activateChain(t *testing.T) {
	t.Helper()
	n := c.nodes[0]
	tok := n.login(t, "admin")
	defs := "/api/v1/admin/definitions"
	require.Equal(t, http.StatusCreated, n.must(t, "POST", defs, tok, clusterChain(t), nil))
	var pub map[string]any
	require.Equal(t, http.StatusCreated, n.must(t, "POST", defs+"/linshi-urgent/publish", tok, nil, &pub))
	require.EqualValues(t, 2, pub["version"])
	require.Equal(t, http.StatusOK, n.must(t, "POST", defs+"/linshi-urgent/activate", tok,
		map[string]any{"version": 2, "region": "430721"}, nil))
}

// submitAll files the cases, alternating the APIs, eight at a time.
func (c *cluster) submitAll(t *testing.T) []int64 {
	t.Helper()
	ids := make([]int64, clusterCases)
	bodies := make([]map[string]any, clusterCases)
	errs := make(chan error, clusterCases)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range clusterCases {
		n := c.nodes[i%2]
		tok := n.login(t, "applicant")
		body := map[string]any{"program": "linshi", "region": "430721100201", "channel": "self_report",
			"household": household(fmt.Sprintf("户主%03d", i))}
		bodies[i] = body
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var cv caseView
			st, err := n.do("POST", "/api/v1/cases", tok, body, &cv, "Idempotency-Key", fmt.Sprintf("cluster-%03d", i))
			if err == nil && (st != http.StatusCreated || cv.Definition.Version != 2) {
				err = fmt.Errorf("case %d: status %d, definition v%d", i, st, cv.Definition.Version)
			}
			ids[i] = cv.ID
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c.replaySubmissions(t, bodies, ids)
	return ids
}

// replaySubmissions sends the first submissions again, each to the API
// that did not take it: the Idempotency-Key is the database's, so the
// answer is the case already stored, not a second one.
func (c *cluster) replaySubmissions(t *testing.T, bodies []map[string]any, ids []int64) {
	t.Helper()
	for i := range 10 {
		n := c.nodes[(i+1)%2]
		var cv caseView
		st := n.must(t, "POST", "/api/v1/cases", n.login(t, "applicant"), bodies[i], &cv,
			"Idempotency-Key", fmt.Sprintf("cluster-%03d", i))
		require.Equal(t, http.StatusOK, st, "a replayed submission")
		require.Equal(t, ids[i], cv.ID, "answers the stored case")
	}
}

// approveFigures counts what the approvers saw.
type approveFigures struct {
	ok, conflicts, retries, killedAt int64
}

// approveAll runs one approver per stage at once, each deciding through
// both APIs in turn; when half of all decisions are in, one worker is
// killed with SIGKILL and a new one started in its place.
func (c *cluster) approveAll(t *testing.T, ids []int64) approveFigures {
	t.Helper()
	total := int64(len(ids) * len(clusterStages))
	var f approveFigures
	half := make(chan struct{})
	var once sync.Once
	onDecided := func() {
		if atomic.AddInt64(&f.ok, 1) >= total/2 {
			once.Do(func() { close(half) })
		}
	}
	errs := make(chan error, len(clusterStages))
	for _, s := range clusterStages {
		toks := []string{c.nodes[0].login(t, s.user), c.nodes[1].login(t, s.user)}
		go func() { errs <- c.approveStage(s.id, toks, len(ids), &f, onDecided) }()
	}
	select {
	case <-half:
		f.killedAt = atomic.LoadInt64(&f.ok)
		c.workers[1].kill()
		t.Logf("worker-2 killed with SIGKILL after %d of %d decisions", f.killedAt, total)
		c.startWorker(t, "worker-2-restarted")
	case <-time.After(10 * time.Minute):
		t.Fatal("half of the decisions not made in 10 minutes")
	}
	for range clusterStages {
		require.NoError(t, <-errs)
	}
	return f
}

// approveStage decides every open task of a stage, four at a time, and
// returns once all want tasks of the stage have shown up and none is open.
// A decision whose answer was lost (a 5xx while a worker died) may still
// have applied: the task then leaves the inbox, which is what counts.
func (c *cluster) approveStage(stage string, toks []string, want int, f *approveFigures, onDecided func()) error {
	seen, accepted := map[int64]bool{}, map[int64]bool{}
	var mu sync.Mutex
	deadline := time.Now().Add(12 * time.Minute)
	for round := 0; ; round++ {
		if time.Now().After(deadline) {
			return fmt.Errorf("stage %s: %d of %d tasks seen, not all decided before the deadline", stage, len(seen), want)
		}
		open, err := c.nodes[round%2].inbox(toks[round%2], stage)
		if err != nil {
			return err
		}
		for _, tk := range open {
			seen[tk.ID] = true
		}
		if len(open) == 0 && len(seen) >= want {
			return nil
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for i, tk := range open {
			if accepted[tk.ID] {
				continue // decided; the inbox has not caught up yet
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				st, err := c.nodes[i%2].do("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), toks[i%2],
					map[string]string{"action": "approve", "comment": "核实无误"}, nil)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && st == http.StatusOK:
					accepted[tk.ID] = true
					onDecided()
				case err == nil && st == http.StatusConflict:
					atomic.AddInt64(&f.conflicts, 1)
				default:
					atomic.AddInt64(&f.retries, 1)
				}
			}()
		}
		wg.Wait()
		if len(open) == 0 {
			<-time.After(200 * time.Millisecond) // the previous stage has not opened more tasks yet
		}
	}
}
