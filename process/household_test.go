package process

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// validHousehold is a three-person marginal household that passes every rule;
// each test row breaks one thing in a fresh copy.
func validHousehold(t testing.TB) Household {
	t.Helper()
	water := true
	return Household{
		HeadName: "张三", Phone: "13912341111", BankAccount: "6222021234567890123",
		Group: "第三村民小组", Category: "marginal",
		Members: []Member{
			{Name: "张三", IDNumber: withCheck(t, "43072119700101123"), Relation: "self",
				Health: "chronic_illness", LaborCapacity: "normal", WorkStatus: "务农"},
			{Name: "李四", IDNumber: withCheck(t, "43072119720202124"), Relation: "spouse",
				Health: "disabled", DisabilityGrade: 2, LaborCapacity: "weak"},
			{Name: "张小明", IDNumber: withCheck(t, "43072120120303125"), Relation: "child",
				Health: "healthy", LaborCapacity: "none", Schooling: "初中"},
		},
		Income:          []Amount{{Source: "wages", Amount: 12000}, {Source: "business", Amount: 8000.5}, {Source: "transfer", Amount: 1500}},
		ProductionCosts: 3000,
		RigidSpending:   []Amount{{Kind: "medical", Amount: 25000}, {Kind: "schooling", Amount: 2000}},
		Risks:           []string{"illness", "disability"},
		HousingGrade:    "B", SafeWater: &water,
	}
}

