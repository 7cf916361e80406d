package process

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// Facts are what a stage's `when` condition may look at: the case as known when the stage is
// reached. They are a copy, not the case itself, so a condition cannot reach data (names, ID
// numbers) it has no business deciding on.
type Facts struct {
	Program   string
	Channel   string
	Region    string
	Household HouseholdFacts
}

// HouseholdFacts are the household figures of DOMAIN.md §2 and §7 a condition may test.
type HouseholdFacts struct {
	Size            int
	Category        string
	PerCapitaIncome float64
	AnnualIncome    float64
	RigidSpending   float64
	Risks           []string
	LaborCapacity   bool
	FormerlyPoor    bool
}

// HouseholdKeys are the keys of the `household` map a condition may read. A CEL map would
// accept any key at compile time and fail only when a case reaches the stage, so
// CompileCondition checks selections against this list to catch typos when the definition
// is saved.
var HouseholdKeys = []string{"size", "category", "per_capita_income", "annual_income",
	"rigid_spending", "risks", "labor_capacity", "formerly_poor"}

// Limits that keep an administrator's condition cheap to check and to run inside a workflow.
const (
	maxConditionLength = 2000
	maxConditionCost   = 10000
	conditionCacheSize = 256
)

// conditionEnv declares the facts. The map and filter macros are left out on purpose: over a
// CEL map they yield lists in Go map order, which differs between runs, and a workflow
// condition must give the same answer on replay. has, all, exists and exists_one do not
// depend on order.
var conditionEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("program", cel.StringType),
		cel.Variable("channel", cel.StringType),
		cel.Variable("region", cel.StringType),
		cel.Variable("household", cel.MapType(cel.StringType, cel.DynType)),
		cel.ClearMacros(),
		cel.Macros(cel.HasMacro, cel.AllMacro, cel.ExistsMacro, cel.ExistsOneMacro),
		cel.ParserExpressionSizeLimit(maxConditionLength),
	)
})

// condition is one compiled expression, or the reason it does not compile.
type condition struct {
	program      cel.Program
	alwaysFalse  bool // the expression is the literal false
	compileError error
}

// conditionCache holds compiled conditions by their text. Compilation is deterministic, so
// sharing results between workflows (and replays) cannot change an outcome; the bound keeps
// a stream of distinct expressions from growing memory without limit.
var conditionCache = struct {
	sync.Mutex
	byExpr map[string]*condition
	order  []string // insertion order, oldest first, for eviction
}{byExpr: make(map[string]*condition)}

// CompileCondition reports whether expr is a valid `when` condition: CEL over the facts,
// reading only known household keys, with a boolean (or dynamic) result. The empty
// expression is valid and means true.
func CompileCondition(expr string) error {
	if expr == "" {
		return nil
	}
	return compiled(expr).compileError
}

// EvalCondition evaluates expr over f. The empty expression is true. A result that is not a
// boolean is an error rather than false, so a mistaken condition stops the case visibly
// instead of silently skipping a stage.
func EvalCondition(expr string, f Facts) (bool, error) {
	if expr == "" {
		return true, nil
	}
	c := compiled(expr)
	if c.compileError != nil {
		return false, c.compileError
	}
	out, _, err := c.program.Eval(f.activation())
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", expr, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition %q gave %s, want bool", expr, out.Type().TypeName())
	}
	return b, nil
}

// conditionAlwaysFalse reports whether expr compiles to the literal false: such a stage
// never runs, which Validate reports as unreachable.
func conditionAlwaysFalse(expr string) bool {
	return expr != "" && compiled(expr).alwaysFalse
}

// compiled returns expr's cached compilation, compiling it on a miss.
func compiled(expr string) *condition {
	conditionCache.Lock()
	c, ok := conditionCache.byExpr[expr]
	conditionCache.Unlock()
	if ok {
		return c
	}
	c = compile(expr)
	conditionCache.Lock()
	defer conditionCache.Unlock()
	if _, ok := conditionCache.byExpr[expr]; !ok {
		if len(conditionCache.order) >= conditionCacheSize {
			delete(conditionCache.byExpr, conditionCache.order[0])
			conditionCache.order = conditionCache.order[1:]
		}
		conditionCache.byExpr[expr] = c
		conditionCache.order = append(conditionCache.order, expr)
	}
	return c
}

