package simulate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/stretchr/testify/require"
)

func builtin(t *testing.T, key string) process.Definition {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("no built-in %s", key)
	return process.Definition{}
}

// countersign needs two of three branches; the third is cancelled.
func countersign(t *testing.T) process.Definition {
	t.Helper()
	d, err := process.Parse([]byte(`
key: countersign-test
program: dibao
name: {zh: 会签测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - id: countersign
    kind: parallel
    require: 2
    branches:
      - {id: civil, kind: review, role: township_approver, level: township, actions: [approve, reject]}
      - {id: checker, kind: review, role: county_checker, level: county, actions: [approve, reject]}
      - {id: county, kind: review, role: county_approver, level: county, actions: [approve, reject]}
`))
	require.NoError(t, err)
	return d
}

// branchSteps decide two branches by name and the rest by their stage's list.
var branchSteps = Scenario{Steps: map[string][]Step{"countersign/civil": {{After: "PT2H"}},
	"countersign/checker": {{After: "PT3H"}}, "countersign": {{After: "P1D"}}}}

func definitionOf(t *testing.T, key string) process.Definition {
	if key == "countersign-test" {
		return countersign(t)
	}
	return builtin(t, key)
}

func run(t *testing.T, key string, sc Scenario) Result {
	t.Helper()
	res, err := Run(context.Background(), definitionOf(t, key), sc)
	require.NoError(t, err)
	return res
}

// moves lists the path as "stage:action" ("stage/branch:action").
func moves(res Result) []string {
	out := make([]string, len(res.Path))
	for i, v := range res.Path {
		out[i] = v.Stage
		if v.Branch != "" {
			out[i] += "/" + v.Branch
		}
		out[i] += ":" + v.Action
	}
	return out
}

func visit(t *testing.T, res Result, stage string) Visit {
	t.Helper()
	for _, v := range res.Path {
		if v.Stage == stage {
			return v
		}
	}
	t.Fatalf("no visit of %s in %v", stage, moves(res))
	return Visit{}
}

