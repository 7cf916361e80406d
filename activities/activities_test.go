package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/assistflow/assistflow/internal/storetest"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestBoundaryDecidesRetries(t *testing.T) {
	for _, tc := range []struct {
		err       error
		retryable bool
		typ       string
	}{
		{fmt.Errorf("%w: region 1", store.ErrInvalid), false, ErrTypeInvalid},
		{store.ErrNotFound, false, ErrTypeNotFound},
		{fmt.Errorf("%w: task 3 is decided", store.ErrConflict), false, ErrTypeConflict},
		{errors.New("database is locked"), true, ""},
	} {
		err := boundary(tc.err)
		var app *temporal.ApplicationError
		if !tc.retryable {
			require.ErrorAs(t, err, &app)
			require.True(t, app.NonRetryable())
			require.Equal(t, tc.typ, app.Type())
		} else {
			require.False(t, errors.As(err, &app), "transient errors stay plain, so Temporal retries them")
		}
	}
	require.NoError(t, boundary(nil))
}

// brokenSource stands for a provincial data service that is down.
type brokenSource struct{}

func (brokenSource) Check(context.Context, string, process.Household) (CheckResult, error) {
	return CheckResult{}, errors.New("connection refused")
}

func TestRunDataCheck(t *testing.T) {
	ctx := context.Background()
	st := storetest.Demo(t)
	u, err := st.UserByUsername(ctx, "applicant")
	require.NoError(t, err)
	h := process.Household{HeadName: "周八", Members: []process.Member{{Name: "周八", IDNumber: "430721198001010013"}}}
	c, _, err := st.CreateCase(ctx, store.NewCase{Program: "dibao", RegionCode: store.DemoVillage, Channel: "self_report",
		ApplicantID: u.ID, SubmittedBy: u.ID, IdempotencyKey: "k", DefinitionKey: "dibao-application",
		DefinitionVersion: 1, HeadName: h.HeadName, HouseholdSize: 1, Household: h})
	require.NoError(t, err)
	fixture, err := NewFixtureSource()
	require.NoError(t, err)

	a := &Activities{Store: st, Sources: fixture}
	in := DataCheckInput{Key: "case/1/data_check/1/report", CaseID: c.ID, Stage: "data_check",
		Sources: []string{"vehicles", "real_estate", "pension"}, At: time.Now()}
	rep, err := a.RunDataCheck(ctx, in)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Hits, "vehicle and real-estate records of this ID number are hits")
	_, err = a.RunDataCheck(ctx, in)
	require.NoError(t, err, "a retry is harmless")
	stored, err := st.DataCheckReports(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, stored, 1, "one report per key")

	down := &Activities{Store: st, Sources: brokenSource{}}
	in.Key = "case/1/data_check/2/report"
	rep, err = down.RunDataCheck(ctx, in)
	require.NoError(t, err, "a source that is down does not fail the case")
	var statuses []string
	for _, r := range rep.Results {
		statuses = append(statuses, r.Status)
	}
	require.Equal(t, []string{"unavailable", "unavailable", "unavailable"}, statuses)
	raw, _ := json.Marshal(rep)
	require.NotContains(t, string(raw), "connection refused", "reviewers see the status, not the internals")
}