// idEndingInX returns a valid ID number whose check character is X.
func idEndingInX(t testing.TB) string {
	t.Helper()
	for seq := 100; seq < 1000; seq++ {
		if id := withCheck(t, fmt.Sprintf("43072119800101%03d", seq)); id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no sequence number gives check X")
	return ""
}

// problem is an expected FieldError: the exact path and a part of the message.
type problem struct{ field, message string }

func requireProblems(t *testing.T, got ValidationError, want []problem) {
	t.Helper()
	require.Len(t, got, len(want), "got %v", got)
	for i, w := range want {
		require.Equal(t, w.field, got[i].Field, "problem %d: %v", i, got[i])
		require.Contains(t, got[i].Message, w.message, "problem %d", i)
	}
}

func TestValidHousehold(t *testing.T) {
	h := validHousehold(t)
	require.Empty(t, h.Validate())
	require.NoError(t, h.Validate().Err())
}

func TestHouseholdValidationRules(t *testing.T) {
	long := strings.Repeat("张", 51)
	for _, tc := range []struct {
		name   string
		change func(h *Household)
		want   []problem
	}{
		{"head name missing", func(h *Household) { h.HeadName = "" },
			[]problem{{"household.head_name", "is required"}}},
		{"head name blank", func(h *Household) { h.HeadName = "  " },
			[]problem{{"household.head_name", "is required"}}},
		{"head name too long", func(h *Household) { h.HeadName, h.Members[0].Name = long, long },
			[]problem{{"household.head_name", "at most 50 characters, got 51"}, {"household.members[0].name", "at most 50 characters, got 51"}}},
		{"head name with bidi override", func(h *Household) { h.HeadName, h.Members[0].Name = "张\u202e三", "张\u202e三" },
			[]problem{{"household.head_name", "control or formatting characters"}, {"household.members[0].name", "control or formatting"}}},
		{"head name with middle dot", func(h *Household) { h.HeadName, h.Members[0].Name = "阿不都·热合曼", "阿不都·热合曼" }, nil},
		{"head name with newline", func(h *Household) { h.HeadName, h.Members[0].Name = "张\n三", "张\n三" },
			[]problem{{"household.head_name", "control or formatting characters"}, {"household.members[0].name", "control or formatting characters"}}},
		{"head name not UTF-8", func(h *Household) { h.HeadName, h.Members[0].Name = "\xff", "\xff" },
			[]problem{{"household.head_name", "valid UTF-8"}, {"household.members[0].name", "valid UTF-8"}}},
		{"head name differs from the self member", func(h *Household) { h.HeadName = "王五" },
			[]problem{{"household.members[0].name", "must equal head_name"}}},
		{"phone missing", func(h *Household) { h.Phone = "" },
			[]problem{{"household.phone", "is required"}}},
		{"phone not a mobile prefix", func(h *Household) { h.Phone = "12912341111" },
			[]problem{{"household.phone", "11-digit mobile number"}}},
		{"phone 10 digits", func(h *Household) { h.Phone = "1391234111" },
			[]problem{{"household.phone", "11-digit mobile number"}}},
		{"phone landline", func(h *Household) { h.Phone = "0736-1234567" }, nil},
		{"phone landline without area code", func(h *Household) { h.Phone = "1234567" },
			[]problem{{"household.phone", "landline like 0736-1234567"}}},
		{"bank account too short", func(h *Household) { h.BankAccount = "12345678901" },
			[]problem{{"household.bank_account", "must be 12 to 30 digits"}}},
		{"bank account with spaces", func(h *Household) { h.BankAccount = "6222 0212 3456 7890" },
			[]problem{{"household.bank_account", "must be 12 to 30 digits"}}},
		{"bank account optional", func(h *Household) { h.BankAccount = "" }, nil},
		{"group with control character", func(h *Household) { h.Group = "三组\t" },
			[]problem{{"household.group", "control or formatting characters"}}},
		{"group only spaces", func(h *Household) { h.Group = "  " },
			[]problem{{"household.group", "must not be only spaces"}}},
		{"category unknown", func(h *Household) { h.Category = "poor" },
			[]problem{{"household.category", `"poor" is not one of: unstable_former_poor, marginal, sudden_hardship`}}},
		{"category optional", func(h *Household) { h.Category = "" }, nil},
		{"no members", func(h *Household) { h.Members = nil },
			[]problem{{"household.members", "at least one member is required"}}},
		{"too many members", func(h *Household) { h.Members = manyMembers(t, 31) },
			[]problem{{"household.members", "at most 30 members, got 31"}}},
		{"thirty members", func(h *Household) { h.Members = manyMembers(t, 30) }, nil},
		{"no head of household", func(h *Household) { h.Members[0].Relation = "other" },
			[]problem{{"household.members", `one member must have relation "self"`}}},
		{"two heads of household", func(h *Household) { h.Members[1].Relation = "self" },
			[]problem{{"household.members[1].relation", "only one member may be the head of household; members[0] already is"}}},
		{"member name missing", func(h *Household) { h.Members[1].Name = "" },
			[]problem{{"household.members[1].name", "is required"}}},
		{"member name too long", func(h *Household) { h.Members[2].Name = long },
			[]problem{{"household.members[2].name", "at most 50 characters"}}},
		{"id number missing", func(h *Household) { h.Members[1].IDNumber = "" },
			[]problem{{"household.members[1].id_number", "is required"}}},
		{"id number invalid", func(h *Household) { h.Members[1].IDNumber = wrongCheck(h.Members[1].IDNumber) },
			[]problem{{"household.members[1].id_number", "check character does not match"}}},
		{"id number duplicated", func(h *Household) { h.Members[2].IDNumber = h.Members[1].IDNumber },
			[]problem{{"household.members[2].id_number", "same ID number as members[1]"}}},
		{"id number duplicated with x and X", func(h *Household) {
			h.Members[1].IDNumber = idEndingInX(t)
			h.Members[2].IDNumber = strings.ToLower(h.Members[1].IDNumber)
		}, []problem{{"household.members[2].id_number", "same ID number as members[1]"}}},
		{"relation missing", func(h *Household) { h.Members[1].Relation = "" },
			[]problem{{"household.members[1].relation", "is required; one of: self, spouse"}}},
		{"relation unknown", func(h *Household) { h.Members[1].Relation = "wife" },
			[]problem{{"household.members[1].relation", `"wife" is not one of`}}},
		{"health unknown", func(h *Household) { h.Members[2].Health = "sick" },
			[]problem{{"household.members[2].health", `"sick" is not one of: healthy, chronic_illness, serious_illness, disabled`}}},
		{"disability grade missing", func(h *Household) { h.Members[1].DisabilityGrade = 0 },
			[]problem{{"household.members[1].disability_grade", `is required when health is "disabled"`}}},
		{"disability grade out of range", func(h *Household) { h.Members[1].DisabilityGrade = 5 },
			[]problem{{"household.members[1].disability_grade", "must be 1 to 4, got 5"}}},
		{"disability grade without disability", func(h *Household) { h.Members[2].DisabilityGrade = 1 },
			[]problem{{"household.members[2].disability_grade", `must be empty unless health is "disabled"`}}},
		{"labor capacity missing", func(h *Household) { h.Members[0].LaborCapacity = "" },
			[]problem{{"household.members[0].labor_capacity", "is required"}}},
		{"labor capacity unknown", func(h *Household) { h.Members[0].LaborCapacity = "strong" },
			[]problem{{"household.members[0].labor_capacity", `"strong" is not one of`}}},
		{"work status with control character", func(h *Household) { h.Members[0].WorkStatus = "务\x07农" },
			[]problem{{"household.members[0].work_status", "control or formatting characters"}}},
		{"income source missing", func(h *Household) { h.Income[1].Source = "" },
			[]problem{{"household.income[1].source", "is required"}}},
		{"income source unknown", func(h *Household) { h.Income[1].Source = "relief" },
			[]problem{{"household.income[1].source", `"relief" is not one of: wages, business, property, transfer`}}},
		{"income negative", func(h *Household) { h.Income[0].Amount = -1 },
			[]problem{{"household.income[0].amount", "must be between 0 and 10000000 yuan"}}},
		{"income too large", func(h *Household) { h.Income[2].Amount = 10_000_000.01 },
			[]problem{{"household.income[2].amount", "must be between 0 and 10000000 yuan"}}},
		{"income not a number", func(h *Household) { h.Income[2].Amount = math.NaN() },
			[]problem{{"household.income[2].amount", "must be between 0 and 10000000 yuan"}}},
		{"income at the cap", func(h *Household) { h.Income[2].Amount = 10_000_000 }, nil},
		{"production costs negative", func(h *Household) { h.ProductionCosts = -5 },
			[]problem{{"household.production_costs", "must be between 0 and 10000000 yuan"}}},
		{"rigid spending kind unknown", func(h *Household) { h.RigidSpending[0].Kind = "food" },
			[]problem{{"household.rigid_spending[0].kind", `"food" is not one of: medical, schooling, rehabilitation, disaster`}}},
		{"rigid spending kind in source", func(h *Household) { h.RigidSpending[1] = Amount{Source: "medical", Amount: 1} },
			[]problem{{"household.rigid_spending[1].kind", "is required"}}},
		{"rigid spending too large", func(h *Household) { h.RigidSpending[1].Amount = math.Inf(1) },
			[]problem{{"household.rigid_spending[1].amount", "must be between 0 and 10000000 yuan"}}},
		{"risks missing", func(h *Household) { h.Risks = nil },
			[]problem{{"household.risks", "at least one risk type is required"}}},
		{"risk unknown", func(h *Household) { h.Risks = []string{"illness", "poverty"} },
			[]problem{{"household.risks[1]", `"poverty" is not one of: illness, schooling`}}},
		{"risk repeated", func(h *Household) { h.Risks = []string{"illness", "disaster", "illness"} },
			[]problem{{"household.risks[2]", "repeats risks[0]"}}},
		{"all nine risks", func(h *Household) { h.Risks = RiskTypes.Keys() }, nil},
		{"ten risks", func(h *Household) { h.Risks = append(RiskTypes.Keys(), "illness") },
			[]problem{{"household.risks", "at most 9 risk types, got 10"}, {"household.risks[9]", "repeats risks[0]"}}},
		{"housing grade unknown", func(h *Household) { h.HousingGrade = "E" },
			[]problem{{"household.housing_grade", `"E" is not one of: A, B, C, D`}}},
		{"housing grade lowercase", func(h *Household) { h.HousingGrade = "c" },
			[]problem{{"household.housing_grade", `"c" is not one of`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := validHousehold(t)
			tc.change(&h)
			requireProblems(t, h.Validate(), tc.want)
		})
	}
}

// manyMembers returns a head and n-1 children with distinct ID numbers.
func manyMembers(t testing.TB, n int) []Member {
	t.Helper()
	members := make([]Member, n)
	for i := range members {
		members[i] = Member{Name: fmt.Sprintf("子%d", i), Relation: "child", Health: "healthy", LaborCapacity: "normal",
			IDNumber: withCheck(t, fmt.Sprintf("43072120000101%03d", i))}
	}
	members[0].Name, members[0].Relation = "张三", "self"
	return members
}

func TestHouseholdReportsEveryProblemInDocumentOrder(t *testing.T) {
	h := validHousehold(t)
	h.HousingGrade = "Z"
	h.Risks = []string{"illness", "illness"}
	h.Income[0].Amount = -3
	h.Members[2].IDNumber = "43072119900101123"
	h.Members[1].Relation = "self"
	h.Members[1].Health = "healthy" // grade 2 left behind
	h.Phone = "110"
	h.HeadName = ""

	got := h.Validate()
	requireProblems(t, got, []problem{
		{"household.head_name", "is required"},
		{"household.phone", "mobile number"},
		{"household.members[1].relation", "only one member may be the head"},
		{"household.members[1].disability_grade", "must be empty"},
		{"household.members[2].id_number", "must be 18 characters, got 17"},
		{"household.income[0].amount", "between 0 and"},
		{"household.risks[1]", "repeats risks[0]"},
		{"household.housing_grade", `"Z"`},
	})
	require.ErrorContains(t, got.Err(), "household.head_name: is required; household.phone:")
}

func TestHouseholdJSONNames(t *testing.T) {
	b, err := json.Marshal(validHousehold(t))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Subset(t, slices.Collect(maps.Keys(doc)), []string{"head_name", "phone", "bank_account", "group", "category", "members",
		"income", "production_costs", "rigid_spending", "risks", "housing_grade", "safe_water"})
	require.NotContains(t, doc, "formerly_poor", "false flags are omitted")
	member := doc["members"].([]any)[1].(map[string]any)
	require.ElementsMatch(t, []string{"name", "id_number", "relation", "health", "disability_grade", "labor_capacity"},
		slices.Collect(maps.Keys(member)))
	var back Household
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, validHousehold(t), back)
}

func TestHouseholdIncome(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		income                 []float64
		costs                  float64
		members                int
		wantNet, wantPerCapita float64
	}{
		{"example household", []float64{12000, 8000.5, 1500}, 3000, 3, 18500.5, 6166.83},
		{"no income", nil, 0, 2, 0, 0},
		{"costs above income floor at zero", []float64{1000}, 2500, 2, 0, 0},
		{"fen rounding removes float noise", []float64{0.1, 0.2}, 0, 1, 0.3, 0.3},
		{"per capita rounds half away from zero", []float64{10}, 0, 3, 10, 3.33},
		{"no members", []float64{5000}, 0, 0, 5000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Household
			for _, a := range tc.income {
				h.Income = append(h.Income, Amount{Source: "wages", Amount: a})
			}
			h.ProductionCosts = tc.costs
			h.Members = make([]Member, tc.members)
			require.Equal(t, tc.wantNet, h.AnnualNetIncome())
			require.Equal(t, tc.wantPerCapita, h.PerCapitaNetIncome())
		})
	}
	h := validHousehold(t)
	require.Equal(t, 27000.0, h.TotalRigidSpending())
	h.RigidSpending = []Amount{{Kind: "medical", Amount: 0.1}, {Kind: "disaster", Amount: 0.2}}
	require.Equal(t, 0.3, h.TotalRigidSpending())
}