func cst(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEveryBuiltinIsApprovedByDefault(t *testing.T) {
	for _, def := range process.Builtins() {
		t.Run(def.Key, func(t *testing.T) {
			res, err := Run(context.Background(), def, Scenario{})
			require.NoError(t, err)
			require.Equal(t, "approved", res.Status)
			var human []string
			for _, st := range def.Stages {
				if st.IsHuman() {
					human = append(human, st.ID+":approve")
				}
			}
			var decided []string
			for _, v := range res.Path {
				if v.Role != "" {
					decided = append(decided, v.Stage+":"+v.Action)
					require.Equal(t, "PT1H", v.Duration, "the default step decides an hour after opening")
				}
			}
			require.Equal(t, human, decided)
			require.Equal(t, cst(DefaultStart), res.StartedAt)
			require.True(t, res.FinishedAt.After(res.StartedAt))
			require.Contains(t, []string{"met", "none"}, res.CaseSLA)
		})
	}
}

func TestRejectEndsTheCaseAtItsStage(t *testing.T) {
	res := run(t, "dibao-application", Scenario{Steps: map[string][]Step{
		"township_opinion": {{Action: "reject", ReasonCode: "income_above_line", After: "PT4H"}}}})
	require.Equal(t, "rejected", res.Status)
	require.Equal(t, []string{"intake:approve", "data_check:checked", "home_investigation:approve",
		"township_opinion:reject"}, moves(res))
	require.Empty(t, res.Notices, "a rejected case never reaches its notice")
	require.Equal(t, "PT6H", res.Total)
}

func TestReturnVisitsTheStageAgain(t *testing.T) {
	res := run(t, "dibao-application", Scenario{Steps: map[string][]Step{
		"township_opinion": {{Action: "return", ReturnTo: "home_investigation", After: "PT2H"}}}})
	require.Equal(t, "approved", res.Status)
	require.Equal(t, []string{"intake:approve", "data_check:checked", "home_investigation:approve",
		"township_opinion:return", "home_investigation:approve", "township_opinion:approve",
		"county_confirmation:approve"}, moves(res))
}

func TestReturnToApplicantWaitsForMaterials(t *testing.T) {
	res := run(t, "dibao-application", Scenario{SupplyAfter: "P3D", Steps: map[string][]Step{
		"home_investigation": {{Action: "return_to_applicant"}}}})
	require.Equal(t, "approved", res.Status)
	require.Equal(t, []string{"intake:approve", "data_check:checked", "home_investigation:return_to_applicant",
		"home_investigation:materials_supplied", "home_investigation:approve", "township_opinion:approve",
		"county_confirmation:approve"}, moves(res))
	require.Equal(t, "P3D", res.Path[3].Duration)
	// The SLA clock stops while the applicant owes materials.
	require.NotNil(t, res.CaseDeadline)
	require.Equal(t, cst("2026-04-15T00:00:00+08:00").Add(72*time.Hour), *res.CaseDeadline)
}

func TestObjections(t *testing.T) {
	for _, tc := range []struct {
		decision, status, notice string
	}{{"uphold", "rejected", "cancelled"}, {"dismiss", "approved", "closed"}} {
		t.Run(tc.decision, func(t *testing.T) {
			res := run(t, "dibao-application", Scenario{Objections: []Objection{
				{After: "PT24H", Decision: tc.decision, DecideAfter: "PT2H"}}})
			require.Equal(t, tc.status, res.Status)
			v := visit(t, res, "notice")
			require.Equal(t, "objection-1", v.Branch)
			require.Equal(t, "village_committee", v.Role)
			require.Equal(t, tc.decision, v.Action)
			require.Equal(t, res.Notices[0].OpenedAt.Add(24*time.Hour), v.OpenedAt)
			require.Equal(t, "PT2H", v.Duration)
			require.Len(t, res.Notices, 1)
			require.Equal(t, 1, res.Notices[0].Objections)
			require.Equal(t, tc.notice, res.Notices[0].Status)
		})
	}
}

func TestStageSLA(t *testing.T) {
	for _, tc := range []struct{ after, sla string }{{"PT47H", "met"}, {"PT49H", "missed"}} {
		t.Run(tc.after, func(t *testing.T) {
			res := run(t, "linshi-urgent", Scenario{Steps: map[string][]Step{"urgent_aid": {{After: tc.after}}}})
			v := visit(t, res, "urgent_aid")
			require.NotNil(t, v.DueAt)
			require.Equal(t, cst("2026-03-04T09:00:00+08:00"), *v.DueAt, "48 hours from opening")
			require.Equal(t, tc.sla, v.SLA)
			require.Equal(t, "none", visit(t, res, "county_record").SLA, "a stage without a limit")
		})
	}
}

// TestWorkingDaysAcrossNationalDay: 2026's National Day holiday runs from
// 1 to 7 October, and Saturday 10 October is a make-up working day, so
// three working days from 30 September end with 10 October.
func TestWorkingDaysAcrossNationalDay(t *testing.T) {
	for _, tc := range []struct{ after, sla, caseSLA string }{{"P10D", "met", "missed"}, {"P11D", "missed", "missed"}} {
		t.Run(tc.after, func(t *testing.T) {
			res := run(t, "monitoring-identification", Scenario{Start: "2026-09-30T09:00:00+08:00",
				Steps: map[string][]Step{"home_check": {{After: tc.after}}}})
			v := visit(t, res, "home_check")
			require.NotNil(t, v.DueAt)
			require.NotNil(t, res.CaseDeadline)
			require.Equal(t, cst("2026-10-11T00:00:00+08:00"), *v.DueAt)
			require.Equal(t, tc.sla, v.SLA)
			require.Equal(t, cst("2026-10-15T09:00:00+08:00"), *res.CaseDeadline, "P15D is calendar time")
			require.Equal(t, tc.caseSLA, res.CaseSLA, "ten days at home_check and five of notice exceed P15D")
		})
	}
}

func TestCountersignBranches(t *testing.T) {
	res := run(t, "countersign-test", branchSteps)
	require.Equal(t, "approved", res.Status)
	require.Equal(t, []string{"village_check:approve", "countersign/civil:approve", "countersign/checker:approve",
		"countersign/county:cancelled"}, moves(res))
	require.Equal(t, "PT3H", res.Path[2].Duration)
	require.Equal(t, "PT3H", res.Path[3].Duration, "cancelled once two branches approved")
}

func TestWithdrawalCancelsTheOpenTask(t *testing.T) {
	res := run(t, "dibao-application", Scenario{WithdrawAfter: "PT90M", Steps: map[string][]Step{
		"home_investigation": {{After: "P1D"}}}})
	require.Equal(t, "withdrawn", res.Status)
	require.Equal(t, []string{"intake:approve", "data_check:checked", "home_investigation:cancelled"}, moves(res))
}

func TestScenarioProblemsAreFields(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		sc        Scenario
		field     string
	}{
		{"unknown stage", "dibao-application", Scenario{Steps: map[string][]Step{"nope": {{}}}}, "steps.nope"},
		{"not a human stage", "dibao-application", Scenario{Steps: map[string][]Step{"notice": {{}}}}, "steps.notice"},
		{"action not allowed", "dibao-application", Scenario{Steps: map[string][]Step{"intake": {{Action: "return"}}}}, "steps.intake[0].action"},
		{"reject without reason", "dibao-application", Scenario{Steps: map[string][]Step{"intake": {{Action: "reject"}}}}, "steps.intake[0].reason_code"},
		{"bad after", "dibao-application", Scenario{Steps: map[string][]Step{"intake": {{After: "4 hours"}}}}, "steps.intake[0].after"},
		{"return to a later stage", "dibao-application", Scenario{Steps: map[string][]Step{"township_opinion": {{Action: "return", ReturnTo: "county_confirmation"}}}}, "steps.township_opinion[0].return_to"},
		{"bad start", "dibao-application", Scenario{Start: "tomorrow"}, "start"},
		{"bad supply_after", "dibao-application", Scenario{SupplyAfter: "P1M"}, "supply_after"},
		{"beyond the limit", "dibao-application", Scenario{WithdrawAfter: "P20000W"}, "withdraw_after"},
		{"objection after the notice", "dibao-application", Scenario{Objections: []Objection{{After: "P8D"}}}, "objections[0].after"},
		{"bad objection decision", "dibao-application", Scenario{Objections: []Objection{{Decision: "ignore"}}}, "objections[0].decision"},
		{"no notice to object to", "linshi-urgent", Scenario{Objections: []Objection{{}}}, "objections"},
		{"unknown branch", "countersign-test", Scenario{Steps: map[string][]Step{"countersign/town": {{}}}}, "steps.countersign/town"},
		{"branch of a review", "dibao-application", Scenario{Steps: map[string][]Step{"intake/x": {{}}}}, "steps.intake/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := definitionOf(t, tc.key)
			errs := tc.sc.Check(def)
			require.Len(t, errs, 1, "%v", errs)
			require.Equal(t, tc.field, errs[0].Field)
			_, err := Run(context.Background(), def, tc.sc)
			var verr process.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
		})
	}
}