func compile(expr string) *condition {
	env, err := conditionEnv()
	if err != nil {
		return &condition{compileError: fmt.Errorf("condition environment: %w", err)}
	}
	checked, iss := env.Compile(expr)
	if iss.Err() != nil {
		return &condition{compileError: issuesError(iss)}
	}
	if t := checked.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
		return &condition{compileError: fmt.Errorf("must be a boolean expression, got %s", t)}
	}
	root := checked.NativeRep().Expr()
	if err := checkHouseholdKeys(root); err != nil {
		return &condition{compileError: err}
	}
	prg, err := env.Program(checked, cel.CostLimit(maxConditionCost))
	if err != nil {
		return &condition{compileError: fmt.Errorf("does not compile: %w", err)}
	}
	lit := root.Kind() == ast.LiteralKind && root.AsLiteral() == types.False
	return &condition{program: prg, alwaysFalse: lit}
}

// checkHouseholdKeys rejects household.x and household["x"] for an x that is not a fact.
func checkHouseholdKeys(root ast.Expr) error {
	var bad []string
	ast.PreOrderVisit(root, ast.NewExprVisitor(func(e ast.Expr) {
		if key, ok := householdKey(e); ok && !slices.Contains(HouseholdKeys, key) && !slices.Contains(bad, key) {
			bad = append(bad, key)
		}
	}))
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("household has no %s (known: %s)", quoteList(bad), strings.Join(HouseholdKeys, ", "))
}

// issuesError turns CEL's multi-line report (with a caret under the source) into one line,
// because it ends up in a field list next to the expression it describes.
func issuesError(iss *cel.Issues) error {
	parts := make([]string, 0, len(iss.Errors()))
	for _, e := range iss.Errors() {
		parts = append(parts, fmt.Sprintf("%d:%d: %s", e.Location.Line(), e.Location.Column()+1, e.Message))
	}
	return errors.New("does not compile: " + strings.Join(parts, "; "))
}

// quoteList renders keys as "a", "b".
func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}

// householdKey returns the key e reads from the household map, if e is such a read.
func householdKey(e ast.Expr) (string, bool) {
	switch e.Kind() {
	case ast.SelectKind:
		s := e.AsSelect()
		if isHousehold(s.Operand()) {
			return s.FieldName(), true
		}
	case ast.CallKind:
		c := e.AsCall()
		if c.FunctionName() != operators.Index || len(c.Args()) != 2 || !isHousehold(c.Args()[0]) {
			return "", false
		}
		if k := c.Args()[1]; k.Kind() == ast.LiteralKind {
			if s, ok := k.AsLiteral().Value().(string); ok {
				return s, true
			}
		}
	}
	return "", false
}

func isHousehold(e ast.Expr) bool {
	return e.Kind() == ast.IdentKind && e.AsIdent() == "household"
}

// activation is the variables a condition sees. Numbers become CEL int and double; risks is
// never null, so `"illness" in household.risks` works for a household with no risks.
func (f Facts) activation() map[string]any {
	risks := f.Household.Risks
	if risks == nil {
		risks = []string{}
	}
	return map[string]any{
		"program": f.Program,
		"channel": f.Channel,
		"region":  f.Region,
		"household": map[string]any{
			"size":              int64(f.Household.Size),
			"category":          f.Household.Category,
			"per_capita_income": f.Household.PerCapitaIncome,
			"annual_income":     f.Household.AnnualIncome,
			"rigid_spending":    f.Household.RigidSpending,
			"risks":             risks,
			"labor_capacity":    f.Household.LaborCapacity,
			"formerly_poor":     f.Household.FormerlyPoor,
		},
	}
}
