package process

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func illHousehold() Facts {
	return Facts{Program: "monitoring", Channel: "self_report", Region: "430721101",
		Household: HouseholdFacts{Size: 4, Category: "marginal", PerCapitaIncome: 6200, AnnualIncome: 24800,
			RigidSpending: 30000, Risks: []string{"illness", "schooling"}, LaborCapacity: true}}
}

func TestEvalCondition(t *testing.T) {
	rich := illHousehold()
	rich.Household.PerCapitaIncome = 12000
	noRisks := illHousehold()
	noRisks.Household.Risks = nil
	for _, tc := range []struct {
		name string
		expr string
		f    Facts
		want bool
	}{
		{"empty is true", "", Facts{}, true},
		{"literal true", "true", Facts{}, true},
		{"literal false", "false", illHousehold(), false},
		{"income and risk", `household.per_capita_income < 7500.0 && "illness" in household.risks`, illHousehold(), true},
		{"income too high", `household.per_capita_income < 7500.0 && "illness" in household.risks`, rich, false},
		{"risk absent", `"disaster" in household.risks`, illHousehold(), false},
		{"no risks at all", `"illness" in household.risks`, noRisks, false},
		{"int against double", "household.size > 3.5", illHousehold(), true},
		{"int field", "household.size >= 4", illHousehold(), true},
		{"bool field", "household.labor_capacity && !household.formerly_poor", illHousehold(), true},
		{"program and channel", `program == "monitoring" && channel != "department_alert"`, illHousehold(), true},
		{"region prefix", `region.startsWith("430721")`, illHousehold(), true},
		{"index form", `household["category"] == "marginal"`, illHousehold(), true},
		{"exists macro", `household.risks.exists(r, r == "schooling")`, illHousehold(), true},
		{"spending over income", "household.rigid_spending > household.annual_income", illHousehold(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, CompileCondition(tc.expr))
			got, err := EvalCondition(tc.expr, tc.f)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestConditionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, expr  string
		compileErr  string // "" when it compiles
		evalErrPart string
	}{
		{"syntax", "household.size >", "does not compile: 1:17: Syntax error", ""},
		{"unknown variable", "income > 1.0", "does not compile: 1:1: undeclared reference to 'income'", ""},
		{"unknown household key", "household.sise > 3", `household has no "sise"`, ""},
		{"unknown household index", `household["sise"] > 3`, `household has no "sise"`, ""},
		{"string result", `program + "x"`, "must be a boolean expression, got string", ""},
		{"map macro left out", "household.risks.map(r, r).size() > 0", "undeclared reference to 'map'", ""},
		{"dynamic non-bool result", "household.category", "", `gave string, want bool`},
		{"dynamic number result", "household.size", "", `gave int, want bool`},
		{"runtime type error", `household.category > 3`, "", "no such overload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CompileCondition(tc.expr)
			_, evalErr := EvalCondition(tc.expr, illHousehold())
			if tc.compileErr != "" {
				require.ErrorContains(t, err, tc.compileErr)
				require.Equal(t, err, evalErr, "Eval reports the compile error")
				return
			}
			require.NoError(t, err)
			require.ErrorContains(t, evalErr, tc.evalErrPart)
		})
	}
}

func TestConditionTooExpensive(t *testing.T) {
	// Compiles fine, but 20^3 comparisons exceed the cost limit, so it stops instead of
	// holding up a workflow task.
	expr := `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19].all(a, [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19].all(b, [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19].all(c, a + b + c >= 0)))`
	require.NoError(t, CompileCondition(expr))
	_, err := EvalCondition(expr, Facts{})
	require.ErrorContains(t, err, "cost limit exceeded")
}

func TestConditionAlwaysFalse(t *testing.T) {
	for expr, want := range map[string]bool{"false": true, " (false) ": true, "true": false, "": false,
		"false && true": false, "household.size < 0": false, "not valid (": false} {
		require.Equal(t, want, conditionAlwaysFalse(expr), expr)
	}
}

func TestConditionCacheIsBounded(t *testing.T) {
	for i := range conditionCacheSize + 20 {
		require.NoError(t, CompileCondition(fmt.Sprintf("household.size > %d", i)))
	}
	conditionCache.Lock()
	defer conditionCache.Unlock()
	require.Len(t, conditionCache.byExpr, conditionCacheSize)
	require.Len(t, conditionCache.order, conditionCacheSize)
}

func TestConditionConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			expr := fmt.Sprintf("household.size > %d", i%4)
			for range 50 {
				got, err := EvalCondition(expr, illHousehold())
				if err != nil || got != (4 > i%4) {
					t.Errorf("%s: got %v, %v", expr, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
