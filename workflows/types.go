package workflows

import (
	"time"

	"github.com/assistflow/assistflow/process"
)

// RegionRef is one region of a case's chain, root first.
type RegionRef struct {
	Code  string
	Level string
	Path  string
}

// ApprovalInput starts a case's approval. Definition is a snapshot of the
// version the case started on: publishing a newer one never reaches it.
type ApprovalInput struct {
	CaseID      int64
	Definition  process.Definition
	Regions     []RegionRef
	ApplicantID int64
	// Related are officials with a declared family tie to the household:
	// they may not decide this case.
	Related []int64 `json:",omitempty"`
	Facts   process.Facts
	// FinalStatus is the status on approval: approved, monitoring or
	// risk_eliminated.
	FinalStatus string
	// Monitor starts the Monitoring workflow of the household on approval.
	Monitor *MonitoringInput `json:",omitempty"`
	// Scope prefixes the idempotency keys of everything this run writes;
	// default "case/<id>". A risk-elimination run inside monitoring has its
	// own, so its tasks never collide with the identification's.
	Scope string `json:",omitempty"`
	// SeqBase offsets the projection sequence, so a later run on the same
	// case (elimination) always projects over an earlier one.
	SeqBase int64 `json:",omitempty"`
	// Revision is the workflow code revision the run starts on, set by
	// whoever starts it (CurrentRevision). Runs without one (0) decide each
	// change by a workflow.GetVersion marker, as they did when they ran.
	Revision int `json:",omitempty"`
}

// CurrentRevision has every change the workflows made with
// workflow.GetVersion so far. A run started at it takes them all without
// a marker: in a new run each GetVersion also upserts the
// TemporalChangeVersion search attribute, one more visibility write per
// change, which the end-to-end bench saw at a third of the server's
// visibility work.
const CurrentRevision = 1

// Decision is one official's decision on one task, as the decide Update
// carries it.
type Decision struct {
	// TaskKey identifies the task before its id is known to the workflow
	// (the inbox row can be read a moment before the workflow sees the
	// activity's answer); TaskID is the inbox row's id.
	TaskKey    string `json:",omitempty"`
	TaskID     int64
	ActorID    int64
	ActorRole  string
	OnBehalfOf *int64 `json:",omitempty"`
	Action     string
	ReasonCode string `json:",omitempty"`
	Comment    string `json:",omitempty"`
	Evidence   []string
	ReturnTo   string     `json:",omitempty"`
	Appraisal  *Appraisal `json:",omitempty"`
	// PerCapitaIncome is the verified current income a re-check reports
	// (monitoring only); Measure names a help measure recorded.
	PerCapitaIncome float64 `json:",omitempty"`
	Measure         string  `json:",omitempty"`
	At              time.Time
}

// Appraisal is the record of a village democratic review.
type Appraisal struct {
	Attendees    int
	VotesFor     int
	VotesAgainst int
	Minutes      string `json:",omitempty"`
}

// Migration moves a running case onto another version of its definition:
// the stage it is in maps to a stage of the new version, where it goes on.
type Migration struct {
	ActorID int64
	To      process.Definition
	Mapping map[string]string // from stage id → to stage id
}

// Withdrawal is an applicant taking their application back.
type Withdrawal struct {
	ActorID int64
	Reason  string
}

// Materials is what an applicant supplies after a return_to_applicant.
type Materials struct {
	ActorID     int64
	Note        string
	Attachments []string
}

// ObjectionFiling is a resident's objection during the notice.
type ObjectionFiling struct {
	ActorID   int64
	Reason    string
	Anonymous bool
}

// Result is what every Update returns once the workflow has acted on it
// and written the case projection.
type Result struct {
	Status      string
	Stage       string
	ObjectionID int64 `json:",omitempty"`
}

// TaskState is a task as the workflow sees it.
type TaskState struct {
	ID          int64
	Key         string
	Stage       string
	Branch      string `json:",omitempty"`
	Kind        string
	Role        string
	Level       string
	Region      string
	Actions     []string
	OpenedAt    time.Time
	DueAt       *time.Time `json:",omitempty"`
	Status      string
	Decision    *Decision `json:",omitempty"`
	ObjectionID int64     `json:",omitempty"`
	reminded    bool
	overdue     bool
	processed   bool
}

// HistoryEntry is one line of the workflow's own account of the case.
type HistoryEntry struct {
	At        time.Time
	Stage     string
	Action    string
	ActorID   int64  `json:",omitempty"`
	ActorRole string `json:",omitempty"`
}

// State answers the "state" query.
type State struct {
	CaseID   int64
	Status   string
	Stage    string
	Tasks    []*TaskState
	Deadline *time.Time `json:",omitempty"`
	Paused   time.Duration
	History  []HistoryEntry
}
