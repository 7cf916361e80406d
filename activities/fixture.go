package activities

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/assistflow/assistflow/process"
)

//go:embed fixture_sources.json
var fixtureJSON []byte

// FixtureSource answers data checks from a fixed table keyed by source and
// ID number, for `dev` and tests. A member whose ID number is listed under
// a source is a hit, with the listed detail.
type FixtureSource struct {
	records map[string]map[string]string
}

// NewFixtureSource loads the embedded table.
func NewFixtureSource() (*FixtureSource, error) {
	f := &FixtureSource{}
	if err := json.Unmarshal(fixtureJSON, &f.records); err != nil {
		return nil, fmt.Errorf("activities: fixture sources: %w", err)
	}
	return f, nil
}

// Check implements DataSource.
func (f *FixtureSource) Check(_ context.Context, source string, h process.Household) (CheckResult, error) {
	table, ok := f.records[source]
	if !ok {
		return CheckResult{}, fmt.Errorf("unknown data source %q", source)
	}
	res := CheckResult{Source: source, Status: "clear"}
	for _, m := range h.Members {
		if detail, hit := table[m.IDNumber]; hit {
			res.Status = "hit"
			res.Details = append(res.Details, m.Name+": "+detail)
		}
	}
	return res, nil
}
