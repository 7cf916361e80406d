package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Notice states.
const (
	NoticeOpen      = "open"
	NoticeClosed    = "closed"
	NoticeCancelled = "cancelled"
)

// Notice is a case posted on its village's public notice board.
type Notice struct {
	ID         int64     `json:"id"`
	NoticeKey  string    `json:"-"`
	CaseID     int64     `json:"case_id"`
	Stage      string    `json:"stage"`
	RegionCode string    `json:"region"`
	RegionPath string    `json:"-"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Status     string    `json:"status"`
}

// OpenNotice posts a case once per key.
func (s *Store) OpenNotice(ctx context.Context, key string, caseID int64, stage, region string, from, to time.Time) (Notice, error) {
	var n Notice
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&n, "notice_key = ?", key).Error; err == nil {
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var r Region
		if err := tx.First(&r, "code = ?", region).Error; err != nil {
			return fmt.Errorf("%w: notice region %s: %w", ErrInvalid, region, translate(err))
		}
		n = Notice{NoticeKey: key, CaseID: caseID, Stage: stage, RegionCode: r.Code, RegionPath: r.Path,
			StartsAt: from, EndsAt: to, Status: NoticeOpen}
		return tx.Create(&n).Error
	})
	return n, translate(err)
}

// EndNotice takes a notice off the board as closed (ran its course) or
// cancelled (case withdrawn or rejected).
func (s *Store) EndNotice(ctx context.Context, id int64, status string) error {
	return translate(s.db.WithContext(ctx).Model(&Notice{}).
		Where("id = ? AND status = ?", id, NoticeOpen).Update("status", status).Error)
}

// BoardEntry is what a public notice shows: never ID numbers, phones, bank
// accounts or health details.
type BoardEntry struct {
	NoticeID      int64     `json:"notice_id"`
	CaseID        int64     `json:"case_id"`
	Program       string    `json:"program"`
	Region        string    `json:"region"`
	RegionName    string    `json:"region_name"`
	HeadName      string    `json:"head_name"`
	Group         string    `json:"group,omitempty" gorm:"-"` // 村民小组
	HouseholdSize int       `json:"household_size"`
	Category      string    `json:"category,omitempty"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	// Household is read only to take the village group from it; it never
	// leaves the store.
	Household JSON `json:"-"`
}

// Board lists the open notices at or below a region.
func (s *Store) Board(ctx context.Context, regionPath string, limit int) ([]BoardEntry, error) {
	var out []BoardEntry
	err := s.db.WithContext(ctx).Table("notices n").
		Select("n.id AS notice_id, n.case_id, c.program, n.region_code AS region, r.name AS region_name, "+
			"c.head_name, c.household_size, c.category, n.starts_at, n.ends_at, c.household").
		Joins("JOIN cases c ON c.id = n.case_id").Joins("JOIN regions r ON r.code = n.region_code").
		Where("n.status = ? AND n.region_path >= ? AND n.region_path < ?", NoticeOpen, regionPath, regionPath+"~").
		Order("n.id DESC").Limit(limit).Scan(&out).Error
	for i := range out {
		var h struct {
			Group string `json:"group"`
		}
		_ = json.Unmarshal(out[i].Household, &h)
		out[i].Group, out[i].Household = h.Group, nil
	}
	return out, translate(err)
}

// OpenNoticeOf returns the open notice of a case.
func (s *Store) OpenNoticeOf(ctx context.Context, caseID int64) (Notice, error) {
	var n Notice
	err := s.db.WithContext(ctx).First(&n, "case_id = ? AND status = ?", caseID, NoticeOpen).Error
	return n, translate(err)
}

// Objection is a resident's objection to a case on notice. FiledBy is kept
// even when the objection is anonymous towards the village.
type Objection struct {
	ID           int64     `json:"id"`
	ObjectionKey string    `json:"-"`
	CaseID       int64     `json:"case_id"`
	NoticeID     int64     `json:"notice_id"`
	FiledBy      int64     `json:"-"`
	Anonymous    bool      `json:"anonymous"`
	Reason       string    `json:"reason"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

// FileObjection records an objection once per key.
func (s *Store) FileObjection(ctx context.Context, o Objection) (Objection, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var found Objection
		if err := tx.First(&found, "objection_key = ?", o.ObjectionKey).Error; err == nil {
			o = found
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		o.Status, o.CreatedAt = "open", s.now()
		return tx.Create(&o).Error
	})
	return o, translate(err)
}

// ResolveObjection marks an objection dismissed or upheld.
func (s *Store) ResolveObjection(ctx context.Context, id int64, status string) error {
	return translate(s.db.WithContext(ctx).Model(&Objection{}).
		Where("id = ?", id).Update("status", status).Error)
}
