package process

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Household is what an applicant (or a cadre for them) submits and what every
// reviewer reads: the household is the unit of the monitoring and 低保
// programs (DOMAIN.md §2, §7). Amounts are yuan over the 12 months before the
// application.
type Household struct {
	HeadName    string `json:"head_name"`
	Phone       string `json:"phone"`
	BankAccount string `json:"bank_account,omitempty"`
	// Group is the 村民小组; it is shown on the notice next to the name.
	Group         string `json:"group,omitempty"`
	Category      string `json:"category,omitempty"`
	FormerlyPoor  bool   `json:"formerly_poor,omitempty"`
	Relocated     bool   `json:"relocated,omitempty"`
	CadreRelative bool   `json:"cadre_relative,omitempty"`
	// RelatedOfficials names (by username) the officials who declared a
	// family tie to this household: none of them may decide its case.
	RelatedOfficials []string `json:"related_officials,omitempty"`
	Members          []Member `json:"members"`
	Income           []Amount `json:"income"`
	// ProductionCosts are the costs of earning the business income (seed,
	// fertiliser, feed); net income subtracts them.
	ProductionCosts float64  `json:"production_costs,omitempty"`
	RigidSpending   []Amount `json:"rigid_spending"`
	Risks           []string `json:"risks"`
	HousingGrade    string   `json:"housing_grade,omitempty"`
	// SafeWater is nil when not yet checked, which is not the same as unsafe.
	SafeWater *bool `json:"safe_water,omitempty"`
}

// Member is one person of the household.
type Member struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Relation string `json:"relation"`
	Health   string `json:"health"`
	// DisabilityGrade is the 残疾等级 1 (most severe) to 4, set only when
	// Health is disabled.
	DisabilityGrade int    `json:"disability_grade,omitempty"`
	LaborCapacity   string `json:"labor_capacity"`
	WorkStatus      string `json:"work_status,omitempty"`
	Schooling       string `json:"schooling,omitempty"`
}

// Amount is one line of income (Source) or rigid spending (Kind).
type Amount struct {
	Source string  `json:"source,omitempty"`
	Kind   string  `json:"kind,omitempty"`
	Amount float64 `json:"amount"`
}

// Limits of a household document. The amount cap is far above any household
// in the programs; it catches misplaced decimal points and unit mistakes
// (fen entered as yuan).
const (
	maxHouseholdMembers = 30
	maxRiskTypes        = 9
	maxNameRunes        = 50
	maxAmount           = 10_000_000
)

var (
	mobilePhone   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlinePhone = regexp.MustCompile(`^0\d{2,3}-\d{7,8}$`)
	bankAccount   = regexp.MustCompile(`^\d{12,30}$`)
)

// Validate reports every problem of the household, in document order, with
// paths like "household.members[0].id_number", so a form can mark all fields
// at once. An empty result means the household may be submitted; Err turns
// the result into an error value.
func (h Household) Validate() ValidationError {
	var v ValidationError
	checkText(&v, "household.head_name", h.HeadName, true)
	switch {
	case h.Phone == "":
		v.add("household.phone", "is required")
	case !mobilePhone.MatchString(h.Phone) && !landlinePhone.MatchString(h.Phone):
		v.add("household.phone", "must be an 11-digit mobile number starting 13 to 19, or a landline like 0736-1234567")
	}
	if h.BankAccount != "" && !bankAccount.MatchString(h.BankAccount) {
		v.add("household.bank_account", "must be 12 to 30 digits")
	}
	checkText(&v, "household.group", h.Group, false)
	HouseholdCategories.checkCode(&v, "household.category", h.Category, false)
	h.validateMembers(&v)
	for i, a := range h.Income {
		path := fmt.Sprintf("household.income[%d]", i)
		IncomeSources.checkCode(&v, path+".source", a.Source, true)
		checkAmount(&v, path+".amount", a.Amount)
	}
	checkAmount(&v, "household.production_costs", h.ProductionCosts)
	for i, a := range h.RigidSpending {
		path := fmt.Sprintf("household.rigid_spending[%d]", i)
		RigidSpendingKinds.checkCode(&v, path+".kind", a.Kind, true)
		checkAmount(&v, path+".amount", a.Amount)
	}
	h.validateRisks(&v)
	HousingGrades.checkCode(&v, "household.housing_grade", h.HousingGrade, false)
	return v
}

