package store

import (
	"context"

	"gorm.io/gorm"
)

// Setting is a key/value pair of installation state, such as whether the
// demo data was seeded.
type Setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

// Setting reads one setting; a missing key is ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var st Setting
	err := s.db.WithContext(ctx).First(&st, "key = ?", key).Error
	return st.Value, translate(err)
}

// PutSetting inserts or replaces a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return putSetting(tx, key, value) })
}

func putSetting(tx *gorm.DB, key, value string) error {
	return translate(tx.Save(&Setting{Key: key, Value: value}).Error)
}
