package process

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// everyKindYAML uses every stage kind once, plus a condition and a return_to.
const everyKindYAML = `
key: every-kind
version: 2
program: monitoring
name: {zh: 每种环节, en: Every kind}
sla: {duration: P15D}
stages:
  - id: home_check
    kind: review
    name: {zh: 入户核实, en: Home verification}
    role: village_officer
    level: village
    sla: {working_days: 3}
    actions: [approve, reject, return_to_applicant]
  - id: data_check
    kind: data_check
    sources: [vehicles, pension]
  - id: village_appraisal
    kind: appraisal
    role: village_committee
    level: village
    actions: [approve, reject]
    quorum: {min_attendees: 5, approve_share: 0.5}
  - id: notice
    kind: notice
    duration: P5D
  - id: countersign
    kind: parallel
    require: 1
    branches:
      - {id: township_review, kind: review, role: township_approver, level: township, actions: [approve, reject, return]}
      - {id: civil_affairs, kind: review, role: township_clerk, level: township, actions: [approve, reject]}
  - id: county_approval
    kind: review
    when: household.per_capita_income < 7500.0 && "illness" in household.risks
    role: county_approver
    level: county
    sla: {duration: PT30S}
    actions: [approve, reject, return]
    return_to: village_appraisal
`

// everyKindJSON is everyKindYAML written as JSON, with the fields in another order.
const everyKindJSON = `  {
  "program": "monitoring", "key": "every-kind", "version": 2,
  "name": {"en": "Every kind", "zh": "每种环节"},
  "sla": {"duration": "P15D"},
  "stages": [
    {"id": "home_check", "kind": "review", "name": {"zh": "入户核实", "en": "Home verification"},
     "role": "village_officer", "level": "village", "sla": {"working_days": 3},
     "actions": ["approve", "reject", "return_to_applicant"]},
    {"id": "data_check", "kind": "data_check", "sources": ["vehicles", "pension"]},
    {"id": "village_appraisal", "kind": "appraisal", "role": "village_committee", "level": "village",
     "actions": ["approve", "reject"], "quorum": {"min_attendees": 5, "approve_share": 0.5}},
    {"id": "notice", "kind": "notice", "duration": "P5D"},
    {"id": "countersign", "kind": "parallel", "require": 1, "branches": [
      {"id": "township_review", "kind": "review", "role": "township_approver", "level": "township", "actions": ["approve", "reject", "return"]},
      {"id": "civil_affairs", "kind": "review", "role": "township_clerk", "level": "township", "actions": ["approve", "reject"]}]},
    {"id": "county_approval", "kind": "review",
     "when": "household.per_capita_income < 7500.0 && \"illness\" in household.risks",
     "role": "county_approver", "level": "county", "sla": {"duration": "PT30S"},
     "actions": ["approve", "reject", "return"], "return_to": "village_appraisal"}
  ]
}`

func TestParseEveryKind(t *testing.T) {
	fromYAML, err := Parse([]byte(everyKindYAML))
	require.NoError(t, err)
	require.Empty(t, Validate(fromYAML))
	fromJSON, err := Parse([]byte(everyKindJSON))
	require.NoError(t, err)
	require.Equal(t, fromYAML, fromJSON)

	kinds := make([]string, len(fromYAML.Stages))
	for i, s := range fromYAML.Stages {
		kinds[i] = s.Kind
	}
	require.Equal(t, []string{KindReview, KindDataCheck, KindAppraisal, KindNotice, KindParallel, KindReview}, kinds)
	require.Equal(t, &Quorum{MinAttendees: 5, ApproveShare: 0.5}, fromYAML.Stages[2].Quorum)
	require.Equal(t, "civil_affairs", fromYAML.Stages[4].Branches[1].ID)
}

func TestParseRoundTripsThroughJSON(t *testing.T) {
	d, err := Parse([]byte(everyKindYAML))
	require.NoError(t, err)
	again, err := Parse(d.JSON())
	require.NoError(t, err)
	require.Equal(t, d, again)
}

