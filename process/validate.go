package process

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DataSources are the registries a data_check stage may query (DOMAIN.md §3 and §5).
var DataSources = []string{"vehicles", "real_estate", "business", "payroll", "pension", "deposits"}

// Kinds lists every stage kind.
var Kinds = []string{KindReview, KindNotice, KindAppraisal, KindDataCheck, KindParallel}

var (
	reviewActions    = []string{ActionApprove, ActionReject, ActionReturn, ActionReturnToApplicant}
	appraisalActions = []string{ActionApprove, ActionReject}
	// nonDeciders hold roles that may not decide a stage: the applicant decides nothing on
	// their own case, the auditor only reads, the admin only configures.
	nonDeciders = []string{RoleApplicant, RoleAuditor, RoleAdmin}
	// kindFields are the optional fields each kind uses; any other is a mistake, most often
	// a field meant for the next stage.
	kindFields = map[string][]string{
		KindReview:    {"role", "level", "sla", "actions", "return_to"},
		KindAppraisal: {"role", "level", "sla", "actions", "quorum"},
		KindNotice:    {"duration"},
		KindDataCheck: {"sla", "sources"},
		KindParallel:  {"sla", "branches", "require"},
	}
	keyPattern     = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	stageIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

const (
	maxNameLength = 64
	// maxSLADays bounds every time limit: legal limits are weeks, never years, and the bound
	// keeps durations far from time.Duration's overflow.
	maxSLADays = 366
)

// Validate returns every problem of d, in document order, each with the path of its field
// (e.g. `stages[2].role: unknown role "vilage_committee"`), so an editor can show them all
// at once. An empty result means the workflow can interpret d.
//
// Beyond each field's own rules, Validate refuses stages that can never run or never let a
// case through, with deliberately simple rules rather than a flow analysis:
//   - a stage whose `when` is the literal false never runs;
//   - a review or appraisal without "approve" can never be passed, so nothing after it runs;
//   - the last stage must be a decision (review, appraisal or parallel): after a closing
//     notice or data check nobody would decide on the objections or the results.
func Validate(d Definition) ValidationError {
	c := &checker{d: d, ids: make(map[string]string)}
	c.header()
	for i, s := range d.Stages {
		c.stage(fmt.Sprintf("stages[%d]", i), i, s)
	}
	if n := len(d.Stages); n > 0 && !d.Stages[n-1].IsHuman() && slices.Contains(Kinds, d.Stages[n-1].Kind) {
		c.v.add(fmt.Sprintf("stages[%d]", n-1),
			"the last stage is a %s: nobody decides after it; end with a review, appraisal or parallel stage", d.Stages[n-1].Kind)
	}
	return c.v
}

// checker walks one definition, collecting problems.
type checker struct {
	d   Definition
	v   ValidationError
	ids map[string]string // stage id → path of its first use
}

func (c *checker) header() {
	d := c.d
	switch {
	case d.Key == "":
		c.v.add("key", "required")
	case len(d.Key) > maxNameLength || !keyPattern.MatchString(d.Key):
		c.v.add("key", `must be a lowercase slug like "dibao-application": a-z, 0-9 and single "-" between words, starting with a letter, at most %d characters`, maxNameLength)
	}
	if d.Version < 0 {
		c.v.add("version", "must not be negative")
	}
	switch {
	case d.Program == "":
		c.v.add("program", "required")
	case !slices.Contains(Programs, d.Program):
		c.v.add("program", "unknown program %q", d.Program)
	}
	if strings.TrimSpace(d.Name.Zh) == "" {
		c.v.add("name.zh", "required")
	}
	if d.SLA != nil {
		c.sla("sla", *d.SLA)
	}
	if len(d.Stages) == 0 {
		c.v.add("stages", "at least one stage is required")
	}
}

func (c *checker) stage(p string, i int, s Stage) {
	c.id(p, s.ID)
	switch {
	case s.Kind == "":
		c.v.add(p+".kind", "required")
	case !slices.Contains(Kinds, s.Kind):
		c.v.add(p+".kind", "unknown kind %q", s.Kind)
	}
	c.when(p, s.When)
	c.foreign(p, s)
	switch s.Kind {
	case KindReview:
		c.decider(p, i, s)
	case KindAppraisal:
		c.decider(p, i, s)
		c.quorum(p, s.Quorum)
	case KindNotice:
		c.duration(p+".duration", s.Duration, true)
	case KindDataCheck:
		c.sources(p, s)
	case KindParallel:
		c.parallel(p, i, s)
	}
}

func (c *checker) id(p, id string) {
	switch {
	case id == "":
		c.v.add(p+".id", "required")
	case len(id) > maxNameLength || !stageIDPattern.MatchString(id):
		c.v.add(p+".id", `must be a lowercase identifier like "home_check": a-z, 0-9, "_" or "-", starting with a letter, at most %d characters`, maxNameLength)
	case c.ids[id] != "":
		c.v.add(p+".id", "duplicate stage id %q (first used at %s)", id, c.ids[id])
	default:
		c.ids[id] = p
	}
}

func (c *checker) when(p, expr string) {
	if expr == "" {
		return
	}
	if err := CompileCondition(expr); err != nil {
		c.v.add(p+".when", "%v", err)
	} else if conditionAlwaysFalse(expr) {
		c.v.add(p+".when", "is always false: the stage can never run")
	}
}

// foreign reports fields set that s's kind does not use, in Stage's field order.
func (c *checker) foreign(p string, s Stage) {
	allowed, ok := kindFields[s.Kind]
	if !ok {
		return
	}
	set := []struct {
		name string
		set  bool
	}{
		{"role", s.Role != ""}, {"level", s.Level != ""}, {"sla", s.SLA != nil},
		{"actions", len(s.Actions) > 0}, {"return_to", s.ReturnTo != ""}, {"duration", s.Duration != ""},
		{"quorum", s.Quorum != nil}, {"sources", len(s.Sources) > 0}, {"branches", len(s.Branches) > 0},
		{"require", s.Require != 0},
	}
	for _, f := range set {
		if f.set && !slices.Contains(allowed, f.name) {
			c.v.add(p+"."+f.name, "not used by a %s stage", s.Kind)
		}
	}
}

// decider checks the people side of a review, appraisal or parallel branch; i is the index
// of the top-level stage it belongs to.
func (c *checker) decider(p string, i int, s Stage) {
	switch {
	case s.Role == "":
		c.v.add(p+".role", "required")
	case !slices.Contains(Roles, s.Role):
		c.v.add(p+".role", "unknown role %q", s.Role)
	case slices.Contains(nonDeciders, s.Role):
		c.v.add(p+".role", "role %q cannot decide a stage", s.Role)
	}
	switch {
	case s.Level == "":
		c.v.add(p+".level", "required")
	case !slices.Contains(Levels, s.Level):
		c.v.add(p+".level", "unknown level %q", s.Level)
	}
	if s.SLA != nil {
		c.sla(p+".sla", *s.SLA)
	}
	c.actions(p, i, s)
	if s.ReturnTo != "" {
		c.returnTo(p, i, s)
	}
}

func (c *checker) actions(p string, i int, s Stage) {
	if len(s.Actions) == 0 {
		c.v.add(p+".actions", "at least one action is required")
		return
	}
	allowed := reviewActions
	if s.Kind == KindAppraisal {
		allowed = appraisalActions
	}
	for k, a := range s.Actions {
		ap := fmt.Sprintf("%s.actions[%d]", p, k)
		switch {
		case !slices.Contains(reviewActions, a):
			c.v.add(ap, "unknown action %q", a)
		case !slices.Contains(allowed, a):
			c.v.add(ap, "an appraisal only approves or rejects, not %q", a)
		case slices.Index(s.Actions, a) < k:
			c.v.add(ap, "duplicate action %q", a)
		case a == ActionReturn && s.ReturnTo == "" && !c.humanBefore(i):
			c.v.add(ap, `"return" needs an earlier review, appraisal or parallel stage to return to`)
		}
	}
	if !s.Allows(ActionApprove) {
		c.v.add(p+".actions", `must include "approve": without it the stage can never be passed`)
	}
}

func (c *checker) humanBefore(i int) bool {
	return slices.ContainsFunc(c.d.Stages[:i], Stage.IsHuman)
}

func (c *checker) returnTo(p string, i int, s Stage) {
	rp, to := p+".return_to", s.ReturnTo
	j := c.d.StageIndex(to)
	switch {
	case j < 0 && c.isBranch(to):
		c.v.add(rp, "%q is a parallel branch; return_to must name a top-level stage", to)
	case j < 0:
		c.v.add(rp, "unknown stage %q", to)
	case j >= i:
		c.v.add(rp, "must name an earlier stage; %q is not before this one", to)
	case !c.d.Stages[j].IsHuman():
		c.v.add(rp, "%q is a %s stage; return_to must name a review, appraisal or parallel stage", to, c.d.Stages[j].Kind)
	}
	if !s.Allows(ActionReturn) {
		c.v.add(rp, `set, but "return" is not among the actions`)
	}
}

func (c *checker) isBranch(id string) bool {
	for _, s := range c.d.Stages {
		if slices.ContainsFunc(s.Branches, func(b Stage) bool { return b.ID == id }) {
			return true
		}
	}
	return false
}

func (c *checker) quorum(p string, q *Quorum) {
	if q == nil {
		c.v.add(p+".quorum", "required")
		return
	}
	if q.MinAttendees < 1 {
		c.v.add(p+".quorum.min_attendees", "must be at least 1")
	}
	if !(q.ApproveShare > 0 && q.ApproveShare < 1) {
		c.v.add(p+".quorum.approve_share", "must be between 0 and 1, exclusive (0.5 means more than half)")
	}
}

func (c *checker) sources(p string, s Stage) {
	if len(s.Sources) == 0 {
		c.v.add(p+".sources", "at least one source is required")
	}
	for k, src := range s.Sources {
		sp := fmt.Sprintf("%s.sources[%d]", p, k)
		switch {
		case !slices.Contains(DataSources, src):
			c.v.add(sp, "unknown source %q", src)
		case slices.Index(s.Sources, src) < k:
			c.v.add(sp, "duplicate source %q", src)
		}
	}
	if s.SLA != nil {
		c.sla(p+".sla", *s.SLA)
	}
}

// parallel checks a countersign: each branch is validated like a top-level review.
func (c *checker) parallel(p string, i int, s Stage) {
	if s.SLA != nil {
		c.sla(p+".sla", *s.SLA)
	}
	if len(s.Branches) < 2 {
		c.v.add(p+".branches", "a parallel stage needs at least 2 branches")
	}
	for j, b := range s.Branches {
		bp := fmt.Sprintf("%s.branches[%d]", p, j)
		c.id(bp, b.ID)
		if b.Kind != KindReview {
			c.v.add(bp+".kind", `must be "review": a parallel stage runs reviews side by side`)
		}
		c.when(bp, b.When)
		b.Kind = KindReview // checked above; from here on, judge it as the review it must be
		c.foreign(bp, b)
		c.decider(bp, i, b)
	}
	if s.Require < 0 || s.Require > len(s.Branches) {
		c.v.add(p+".require", "must be between 0 and %d (0 means all branches)", len(s.Branches))
	}
}

// sla checks a time limit: exactly one of duration and working_days.
func (c *checker) sla(p string, s SLA) {
	hasDuration, hasDays := s.Duration != "", s.WorkingDays != 0
	switch {
	case hasDuration && hasDays:
		c.v.add(p, "set exactly one of duration and working_days, not both")
	case !hasDuration && !hasDays:
		c.v.add(p, "set one of duration and working_days")
	}
	c.duration(p+".duration", s.Duration, false)
	if hasDays && (s.WorkingDays < 0 || s.WorkingDays > maxSLADays) {
		c.v.add(p+".working_days", "must be between 1 and %d", maxSLADays)
	}
}

func (c *checker) duration(p string, d Duration, required bool) {
	if d == "" {
		if required {
			c.v.add(p, "required")
		}
		return
	}
	n, err := d.Parse()
	switch {
	case err != nil:
		c.v.add(p, "%v", err)
	case durationDays(d) > maxSLADays:
		c.v.add(p, "must be at most %d days", maxSLADays)
	case n <= 0:
		c.v.add(p, "must be longer than zero")
	}
}

// durationDays is the length of a parsed d in days, computed in floating point so that a
// huge value cannot overflow (Duration.Parse works in int64 nanoseconds).
func durationDays(d Duration) float64 {
	m := isoDuration.FindStringSubmatch(string(d))
	if m == nil {
		return 0
	}
	perDay := []float64{1.0 / 7, 1, 24, 24 * 60, 24 * 60 * 60}
	var days float64
	for i, per := range perDay {
		if m[i+1] != "" {
			f, _ := strconv.ParseFloat(m[i+1], 64)
			days += f / per
		}
	}
	return days
}
