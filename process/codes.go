package process

import "strings"

// Code is one entry of a code list: the stable key stored in cases and
// definitions, and the labels people read. Keys never change once cases use
// them; labels may be reworded freely.
type Code struct {
	Key string `json:"key"`
	Zh  string `json:"zh"`
	En  string `json:"en"`
}

// CodeList is an ordered code list. The order is the order forms and reports
// show, so it is a slice rather than a map.
type CodeList []Code

// Has reports whether key is in the list. Keys are case-sensitive: they are
// identifiers, not free text.
func (l CodeList) Has(key string) bool {
	for _, c := range l {
		if c.Key == key {
			return true
		}
	}
	return false
}

// Label returns the label of key in lang ("en" for English, anything else for
// Chinese, the language of the paperwork). An unknown key is returned as is,
// so a case recorded under a since-removed code still shows something.
func (l CodeList) Label(key, lang string) string {
	for _, c := range l {
		if c.Key != key {
			continue
		}
		if lang == "en" && c.En != "" {
			return c.En
		}
		return c.Zh
	}
	return key
}

// Keys returns the keys in list order, for messages that say what is allowed.
func (l CodeList) Keys() []string {
	keys := make([]string, len(l))
	for i, c := range l {
		keys[i] = c.Key
	}
	return keys
}

// checkCode reports a missing (when required) or unknown key at field. The
// message lists the allowed keys so the caller can fix the input in one go.
func (l CodeList) checkCode(v *ValidationError, field, key string, required bool) {
	switch {
	case key == "" && required:
		v.add(field, "is required; one of: %s", strings.Join(l.Keys(), ", "))
	case key != "" && !l.Has(key):
		v.add(field, "%q is not one of: %s", key, strings.Join(l.Keys(), ", "))
	}
}

// The code lists of DOMAIN.md §2 and §7. They are variables, not constants,
// because provinces extend them (risk types above all): a deployment may
// append entries at start-up, before any case is validated, and must not
// change them afterwards.
var (
	// Channels are how a case was discovered (DOMAIN.md §2).
	Channels = CodeList{
		{"self_report", "农户自主申报", "Self-report by the household"},
		{"cadre_screening", "基层干部排查", "Screening by village cadres"},
		{"department_alert", "部门筛查预警", "Department alert"},
		{"supervision", "监督反馈", "Supervision feedback"},
		{"analytics", "平台分析", "Platform analytics"},
	}

	// HouseholdCategories are the three kinds of monitoring object.
	HouseholdCategories = CodeList{
		{"unstable_former_poor", "脱贫不稳定户", "Formerly poor, unstable"},
		{"marginal", "边缘易致贫户", "Marginal, prone to poverty"},
		{"sudden_hardship", "突发严重困难户", "Sudden severe hardship"},
	}

	// Relations are a member's relation to the head of household.
	Relations = CodeList{
		{RelationSelf, "户主", "Head of household"},
		{"spouse", "配偶", "Spouse"},
		{"child", "子女", "Child"},
		{"parent", "父母", "Parent"},
		{"grandchild", "孙子女", "Grandchild"},
		{"grandparent", "祖父母", "Grandparent"},
		{"sibling", "兄弟姐妹", "Sibling"},
		{"daughter_in_law", "儿媳", "Daughter-in-law"},
		{"son_in_law", "女婿", "Son-in-law"},
		{"other", "其他", "Other"},
	}

	// HealthStatuses follow the national monitoring system's health field.
	HealthStatuses = CodeList{
		{"healthy", "健康", "Healthy"},
		{"chronic_illness", "长期慢性病", "Chronic illness"},
		{"serious_illness", "患有大病", "Serious illness"},
		{HealthDisabled, "残疾", "Disabled"},
	}

	// LaborCapacities follow the national monitoring system's labour field.
	LaborCapacities = CodeList{
		{LaborNormal, "普通劳动力", "Normal labour"},
		{LaborSkilled, "技能劳动力", "Skilled labour"},
		{"weak", "弱劳动力或半劳动力", "Weak or partial labour"},
		{"lost", "丧失劳动力", "Lost labour capacity"},
		{"none", "无劳动力", "No labour capacity"},
	}

	// IncomeSources are the four income categories of the statistics
	// bureau; one-off relief is not income and has no code.
	IncomeSources = CodeList{
		{"wages", "工资性收入", "Wages"},
		{"business", "生产经营性收入", "Business and farming"},
		{"property", "财产性收入", "Property income"},
		{"transfer", "转移性收入", "Transfers"},
	}

	// RigidSpendingKinds are the unavoidable expenses that make a household
	// a sudden-hardship case even when its income is above the range.
	RigidSpendingKinds = CodeList{
		{"medical", "医疗自付支出", "Medical self-pay"},
		{"schooling", "教育支出", "Schooling"},
		{"rehabilitation", "康复支出", "Rehabilitation"},
		{"disaster", "灾害损失", "Disaster losses"},
	}

	// RiskTypes are the causes of risk; provinces extend this list.
	RiskTypes = CodeList{
		{"illness", "因病", "Illness"},
		{"schooling", "因学", "Schooling"},
		{"disability", "因残", "Disability"},
		{"disaster", "因自然灾害", "Natural disaster"},
		{"accident", "因意外事故", "Accident"},
		{"business_failure", "因产业项目失败", "Failed farm or business project"},
		{"unstable_employment", "因务工就业不稳", "Unstable employment"},
		{"lack_of_labor", "缺劳动力", "Lack of labour"},
		{"other", "其他", "Other"},
	}

	// DecisionReasons are the reason codes a reviewer gives with a
	// rejection (and an objection upheld): the household is told the
	// reason in its own words (DOMAIN.md §3), reports count by code.
	DecisionReasons = CodeList{
		{"income_above_line", "收入超过标准", "Income above the line"},
		{"assets_above_limit", "财产超过规定", "Assets above the limit"},
		{"risk_not_confirmed", "风险经核实不存在", "Risk not confirmed on checking"},
		{"information_false", "申报信息不实", "Information found false"},
		{"materials_incomplete", "材料不全且未补正", "Materials incomplete and not supplied"},
		{"not_resident", "不符合户籍或居住条件", "Residence requirement not met"},
		{"duplicate", "重复申请", "Duplicate application"},
		{"objection_upheld", "公示异议成立", "Objection upheld"},
		{"other", "其他（见意见）", "Other (see comment)"},
	}

	// HousingGrades are the house safety grades: A and B are safe, C and D
	// are unsafe (危房).
	HousingGrades = CodeList{
		{"A", "A级（安全）", "Grade A (safe)"},
		{"B", "B级（基本安全）", "Grade B (basically safe)"},
		{"C", "C级（危房）", "Grade C (unsafe)"},
		{"D", "D级（危房）", "Grade D (unsafe)"},
	}
)

// Keys the package's own rules depend on; the lists above may grow, but these
// entries must stay.
const (
	RelationSelf   = "self"
	HealthDisabled = "disabled"
	LaborNormal    = "normal"
	LaborSkilled   = "skilled"
)
