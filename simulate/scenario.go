package simulate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/workflows"
)

// DefaultStart is a Monday morning in China, so working-day deadlines of
// the default scenario are easy to read.
const DefaultStart = "2026-03-02T09:00:00+08:00"

// Scenario says what the people of a case do and when. Stages it does not
// mention are approved an hour after their task opens, so the empty
// scenario is the happy path. Durations are ISO 8601 ("PT4H", "P2D").
type Scenario struct {
	// Start is when the case is submitted (RFC 3339); default DefaultStart.
	Start string `json:"start,omitempty"`
	// Steps are the decisions taken at a stage ("intake") or at one branch
	// of a countersign ("countersign/county"), in the order its tasks open:
	// a stage returned to and opened again takes the next step.
	Steps map[string][]Step `json:"steps,omitempty"`
	// Objections are filed during the first public notice.
	Objections []Objection `json:"objections,omitempty"`
	// SupplyAfter is how long the applicant takes to supply materials after
	// a return_to_applicant; default P2D.
	SupplyAfter string `json:"supply_after,omitempty"`
	// WithdrawAfter, if set, withdraws the case this long after submission.
	WithdrawAfter string `json:"withdraw_after,omitempty"`
}

// Step is one decision. Action defaults to approve and After (counted
// from when the task opens) to PT1H.
type Step struct {
	Action     string     `json:"action,omitempty"`
	ReasonCode string     `json:"reason_code,omitempty"`
	ReturnTo   string     `json:"return_to,omitempty"`
	After      string     `json:"after,omitempty"`
	Appraisal  *Appraisal `json:"appraisal,omitempty"`
}

// Appraisal is the record of a democratic review. An appraisal stage
// decided without one gets a unanimous vote at its quorum.
type Appraisal struct {
	Attendees    int `json:"attendees"`
	VotesFor     int `json:"votes_for"`
	VotesAgainst int `json:"votes_against"`
}

// Objection is a resident's objection, filed After the notice is posted
// and decided (dismiss, the default, or uphold) DecideAfter its review
// task opens.
type Objection struct {
	After       string `json:"after,omitempty"`
	Decision    string `json:"decision,omitempty"`
	ReasonCode  string `json:"reason_code,omitempty"`
	DecideAfter string `json:"decide_after,omitempty"`
}

// plan is a checked scenario with its durations parsed.
type plan struct {
	start         time.Time
	steps         map[string][]step
	objections    []objectionStep
	supplyAfter   time.Duration
	withdrawAfter time.Duration // 0: never
}

type step struct {
	decision workflows.Decision
	after    time.Duration
}

type objectionStep struct {
	after    time.Duration
	decision step
}

// Check lists every problem of the scenario against def, by field path
// ("steps.intake[0].after"); nil when it can run.
func (sc Scenario) Check(def process.Definition) process.ValidationError {
	_, errs := sc.compile(def)
	return errs
}

// compile checks the scenario and parses it into a plan.
func (sc Scenario) compile(def process.Definition) (plan, process.ValidationError) {
	var errs process.ValidationError
	p := plan{steps: map[string][]step{}}
	p.start = parseStart(sc.Start, &errs)
	p.supplyAfter = parseAfter("supply_after", sc.SupplyAfter, 48*time.Hour, &errs)
	p.withdrawAfter = parseAfter("withdraw_after", sc.WithdrawAfter, 0, &errs)
	keys := make([]string, 0, len(sc.Steps))
	for k := range sc.Steps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.steps[k] = compileSteps(def, k, sc.Steps[k], &errs)
	}
	p.objections = compileObjections(def, sc.Objections, &errs)
	return p, errs
}

func parseStart(s string, errs *process.ValidationError) time.Time {
	if s == "" {
		s = DefaultStart
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		*errs = append(*errs, process.FieldError{Field: "start", Message: "must be an RFC 3339 time like " + DefaultStart})
	}
	return t
}

func parseAfter(field, s string, def time.Duration, errs *process.ValidationError) time.Duration {
	if s == "" {
		return def
	}
	d, err := process.Duration(s).Parse()
	switch {
	case err != nil:
		*errs = append(*errs, process.FieldError{Field: field, Message: err.Error()})
	case d < 0 || d > maxSimulated: // beyond the run's limit, or overflowed
		*errs = append(*errs, process.FieldError{Field: field, Message: "must be at most " + isoDuration(maxSimulated)})
	}
	return d
}

