package process

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// everyKind returns a fresh copy of the valid definition of parse_test.go. Its stages:
// 0 home_check, 1 data_check, 2 village_appraisal, 3 notice, 4 countersign (branches
// township_review and civil_affairs), 5 county_approval.
func everyKind(t testing.TB) Definition {
	d, err := Parse([]byte(everyKindYAML))
	require.NoError(t, err)
	return d
}

func TestValidateRules(t *testing.T) {
	const keyRule = `must be a lowercase slug like "dibao-application": a-z, 0-9 and single "-" between words, starting with a letter, at most 64 characters`
	const idRule = `must be a lowercase identifier like "home_check": a-z, 0-9, "_" or "-", starting with a letter, at most 64 characters`
	for _, tc := range []struct {
		name         string
		change       func(d *Definition)
		field, wants string
	}{
		{"key required", func(d *Definition) { d.Key = "" }, "key", "required"},
		{"key slug", func(d *Definition) { d.Key = "Dibao_App" }, "key", keyRule},
		{"key double dash", func(d *Definition) { d.Key = "dibao--app" }, "key", keyRule},
		{"version negative", func(d *Definition) { d.Version = -1 }, "version", "must not be negative"},
		{"program required", func(d *Definition) { d.Program = "" }, "program", "required"},
		{"program unknown", func(d *Definition) { d.Program = "wubao" }, "program", `unknown program "wubao"`},
		{"name.zh required", func(d *Definition) { d.Name = Text{En: "only English"} }, "name.zh", "required"},
		{"sla both", func(d *Definition) { d.SLA.WorkingDays = 15 }, "sla", "set exactly one of duration and working_days, not both"},
		{"sla neither", func(d *Definition) { d.SLA = &SLA{} }, "sla", "set one of duration and working_days"},
		{"sla duration bad", func(d *Definition) { d.SLA.Duration = "P1M" }, "sla.duration",
			`bad duration "P1M": want ISO 8601 like P15D, P1W or PT30S (no years or months)`},
		{"sla duration zero", func(d *Definition) { d.SLA.Duration = "PT0S" }, "sla.duration", "must be longer than zero"},
		{"sla duration huge", func(d *Definition) { d.SLA.Duration = "P99999W" }, "sla.duration", `bad duration "P99999W": longer than 10 years`},
		{"sla duration over a year", func(d *Definition) { d.SLA.Duration = "P400D" }, "sla.duration", "must be at most 366 days"},
		{"sla working days negative", func(d *Definition) { d.SLA = &SLA{WorkingDays: -3} }, "sla.working_days", "must be between 1 and 366"},
		{"stage id required", func(d *Definition) { d.Stages[1].ID = "" }, "stages[1].id", "required"},
		{"stage id slug", func(d *Definition) { d.Stages[1].ID = "Data Check" }, "stages[1].id", idRule},
		{"stage id duplicate", func(d *Definition) { d.Stages[1].ID = "home_check" }, "stages[1].id",
			`duplicate stage id "home_check" (first used at stages[0])`},
		{"branch id duplicate", func(d *Definition) { d.Stages[4].Branches[1].ID = "notice" }, "stages[4].branches[1].id",
			`duplicate stage id "notice" (first used at stages[3])`},
		{"kind required", func(d *Definition) { d.Stages[1].Kind = "" }, "stages[1].kind", "required"},
		{"kind unknown", func(d *Definition) { d.Stages[1].Kind = "lottery" }, "stages[1].kind", `unknown kind "lottery"`},
		{"when does not compile", func(d *Definition) { d.Stages[1].When = "household.size >" }, "stages[1].when",
			"does not compile: 1:17: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"},
		{"when type error", func(d *Definition) { d.Stages[1].When = `program == 1` }, "stages[1].when",
			"does not compile: 1:9: found no matching overload for '_==_' applied to '(string, int)'"},
		{"when not boolean", func(d *Definition) { d.Stages[1].When = "household.size + 1" }, "stages[1].when",
			"must be a boolean expression, got int"},
		{"when not boolean literal", func(d *Definition) { d.Stages[1].When = `"yes"` }, "stages[1].when", "must be a boolean expression, got string"},
		{"when unknown fact", func(d *Definition) { d.Stages[1].When = "household.income > 1.0" }, "stages[1].when",
			`household has no "income" (known: size, category, per_capita_income, annual_income, rigid_spending, risks, labor_capacity, formerly_poor)`},
		{"when literal false", func(d *Definition) { d.Stages[1].When = " false " }, "stages[1].when", "is always false: the stage can never run"},
		{"role on a notice", func(d *Definition) { d.Stages[3].Role = RoleVillageCommittee }, "stages[3].role", "not used by a notice stage"},
		{"role on a data check", func(d *Definition) { d.Stages[1].Role = RoleCountyChecker }, "stages[1].role", "not used by a data_check stage"},
		{"sources on a review", func(d *Definition) { d.Stages[0].Sources = []string{"vehicles"} }, "stages[0].sources", "not used by a review stage"},
		{"role required", func(d *Definition) { d.Stages[0].Role = "" }, "stages[0].role", "required"},
		{"role unknown", func(d *Definition) { d.Stages[2].Role = "vilage_committee" }, "stages[2].role", `unknown role "vilage_committee"`},
		{"role applicant", func(d *Definition) { d.Stages[0].Role = RoleApplicant }, "stages[0].role", `role "applicant" cannot decide a stage`},
		{"role auditor", func(d *Definition) { d.Stages[2].Role = RoleAuditor }, "stages[2].role", `role "auditor" cannot decide a stage`},
		{"role admin", func(d *Definition) { d.Stages[5].Role = RoleAdmin }, "stages[5].role", `role "admin" cannot decide a stage`},
		{"level required", func(d *Definition) { d.Stages[0].Level = "" }, "stages[0].level", "required"},
		{"level unknown", func(d *Definition) { d.Stages[0].Level = "hamlet" }, "stages[0].level", `unknown level "hamlet"`},
		{"stage sla", func(d *Definition) { d.Stages[0].SLA = &SLA{Duration: "P2D", WorkingDays: 2} }, "stages[0].sla",
			"set exactly one of duration and working_days, not both"},
		{"stage sla duration", func(d *Definition) { d.Stages[5].SLA.Duration = "15D" }, "stages[5].sla.duration",
			`bad duration "15D": want ISO 8601 like P15D, P1W or PT30S (no years or months)`},
		{"actions required", func(d *Definition) { d.Stages[0].Actions = nil }, "stages[0].actions", "at least one action is required"},
		{"action unknown", func(d *Definition) { d.Stages[0].Actions[1] = "dismiss" }, "stages[0].actions[1]", `unknown action "dismiss"`},
		{"action duplicate", func(d *Definition) { d.Stages[0].Actions[1] = ActionApprove }, "stages[0].actions[1]", `duplicate action "approve"`},
		{"appraisal returns", func(d *Definition) { d.Stages[2].Actions = append(d.Stages[2].Actions, ActionReturn) }, "stages[2].actions[2]",
			`an appraisal only approves or rejects, not "return"`},
		{"approve missing", func(d *Definition) { d.Stages[0].Actions = []string{ActionReject} }, "stages[0].actions",
			`must include "approve": without it the stage can never be passed`},
		{"return with nothing before", func(d *Definition) { d.Stages[0].Actions = append(d.Stages[0].Actions, ActionReturn) }, "stages[0].actions[3]",
			`"return" needs an earlier review, appraisal or parallel stage to return to`},
		{"return_to unknown", func(d *Definition) { d.Stages[5].ReturnTo = "village_apraisal" }, "stages[5].return_to", `unknown stage "village_apraisal"`},
		{"return_to itself", func(d *Definition) { d.Stages[5].ReturnTo = "county_approval" }, "stages[5].return_to",
			`must name an earlier stage; "county_approval" is not before this one`},
		{"return_to a notice", func(d *Definition) { d.Stages[5].ReturnTo = "notice" }, "stages[5].return_to",
			`"notice" is a notice stage; return_to must name a review, appraisal or parallel stage`},
		{"return_to a branch", func(d *Definition) { d.Stages[5].ReturnTo = "civil_affairs" }, "stages[5].return_to",
			`"civil_affairs" is a parallel branch; return_to must name a top-level stage`},
		{"return_to without return", func(d *Definition) { d.Stages[5].Actions = []string{ActionApprove, ActionReject} }, "stages[5].return_to",
			`set, but "return" is not among the actions`},
		{"notice duration required", func(d *Definition) { d.Stages[3].Duration = "" }, "stages[3].duration", "required"},
		{"notice duration bad", func(d *Definition) { d.Stages[3].Duration = "5 days" }, "stages[3].duration",
			`bad duration "5 days": want ISO 8601 like P15D, P1W or PT30S (no years or months)`},
		{"notice duration zero", func(d *Definition) { d.Stages[3].Duration = "P0D" }, "stages[3].duration", "must be longer than zero"},
		{"sources required", func(d *Definition) { d.Stages[1].Sources = nil }, "stages[1].sources", "at least one source is required"},
		{"source unknown", func(d *Definition) { d.Stages[1].Sources[0] = "horoscope" }, "stages[1].sources[0]", `unknown source "horoscope"`},
		{"source duplicate", func(d *Definition) { d.Stages[1].Sources[1] = "vehicles" }, "stages[1].sources[1]", `duplicate source "vehicles"`},
		{"quorum required", func(d *Definition) { d.Stages[2].Quorum = nil }, "stages[2].quorum", "required"},
		{"quorum attendees", func(d *Definition) { d.Stages[2].Quorum.MinAttendees = 0 }, "stages[2].quorum.min_attendees", "must be at least 1"},
		{"quorum share one", func(d *Definition) { d.Stages[2].Quorum.ApproveShare = 1 }, "stages[2].quorum.approve_share",
			"must be between 0 and 1, exclusive (0.5 means more than half)"},
		{"quorum share zero", func(d *Definition) { d.Stages[2].Quorum.ApproveShare = 0 }, "stages[2].quorum.approve_share",
			"must be between 0 and 1, exclusive (0.5 means more than half)"},
		{"one branch", func(d *Definition) { d.Stages[4].Branches = d.Stages[4].Branches[:1]; d.Stages[4].Require = 0 }, "stages[4].branches",
			"a parallel stage needs at least 2 branches"},
		{"branch kind", func(d *Definition) { d.Stages[4].Branches[0].Kind = KindAppraisal }, "stages[4].branches[0].kind",
			`must be "review": a parallel stage runs reviews side by side`},
		{"branch role", func(d *Definition) { d.Stages[4].Branches[1].Role = "vilage_committee" }, "stages[4].branches[1].role",
			`unknown role "vilage_committee"`},
		{"branch foreign field", func(d *Definition) { d.Stages[4].Branches[1].Duration = "P1D" }, "stages[4].branches[1].duration",
			"not used by a review stage"},
		{"branch when", func(d *Definition) { d.Stages[4].Branches[1].When = "false" }, "stages[4].branches[1].when",
			"is always false: the stage can never run"},
		{"require too many", func(d *Definition) { d.Stages[4].Require = 3 }, "stages[4].require", "must be between 0 and 2 (0 means all branches)"},
		{"require negative", func(d *Definition) { d.Stages[4].Require = -1 }, "stages[4].require", "must be between 0 and 2 (0 means all branches)"},
		{"ends with a notice", func(d *Definition) { d.Stages = d.Stages[:4] }, "stages[3]",
			"the last stage is a notice: nobody decides after it; end with a review, appraisal or parallel stage"},
		{"ends with a data check", func(d *Definition) { d.Stages = d.Stages[:2] }, "stages[1]",
			"the last stage is a data_check: nobody decides after it; end with a review, appraisal or parallel stage"},
		{"no stages", func(d *Definition) { d.Stages = nil }, "stages", "at least one stage is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := everyKind(t)
			tc.change(&d)
			require.Equal(t, ValidationError{{Field: tc.field, Message: tc.wants}}, Validate(d))
		})
	}
}

