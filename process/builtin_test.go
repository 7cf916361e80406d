package process

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuiltins(t *testing.T) {
	defs, err := LoadBuiltins()
	require.NoError(t, err)
	require.Equal(t, defs, Builtins())

	wantStages := map[string][]string{
		"dibao-application": {"intake", "data_check", "home_investigation", "township_opinion", "notice", "county_confirmation"},
		"linshi-urgent":     {"urgent_aid", "paperwork", "county_record"},
		"monitoring-identification": {"home_check", "data_check", "village_appraisal", "notice",
			"township_review", "county_approval"},
		"risk-elimination": {"home_check", "village_appraisal", "notice", "township_review", "county_approval"},
	}
	keys := make([]string, len(defs))
	for i, d := range defs {
		keys[i] = d.Key
		t.Run(d.Key, func(t *testing.T) {
			require.Empty(t, Validate(d))
			require.Equal(t, 1, d.Version)
			require.NotEmpty(t, d.Name.Zh)
			require.NotEmpty(t, d.Name.En)
			ids := make([]string, len(d.Stages))
			for j, s := range d.Stages {
				ids[j] = s.ID
				require.NotEmpty(t, s.Name.Zh, s.ID)
				require.NotEmpty(t, s.Name.En, s.ID)
			}
			require.Equal(t, wantStages[d.Key], ids)
		})
	}
	require.Equal(t, []string{"dibao-application", "linshi-urgent", "monitoring-identification", "risk-elimination"}, keys)
}

// TestBuiltinTimeLimits pins the limits taken from DOMAIN.md, which a careless edit of a
// YAML file could otherwise change without anyone noticing.
func TestBuiltinTimeLimits(t *testing.T) {
	byKey := make(map[string]Definition)
	for _, d := range Builtins() {
		byKey[d.Key] = d
	}
	stage := func(key, id string) Stage {
		d := byKey[key]
		i := d.StageIndex(id)
		require.GreaterOrEqual(t, i, 0, "%s has no stage %s", key, id)
		return d.Stages[i]
	}
	require.Equal(t, &SLA{Duration: "P15D"}, byKey["monitoring-identification"].SLA)
	require.Equal(t, &SLA{WorkingDays: 30}, byKey["dibao-application"].SLA)
	require.Nil(t, byKey["linshi-urgent"].SLA, "the 48-hour limit is the aid stage's, not the case's")
	require.Equal(t, Duration("P5D"), stage("monitoring-identification", "notice").Duration)
	require.Equal(t, Duration("P5D"), stage("risk-elimination", "notice").Duration)
	require.Equal(t, Duration("P7D"), stage("dibao-application", "notice").Duration)
	require.Equal(t, &SLA{Duration: "PT48H"}, stage("linshi-urgent", "urgent_aid").SLA)
	require.Equal(t, &Quorum{MinAttendees: 5, ApproveShare: 0.5}, stage("risk-elimination", "village_appraisal").Quorum)
	require.Equal(t, []string{"vehicles", "real_estate", "business", "payroll", "pension"},
		stage("monitoring-identification", "data_check").Sources)
	require.Equal(t, []string{"vehicles", "real_estate", "business", "payroll", "deposits"},
		stage("dibao-application", "data_check").Sources)
}

func TestBuiltinsAreFreshCopies(t *testing.T) {
	first := Builtins()
	first[0].Stages[0].ID = "changed"
	require.NotEqual(t, "changed", Builtins()[0].Stages[0].ID)
}

// BenchmarkValidate validates the largest built-in definition, as the API does on every save.
func BenchmarkValidate(b *testing.B) {
	defs, err := LoadBuiltins()
	require.NoError(b, err)
	largest := defs[0]
	for _, d := range defs {
		if len(d.Stages) > len(largest.Stages) {
			largest = d
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := Validate(largest); len(v) != 0 {
			b.Fatal(v)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	doc, err := builtinFiles.ReadFile("builtin/monitoring-identification.yaml")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
