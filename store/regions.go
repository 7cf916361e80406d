package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Region levels, from the top of the administrative tree down.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// Levels lists the region levels from the top down.
var Levels = []string{LevelProvince, LevelCity, LevelCounty, LevelTownship, LevelVillage}

// Region is one node of the administrative division tree. Path holds the
// codes from the root down to this node, each followed by "/", so "is X at
// or below Y" is a prefix test that an index can serve.
type Region struct {
	Code       string  `gorm:"primaryKey" json:"code"`
	Name       string  `json:"name"`
	NameEn     string  `json:"name_en,omitempty"`
	Level      string  `json:"level"`
	ParentCode *string `json:"parent_code,omitempty"`
	Path       string  `json:"path"`
}

// Contains reports whether other lies at or below r in the tree.
func (r Region) Contains(otherPath string) bool { return strings.HasPrefix(otherPath, r.Path) }

// RegionInput is a region to create, named by its parent's code.
type RegionInput struct {
	Code, Name, NameEn, Level, Parent string
}

// PutRegions inserts regions in order (parents before children) and leaves
// existing codes untouched, so importing the same tree twice is harmless.
func (s *Store) PutRegions(ctx context.Context, in []RegionInput) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return putRegions(tx, in) })
}

func putRegions(tx *gorm.DB, in []RegionInput) error {
	for _, r := range in {
		reg := Region{Code: r.Code, Name: r.Name, NameEn: r.NameEn, Level: r.Level, Path: r.Code + "/"}
		if r.Parent != "" {
			var parent Region
			if err := tx.First(&parent, "code = ?", r.Parent).Error; err != nil {
				return fmt.Errorf("%w: region %s: parent %s: %w", ErrInvalid, r.Code, r.Parent, translate(err))
			}
			p := parent.Code
			reg.ParentCode, reg.Path = &p, parent.Path+r.Code+"/"
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&reg).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// Region returns one region by code.
func (s *Store) Region(ctx context.Context, code string) (Region, error) {
	return rowOf[Region](ctx, s, "FROM regions WHERE code = ?", code)
}

// Regions returns the whole tree ordered by path (parents before children).
func (s *Store) Regions(ctx context.Context) ([]Region, error) {
	var rs []Region
	err := s.db.WithContext(ctx).Order("path").Find(&rs).Error
	return rs, translate(err)
}

// PathCodes splits a region path into its codes, root first.
func PathCodes(path string) []string {
	return strings.Split(strings.TrimSuffix(path, "/"), "/")
}
