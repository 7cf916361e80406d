package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
)

// TestOrphanCaseIsStarted: a case stored by a process that died before it
// started the workflow is picked up when the API starts again.
func TestOrphanCaseIsStarted(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	st := openDataDir(t, dataDir)
	require.NoError(t, st.Migrate(ctx))
	_, err := st.SeedDemo(ctx)
	require.NoError(t, err)
	for _, d := range process.Builtins() {
		require.NoError(t, st.PublishBuiltin(ctx, d.Key, d.JSON()))
	}
	u, err := st.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	var h process.Household
	raw, _ := json.Marshal(household("孙九"))
	require.NoError(t, json.Unmarshal(raw, &h))
	orphan, created, err := st.CreateCase(ctx, store.NewCase{Program: "monitoring", RegionCode: store.DemoVillage,
		Channel: "self_report", ApplicantID: u.ID, SubmittedBy: u.ID, IdempotencyKey: "orphan",
		DefinitionKey: "monitoring-identification", DefinitionVersion: 1, HeadName: h.HeadName,
		HouseholdSize: len(h.Members), Household: h})
	require.NoError(t, err)
	require.True(t, created)
	require.NoError(t, st.Close())

	d := startDev(t, dataDir)
	officer := d.login("village_officer")
	require.Eventually(t, func() bool {
		_, ok := d.openTask(officer, orphan.ID)
		return ok
	}, 30*time.Second, 200*time.Millisecond, "the orphan case's first task appears")
}