// validateMembers checks the member list as a whole (size, exactly one
// head) and then each member. The head is found first so that a missing head
// is reported at "household.members", before the members' own fields.
func (h Household) validateMembers(v *ValidationError) {
	switch n := len(h.Members); {
	case n == 0:
		v.add("household.members", "at least one member is required")
	case n > maxHouseholdMembers:
		v.add("household.members", "at most %d members, got %d", maxHouseholdMembers, n)
	}
	c := memberContext{head: -1, headName: h.HeadName, seen: map[string]int{}}
	for i, m := range h.Members {
		if m.Relation == RelationSelf {
			c.head = i
			break
		}
	}
	if c.head < 0 && len(h.Members) > 0 {
		v.add("household.members", "one member must have relation %q (the head of household)", RelationSelf)
	}
	for i, m := range h.Members {
		m.validate(v, i, c)
	}
}

// memberContext is what checking one member needs to know of the others.
type memberContext struct {
	head     int            // index of the first member with relation self, -1 if none
	headName string         // the household's head_name
	seen     map[string]int // normalised ID number → index of the first member with it
}

// validate checks member i, reporting in field order.
func (m Member) validate(v *ValidationError, i int, c memberContext) {
	path := fmt.Sprintf("household.members[%d]", i)
	checkText(v, path+".name", m.Name, true)
	if i == c.head && m.Name != "" && strings.TrimSpace(c.headName) != "" && m.Name != c.headName {
		v.add(path+".name", "must equal head_name: this member is the head of household")
	}
	m.checkIDNumber(v, path+".id_number", i, c.seen)
	Relations.checkCode(v, path+".relation", m.Relation, true)
	if m.Relation == RelationSelf && i != c.head {
		v.add(path+".relation", "only one member may be the head of household; members[%d] already is", c.head)
	}
	HealthStatuses.checkCode(v, path+".health", m.Health, true)
	switch {
	case m.Health == HealthDisabled && m.DisabilityGrade == 0:
		v.add(path+".disability_grade", "is required when health is %q (1 to 4)", HealthDisabled)
	case m.Health == HealthDisabled && (m.DisabilityGrade < 1 || m.DisabilityGrade > 4):
		v.add(path+".disability_grade", "must be 1 to 4, got %d", m.DisabilityGrade)
	case m.Health != HealthDisabled && m.DisabilityGrade != 0:
		v.add(path+".disability_grade", "must be empty unless health is %q", HealthDisabled)
	}
	LaborCapacities.checkCode(v, path+".labor_capacity", m.LaborCapacity, true)
	checkText(v, path+".work_status", m.WorkStatus, false)
	checkText(v, path+".schooling", m.Schooling, false)
}

// checkIDNumber validates the member's ID number and catches a person entered
// twice. The check character is compared case-insensitively, since x and X
// are the same number.
func (m Member) checkIDNumber(v *ValidationError, field string, i int, seen map[string]int) {
	if m.IDNumber == "" {
		v.add(field, "is required")
		return
	}
	if err := ValidIDNumber(m.IDNumber); err != nil {
		v.add(field, "%s", err)
		return
	}
	key := strings.ToUpper(m.IDNumber)
	if first, dup := seen[key]; dup {
		v.add(field, "same ID number as members[%d]", first)
		return
	}
	seen[key] = i
}

