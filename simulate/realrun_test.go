package simulate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
)

// TestSimulationMatchesARealRun plays each scenario twice: simulated, and
// with the real activities on a real SQLite store, the people acting on
// what the store's inbox shows. The in-memory answers must not change the
// path: the same tasks in the same order with the same decisions after the
// same time, the same notices, the same end and the same limits.
func TestSimulationMatchesARealRun(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		sc        Scenario
	}{
		{"returns, materials and a dismissed objection", "dibao-application", Scenario{SupplyAfter: "P3D",
			Steps: map[string][]Step{
				"intake":              {{After: "PT3H"}},
				"home_investigation":  {{Action: "return_to_applicant", After: "PT5H"}, {After: "P1D"}},
				"township_opinion":    {{Action: "return", ReturnTo: "home_investigation", After: "PT2H"}},
				"county_confirmation": {{After: "P2D"}},
			},
			Objections: []Objection{{After: "PT30H", DecideAfter: "PT4H"}}}},
		{"an appraisal and an upheld objection", "risk-elimination", Scenario{
			Steps: map[string][]Step{"village_appraisal": {{After: "P2D",
				Appraisal: &Appraisal{Attendees: 9, VotesFor: 7, VotesAgainst: 1}}}},
			Objections: []Objection{{After: "P2D", Decision: "uphold", DecideAfter: "P1D"}}}},
		{"a missed limit and a rejection", "linshi-urgent", Scenario{Steps: map[string][]Step{
			"urgent_aid": {{After: "PT50H"}}, "paperwork": {{Action: "reject", ReasonCode: "not_eligible", After: "P3D"}}}}},
		{"a countersign", "countersign-test", branchSteps},
		{"a withdrawal", "monitoring-identification", Scenario{WithdrawAfter: "P1D",
			Steps: map[string][]Step{"home_check": {{After: "P2D"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := definitionOf(t, tc.key)
			sim, err := Run(context.Background(), def, tc.sc)
			require.NoError(t, err)
			stored := runOnStore(t, def, tc.sc)
			require.Equal(t, stored.status, sim.Status)
			require.Equal(t, stored.tasks, simTasks(sim), "tasks: stage, action, duration")
			require.Equal(t, stored.events, simEvents(sim), "data checks and materials")
			require.Equal(t, stored.notices, simNotices(sim))
			require.Equal(t, stored.total, sim.Total)
			require.NotEmpty(t, stored.tasks)
			require.Equal(t, stored.deadline, utc(sim.CaseDeadline), "the case deadline")
		})
	}
}

func simTasks(res Result) []string {
	var out []string
	for _, v := range res.Path {
		if v.taskID != 0 {
			out = append(out, taskLine(v.Stage, v.Branch, v.Action, v.Duration, v.DueAt))
		}
	}
	return out
}

func taskLine(stage, branch, action, duration string, due *time.Time) string {
	if action == "cancelled" {
		duration = "-" // the store keeps no time of cancellation
	}
	return fmt.Sprintf("%s/%s %s after %s due %s", stage, branch, action, duration, utc(due))
}

// utc writes a time the same way whichever zone it was read back in.
func utc(at *time.Time) string {
	if at == nil {
		return "none"
	}
	return at.UTC().Format(time.RFC3339)
}

func simEvents(res Result) []string {
	var out []string
	for _, v := range res.Path {
		switch v.Kind {
		case process.KindDataCheck:
			out = append(out, v.Stage+" data_checked at "+v.ClosedAt.UTC().Format(time.RFC3339))
		case "applicant":
			out = append(out, v.Stage+" materials_supplied at "+v.ClosedAt.UTC().Format(time.RFC3339))
		}
	}
	return out
}

func simNotices(res Result) []string {
	var out []string
	for _, n := range res.Notices {
		out = append(out, noticeLine(n.OpenedAt, n.EndsAt, n.Status))
	}
	return out
}

func noticeLine(from, to time.Time, status string) string {
	return fmt.Sprintf("%s to %s %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), status)
}

// realRun is what the store holds after a case ran with the real activities.
type realRun struct {
	status, total          string
	tasks, events, notices []string
	deadline               string
}

func runOnStore(t *testing.T, def process.Definition, sc Scenario) realRun {
	ctx := context.Background()
	st := storetest.Demo(t)
	requireDemoChain(t, st)
	src, err := activities.NewFixtureSource()
	require.NoError(t, err)
	user := func(name string) int64 { // demo officials are named by their role
		u, err := st.UserByUsername(ctx, name)
		require.NoError(t, err)
		return u.ID
	}
	caseID := newCase(t, st, def, user("applicant"))
	p, errs := sc.compile(def)
	require.Empty(t, errs)
	env := newEnv(p.start)
	env.RegisterActivity(&activities.Activities{Store: st, Sources: src})
	o := newOfficial(ctx, env, def, p, people{applicant: user("applicant"), resident: user("applicant2"),
		official: user, isOpen: func(id int64) bool {
			tk, err := st.Task(ctx, id)
			return err == nil && tk.Status == store.TaskOpen
		}})
	opened := map[int64]time.Time{}
	taskOpened := func(id int64) {
		tk, err := st.Task(ctx, id)
		if err != nil {
			o.fail(err)
			return
		}
		opened[id] = env.Now()
		o.taskOpened(openedTask{ID: id, Key: tk.TaskKey, Role: tk.Role, Kind: tk.Kind})
	}
	env.SetOnActivityCompletedListener(func(info *activity.Info, v converter.EncodedValue, err error) {
		var id int64
		switch {
		case err != nil:
			o.fail(err)
		case info.ActivityType.Name == "OpenTask" && v.Get(&id) == nil:
			taskOpened(id)
		case info.ActivityType.Name == "OpenNotice":
			o.noticeOpened()
		}
	})
	// New cases write in batches in local activities (workflows'
	// local-writes), which the test environment names after a wrapper;
	// only the batch answers a value, the tasks it opened.
	env.SetOnLocalActivityCompletedListener(func(_ *activity.Info, v converter.EncodedValue, err error) {
		var res activities.Applied
		switch {
		case err != nil:
			o.fail(err)
		case v != nil && v.HasValue() && v.Get(&res) == nil:
			ids := slices.Sorted(maps.Values(res.TaskIDs))
			for _, id := range ids {
				taskOpened(id)
			}
		}
	})
	status, err := o.play(input(def, caseID, user("applicant")))
	require.NoError(t, err)
	return readRun(t, st, caseID, status, p.start, opened)
}

// readRun reads the path back from the inbox, the timeline and the board.
func readRun(t *testing.T, st *store.Store, caseID int64, status string, start time.Time, opened map[int64]time.Time) realRun {
	ctx := context.Background()
	r := realRun{status: status}
	tasks, err := st.TasksOfCase(ctx, caseID)
	require.NoError(t, err)
	for _, tk := range tasks {
		action, dur := tk.Status, ""
		if tk.DecidedAt != nil {
			action, dur = tk.Decision, isoDuration(tk.DecidedAt.Sub(opened[tk.ID]))
		}
		r.tasks = append(r.tasks, taskLine(tk.Stage, branchOf(tk.TaskKey), action, dur, tk.DueAt))
	}
	events, err := st.Timeline(ctx, caseID)
	require.NoError(t, err)
	for _, e := range events {
		switch e.Action {
		case "data_checked", "materials_supplied":
			r.events = append(r.events, e.Stage+" "+e.Action+" at "+e.At.UTC().Format(time.RFC3339))
		case "approved", "rejected", "withdrawn":
			r.total = isoDuration(e.At.Sub(start))
		}
	}
	rows, err := st.SQL().QueryContext(ctx, "SELECT starts_at, ends_at, status FROM notices WHERE case_id = ? ORDER BY id", caseID)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var from, to time.Time
		var s string
		require.NoError(t, rows.Scan(&from, &to, &s))
		r.notices = append(r.notices, noticeLine(from, to, s))
	}
	require.NoError(t, rows.Err())
	c, err := st.Case(ctx, caseID)
	require.NoError(t, err)
	require.Equal(t, status, c.Status, "the projection agrees with the workflow")
	r.deadline = utc(c.ExpectedDecisionAt)
	return r
}

// requireDemoChain holds regions to the demo tree the store seeds.
func requireDemoChain(t *testing.T, st *store.Store) {
	leaf, err := st.Region(context.Background(), store.DemoVillage)
	require.NoError(t, err)
	var chain []workflows.RegionRef
	for _, code := range store.PathCodes(leaf.Path) {
		r, err := st.Region(context.Background(), code)
		require.NoError(t, err)
		chain = append(chain, workflows.RegionRef{Code: r.Code, Level: r.Level, Path: r.Path})
	}
	require.Equal(t, chain, regions)
}

func newCase(t *testing.T, st *store.Store, def process.Definition, applicant int64) int64 {
	hh := process.Household{HeadName: "王建国", Phone: "13800000000", Category: "edge_poor",
		Income: []process.Amount{{Source: "wages", Amount: 12000}}, Risks: []string{"illness"},
		Members: []process.Member{
			{Name: "王建国", IDNumber: "430721195001010010", Relation: process.RelationSelf, Health: "healthy", LaborCapacity: process.LaborNormal},
			{Name: "李秀兰", IDNumber: "430721197802020021", Relation: "spouse", Health: "healthy", LaborCapacity: process.LaborNormal}}}
	require.Equal(t, household, hh.Facts(), "the simulated household is the one stored")
	c, created, err := st.CreateCase(context.Background(), store.NewCase{Program: def.Program, RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: applicant, SubmittedBy: applicant, IdempotencyKey: t.Name(),
		DefinitionKey: def.Key, DefinitionVersion: def.Version, HeadName: hh.HeadName, HouseholdSize: len(hh.Members),
		Category: hh.Category, Household: hh})
	require.NoError(t, err)
	require.True(t, created)
	return c.ID
}