func TestHouseholdFacts(t *testing.T) {
	h := validHousehold(t)
	h.FormerlyPoor = true
	facts := h.Facts()
	require.Equal(t, HouseholdFacts{
		Size: 3, Category: "marginal", PerCapitaIncome: 6166.83, AnnualIncome: 18500.5,
		RigidSpending: 27000, Risks: []string{"illness", "disability"}, LaborCapacity: true, FormerlyPoor: true,
	}, facts)

	facts.Risks[0] = "changed"
	require.Equal(t, "illness", h.Risks[0], "facts must not alias the household")

	for _, tc := range []struct {
		capacity string
		want     bool
	}{{"normal", true}, {"skilled", true}, {"weak", false}, {"lost", false}, {"none", false}} {
		h := validHousehold(t)
		for i := range h.Members {
			h.Members[i].LaborCapacity = "none"
		}
		h.Members[2].LaborCapacity = tc.capacity
		require.Equal(t, tc.want, h.Facts().LaborCapacity, tc.capacity)
	}
}

func TestCodeLists(t *testing.T) {
	for _, l := range []CodeList{Channels, HouseholdCategories, Relations, HealthStatuses, LaborCapacities,
		IncomeSources, RigidSpendingKinds, RiskTypes, HousingGrades} {
		seen := map[string]bool{}
		for _, c := range l {
			require.False(t, seen[c.Key], "duplicate key %q", c.Key)
			require.True(t, c.Zh != "" && c.En != "", "labels of %q", c.Key)
			seen[c.Key] = true
		}
	}
	require.True(t, Relations.Has(RelationSelf) && HealthStatuses.Has(HealthDisabled))
	require.False(t, RiskTypes.Has("Illness"), "keys are case-sensitive")
	require.Equal(t, []string{"因病", "因病", "Illness"},
		[]string{RiskTypes.Label("illness", "zh"), RiskTypes.Label("illness", ""), RiskTypes.Label("illness", "en")})
	require.Equal(t, "retired_code", RiskTypes.Label("retired_code", "zh"), "unknown keys show as themselves")
	require.Equal(t, "仅中文", CodeList{{Key: "k", Zh: "仅中文"}}.Label("k", "en"), "English falls back to Chinese")
}