func TestValidateReportsEveryProblemInDocumentOrder(t *testing.T) {
	d := everyKind(t)
	d.Key = "Every Kind"
	d.Program = "wubao"
	d.Stages[0].Actions = []string{ActionApprove, "escalate"}
	d.Stages[2].Role = "vilage_committee"
	d.Stages[3].Duration = "P1M"
	d.Stages[4].Branches[1].ID = "home_check"
	d.Stages[5].ReturnTo = "countersign2"
	got := Validate(d)
	require.Equal(t, []string{
		"key", "program", "stages[0].actions[1]", "stages[2].role", "stages[3].duration",
		"stages[4].branches[1].id", "stages[5].return_to",
	}, fields(got))
	require.EqualError(t, got.Err(), `invalid: key: `+got[0].Message+`; program: unknown program "wubao"; `+
		`stages[0].actions[1]: unknown action "escalate"; stages[2].role: unknown role "vilage_committee"; `+
		`stages[3].duration: bad duration "P1M": want ISO 8601 like P15D, P1W or PT30S (no years or months); `+
		`stages[4].branches[1].id: duplicate stage id "home_check" (first used at stages[0]); `+
		`stages[5].return_to: unknown stage "countersign2"`)
}

func TestValidateEmptyDefinition(t *testing.T) {
	require.Equal(t, []string{"key", "program", "name.zh", "stages"}, fields(Validate(Definition{})))
}

func TestValidateValid(t *testing.T) {
	require.Empty(t, Validate(everyKind(t)))
	require.NoError(t, Validate(everyKind(t)).Err())
}

func fields(v ValidationError) []string {
	out := make([]string, len(v))
	for i, f := range v {
		out[i] = f.Field
	}
	return out
}
