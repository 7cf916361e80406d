package api

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/assistflow/assistflow/api/web"
	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
)

// applyForm is the apply page's state: what the user typed, kept as text
// so a refused form comes back exactly as it was sent, and the field
// errors keyed by form field name.
type applyForm struct {
	Program, Region, Channel, Idem string
	HeadName, Phone, BankAccount   string
	Group, Category, HousingGrade  string
	ProductionCosts                string
	Members                        []memberRow
	Income, Spending               map[string]string
	Risks                          map[string]bool
	Regions                        []store.Region
	Channels                       []string
	Errors                         map[string]string
	incomeFields, spendingFields   []string
}

// memberRow is one member's inputs; I is its index in the field names.
type memberRow struct {
	I                                       int
	Name, IDNumber, Relation, Health, Grade string
	Labor                                   string
}

// channelsFor: applicants report for themselves; officials allowed to
// create cases report what screening or an alert found.
func (s *Server) channelsFor(p *Principal) []string {
	for _, g := range p.Grants {
		if g.Role == "applicant" {
			return []string{"self_report"}
		}
	}
	return []string{"cadre_screening", "department_alert", "supervision"}
}

// villagesFor lists the villages where p may submit on channel.
func (s *Server) villagesFor(c *fiber.Ctx, p *Principal, channel string) ([]store.Region, error) {
	all, err := s.store.Regions(c.UserContext())
	if err != nil {
		return nil, err
	}
	var out []store.Region
	for _, r := range all {
		if r.Level == store.LevelVillage && s.maySubmit(p, channel, r.Path) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) pageApply(c *fiber.Ctx) error {
	p := principal(c)
	f := applyForm{Idem: randomHex(16), Members: []memberRow{{I: 0, Relation: process.RelationSelf}},
		Income: map[string]string{}, Spending: map[string]string{}, Risks: map[string]bool{}}
	f.Channels = s.channelsFor(p)
	f.Channel = f.Channels[0]
	return s.renderApply(c, p, f)
}

func (s *Server) renderApply(c *fiber.Ctx, p *Principal, f applyForm) error {
	var err error
	if f.Regions, err = s.villagesFor(c, p, f.Channel); err != nil {
		return err
	}
	if f.Region == "" && len(f.Regions) > 0 {
		f.Region = f.Regions[0].Code
	}
	return s.render(c, "apply", "apply.title", f)
}

// pageApplySubmit validates the form with the API's own validation and
// submits it through submitCase; field errors come back inline.
func (s *Server) pageApplySubmit(c *fiber.Ctx) error {
	p := principal(c)
	lang, _ := c.Locals("lang").(string)
	f, req := readApplyForm(c)
	f.Channels = s.channelsFor(p)
	var err error
	if len(f.Errors) == 0 {
		var cs store.Case
		if cs, _, err = s.submitCase(c.UserContext(), p, "page/"+f.Idem, req); err == nil {
			s.setFlash(c, "flash.submitted")
			return c.Redirect(fmt.Sprintf("/cases/%d", cs.ID), fiber.StatusSeeOther)
		}
	} else {
		// Amounts that are not numbers stop the form here; show the API's
		// other findings with them, so one round trip fixes everything.
		err = invalid(req.validate())
	}
	var pe *problem
	if !errors.As(err, &pe) || (pe.p.Status != fiber.StatusUnprocessableEntity && len(f.Errors) == 0) {
		return err
	}
	for k, msg := range f.Errors {
		f.Errors[k] = fieldMessage(lang, msg)
	}
	for _, fe := range pe.p.Errors {
		f.addError(formField(fe.Field, f), fieldMessage(lang, fe.Message))
	}
	c.Locals("page_error", "error.fields")
	c.Status(fiber.StatusUnprocessableEntity)
	return s.renderApply(c, p, f)
}

func (f *applyForm) addError(field, msg string) {
	if _, dup := f.Errors[field]; !dup {
		f.Errors[field] = msg
	}
}

var memberField = regexp.MustCompile(`^members\[(\d+)\]\.(\w+)$`)

// readApplyForm turns the posted form into the API's request and the
// page's state. Amounts that are not numbers are field errors here; every
// other rule is left to the API's validation.
func readApplyForm(c *fiber.Ctx) (applyForm, caseRequest) {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f := applyForm{Program: v("program"), Region: v("region"), Channel: v("channel"), Idem: v("idem"),
		HeadName: v("head_name"), Phone: v("phone"), BankAccount: v("bank_account"), Group: v("group"),
		Category: v("category"), HousingGrade: v("housing_grade"), ProductionCosts: v("production_costs"),
		Income: map[string]string{}, Spending: map[string]string{}, Risks: map[string]bool{}, Errors: map[string]string{}}
	if len(f.Idem) != 32 {
		f.Idem = randomHex(16)
	}
	f.Members = readMembers(c)
	h := process.Household{HeadName: f.HeadName, Phone: f.Phone, BankAccount: f.BankAccount, Group: f.Group,
		Category: f.Category, HousingGrade: f.HousingGrade, Members: []process.Member{}, Income: []process.Amount{},
		RigidSpending: []process.Amount{}, Risks: []string{}}
	for _, m := range f.Members {
		grade, _ := strconv.Atoi(m.Grade)
		h.Members = append(h.Members, process.Member{Name: m.Name, IDNumber: strings.ToUpper(m.IDNumber),
			Relation: m.Relation, Health: m.Health, DisabilityGrade: grade, LaborCapacity: m.Labor})
	}
	h.ProductionCosts = f.amount("production_costs", f.ProductionCosts)
	for _, code := range process.IncomeSources {
		f.Income[code.Key] = v("income." + code.Key)
		if x := f.amount("income."+code.Key, f.Income[code.Key]); x > 0 {
			h.Income = append(h.Income, process.Amount{Source: code.Key, Amount: x})
			f.incomeFields = append(f.incomeFields, "income."+code.Key)
		}
	}
	for _, code := range process.RigidSpendingKinds {
		f.Spending[code.Key] = v("spending." + code.Key)
		if x := f.amount("spending."+code.Key, f.Spending[code.Key]); x > 0 {
			h.RigidSpending = append(h.RigidSpending, process.Amount{Kind: code.Key, Amount: x})
			f.spendingFields = append(f.spendingFields, "spending."+code.Key)
		}
	}
	for _, r := range c.Request().PostArgs().PeekMulti("risks") {
		f.Risks[string(r)] = true
		h.Risks = append(h.Risks, string(r))
	}
	return f, caseRequest{Program: f.Program, Region: f.Region, Channel: f.Channel, Household: h}
}

// amount reads a yuan amount; empty is zero.
func (f *applyForm) amount(field, s string) float64 {
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f.Errors[field] = "amount"
		return 0
	}
	return x
}

