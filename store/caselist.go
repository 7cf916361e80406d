package store

import "context"

// CaseQuery selects cases a user may see: their own (ApplicantID) or those
// in their jurisdiction (RegionPaths), with optional filters.
type CaseQuery struct {
	ApplicantID int64
	RegionPaths []string
	Status      string
	Program     string
	RegionPath  string
	Stage       string
	After       int64
	Limit       int
}

// Cases returns one page of cases, newest first, and the next cursor.
// Cursors are ids; "after" means ids below the cursor here.
func (s *Store) Cases(ctx context.Context, q CaseQuery) ([]Case, int64, error) {
	q.Limit = max(q.Limit, 1)
	db := s.db.WithContext(ctx).Model(&Case{})
	if q.ApplicantID != 0 && len(q.RegionPaths) == 0 {
		db = db.Where("applicant_id = ?", q.ApplicantID)
	} else {
		vis := s.db.Where("applicant_id = ?", q.ApplicantID)
		for _, p := range q.RegionPaths {
			vis = vis.Or("region_path >= ? AND region_path < ?", p, p+"~")
		}
		db = db.Where(vis)
	}
	if q.After > 0 {
		db = db.Where("id < ?", q.After)
	}
	for col, v := range map[string]string{"status": q.Status, "program": q.Program} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	if q.RegionPath != "" {
		db = db.Where("region_path >= ? AND region_path < ?", q.RegionPath, q.RegionPath+"~")
	}
	if q.Stage != "" {
		db = db.Where("current_stages LIKE ?", `%"id":"`+q.Stage+`"%`)
	}
	var cs []Case
	if err := db.Order("id DESC").Limit(q.Limit + 1).Find(&cs).Error; err != nil {
		return nil, 0, translate(err)
	}
	var next int64
	if len(cs) > q.Limit {
		cs = cs[:q.Limit]
		next = cs[len(cs)-1].ID
	}
	return cs, next, nil
}
