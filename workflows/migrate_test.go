package workflows_test

import (
	"testing"

	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/stretchr/testify/require"
)

// returnDefV2 adds a county data check before the county decides.
const returnDefV2 = `
key: return-test
version: 2
program: dibao
name: {zh: 退回测试}
stages:
  - {id: village_check, kind: review, role: village_officer, level: village, actions: [approve, reject]}
  - {id: township_review, kind: review, role: township_clerk, level: township, actions: [approve, reject, return]}
  - {id: data_check, kind: data_check, sources: [vehicles]}
  - {id: county_check, kind: review, role: county_approver, level: county, actions: [approve, reject, return]}
`

// TestMigrateRunningCase moves a case waiting in township_check of v1 onto
// township_review of v2: the open task is cancelled, the v2 stage opens,
// the case finishes on v2 and the case row says so. A mapping that does
// not name the current stage, or names a stage v2 lacks, is refused and
// changes nothing.
func TestMigrateRunningCase(t *testing.T) {
	h := newHarness(t)
	v1 := definition(t, returnDef)
	v1.Version = 1
	v2 := definition(t, returnDefV2)
	in := h.approvalInput(v1, household())
	h.decide("village_check", "village_officer", approve())
	migrate := func(mapping map[string]string) *outcome {
		o := &outcome{desc: "migrate"}
		h.when("migrate", h.isOpen("township_check"), func() {
			h.send(h.wfID, workflows.UpdateMigrate, o, workflows.Migration{ActorID: h.user("admin"), To: v2, Mapping: mapping})
		})
		return o
	}
	unmapped := migrate(map[string]string{"village_check": "village_check"})
	missing := migrate(map[string]string{"township_check": "nowhere"})
	moved := migrate(map[string]string{"township_check": "township_review"})
	h.decide("township_review", "township_clerk", approve())
	h.decide("county_check", "county_approver", approve())
	status := h.mustApprove(in)

	unmapped.requireRejected(t, workflows.RejectInvalid, "stage township_check has no mapping to version 2")
	missing.requireRejected(t, workflows.RejectInvalid, "version 2 has no stage nowhere")
	require.Equal(t, "township_review", moved.requireAccepted(t).Stage)
	require.Equal(t, store.StatusApproved, status)
	row := h.caseRow()
	require.Equal(t, 2, row.DefinitionVersion, "the case row names the version it finished on")
	old := h.tasksAt("township_check")
	require.Len(t, old, 1)
	require.Equal(t, store.TaskCancelled, old[0].Status)
	require.Equal(t, []string{"submitted", "village_check:approve", "township_check:migrated",
		"township_review:approve", "data_check:data_checked", "county_check:approve", "approved"}, actions(h.timeline()))
}
