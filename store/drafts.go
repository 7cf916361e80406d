package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Draft is the one editable working copy of a definition key. It
// lives apart from the published versions so that it can be invalid, can
// change freely and never takes a version number until it is published.
type Draft struct {
	Key       string    `gorm:"primaryKey" json:"key"`
	Body      JSON      `json:"-"`
	UpdatedBy *int64    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName maps the row to its table.
func (Draft) TableName() string { return "definition_drafts" }

// CreateDraft stores the first draft of key; a draft already there is
// ErrConflict, so two administrators cannot overwrite each other unseen.
func (s *Store) CreateDraft(ctx context.Context, key string, body []byte, by *int64) (Draft, error) {
	d := Draft{Key: key, Body: body, UpdatedBy: by, UpdatedAt: s.now()}
	if err := translate(s.db.WithContext(ctx).Create(&d).Error); err != nil {
		if errors.Is(err, ErrConflict) {
			return d, fmt.Errorf("%w: %s already has a draft; replace it instead", ErrConflict, key)
		}
		return d, err
	}
	return d, nil
}

// ReplaceDraft overwrites the draft of key; without one it is ErrNotFound.
func (s *Store) ReplaceDraft(ctx context.Context, key string, body []byte, by *int64) (Draft, error) {
	d := Draft{Key: key, Body: body, UpdatedBy: by, UpdatedAt: s.now()}
	res := s.db.WithContext(ctx).Model(&Draft{}).Where("key = ?", key).
		Updates(map[string]any{"body": d.Body, "updated_by": by, "updated_at": d.UpdatedAt})
	if res.Error != nil {
		return d, translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return d, fmt.Errorf("%w: no draft of %s", ErrNotFound, key)
	}
	return d, nil
}

// Draft returns the draft of key.
func (s *Store) Draft(ctx context.Context, key string) (Draft, error) {
	var d Draft
	err := s.db.WithContext(ctx).First(&d, "key = ?", key).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return d, fmt.Errorf("%w: no draft of %s", ErrNotFound, key)
	}
	return d, translate(err)
}

// Drafts returns every draft, by key.
func (s *Store) Drafts(ctx context.Context) ([]Draft, error) {
	var ds []Draft
	return ds, translate(s.db.WithContext(ctx).Order("key").Find(&ds).Error)
}

// DefinitionVersions returns every stored version of every key, by key and
// version.
func (s *Store) DefinitionVersions(ctx context.Context) ([]DefinitionRow, error) {
	var rows []DefinitionRow
	return rows, translate(s.db.WithContext(ctx).Order("key, version").Find(&rows).Error)
}

// Activations returns the activations of key ("" = of every key), by key
// and region path (the broadest first).
func (s *Store) Activations(ctx context.Context, key string) ([]Activation, error) {
	db := s.db.WithContext(ctx)
	if key != "" {
		db = db.Where("key = ?", key)
	}
	var acts []Activation
	return acts, translate(db.Order("key, region_path").Find(&acts).Error)
}

// DefinitionRef names one version of a definition.
type DefinitionRef struct {
	Key     string
	Version int
}

// FinalStatuses are the case statuses after which a case no longer runs
// on its definition. Monitoring is among them: identification is over and
// the household's enrolment is watched by another workflow.
var FinalStatuses = []string{StatusApproved, StatusRejected, StatusWithdrawn, StatusRiskEliminated, StatusMonitoring}

// OpenCaseCounts counts the cases not yet in a final status per definition
// version, within the region subtrees at paths (none: nothing is counted).
// It tells an administrator which versions still carry work.
func (s *Store) OpenCaseCounts(ctx context.Context, paths []string) (map[DefinitionRef]int64, error) {
	out := map[DefinitionRef]int64{}
	if len(paths) == 0 {
		return out, nil
	}
	vis := s.inRegions(paths)
	var rows []struct {
		DefinitionKey     string
		DefinitionVersion int
		N                 int64
	}
	err := s.db.WithContext(ctx).Model(&Case{}).
		Select("definition_key, definition_version, COUNT(*) AS n").
		Where("status NOT IN ?", FinalStatuses).Where(vis).
		Group("definition_key, definition_version").Scan(&rows).Error
	for _, r := range rows {
		out[DefinitionRef{r.DefinitionKey, r.DefinitionVersion}] = r.N
	}
	return out, translate(err)
}

// Kinds of definition change requests.
const (
	RequestPublish  = "publish"
	RequestActivate = "activate"
)

// DefinitionRequest is a publish or an activation waiting for a second
// administrator (maker-checker). Body is the draft as it was when the
// publish was asked for: the approver approves what they could review,
// not whatever the draft has become since.
type DefinitionRequest struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Key         string     `json:"key"`
	Version     int        `json:"version"`
	RegionCode  string     `json:"region"`
	RegionPath  string     `json:"-"`
	Body        JSON       `json:"-"`
	Status      string     `json:"status"`
	RequestedBy int64      `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	ApprovedBy  *int64     `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
}

