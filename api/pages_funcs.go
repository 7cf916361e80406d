package api

import (
	"errors"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/assistflow/assistflow/api/web"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
)

// cst is the time zone every date on a page is shown in.
var cst = time.FixedZone("CST", 8*3600)

// codeLists are the code lists templates may label by name.
var codeLists = map[string]process.CodeList{
	"channel": process.Channels, "category": process.HouseholdCategories, "relation": process.Relations,
	"health": process.HealthStatuses, "labor": process.LaborCapacities, "income": process.IncomeSources,
	"spending": process.RigidSpendingKinds, "risk": process.RiskTypes, "housing": process.HousingGrades,
	"reason": process.DecisionReasons,
}

// pageFuncs are the template functions of one language: those that
// speak (langFuncs) and those that only format (formatFuncs).
func pageFuncs(lang string) template.FuncMap {
	fm := langFuncs(lang)
	for k, f := range formatFuncs {
		fm[k] = f
	}
	return fm
}

func langFuncs(lang string) template.FuncMap {
	text := func(t process.Text) string {
		if lang == web.LangEn && t.En != "" {
			return t.En
		}
		return t.String()
	}
	return template.FuncMap{
		"t": func(key string) string { return web.T(lang, key) },
		// tf is t for keys built at run time ("status." + .Status). A key
		// missing from the catalogue shows its last part (the code).
		"tf": func(parts ...string) string {
			if k := strings.Join(parts, ""); web.Has(web.LangZh, k) {
				return web.T(lang, k)
			}
			return parts[len(parts)-1]
		},
		"text":  text,
		"label": func(list, key string) string { return codeLists[list].Label(key, lang) },
		"en":    func() bool { return lang == web.LangEn },
		// stageLabel names a stage in the page's language: projections
		// carry the Chinese name; the built-in chains know the English.
		"stageLabel": func(id, name string) string {
			for _, st := range reviewStages() {
				if lang == web.LangEn && st.ID == id && st.Name.En != "" {
					return st.Name.En
				}
			}
			return name
		},
		"stageName": func(pg progress, id string) string {
			for _, st := range pg.Stages {
				if st.ID == id {
					return text(st.Name)
				}
			}
			return id
		},
	}
}

// formatFuncs format values the same way in every language.
var formatFuncs = template.FuncMap{
	"hasPrefix": strings.HasPrefix,
	"at": func(s string) string {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
		return t.In(cst).Format("2006-01-02 15:04")
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(cst).Format("2006-01-02 15:04")
	},
	"day": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return *dateOf(t)
	},
	"codes":       func(list string) process.CodeList { return codeLists[list] },
	"money":       func(x float64) string { return fmt.Sprintf("%.2f", x) },
	"kb":          func(n int64) int64 { return (n + 1023) / 1024 },
	"add":         func(a, b int) int { return a + b },
	"inc":         func(a int) int { return a + 1 },
	"deref":       func(p *int64) int64 { return *p },
	"dict":        dict,
	"programs":    func() []string { return process.Programs },
	"grades":      func() []string { return []string{"1", "2", "3", "4"} },
	"tabs":        func() []string { return inboxTabs },
	"pageSizes":   pageSizes,
	"count":       tabCount,
	"stages":      reviewStages,
	"blankMember": func() memberRow { return memberRow{Relation: "spouse"} },
	"randomKey":   func() string { return randomHex(16) },
}

// dict builds a map from key, value pairs: templates pass several values
// to a sub-template with it.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict needs key, value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// inboxTabs are the inbox views in tab order.
var inboxTabs = []string{store.ViewMine, store.ViewClaimable, store.ViewDueSoon, store.ViewOverdue, store.ViewAll}

// pageSizes are the inbox's page sizes to choose from, with the current
// one (an address may ask for any size the API takes).
func pageSizes(current int) []int {
	sizes := []int{20, 50, 100, 200}
	if !slices.Contains(sizes, current) {
		sizes = append(sizes, current)
		slices.Sort(sizes)
	}
	return sizes
}

// tabCount is the number on a tab; "all" shows none.
func tabCount(c store.InboxCounts, view string) int64 {
	switch view {
	case store.ViewMine:
		return c.Mine
	case store.ViewClaimable:
		return c.Claimable
	case store.ViewDueSoon:
		return c.DueSoon
	case store.ViewOverdue:
		return c.Overdue
	}
	return 0
}

// stageOption is one entry of the inbox's stage filter.
type stageOption struct {
	ID   string
	Name process.Text
}

// reviewStages lists the human stages of the built-in chains, for the
// inbox's stage filter.
func reviewStages() []stageOption {
	var out []stageOption
	seen := map[string]bool{}
	for _, d := range process.Builtins() {
		for _, st := range d.Stages {
			if st.Role == "" || seen[st.ID] {
				continue
			}
			seen[st.ID] = true
			out = append(out, stageOption{ID: st.ID, Name: st.Name})
		}
	}
	return out
}
