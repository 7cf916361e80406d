package workflows_test

import (
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

const deadlineDef = `
key: deadline-test
program: dibao
name: {zh: 时限测试}
stages:
  - id: village_check
    kind: review
    role: village_officer
    level: village
    sla: {duration: PT1H}
    actions: [approve, reject]
  - {id: township_check, kind: review, role: township_approver, level: township, actions: [approve, reject]}
`

// TestDeadlineEscalation: at 80% of a task's time limit its role is
// reminded; at 100% the task is marked overdue and the level above is told.
// A task decided in time causes neither.
func TestDeadlineEscalation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		decideAt  time.Duration
		wantKinds []string
	}{
		{"decided in time", 30 * time.Minute, nil},
		{"decided after the reminder", 55 * time.Minute, []string{"reminder"}},
		{"decided late", 2 * time.Hour, []string{"reminder", "overdue", "escalation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			in := h.approvalInput(definition(t, deadlineDef), household())
			h.wait(tc.decideAt)
			h.decide("village_check", "village_officer", approve())
			h.decide("township_check", "township_approver", approve())
			require.Equal(t, store.StatusApproved, h.mustApprove(in))

			var kinds []string
			for _, n := range h.notifications() {
				kinds = append(kinds, n.Kind)
				switch n.Kind {
				case "reminder", "overdue":
					require.Equal(t, process.RoleVillageOfficer, n.Role)
					require.Equal(t, h.pathOf("village"), n.RegionPath)
				case "escalation":
					require.Empty(t, n.Role, "everyone responsible at the level above")
					require.Equal(t, h.pathOf("township"), n.RegionPath)
				}
				require.Contains(t, n.Message, "village_check")
			}
			require.Equal(t, tc.wantKinds, kinds)

			task := h.tasksAt("village_check")
			require.Len(t, task, 1)
			late := tc.decideAt > time.Hour
			require.Equal(t, late, task[0].Overdue)
			require.Equal(t, process.ActionApprove, task[0].Decision, "an overdue task can still be decided")

			hist := historyOf(h.state())
			require.Equal(t, len(tc.wantKinds) > 0, contains(hist, "village_check:reminded"))
			require.Equal(t, late, contains(hist, "village_check:overdue"))
			if late {
				opened := openedAt(t, h.state(), "village_check")
				for _, e := range h.state().History {
					switch e.Action {
					case "reminded":
						require.Equal(t, opened.Add(48*time.Minute), e.At)
					case "overdue":
						require.Equal(t, opened.Add(time.Hour), e.At)
					}
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
