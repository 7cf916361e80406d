package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/stretchr/testify/require"
)

// linshiV2 is linshi-urgent with a township re-check before the county
// records the case.
func linshiV2(t *testing.T) process.Definition {
	t.Helper()
	for _, d := range process.Builtins() {
		if d.Key != "linshi-urgent" {
			continue
		}
		recheck := process.Stage{ID: "township_recheck", Kind: process.KindReview, Role: "township_approver",
			Level: "township", Name: process.Text{Zh: "乡镇复核", En: "Township re-check"},
			Actions: []string{"approve", "reject"}}
		i := d.StageIndex("county_record")
		d.Stages = append(d.Stages[:i], append([]process.Stage{recheck}, d.Stages[i:]...)...)
		d.Version = 0
		require.Empty(t, process.Validate(d))
		return d
	}
	t.Fatal("no linshi-urgent built-in")
	return process.Definition{}
}

// TestVersionsAndMigration: an administrator publishes version 2 of a
// chain and activates it in the county. A case started on v1 finishes on
// v1; a new case starts on v2; the migration preview counts the open v1
// cases per stage; applying it moves the mapped case onto v2 (where it
// runs the new stage) and refuses the one whose stage has no mapping.
func TestVersionsAndMigration(t *testing.T) {
	d := startDev(t, t.TempDir())
	admin, applicant := d.login("admin"), d.login("applicant")
	submit := func(key string) caseView {
		var c caseView
		st := d.call("POST", "/api/v1/cases", applicant, map[string]any{"program": "linshi", "region": "430721100201",
			"channel": "self_report", "household": household("赵六")}, &c, "Idempotency-Key", key)
		require.Equal(t, http.StatusCreated, st)
		return c
	}
	first, second := submit("v1-a"), submit("v1-b")
	require.Equal(t, 1, first.Definition.Version)
	tok := d.login("township_approver")
	tk, ok := d.openTask(tok, first.ID)
	require.True(t, ok)
	require.Equal(t, http.StatusOK, d.call("POST", fmt.Sprintf("/api/v1/tasks/%d/decision", tk.ID), tok,
		map[string]string{"action": "approve"}, nil))

	defs := "/api/v1/admin/definitions"
	require.Equal(t, http.StatusCreated, d.call("POST", defs, admin, linshiV2(t), nil))
	var pub map[string]any
	require.Equal(t, http.StatusCreated, d.call("POST", defs+"/linshi-urgent/publish", admin, nil, &pub))
	require.EqualValues(t, 2, pub["version"])
	require.Equal(t, http.StatusOK, d.call("POST", defs+"/linshi-urgent/activate", admin,
		map[string]any{"version": 2, "region": "430721"}, nil))
	require.Equal(t, 2, submit("v2-c").Definition.Version, "a new case starts on the active version")

	body := map[string]any{"from": 1, "to": 2, "mapping": map[string]string{"urgent_aid": "urgent_aid"}}
	var preview struct {
		OpenCases int `json:"open_cases"`
		Moves     []struct {
			FromStage string `json:"from_stage"`
			ToStage   string `json:"to_stage"`
			Cases     int    `json:"cases"`
		} `json:"moves"`
		Unmapped []struct {
			Stage string `json:"stage"`
			Cases int    `json:"cases"`
		} `json:"unmapped"`
	}
	require.Equal(t, http.StatusOK, d.call("POST", defs+"/linshi-urgent/migrations/preview", admin, body, &preview))
	require.Equal(t, 2, preview.OpenCases)
	require.Len(t, preview.Moves, 1)
	require.Equal(t, "urgent_aid", preview.Moves[0].FromStage)
	require.Equal(t, 1, preview.Moves[0].Cases)
	require.Len(t, preview.Unmapped, 1)
	require.Equal(t, "paperwork", preview.Unmapped[0].Stage)

	var applied struct {
		Moved   int              `json:"moved"`
		Results []map[string]any `json:"results"`
	}
	require.Equal(t, http.StatusOK, d.call("POST", defs+"/linshi-urgent/migrations/apply", admin, body, &applied))
	require.Equal(t, 1, applied.Moved)
	byCase := map[int64]float64{}
	for _, r := range applied.Results {
		byCase[int64(r["case_id"].(float64))] = r["status"].(float64)
	}
	require.EqualValues(t, http.StatusOK, byCase[second.ID])
	require.EqualValues(t, http.StatusUnprocessableEntity, byCase[first.ID], "paperwork has no mapping")

	d.drive(t, first.ID, "approved")
	d.drive(t, second.ID, "approved")
	var a, b caseView
	d.call("GET", fmt.Sprintf("/api/v1/cases/%d", first.ID), applicant, nil, &a)
	d.call("GET", fmt.Sprintf("/api/v1/cases/%d", second.ID), applicant, nil, &b)
	require.Equal(t, 1, a.Definition.Version, "a case started on v1 finishes on v1")
	require.Equal(t, 2, b.Definition.Version, "the migrated case finishes on v2")
	require.Equal(t, 1, timelineCount(b, "township_recheck", "approve"), "and runs v2's new stage")
	require.Equal(t, 0, timelineCount(a, "township_recheck", "approve"))
}
