package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
)

// DataSource answers one data-comparison question about a household:
// vehicles, real estate, business registration, public payroll, pensions.
// Production sources are provincial data-sharing services; dev and tests use
// FixtureSource.
type DataSource interface {
	Check(ctx context.Context, source string, h process.Household) (CheckResult, error)
}

// CheckResult is one source's answer.
type CheckResult struct {
	Source  string   `json:"source"`
	Status  string   `json:"status"` // clear | hit | unavailable
	Details []string `json:"details,omitempty"`
}

// DataCheckReport is what later reviewers read.
type DataCheckReport struct {
	Results []CheckResult `json:"results"`
	Hits    int           `json:"hits"`
}

// DataCheckInput asks for a comparison of a case's household.
type DataCheckInput struct {
	Key     string
	CaseID  int64
	Stage   string
	Sources []string
	At      time.Time
}

// RunDataCheck queries every configured source and stores the report. A
// source that fails is reported as unavailable rather than failing the
// case: reviewers decide with what is known.
func (a *Activities) RunDataCheck(ctx context.Context, in DataCheckInput) (DataCheckReport, error) {
	c, err := a.Store.Case(ctx, in.CaseID)
	if err != nil {
		return DataCheckReport{}, boundary(err)
	}
	var h process.Household
	if err := json.Unmarshal(c.Household, &h); err != nil {
		return DataCheckReport{}, boundary(fmt.Errorf("%w: case %d household: %w", store.ErrInvalid, c.ID, err))
	}
	var rep DataCheckReport
	for _, src := range in.Sources {
		res, err := a.Sources.Check(ctx, src, h)
		if err != nil {
			a.logger(ctx).Warn("data source unavailable", "source", src, "case", in.CaseID)
			res = CheckResult{Source: src, Status: "unavailable"}
		}
		if res.Status == "hit" {
			rep.Hits++
		}
		rep.Results = append(rep.Results, res)
	}
	body, _ := json.Marshal(rep)
	if err := a.Store.SaveDataCheckReport(ctx, store.DataCheckReport{ReportKey: in.Key, CaseID: in.CaseID,
		Stage: in.Stage, Report: body}); err != nil {
		return DataCheckReport{}, boundary(err)
	}
	err = a.Store.AppendEvent(ctx, store.CaseEvent{EventKey: in.Key, CaseID: in.CaseID, At: in.At,
		Stage: in.Stage, Action: "data_checked", Comment: fmt.Sprintf("%d/%d", rep.Hits, len(rep.Results))})
	return rep, boundary(err)
}
