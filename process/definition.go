package process

// Stage kinds. A review is one human decision; a notice is the public notice
// with objections; an appraisal records the village's democratic review; a
// data_check calls the data sources; a parallel stage is a countersign of
// several reviews.
const (
	KindReview    = "review"
	KindNotice    = "notice"
	KindAppraisal = "appraisal"
	KindDataCheck = "data_check"
	KindParallel  = "parallel"
)

// Actions a decision may take. Objection reviews use dismiss and uphold.
const (
	ActionApprove           = "approve"
	ActionReject            = "reject"
	ActionReturn            = "return"
	ActionReturnToApplicant = "return_to_applicant"
	ActionDismiss           = "dismiss"
	ActionUphold            = "uphold"
)

// Roles of DOMAIN.md §6.
const (
	RoleApplicant        = "applicant"
	RoleVillageOfficer   = "village_officer"
	RoleVillageCommittee = "village_committee"
	RoleTownshipClerk    = "township_clerk"
	RoleTownshipApprover = "township_approver"
	RoleCountyChecker    = "county_checker"
	RoleCountyApprover   = "county_approver"
	RoleAuditor          = "auditor"
	RoleAdmin            = "admin"
)

// Roles lists every role key.
var Roles = []string{RoleApplicant, RoleVillageOfficer, RoleVillageCommittee, RoleTownshipClerk,
	RoleTownshipApprover, RoleCountyChecker, RoleCountyApprover, RoleAuditor, RoleAdmin}

// Levels of the administrative tree at which a stage's role acts.
var Levels = []string{"province", "city", "county", "township", "village"}

// Programs of DOMAIN.md §1.
var Programs = []string{"monitoring", "dibao", "tekun", "linshi"}

// Text is user-facing text, Chinese first.
type Text struct {
	Zh string `json:"zh" yaml:"zh"`
	En string `json:"en,omitempty" yaml:"en,omitempty"`
}

// String returns the Chinese text, or the English when no Chinese is given.
func (t Text) String() string {
	if t.Zh != "" {
		return t.Zh
	}
	return t.En
}

// Definition is one version of an approval chain. It is data: an
// administrator edits and publishes it, and the Approval workflow interprets
// a snapshot of it, so a running case never sees a later edit.
type Definition struct {
	Key     string  `json:"key" yaml:"key"`
	Version int     `json:"version,omitempty" yaml:"version,omitempty"`
	Program string  `json:"program" yaml:"program"`
	Name    Text    `json:"name" yaml:"name"`
	SLA     *SLA    `json:"sla,omitempty" yaml:"sla,omitempty"`
	Stages  []Stage `json:"stages" yaml:"stages"`
}

// SLA is a time limit in calendar time (an ISO 8601 duration, as short as
// seconds for pilots and tests) or in working days. Exactly one is set.
type SLA struct {
	Duration    Duration `json:"duration,omitempty" yaml:"duration,omitempty"`
	WorkingDays int      `json:"working_days,omitempty" yaml:"working_days,omitempty"`
}

// Stage is one step of a chain.
type Stage struct {
	ID   string `json:"id" yaml:"id"`
	Kind string `json:"kind" yaml:"kind"`
	Name Text   `json:"name,omitempty" yaml:"name,omitempty"`
	// When is a CEL condition over the case; the stage is skipped when false.
	When string `json:"when,omitempty" yaml:"when,omitempty"`

	// review and appraisal
	Role    string   `json:"role,omitempty" yaml:"role,omitempty"`
	Level   string   `json:"level,omitempty" yaml:"level,omitempty"`
	SLA     *SLA     `json:"sla,omitempty" yaml:"sla,omitempty"`
	Actions []string `json:"actions,omitempty" yaml:"actions,omitempty"`
	// ReturnTo is where "return" sends the case; default the previous
	// human stage. It must name an earlier stage.
	ReturnTo string `json:"return_to,omitempty" yaml:"return_to,omitempty"`

	// notice
	Duration Duration `json:"duration,omitempty" yaml:"duration,omitempty"`

	// appraisal: the democratic review passes when at least MinAttendees
	// attend and more than ApproveShare of them vote for.
	Quorum *Quorum `json:"quorum,omitempty" yaml:"quorum,omitempty"`

	// data_check: the sources to query (vehicles, real_estate, business, payroll, pension).
	Sources []string `json:"sources,omitempty" yaml:"sources,omitempty"`

	// parallel: the reviews that run at once; Require of them must approve
	// (0 = all).
	Branches []Stage `json:"branches,omitempty" yaml:"branches,omitempty"`
	Require  int     `json:"require,omitempty" yaml:"require,omitempty"`
}

// Quorum gates an appraisal.
type Quorum struct {
	MinAttendees int     `json:"min_attendees" yaml:"min_attendees"`
	ApproveShare float64 `json:"approve_share" yaml:"approve_share"`
}

// IsHuman reports whether the stage waits for people (it opens tasks).
func (s Stage) IsHuman() bool {
	return s.Kind == KindReview || s.Kind == KindAppraisal || s.Kind == KindParallel
}

// Allows reports whether action is one of the stage's actions.
func (s Stage) Allows(action string) bool {
	for _, a := range s.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// StageIndex returns the index of the top-level stage id, or -1.
func (d Definition) StageIndex(id string) int {
	for i, s := range d.Stages {
		if s.ID == id {
			return i
		}
	}
	return -1
}
