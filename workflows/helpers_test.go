package workflows_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The harness runs the real workflows in the SDK's time-skipping test
// environment against the real activities on a real SQLite file. A test
// queues a script of steps (decisions, withdrawals, objections, checks);
// the script plays them on the workflow clock, each as soon as the task it
// needs is open in the database, the way an official would act on the inbox.

// testStart is a Monday morning in China: working-day deadlines are easy to read.
var testStart = time.Date(2025, time.March, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*60*60))

const (
	// pollEvery is how often the script looks whether its next step can run.
	pollEvery = 15 * time.Minute
	// maxStepWait bounds how long (workflow time) a step may wait for its task.
	maxStepWait = 120 * 24 * time.Hour
)

// calendar is built once: it is immutable and shared like on a worker.
var calendar = sync.OnceValue(process.DefaultCalendar)

type harness struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	acts    *activities.Activities
	wfs     *workflows.Workflows
	suite   testsuite.WorkflowTestSuite
	env     *testsuite.TestWorkflowEnvironment
	used    bool // env has run a workflow
	regions []workflows.RegionRef
	users   map[string]int64
	caseID  int64
	wfID    string // the workflow the script sends case-level Updates to
	updates int

	steps   []*step
	next    int
	last    time.Time
	pending time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	st := storetest.Demo(t)
	src, err := activities.NewFixtureSource()
	require.NoError(t, err)
	h := &harness{t: t, ctx: ctx, st: st, users: map[string]int64{},
		acts: &activities.Activities{Store: st, Sources: src},
		wfs:  &workflows.Workflows{Calendar: calendar()}}
	h.suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	h.regions = h.regionChain(store.DemoVillage)
	h.newEnv(testStart)
	return h
}

// newEnv starts a fresh test environment whose clock starts at start.
func (h *harness) newEnv(start time.Time) {
	env := h.suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(h.wfs.Approval, workflow.RegisterOptions{Name: workflows.ApprovalWorkflow})
	env.RegisterWorkflowWithOptions(h.wfs.Monitoring, workflow.RegisterOptions{Name: workflows.MonitoringWorkflow})
	env.RegisterActivity(h.acts)
	env.SetStartTime(start)
	h.env, h.used = env, false
}

// fresh gives the next run its own environment, its clock going on from
// where the previous run stopped. The script queued meanwhile is kept.
func (h *harness) fresh() {
	if h.used {
		h.newEnv(h.env.Now())
	}
}

func (h *harness) regionChain(code string) []workflows.RegionRef {
	leaf, err := h.st.Region(h.ctx, code)
	require.NoError(h.t, err)
	var out []workflows.RegionRef
	for _, c := range store.PathCodes(leaf.Path) {
		r, err := h.st.Region(h.ctx, c)
		require.NoError(h.t, err)
		out = append(out, workflows.RegionRef{Code: r.Code, Level: r.Level, Path: r.Path})
	}
	require.Equal(h.t, []string{"province", "city", "county", "township", "village"}, levelsOf(out))
	return out
}

func levelsOf(rs []workflows.RegionRef) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Level
	}
	return out
}

// pathOf is the region path at a level of the demo village's chain.
func (h *harness) pathOf(level string) string {
	for _, r := range h.regions {
		if r.Level == level {
			return r.Path
		}
	}
	h.t.Fatalf("no region at level %s", level)
	return ""
}

// user is the id of a demo user.
func (h *harness) user(username string) int64 {
	if id, ok := h.users[username]; ok {
		return id
	}
	u, err := h.st.UserByUsername(h.ctx, username)
	require.NoError(h.t, err)
	h.users[username] = u.ID
	return u.ID
}

// household is a two-person household of the demo village; ids are ID
// numbers of its members (the first is the head).
func household(ids ...string) process.Household {
	if len(ids) == 0 {
		ids = []string{"430721195001010010", "430721197802020021"}
	}
	hh := process.Household{HeadName: "王建国", Phone: "13800000000", Category: "edge_poor",
		Income: []process.Amount{{Source: "wages", Amount: 12000}}, Risks: []string{"illness"}}
	for i, id := range ids {
		m := process.Member{Name: fmt.Sprintf("成员%d", i+1), IDNumber: id, Relation: "spouse",
			Health: "healthy", LaborCapacity: process.LaborNormal}
		if i == 0 {
			m.Name, m.Relation = hh.HeadName, process.RelationSelf
		}
		hh.Members = append(hh.Members, m)
	}
	return hh
}

// newCase stores the case row a workflow projects into; the applicant is
// the demo applicant.
func (h *harness) newCase(def process.Definition, hh process.Household) int64 {
	applicant := h.user("applicant")
	c, created, err := h.st.CreateCase(h.ctx, store.NewCase{Program: def.Program, RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: applicant, SubmittedBy: applicant,
		IdempotencyKey: fmt.Sprintf("%s-%d", h.t.Name(), time.Now().UnixNano()), DefinitionKey: def.Key,
		DefinitionVersion: 1, HeadName: hh.HeadName, HouseholdSize: len(hh.Members), Category: hh.Category,
		Household: hh})
	require.NoError(h.t, err)
	require.True(h.t, created)
	h.caseID = c.ID
	return c.ID
}

// approvalInput stores a case for def and returns the input of its approval.
func (h *harness) approvalInput(def process.Definition, hh process.Household) workflows.ApprovalInput {
	id := h.newCase(def, hh)
	return workflows.ApprovalInput{CaseID: id, Definition: def, Regions: h.regions,
		ApplicantID: h.user("applicant"), FinalStatus: store.StatusApproved,
		Facts: process.Facts{Program: def.Program, Channel: "self_report", Region: store.DemoVillage,
			Household: hh.Facts()}}
}

// builtin returns a built-in definition by key.
func builtin(t *testing.T, key string) process.Definition {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("no built-in definition %q", key)
	return process.Definition{}
}

// definition parses and validates a test definition: tests only run what
// an administrator could publish.
func definition(t *testing.T, doc string) process.Definition {
	t.Helper()
	d, err := process.Parse([]byte(doc))
	require.NoError(t, err)
	require.NoError(t, process.Validate(d).Err())
	return d
}

// inChildProcess runs the calling test again in a child process and
// reports its result; it returns true only inside that child, where the
// test does its work. It isolates a test whose workflow may spin without
// yielding: such a goroutine cannot be stopped and would slow every test
// after it.
func inChildProcess(t *testing.T) bool {
	t.Helper()
	const marker = "ASSISTFLOW_WORKFLOWS_CHILD"
	if os.Getenv(marker) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), marker+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s failed in its child process: %v\n%s", t.Name(), err, out)
	}
	return false
}
