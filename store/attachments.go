package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Attachment is an uploaded file of a case; its bytes live in a blob store
// under BlobKey.
type Attachment struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	UploadedBy  int64     `json:"-"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `gorm:"column:sha256" json:"sha256"`
	BlobKey     string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// AddAttachment records an upload once per case and content: the same
// file uploaded twice returns the first record.
func (s *Store) AddAttachment(ctx context.Context, a Attachment) (Attachment, bool, error) {
	created := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var found Attachment
		err := tx.First(&found, "case_id = ? AND sha256 = ?", a.CaseID, a.SHA256).Error
		if err == nil {
			a = found
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		a.CreatedAt, created = s.now(), true
		return tx.Create(&a).Error
	})
	return a, created, translate(err)
}

// Attachments lists a case's attachments.
func (s *Store) Attachments(ctx context.Context, caseID int64) ([]Attachment, error) {
	var as []Attachment
	err := s.db.WithContext(ctx).Where("case_id = ?", caseID).Order("id").Find(&as).Error
	return as, translate(err)
}
