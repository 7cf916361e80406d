package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stagesOf lists a simulation's path as "stage:action".
func stagesOf(r response) []string {
	var out []string
	path, _ := r.body["path"].([]any)
	for _, v := range path {
		m := v.(map[string]any)
		out = append(out, m["stage"].(string)+":"+m["action"].(string))
	}
	return out
}

func TestSimulateAVersion(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	r := do(t, s, "POST", defs+"/linshi-urgent/simulate", admin, "application/json",
		`{"version":1,"scenario":{"start":"2026-03-02T09:00:00+08:00","steps":{"urgent_aid":[{"after":"PT50H"}]}}}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "approved", r.body["status"])
	require.Equal(t, []string{"urgent_aid:approve", "paperwork:approve", "county_record:approve"}, stagesOf(r))
	first := r.body["path"].([]any)[0].(map[string]any)
	require.Equal(t, "missed", first["sla"], "50 hours against a 48-hour limit")
	require.Equal(t, "P2DT2H", first["duration"])
	require.Equal(t, "2026-03-04T09:00:00+08:00", first["due_at"])
	require.Equal(t, "P2DT4H", r.body["total"])

	r = do(t, s, "POST", defs+"/dibao-application/simulate", admin, "application/json", `{"version":1}`)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Len(t, r.body["notices"], 1)
	require.Equal(t, 404, do(t, s, "POST", defs+"/dibao-application/simulate", admin, "application/json", `{"version":9}`).status)
}

func TestSimulateTheDraft(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	body := `{"draft":true,"scenario":{"steps":{"review":[{"action":"reject","reason_code":"not_eligible"}]}}}`
	require.Equal(t, 404, do(t, s, "POST", defs+"/pilot-chain/simulate", admin, "application/json", body).status)
	require.Equal(t, 201, do(t, s, "POST", defs, admin, "application/yaml", yamlDraft).status)
	r := do(t, s, "POST", defs+"/pilot-chain/simulate", admin, "application/json", body)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "rejected", r.body["status"])
	require.Equal(t, []string{"review:reject"}, stagesOf(r))

	// An invalid draft is answered with the validator's own field list.
	bad := strings.NewReplacer("township_approver", "vilage_committee", "actions: [approve, reject]", "actions: [reject]").Replace(yamlDraft)
	require.Equal(t, 200, do(t, s, "PUT", defs+"/pilot-chain/draft", admin, "application/yaml", bad).status)
	r = do(t, s, "POST", defs+"/pilot-chain/simulate", admin, "application/json", `{"draft":true}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	require.Equal(t, []string{"stages[0].role", "stages[0].actions"}, fields(r))
}

func TestSimulateRequestProblems(t *testing.T) {
	s := newDefinitionServer(t, false)
	admin := login(t, s, "admin")
	for _, tc := range []struct {
		name, body string
		want       int
		field      string
	}{
		{"neither version nor draft", `{}`, 422, "version"},
		{"both", `{"version":1,"draft":true}`, 422, "version"},
		{"unknown field", `{"version":1,"scenario":{"stepz":{}}}`, 422, "stepz"},
		{"duration as a number", `{"version":1,"scenario":{"supply_after":48}}`, 422, "scenario.supply_after"},
		{"bad duration", `{"version":1,"scenario":{"steps":{"intake":[{"after":"4h"}]}}}`, 422, "scenario.steps.intake[0].after"},
		{"unknown stage", `{"version":1,"scenario":{"steps":{"intak":[{}]}}}`, 422, "scenario.steps.intak"},
		{"action not allowed", `{"version":1,"scenario":{"steps":{"intake":[{"action":"return"}]}}}`, 422, "scenario.steps.intake[0].action"},
		{"bad start", `{"version":1,"scenario":{"start":"Monday"}}`, 422, "scenario.start"},
		{"malformed", `{"version":`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, "POST", defs+"/dibao-application/simulate", admin, "application/json", tc.body)
			require.Equal(t, tc.want, r.status, r.raw)
			if tc.field != "" {
				require.Contains(t, fields(r), tc.field)
			}
		})
	}
	// A scenario the workflow refuses to play is a 422 that says why.
	r := do(t, s, "POST", defs+"/risk-elimination/simulate", admin, "application/json",
		`{"version":1,"scenario":{"steps":{"village_appraisal":[{"appraisal":{"attendees":3,"votes_for":3}}]}}}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	require.Contains(t, r.body["detail"], "quorum not met")
}

func TestSimulateNeedsDefinitionRead(t *testing.T) {
	s := newDefinitionServer(t, false)
	for user, want := range map[string]int{"applicant": http.StatusForbidden, "township_clerk": http.StatusForbidden,
		"auditor": http.StatusOK, "admin": http.StatusOK} {
		t.Run(user, func(t *testing.T) {
			r := do(t, s, "POST", defs+"/linshi-urgent/simulate", login(t, s, user), "application/json", `{"version":1}`)
			require.Equal(t, want, r.status, r.raw)
		})
	}
}
