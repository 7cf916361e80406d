package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Notification is an in-app message to a user, or to everyone holding a
// role at or above a region.
type Notification struct {
	ID              int64      `json:"id"`
	NotificationKey string     `json:"-"`
	UserID          *int64     `json:"user_id,omitempty"`
	Role            string     `json:"role,omitempty"`
	RegionPath      string     `json:"-"`
	CaseID          *int64     `json:"case_id,omitempty"`
	Kind            string     `json:"kind"`
	Message         string     `json:"message"`
	CreatedAt       time.Time  `json:"created_at"`
	ReadAt          *time.Time `json:"read_at,omitempty"`
}

// Notify stores a notification once per key.
func (s *Store) Notify(ctx context.Context, n Notification) error {
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&n).Error)
}

// NotificationsOfCase lists a case's notifications, oldest first.
func (s *Store) NotificationsOfCase(ctx context.Context, caseID int64) ([]Notification, error) {
	var ns []Notification
	err := s.db.WithContext(ctx).Where("case_id = ?", caseID).Order("id").Find(&ns).Error
	return ns, translate(err)
}

// DataCheckReport is the result of a data_check stage, shown to later reviewers.
type DataCheckReport struct {
	ID        int64     `json:"id"`
	ReportKey string    `json:"-"`
	CaseID    int64     `json:"case_id"`
	Stage     string    `json:"stage"`
	Report    JSON      `json:"report"`
	CreatedAt time.Time `json:"created_at"`
}

// SaveDataCheckReport stores a report once per key.
func (s *Store) SaveDataCheckReport(ctx context.Context, r DataCheckReport) error {
	r.CreatedAt = s.now()
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error)
}

// DataCheckReports lists a case's reports.
func (s *Store) DataCheckReports(ctx context.Context, caseID int64) ([]DataCheckReport, error) {
	return rowsOf[DataCheckReport](ctx, s, "FROM data_check_reports WHERE case_id = ? ORDER BY id", caseID)
}