// validateRisks wants 1 to 9 distinct known risk types: the first is the
// main risk, the rest are additional ones.
func (h Household) validateRisks(v *ValidationError) {
	switch n := len(h.Risks); {
	case n == 0:
		v.add("household.risks", "at least one risk type is required")
	case n > maxRiskTypes:
		v.add("household.risks", "at most %d risk types, got %d", maxRiskTypes, n)
	}
	seen := map[string]int{}
	for i, r := range h.Risks {
		path := fmt.Sprintf("household.risks[%d]", i)
		RiskTypes.checkCode(v, path, r, true)
		if !RiskTypes.Has(r) {
			continue // already reported; a repeat of a bad key adds nothing
		}
		if first, dup := seen[r]; dup {
			v.add(path, "repeats risks[%d]", first)
		} else {
			seen[r] = i
		}
	}
}

// checkText checks a short free-text field that ends up on screens and
// notices: valid UTF-8, at most 50 runes, no control or formatting
// characters (which break printed notices and can hide text), no markup.
// Blank counts as missing.
func checkText(v *ValidationError, field, s string, required bool) {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			v.add(field, "is required")
		} else if s != "" {
			v.add(field, "must not be only spaces")
		}
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(s) > maxNameRunes:
		v.add(field, "must be at most %d characters, got %d", maxNameRunes, utf8.RuneCountInString(s))
	case strings.IndexFunc(s, isHiddenRune) >= 0:
		v.add(field, "must not contain control or formatting characters")
	case strings.ContainsAny(s, "<>"):
		// No name or short label needs them; refusing markup here keeps it
		// off printed notices and out of any page that forgot to escape.
		v.add(field, "must not contain < or >")
	}
}

// isHiddenRune reports control characters (Cc) and invisible formatting
// characters (Cf) such as bidi overrides, which could make a name on a notice
// read differently from what is stored.
func isHiddenRune(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// checkAmount wants a yuan amount in [0, 10,000,000]; NaN and infinities
// fail the same comparison.
func checkAmount(v *ValidationError, field string, a float64) {
	if !(a >= 0 && a <= maxAmount) {
		v.add(field, "must be between 0 and %d yuan", maxAmount)
	}
}

// AnnualNetIncome is total income minus production costs, never below zero
// (a loss-making farm does not offset wages in the monitoring rules), rounded
// to the fen.
func (h Household) AnnualNetIncome() float64 {
	total := 0.0
	for _, a := range h.Income {
		total += a.Amount
	}
	return roundFen(math.Max(total-h.ProductionCosts, 0))
}

// PerCapitaNetIncome is the figure compared with the monitoring threshold;
// zero for a household without members (which never validates).
func (h Household) PerCapitaNetIncome() float64 {
	if len(h.Members) == 0 {
		return 0
	}
	return roundFen(h.AnnualNetIncome() / float64(len(h.Members)))
}

// TotalRigidSpending sums the rigid spending lines, rounded to the fen.
func (h Household) TotalRigidSpending() float64 {
	total := 0.0
	for _, a := range h.RigidSpending {
		total += a.Amount
	}
	return roundFen(total)
}

// roundFen rounds to 0.01 yuan so binary floating-point noise (5999.999999…)
// cannot decide a threshold comparison in a stage condition.
func roundFen(x float64) float64 {
	return math.Round(x*100) / 100
}

// Facts are what stage conditions (CEL) may see of a household: figures and
// codes, never names, ID numbers or contact data.
func (h Household) Facts() HouseholdFacts {
	labor := false
	for _, m := range h.Members {
		if m.LaborCapacity == LaborNormal || m.LaborCapacity == LaborSkilled {
			labor = true
			break
		}
	}
	return HouseholdFacts{
		Size:            len(h.Members),
		Category:        h.Category,
		PerCapitaIncome: h.PerCapitaNetIncome(),
		AnnualIncome:    h.AnnualNetIncome(),
		RigidSpending:   h.TotalRigidSpending(),
		Risks:           append([]string(nil), h.Risks...),
		LaborCapacity:   labor,
		FormerlyPoor:    h.FormerlyPoor,
	}
}
