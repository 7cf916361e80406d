package api

import (
	"encoding/json"
	"testing"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// The progress picture marks each stage of the chain from the case's
// status, current stages and timeline.
func TestProgressMarksStages(t *testing.T) {
	var def process.Definition
	for _, d := range process.Builtins() {
		if d.Key == "monitoring-identification" {
			def = d
		}
	}
	require.NotEmpty(t, def.Stages)
	at := func(id string) json.RawMessage {
		b, _ := json.Marshal([]store.CurrentStage{{ID: id}})
		return b
	}
	events := func(stages ...string) []timelineEntry {
		var out []timelineEntry
		for _, s := range stages {
			out = append(out, timelineEntry{Stage: s, Action: "approve"})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		status string
		cur    json.RawMessage
		tl     []timelineEntry
		want   []string
	}{
		{"first stage", store.StatusInReview, at("home_check"), events(""),
			[]string{"current", "todo", "todo", "todo", "todo", "todo"}},
		{"on notice", store.StatusInNotice, at("notice"), events("home_check", "data_check", "village_appraisal"),
			[]string{"done", "done", "done", "current", "todo", "todo"}},
		{"between stages", store.StatusInReview, nil, events("home_check", "data_check"),
			[]string{"done", "current", "todo", "todo", "todo", "todo"}},
		{"rejected at the township", store.StatusRejected, nil, events("home_check", "data_check", "village_appraisal", "notice", "township_review"),
			[]string{"done", "done", "done", "done", "ended", "todo"}},
		{"approved", store.StatusMonitoring, nil, events("home_check"),
			[]string{"done", "done", "done", "done", "done", "done"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pg := progressOf(def, store.Case{Status: tc.status, CurrentStages: store.JSON(tc.cur)}, tc.tl)
			var got []string
			for _, st := range pg.Stages {
				got = append(got, st.State)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, stageGap*len(def.Stages), pg.Width)
		})
	}
}
