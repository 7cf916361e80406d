package store

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Policy lets a role perform an action on a kind of object.
type Policy struct {
	Role   string `gorm:"primaryKey" json:"role"`
	Object string `gorm:"primaryKey" json:"object"`
	Action string `gorm:"primaryKey" json:"action"`
}

const rbacVersionKey = "rbac_version"

// Policies lists every policy.
func (s *Store) Policies(ctx context.Context) ([]Policy, error) {
	var ps []Policy
	err := s.db.WithContext(ctx).Order("role, object, action").Find(&ps).Error
	return ps, translate(err)
}

// AllGrants lists every grant, for the authorization model.
func (s *Store) AllGrants(ctx context.Context) ([]Grant, error) {
	var gs []Grant
	err := s.db.WithContext(ctx).Order("id").Find(&gs).Error
	return gs, translate(err)
}

// RBACVersion is the counter every grant or policy change bumps.
func (s *Store) RBACVersion(ctx context.Context) (int64, error) {
	v, err := s.Setting(ctx, rbacVersionKey)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// bumpRBAC increments the version inside the transaction of a change and
// returns the new value.
func bumpRBAC(tx *gorm.DB) (int64, error) {
	res := tx.Exec("UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?", rbacVersionKey)
	if res.Error != nil {
		return 0, translate(res.Error)
	}
	var st Setting
	if err := tx.First(&st, "key = ?", rbacVersionKey).Error; err != nil {
		return 0, translate(err)
	}
	return strconv.ParseInt(st.Value, 10, 64)
}

// PutPolicies inserts policies that are missing (default policies at start).
func (s *Store) PutPolicies(ctx context.Context, ps []Policy) (int64, error) {
	var v int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&ps)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		var err error
		v, err = bumpRBAC(tx)
		return err
	})
	return v, translate(err)
}

// RemovePolicy deletes one policy; a missing one is ErrNotFound.
func (s *Store) RemovePolicy(ctx context.Context, p Policy) (int64, error) {
	var v int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("role = ? AND object = ? AND action = ?", p.Role, p.Object, p.Action).Delete(&Policy{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var err error
		v, err = bumpRBAC(tx)
		return err
	})
	return v, translate(err)
}

// AddGrant gives a user a role at a region. An existing grant is ErrConflict.
func (s *Store) AddGrant(ctx context.Context, userID int64, g NewGrant) (Grant, int64, error) {
	var out Grant
	var v int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := addGrant(tx, userID, g, s.now()); err != nil {
			return err
		}
		if err := tx.First(&out, "user_id = ? AND role = ? AND region_code = ?", userID, g.Role, g.Region).Error; err != nil {
			return err
		}
		var err error
		v, err = bumpRBAC(tx)
		return err
	})
	return out, v, translate(err)
}

// RemoveGrant deletes a grant by id.
func (s *Store) RemoveGrant(ctx context.Context, id int64) (Grant, int64, error) {
	var g Grant
	var v int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&g, "id = ?", id).Error; err != nil {
			return fmt.Errorf("%w: grant %d", ErrNotFound, id)
		}
		if err := tx.Delete(&Grant{}, id).Error; err != nil {
			return err
		}
		var err error
		v, err = bumpRBAC(tx)
		return err
	})
	return g, v, translate(err)
}

// SeedPolicies stores the default policies when there are none yet (first
// start). Later starts leave an administrator's changes alone.
func (s *Store) SeedPolicies(ctx context.Context, ps []Policy) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Policy{}).Count(&n).Error; err != nil || n > 0 {
		return false, translate(err)
	}
	_, err := s.PutPolicies(ctx, ps)
	return err == nil, err
}
