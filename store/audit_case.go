package store

import (
	"context"
	"fmt"
	"time"
)

// CaseAuditEntry is one audit event about a case or one of its tasks, as
// its applicant may see it: who acted is named by display name and role,
// and the event's detail (which may hold other people's data) is left out.
type CaseAuditEntry struct {
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	Actor     string    `json:"actor,omitempty"`
	ActorRole string    `json:"actor_role,omitempty"`
	Stage     string    `json:"stage,omitempty"`
	Chain     string    `json:"chain"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
}

// AuditOfCase lists the audit events of a case and its tasks, oldest first.
func (s *Store) AuditOfCase(ctx context.Context, caseID int64) ([]CaseAuditEntry, error) {
	var out []CaseAuditEntry
	err := s.db.WithContext(ctx).Table("audit_events AS a").
		Select("a.at, a.action, a.object, u.display_name AS actor, t.role AS actor_role, t.stage, a.chain, a.seq, a.hash").
		Joins("LEFT JOIN users u ON u.id = a.actor_id").
		Joins("LEFT JOIN tasks t ON t.case_id = ? AND a.object = 'task/' || CAST(t.id AS TEXT)", caseID).
		Where("a.object = ? OR a.object IN (SELECT 'task/' || CAST(id AS TEXT) FROM tasks WHERE case_id = ?)",
			fmt.Sprintf("case/%d", caseID), caseID).
		Order("a.at, a.id").Scan(&out).Error
	return out, translate(err)
}
