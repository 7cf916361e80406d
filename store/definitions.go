package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Definition states: a draft can change; a published version never does.
const (
	DefinitionDraft     = "draft"
	DefinitionPublished = "published"
)

// DefinitionRow is one stored version of an approval chain.
type DefinitionRow struct {
	Key       string    `gorm:"primaryKey" json:"key"`
	Version   int       `gorm:"primaryKey" json:"version"`
	Status    string    `json:"status"`
	Body      JSON      `json:"-"`
	CreatedBy *int64    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName maps the row to its table.
func (DefinitionRow) TableName() string { return "definitions" }

// Activation chooses the version new cases start on in a region subtree.
type Activation struct {
	Key        string    `gorm:"primaryKey" json:"key"`
	RegionCode string    `gorm:"primaryKey" json:"region"`
	RegionPath string    `json:"-"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName maps the row to its table.
func (Activation) TableName() string { return "definition_activations" }

// PublishBuiltin stores body as version 1 of key unless the key has any
// version already, and activates it everywhere (the empty region, whose
// path prefixes every other). It makes the built-in chains available on
// first start and never overrides an administrator's later versions.
func (s *Store) PublishBuiltin(ctx context.Context, key string, body []byte) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&DefinitionRow{}).Where("key = ?", key).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		row := DefinitionRow{Key: key, Version: 1, Status: DefinitionPublished, Body: body, CreatedAt: s.now()}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return translate(err)
		}
		act := Activation{Key: key, RegionCode: "", RegionPath: "", Version: 1, CreatedAt: s.now()}
		return translate(tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&act).Error)
	})
}

// ActiveDefinition returns the published version of key that new cases in
// the region at regionPath start on: the activation of the most specific
// region containing it.
func (s *Store) ActiveDefinition(ctx context.Context, key, regionPath string) (DefinitionRow, error) {
	var acts []Activation
	if err := s.db.WithContext(ctx).Where("key = ?", key).Find(&acts).Error; err != nil {
		return DefinitionRow{}, translate(err)
	}
	best := -1
	for i, a := range acts {
		if strings.HasPrefix(regionPath, a.RegionPath) && (best < 0 || len(a.RegionPath) > len(acts[best].RegionPath)) {
			best = i
		}
	}
	if best < 0 {
		return DefinitionRow{}, fmt.Errorf("%w: no active version of %s for this region", ErrNotFound, key)
	}
	return s.DefinitionVersion(ctx, key, acts[best].Version)
}

// DefinitionVersion returns one stored version.
func (s *Store) DefinitionVersion(ctx context.Context, key string, version int) (DefinitionRow, error) {
	var row DefinitionRow
	err := s.db.WithContext(ctx).First(&row, "key = ? AND version = ?", key, version).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("%w: definition %s version %d", ErrNotFound, key, version)
	}
	return row, translate(err)
}

// PublishDefinition stores body as the next version of key, published and
// immutable, and returns the version number.
func (s *Store) PublishDefinition(ctx context.Context, key string, body []byte, by *int64) (int, error) {
	var version int
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		version, err = publishTx(tx, key, body, by, s.now())
		return err
	})
	return version, translate(err)
}

// Activate makes version the one new cases of key start on in the region
// and below ("" = everywhere); the most specific activation wins.
func (s *Store) Activate(ctx context.Context, key string, version int, regionCode string) error {
	return translate(s.tx(ctx, func(tx *gorm.DB) error { return activateTx(tx, key, version, regionCode, s.now()) }))
}