// TableName maps the row to its table.
func (DefinitionRequest) TableName() string { return "definition_requests" }

// Request states.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
)

// CreateRequest stores a pending request and returns it with its id.
func (s *Store) CreateRequest(ctx context.Context, r DefinitionRequest) (DefinitionRequest, error) {
	r.ID, r.Status, r.RequestedAt, r.ApprovedBy, r.ApprovedAt = 0, RequestPending, s.now(), nil, nil
	return r, translate(s.db.WithContext(ctx).Create(&r).Error)
}

// Request returns one request.
func (s *Store) Request(ctx context.Context, id int64) (DefinitionRequest, error) {
	var r DefinitionRequest
	err := s.db.WithContext(ctx).First(&r, "id = ?", id).Error
	return r, translate(err)
}

// PendingRequests returns the requests still waiting, oldest first.
func (s *Store) PendingRequests(ctx context.Context) ([]DefinitionRequest, error) {
	var rs []DefinitionRequest
	err := s.db.WithContext(ctx).Where("status = ?", RequestPending).Order("id").Find(&rs).Error
	return rs, translate(err)
}

// ApproveRequest applies a pending request on behalf of by, in one
// transaction with marking it approved: a request is applied exactly once,
// and never by its own requester (ErrForbidden). A publish returns the
// request with the version it became.
func (s *Store) ApproveRequest(ctx context.Context, id, by int64) (DefinitionRequest, error) {
	var r DefinitionRequest
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&r, "id = ?", id).Error; err != nil {
			return translate(err)
		}
		switch {
		case r.Status != RequestPending:
			return fmt.Errorf("%w: request %d is already %s", ErrConflict, id, r.Status)
		case r.RequestedBy == by:
			return fmt.Errorf("%w: a request must be approved by a second administrator", ErrForbidden)
		}
		var err error
		if r.Kind == RequestPublish {
			r.Version, err = publishTx(tx, r.Key, r.Body, &r.RequestedBy, s.now())
		} else {
			err = activateTx(tx, r.Key, r.Version, r.RegionCode, s.now())
		}
		if err != nil {
			return err
		}
		now := s.now()
		r.Status, r.ApprovedBy, r.ApprovedAt = RequestApproved, &by, &now
		return tx.Model(&DefinitionRequest{}).Where("id = ? AND status = ?", id, RequestPending).
			Updates(map[string]any{"status": r.Status, "version": r.Version, "approved_by": by, "approved_at": now}).Error
	})
	return r, translate(err)
}

// publishTx is PublishDefinition inside a caller's transaction.
func publishTx(tx *gorm.DB, key string, body []byte, by *int64, now time.Time) (int, error) {
	var last DefinitionRow
	if err := tx.Where("key = ?", key).Order("version DESC").Limit(1).Find(&last).Error; err != nil {
		return 0, err
	}
	row := DefinitionRow{Key: key, Version: last.Version + 1, Status: DefinitionPublished, Body: body,
		CreatedBy: by, CreatedAt: now}
	return row.Version, tx.Create(&row).Error
}

// activateTx is Activate inside a caller's transaction.
func activateTx(tx *gorm.DB, key string, version int, regionCode string, now time.Time) error {
	var n int64
	err := tx.Model(&DefinitionRow{}).Where("key = ? AND version = ? AND status = ?", key, version, DefinitionPublished).
		Count(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no published version %d of %s", ErrNotFound, version, key)
	}
	path := ""
	if regionCode != "" {
		var r Region
		if err := tx.First(&r, "code = ?", regionCode).Error; err != nil {
			return fmt.Errorf("%w: region %s: %w", ErrInvalid, regionCode, translate(err))
		}
		path = r.Path
	}
	act := Activation{Key: key, RegionCode: regionCode, RegionPath: path, Version: version, CreatedAt: now}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}, {Name: "region_code"}},
		DoUpdates: clause.AssignmentColumns([]string{"version", "created_at"}),
	}).Create(&act).Error
}

// OpenCasesOn lists the cases of one definition version not yet in a
// final status, within the region subtrees at paths: the cases a migration
// to another version would move.
func (s *Store) OpenCasesOn(ctx context.Context, key string, version int, paths []string) ([]Case, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	vis := s.inRegions(paths)
	var cs []Case
	err := s.db.WithContext(ctx).Where("definition_key = ? AND definition_version = ?", key, version).
		Where("status NOT IN ?", FinalStatuses).Where(vis).Order("id").Find(&cs).Error
	return cs, translate(err)
}