// readMembers collects the member rows in index order, renumbered from 0
// so the API's paths (members[i]) name the rows as shown.
func readMembers(c *fiber.Ctx) []memberRow {
	rows := map[int]*memberRow{}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		m := memberField.FindStringSubmatch(string(k))
		if m == nil {
			return
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i > 100 {
			return
		}
		if rows[i] == nil {
			rows[i] = &memberRow{}
		}
		r, s := rows[i], strings.TrimSpace(string(val))
		switch m[2] {
		case "name":
			r.Name = s
		case "id_number":
			r.IDNumber = s
		case "relation":
			r.Relation = s
		case "health":
			r.Health = s
		case "disability_grade":
			r.Grade = s
		case "labor_capacity":
			r.Labor = s
		}
	})
	idx := make([]int, 0, len(rows))
	for i := range rows {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]memberRow, 0, len(idx))
	for n, i := range idx {
		r := *rows[i]
		r.I = n
		out = append(out, r)
	}
	return out
}

// formField maps an API field path to the form's field name.
func formField(path string, f applyForm) string {
	path = strings.TrimPrefix(path, "household.")
	var i int
	if _, err := fmt.Sscanf(path, "income[%d]", &i); err == nil && i < len(f.incomeFields) {
		return f.incomeFields[i]
	}
	if _, err := fmt.Sscanf(path, "rigid_spending[%d]", &i); err == nil && i < len(f.spendingFields) {
		return f.spendingFields[i]
	}
	if strings.HasPrefix(path, "risks") {
		return "risks"
	}
	return path
}

// fieldMessage gives the API's English field message in the page's
// language: the common ones are translated, the rest shown as they are.
func fieldMessage(lang, msg string) string {
	if msg == "amount" {
		return web.T(lang, "apply.err.amount")
	}
	if lang == web.LangEn {
		return msg
	}
	for _, m := range fieldMessages {
		if strings.Contains(msg, m.contains) {
			return web.T(lang, m.key)
		}
	}
	return msg
}

var fieldMessages = []struct{ contains, key string }{
	{"check character does not match", "apply.err.id_check"},
	{"must be 18 characters", "apply.err.id_length"},
	{"must be a digit", "apply.err.id_format"},
	{"birth", "apply.err.id_birth"},
	{"same ID number", "apply.err.id_duplicate"},
	{"11-digit mobile", "apply.err.phone"},
	{"12 to 30 digits", "apply.err.bank"},
	{"must equal head_name", "apply.err.head_name"},
	{"head of household", "apply.err.head"},
	{"at least one risk", "apply.err.risks"},
	{"at least one member", "apply.err.members"},
	{"between 0 and", "apply.err.amount_range"},
	{"at most", "apply.err.too_long"},
	{"control or formatting", "apply.err.hidden"},
	{"not a village", "apply.err.region"},
	{"no approval chain", "apply.err.program"},
	{"unknown program", "apply.err.program"},
	{"is required", "apply.err.required"}, // last: specific messages above also say "required"
}