// target finds what a steps key names: a human stage, or a branch of a
// countersign. specs are the stages whose actions the steps must use.
func target(def process.Definition, key string) (stage int, specs []process.Stage, ok bool) {
	id, branch, hasBranch := strings.Cut(key, "/")
	i := def.StageIndex(id)
	if i < 0 || !def.Stages[i].IsHuman() {
		return i, nil, false
	}
	st := def.Stages[i]
	if st.Kind != process.KindParallel {
		return i, []process.Stage{st}, !hasBranch
	}
	for _, b := range st.Branches {
		if !hasBranch || b.ID == branch {
			specs = append(specs, b)
		}
	}
	return i, specs, len(specs) > 0
}

func compileSteps(def process.Definition, key string, in []Step, errs *process.ValidationError) []step {
	at, specs, ok := target(def, key)
	if !ok {
		*errs = append(*errs, process.FieldError{Field: "steps." + key,
			Message: "names no review, appraisal or countersign branch of " + def.Key})
		return nil
	}
	out := make([]step, len(in))
	for i, s := range in {
		f := fmt.Sprintf("steps.%s[%d].", key, i)
		if s.Action == "" {
			s.Action = process.ActionApprove
		}
		for _, spec := range specs {
			if !spec.Allows(s.Action) {
				*errs = append(*errs, process.FieldError{Field: f + "action",
					Message: fmt.Sprintf("%q is not allowed at %s; allowed: %v", s.Action, key, spec.Actions)})
				break
			}
		}
		if s.Action == process.ActionReject && s.ReasonCode == "" {
			*errs = append(*errs, process.FieldError{Field: f + "reason_code", Message: "is required to reject"})
		}
		if r := def.StageIndex(s.ReturnTo); s.ReturnTo != "" && (r < 0 || r >= at) {
			*errs = append(*errs, process.FieldError{Field: f + "return_to", Message: "must name an earlier stage"})
		}
		d := workflows.Decision{Action: s.Action, ReasonCode: s.ReasonCode, ReturnTo: s.ReturnTo, Comment: "模拟决定"}
		if a := s.Appraisal; a != nil {
			d.Appraisal = &workflows.Appraisal{Attendees: a.Attendees, VotesFor: a.VotesFor, VotesAgainst: a.VotesAgainst}
		}
		out[i] = step{decision: d, after: parseAfter(f+"after", s.After, time.Hour, errs)}
	}
	return out
}

// compileObjections requires a notice, and each filing to fall inside it:
// a late filing would be refused by the workflow, and the scenario could
// never play as written.
func compileObjections(def process.Definition, in []Objection, errs *process.ValidationError) []objectionStep {
	if len(in) == 0 {
		return nil
	}
	var notice time.Duration
	for _, st := range def.Stages {
		if st.Kind == process.KindNotice {
			notice, _ = st.Duration.Parse()
			break
		}
	}
	if notice == 0 {
		*errs = append(*errs, process.FieldError{Field: "objections", Message: def.Key + " has no public notice to object to"})
		return nil
	}
	out := make([]objectionStep, len(in))
	for i, o := range in {
		f := fmt.Sprintf("objections[%d].", i)
		after := parseAfter(f+"after", o.After, 24*time.Hour, errs)
		if after >= notice {
			*errs = append(*errs, process.FieldError{Field: f + "after", Message: "must fall inside the notice of " + isoDuration(notice)})
		}
		d := workflows.Decision{Action: o.Decision, ReasonCode: o.ReasonCode, Comment: "模拟异议核查"}
		switch d.Action {
		case "":
			d.Action = process.ActionDismiss
		case process.ActionUphold:
			if d.ReasonCode == "" {
				d.ReasonCode = "objection_upheld"
			}
		case process.ActionDismiss:
		default:
			*errs = append(*errs, process.FieldError{Field: f + "decision", Message: "must be dismiss or uphold"})
		}
		out[i] = objectionStep{after: after,
			decision: step{decision: d, after: parseAfter(f+"decide_after", o.DecideAfter, time.Hour, errs)}}
	}
	return out
}

// household is a two-person edge-poor household with a wage earner and an
// illness, like the demo case: what stage conditions ("when") read.
var household = process.HouseholdFacts{Size: 2, Category: "edge_poor", PerCapitaIncome: 6000,
	AnnualIncome: 12000, Risks: []string{"illness"}, LaborCapacity: true}

// next is the step for the n-th opening (from 0) of the task at ref: its
// own list, else its stage's, else approve after an hour.
func (p plan) next(ref string, n int) step {
	list, ok := p.steps[ref]
	if !ok {
		stage, _, _ := strings.Cut(ref, "/")
		list = p.steps[stage]
	}
	if n < len(list) {
		return list[n]
	}
	return step{decision: workflows.Decision{Action: process.ActionApprove, Comment: "模拟决定"}, after: time.Hour}
}
