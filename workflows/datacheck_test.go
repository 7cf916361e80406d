package workflows_test

import (
	"encoding/json"
	"testing"

	"github.com/assistflow/assistflow/activities"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// carOwner is listed in the fixture data sources with a car and a house.
const carOwner = "430721198001010013"

const dataCheckDef = `
key: datacheck-test
program: dibao
name: {zh: 信息比对测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - {id: data_check, kind: data_check, sources: [vehicles, real_estate, pension]}
  - {id: county_check, kind: review, role: county_approver, level: county, actions: [approve, reject]}
`

// TestDataCheckReport: the data check queries every source of the stage
// about every member and attaches the report later reviewers read.
func TestDataCheckReport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []string
		hits    map[string]string // source → status
		summary string
	}{
		{"clear household", nil,
			map[string]string{"vehicles": "clear", "real_estate": "clear", "pension": "clear"}, "0/3"},
		{"member owns a car", []string{"430721195001010010", carOwner},
			map[string]string{"vehicles": "hit", "real_estate": "hit", "pension": "clear"}, "2/3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			in := h.approvalInput(definition(t, dataCheckDef), household(tc.members...))
			h.decide("village_check", "village_officer", approve())
			var before []store.DataCheckReport
			h.when("read the reports at the county", h.isOpen("county_check"), func() {
				var err error
				before, err = h.st.DataCheckReports(h.ctx, h.caseID)
				require.NoError(t, err)
			})
			h.decide("county_check", "county_approver", approve())
			require.Equal(t, store.StatusApproved, h.mustApprove(in))

			reports, err := h.st.DataCheckReports(h.ctx, h.caseID)
			require.NoError(t, err)
			require.Len(t, reports, 1)
			require.Equal(t, "data_check", reports[0].Stage)
			var rep activities.DataCheckReport
			require.NoError(t, json.Unmarshal(reports[0].Report, &rep))
			got := map[string]string{}
			for _, r := range rep.Results {
				got[r.Source] = r.Status
				if r.Status == "hit" {
					require.NotEmpty(t, r.Details)
					require.Contains(t, r.Details[0], "成员2", "the report names the member")
				}
			}
			require.Equal(t, tc.hits, got)
			hits := 0
			for _, s := range tc.hits {
				if s == "hit" {
					hits++
				}
			}
			require.Equal(t, hits, rep.Hits)

			ev := h.lastEvent("data_checked")
			require.Equal(t, "data_check", ev.Stage)
			require.Equal(t, tc.summary, ev.Comment)
			require.Contains(t, historyOf(h.state()), "data_check:data_checked")
			require.Len(t, before, 1, "the report is there when the county decides")
		})
	}
}