func TestUnfinishedScenarios(t *testing.T) {
	def := builtin(t, "risk-elimination")
	_, err := Run(context.Background(), def, Scenario{Steps: map[string][]Step{
		"village_appraisal": {{Appraisal: &Appraisal{Attendees: 3, VotesFor: 3}}}}})
	var u *Unfinished
	require.True(t, errors.As(err, &u), "%v", err)
	require.Contains(t, u.Error(), "approve at village_appraisal was refused")
	require.Contains(t, u.Error(), "quorum not met")

	loop := make([]Step, 150)
	for i := range loop {
		loop[i] = Step{Action: "return"}
	}
	_, err = Run(context.Background(), builtin(t, "dibao-application"), Scenario{Steps: map[string][]Step{"township_opinion": loop}})
	require.True(t, errors.As(err, &u), "%v", err)
	require.Contains(t, u.Error(), "200 decisions were taken and the case is still open")

	_, err = Run(context.Background(), def, Scenario{Steps: map[string][]Step{"home_check": {{After: "P1000D"}},
		"village_appraisal": {{After: "P100D"}}}})
	require.True(t, errors.As(err, &u), "%v", err)
	require.Contains(t, u.Error(), "the case was still open after P1095D of simulated time")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Run(ctx, def, Scenario{})
	require.True(t, errors.As(err, &u), "%v", err)
	require.ErrorIs(t, err, context.Canceled)
}
