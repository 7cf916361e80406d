package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Case statuses the API exposes.
const (
	StatusInReview          = "in_review"
	StatusAwaitingApplicant = "awaiting_applicant"
	StatusInNotice          = "in_notice"
	StatusApproved          = "approved"
	StatusRejected          = "rejected"
	StatusWithdrawn         = "withdrawn"
	StatusMonitoring        = "monitoring"
	StatusRiskEliminated    = "risk_eliminated"
)

// Case is an application (or a cadre's or department's report) for one
// household, as last projected by its workflow.
type Case struct {
	ID                 int64      `json:"id"`
	Program            string     `json:"program"`
	RegionCode         string     `json:"region"`
	RegionPath         string     `json:"-"`
	Channel            string     `json:"channel"`
	Status             string     `json:"status"`
	ApplicantID        int64      `json:"applicant_id"`
	SubmittedBy        int64      `json:"submitted_by"`
	IdempotencyKey     string     `json:"-"`
	RequestHash        string     `json:"-"`
	DefinitionKey      string     `json:"-"`
	DefinitionVersion  int        `json:"-"`
	HeadName           string     `json:"head_name"`
	HouseholdSize      int        `json:"household_size"`
	Category           string     `json:"category,omitempty"`
	Household          JSON       `json:"-"`
	CurrentStages      JSON       `json:"-"`
	ExpectedDecisionAt *time.Time `json:"expected_decision_at,omitempty"`
	ProjectionSeq      int64      `json:"-"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// JSON is a JSON document stored as text on both dialects.
type JSON []byte

// Scan implements sql.Scanner.
func (j *JSON) Scan(v any) error {
	switch x := v.(type) {
	case []byte:
		*j = append((*j)[:0], x...)
	case string:
		*j = JSON(x)
	case nil:
		*j = nil
	default:
		return fmt.Errorf("store: cannot scan %T into JSON", v)
	}
	return nil
}

// Value implements driver.Valuer.
func (j JSON) Value() (any, error) {
	if j == nil {
		return "null", nil
	}
	return string(j), nil
}

// MarshalJSON keeps the document as it is.
func (j JSON) MarshalJSON() ([]byte, error) {
	if j == nil {
		return []byte("null"), nil
	}
	return j, nil
}

// CurrentStage is a stage a case waits in, as shown to applicants.
type CurrentStage struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`
	Role  string     `json:"role,omitempty"`
	DueAt *time.Time `json:"due_at,omitempty"`
}

// NewCase is a submission.
type NewCase struct {
	Program, RegionCode, Channel string
	ApplicantID, SubmittedBy     int64
	IdempotencyKey               string
	RequestHash                  string // digest of the submission, to refuse a reused key
	DefinitionKey                string
	DefinitionVersion            int
	HeadName, Category           string
	HouseholdSize                int
	Household                    any
}

// CreateCase stores a submission once per (submitter, idempotency key). A
// repeat returns the case stored the first time and created=false.
func (s *Store) CreateCase(ctx context.Context, in NewCase) (c Case, created bool, err error) {
	hh, err := json.Marshal(in.Household)
	if err != nil {
		return Case{}, false, fmt.Errorf("%w: household: %w", ErrInvalid, err)
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&c, "submitted_by = ? AND idempotency_key = ?", in.SubmittedBy, in.IdempotencyKey).Error; err == nil {
			if c.RequestHash != "" && in.RequestHash != "" && c.RequestHash != in.RequestHash {
				return fmt.Errorf("%w: this Idempotency-Key was used for a different submission", ErrInvalid)
			}
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var r Region
		if err := tx.First(&r, "code = ?", in.RegionCode).Error; err != nil {
			return fmt.Errorf("%w: region %s: %w", ErrInvalid, in.RegionCode, translate(err))
		}
		now := s.now()
		c = Case{Program: in.Program, RegionCode: r.Code, RegionPath: r.Path, Channel: in.Channel,
			Status: StatusInReview, ApplicantID: in.ApplicantID, SubmittedBy: in.SubmittedBy,
			IdempotencyKey: in.IdempotencyKey, RequestHash: in.RequestHash, DefinitionKey: in.DefinitionKey,
			DefinitionVersion: in.DefinitionVersion, HeadName: in.HeadName, HouseholdSize: in.HouseholdSize,
			Category: in.Category, Household: hh, CurrentStages: JSON("[]"), CreatedAt: now, UpdatedAt: now}
		created = true
		return tx.Create(&c).Error
	})
	return c, created, translate(err)
}

// Case returns one case.
func (s *Store) Case(ctx context.Context, id int64) (Case, error) {
	return rowOf[Case](ctx, s, "FROM cases WHERE id = ?", id)
}

// Projection is what a workflow knows about its case at one moment.
type Projection struct {
	CaseID             int64
	Seq                int64
	Status             string
	CurrentStages      []CurrentStage
	ExpectedDecisionAt *time.Time
	DefinitionVersion  int // 0: unchanged
}

// Project writes a workflow's view of its case unless a newer one (higher
// Seq) already landed: activity retries and reordering cannot move a case
// backwards.
func (s *Store) Project(ctx context.Context, p Projection) error {
	stages, err := json.Marshal(p.CurrentStages)
	if err != nil {
		return err
	}
	if p.CurrentStages == nil {
		stages = []byte("[]")
	}
	cols := map[string]any{"status": p.Status, "current_stages": string(stages),
		"expected_decision_at": p.ExpectedDecisionAt, "projection_seq": p.Seq, "updated_at": s.now()}
	if p.DefinitionVersion > 0 {
		cols["definition_version"] = p.DefinitionVersion
	}
	res := s.db.WithContext(ctx).Model(&Case{}).Where("id = ? AND projection_seq < ?", p.CaseID, p.Seq).Updates(cols)
	return translate(res.Error)
}

// Stages decodes the current stages.
func (c Case) Stages() []CurrentStage {
	var out []CurrentStage
	_ = json.Unmarshal(c.CurrentStages, &out)
	return out
}

// Unstarted lists cases no workflow has projected yet: normally only the
// moments after a submission, but also a submission whose process died
// before it started the workflow.
func (s *Store) Unstarted(ctx context.Context, limit int) ([]Case, error) {
	var cs []Case
	err := s.db.WithContext(ctx).Where("projection_seq = 0").Order("id").Limit(max(limit, 1)).Find(&cs).Error
	return cs, translate(err)
}
