package activities

import (
	"context"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
)

// TestApplyWritesABatchOnceInOneTransaction: a decision's batch closes its
// task, opens the next and projects the case; sent again (a retry after a
// crash) it changes nothing and answers the same task id; a batch whose
// last write fails leaves none of its writes behind.
func TestApplyWritesABatchOnceInOneTransaction(t *testing.T) {
	ctx := context.Background()
	st := storetest.Demo(t)
	u, err := st.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	officer, err := st.UserByUsername(ctx, "village_officer")
	require.NoError(t, err)
	h := process.Household{HeadName: "周八", Members: []process.Member{{Name: "周八", IDNumber: "430721198001010013"}}}
	c, _, err := st.CreateCase(ctx, store.NewCase{Program: "dibao", RegionCode: store.DemoVillage, Channel: "self_report",
		ApplicantID: u.ID, SubmittedBy: u.ID, IdempotencyKey: "k", DefinitionKey: "dibao-application",
		DefinitionVersion: 1, HeadName: h.HeadName, HouseholdSize: 1, Household: h})
	require.NoError(t, err)

	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	acts := &Activities{Store: st}
	env.RegisterActivity(acts)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	open := func(stage string) *OpenTaskInput {
		return &OpenTaskInput{Key: "case/x/" + stage + "/1", CaseID: c.ID, Stage: stage, StageName: stage, Kind: "review",
			Role: "village_officer", RegionCode: store.DemoVillage, Actions: []string{"approve"}}
	}
	apply := func(writes ...Write) (Applied, error) {
		v, err := env.ExecuteActivity(acts.Apply, writes)
		if err != nil {
			return Applied{}, err
		}
		var res Applied
		require.NoError(t, v.Get(&res))
		return res, nil
	}

	first, err := apply(Write{Event: &EventInput{Key: "case/x/event/1", CaseID: c.ID, At: at, Action: "submitted"}},
		Write{Open: open("village_check")}, Write{Project: &ProjectInput{CaseID: c.ID, Seq: 1, Status: store.StatusInReview}})
	require.NoError(t, err)
	taskID := first.TaskIDs["case/x/village_check/1"]
	require.NotZero(t, taskID)

	decision := []Write{{Close: &CloseTaskInput{TaskID: taskID, Action: "approve", ActorID: officer.ID,
		ActorRole: "village_officer", At: at.Add(time.Hour)}}, {Open: open("township_check")},
		{Project: &ProjectInput{CaseID: c.ID, Seq: 2, Status: store.StatusInReview}}}
	second, err := apply(decision...)
	require.NoError(t, err)
	again, err := apply(decision...)
	require.NoError(t, err, "a retried batch is harmless")
	require.Equal(t, second, again)

	tasks, err := st.TasksOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, tasks, 2)
	require.Equal(t, store.TaskDecided, tasks[0].Status)
	require.Equal(t, store.TaskOpen, tasks[1].Status)
	audits, err := st.AuditOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, audits, 1, "one decision, one audit event")

	// The batch fails at its last write (a task that does not exist): the
	// task it opened before that is not there.
	_, err = apply(Write{Open: open("county_check")},
		Write{Close: &CloseTaskInput{TaskID: 999999, Action: "approve", ActorID: officer.ID, At: at}})
	require.Error(t, err)
	tasks, err = st.TasksOfCase(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, tasks, 2, "nothing of a failed batch is written")
}
