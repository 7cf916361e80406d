package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// UsersInRegions lists, by id, the users holding a grant at or below any
// of the region paths: what an administrator of those regions manages.
func (s *Store) UsersInRegions(ctx context.Context, paths []string, after int64, limit int) ([]User, int64, error) {
	if len(paths) == 0 {
		return nil, 0, nil
	}
	limit = max(limit, 1)
	sub := s.db.Model(&Grant{}).Select("user_id")
	in := s.inRegions(paths)
	sub = sub.Where(in)
	var us []User
	err := s.db.WithContext(ctx).Where("id IN (?) AND id > ?", sub, after).Order("id").Limit(limit + 1).Find(&us).Error
	if err != nil {
		return nil, 0, translate(err)
	}
	var next int64
	if len(us) > limit {
		us = us[:limit]
		next = us[len(us)-1].ID
	}
	return us, next, nil
}

// SetUserDisabled disables or re-enables a user.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("disabled", disabled)
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("%w: user %d", ErrNotFound, id)
	}
	return translate(res.Error)
}

// EndSessions ends every sign-in of a user: tokens signed before carry the
// old session epoch ("sign out everywhere").
func (s *Store) EndSessions(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).
		Update("session_epoch", gorm.Expr("session_epoch + 1"))
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("%w: user %d", ErrNotFound, id)
	}
	return translate(res.Error)
}

// SetPassword replaces a user's password and ends the user's sign-ins:
// tokens signed before carry the old session epoch.
func (s *Store) SetPassword(ctx context.Context, id int64, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).
		Updates(map[string]any{"password_hash": hash, "session_epoch": gorm.Expr("session_epoch + 1")})
	if res.Error == nil && res.RowsAffected == 0 {
		return fmt.Errorf("%w: user %d", ErrNotFound, id)
	}
	return translate(res.Error)
}

// Grant returns one grant.
func (s *Store) Grant(ctx context.Context, id int64) (Grant, error) {
	var g Grant
	err := s.db.WithContext(ctx).First(&g, "id = ?", id).Error
	return g, translate(err)
}

// GrantsInRegions lists grants at or below any of the paths, optionally of
// one user.
func (s *Store) GrantsInRegions(ctx context.Context, paths []string, userID int64) ([]Grant, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	in := s.inRegions(paths)
	db := s.db.WithContext(ctx).Where(in)
	if userID != 0 {
		db = db.Where("user_id = ?", userID)
	}
	var gs []Grant
	err := db.Order("id").Find(&gs).Error
	return gs, translate(err)
}

// inRegions is the condition "region_path lies at or below one of paths",
// one index range per path. With no paths it matches nothing.
func (s *Store) inRegions(paths []string) *gorm.DB {
	cond := s.db.Where("1 = 0")
	for _, p := range paths {
		cond = cond.Or("region_path >= ? AND region_path < ?", p, p+"~")
	}
	return cond
}