func TestJSONIsCanonical(t *testing.T) {
	d, err := Parse([]byte(everyKindJSON))
	require.NoError(t, err)
	got := string(d.JSON())
	require.Equal(t, got, string(d.JSON()))
	require.Contains(t, got, `"when":"household.per_capita_income < 7500.0 && \"illness\" in household.risks"`)
	require.Contains(t, got, `{"key":"every-kind","version":2,"program":"monitoring","name":{"zh":"每种环节","en":"Every kind"},`)
	require.NotContains(t, got, "\n")
	require.Equal(t, `{"key":"","program":"","name":{"zh":""},"stages":[]}`, string(Definition{}.JSON()))
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc     string
		field, substr string
		line          int
	}{
		{"yaml unknown top-level field", "key: a\nprogramme: dibao\n", "programme", "unknown field", 2},
		{"yaml unknown stage field", "key: a\nstages:\n  - id: a\n    rol: x\n", "stages[0].rol", "unknown field (known: id, kind,", 4},
		{"json unknown branch field", `{"stages":[{"id":"p","branches":[{"id":"a"},` + "\n" + `{"id":"b","rol":"x"}]}]}`,
			"stages[0].branches[1].rol", "unknown field", 2},
		{"json unknown name field", `{"name":{"zh":"名","fr":"nom"}}`, "name.fr", "unknown field (known: zh, en)", 1},
		{"json number as duration", `{"stages":[{"id":"n","duration":5}]}`, "stages[0].duration", `ISO 8601 duration string such as "P5D"`, 1},
		{"json string as number", `{"version":"1"}`, "version", "must be a whole number", 1},
		{"json number as string", `{"key":7}`, "key", "must be a string", 1},
		{"yaml list as string", "key: [a]\n", "key", "must be a string", 1},
		{"yaml mapping as list", "stages: {id: a}\n", "stages", "must be a list", 1},
		{"yaml word as number", "stages:\n  - quorum: {min_attendees: five}\n", "stages[0].quorum.min_attendees", "must be a whole number", 2},
		{"yaml not a mapping", "- a\n- b\n", "", "a definition must be a mapping", 1},
		{"yaml NaN share", "stages:\n  - quorum: {approve_share: .nan}\n", "stages[0].quorum.approve_share", "must be a finite number", 0},
		{"yaml infinite branch share", "stages:\n  - branches:\n    - quorum: {approve_share: .inf}\n", "stages[0].branches[0].quorum.approve_share", "finite", 0},
		{"empty", " \n  \n", "", "empty document", 0},
		{"two yaml documents", "key: a\n---\nkey: b\n", "", "more than one document", 0},
		{"json then more", `{"key":"a"} {"key":"b"}`, "", "more than one document", 0},
		{"json syntax", "{\"key\":\n\"a\",,}", "", "invalid character ','", 2},
		{"json syntax after blank lines", "\n\n{\"key\":\n\"a\",,}", "", "invalid character ','", 4},
		{"json indented with tabs", "{\n\t\"key\": \"a\",\n\t\"kye\": \"b\"\n}", "kye", "unknown field", 3},
		{"yaml syntax", "key: a\n  b: c\n", "", "yaml:", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var perr *ParseError
			require.True(t, errors.As(err, &perr), "got %v", err)
			require.Equal(t, tc.field, perr.Field)
			require.Contains(t, perr.Message, tc.substr)
			require.Equal(t, tc.line, perr.Line)
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse([]byte("key: a\nstages:\n  - id: a\n    rol: x\n"))
	require.ErrorContains(t, err, "parse definition: line 4: stages[0].rol: unknown field")
	var perr *ParseError
	require.ErrorAs(t, err, &perr)
	require.Error(t, errors.Unwrap(perr), "the decoder's own error is kept")
}

func TestParseAcceptsBOMAndLeadingSpace(t *testing.T) {
	d, err := Parse([]byte("\xef\xbb\xbf \n {\"key\":\"a\"}"))
	require.NoError(t, err)
	require.Equal(t, "a", d.Key)
	d, err = Parse([]byte("\xef\xbb\xbfkey: b\n"))
	require.NoError(t, err)
	require.Equal(t, "b", d.Key)
}

// FuzzParse: whatever the input, Parse and Validate return instead of panicking, and a
// parsed definition survives its canonical JSON unchanged.
func FuzzParse(f *testing.F) {
	entries, err := builtinFiles.ReadDir("builtin")
	require.NoError(f, err)
	for _, e := range entries {
		doc, err := builtinFiles.ReadFile("builtin/" + e.Name())
		require.NoError(f, err)
		f.Add(doc)
	}
	f.Add([]byte(everyKindYAML))
	f.Add([]byte(everyKindJSON))
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := Parse(doc)
		if err != nil {
			var perr *ParseError
			require.ErrorAs(t, err, &perr)
			return
		}
		_ = Validate(d)
		canonical := d.JSON()
		again, err := Parse(canonical)
		require.NoError(t, err, "canonical JSON %s", canonical)
		require.Equal(t, string(canonical), string(again.JSON()))
	})
}
