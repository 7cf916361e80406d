package store

import (
	"context"
	"fmt"
	"time"
)

// Delegate hands a task the user holds to an acting official until a
// time. The holder keeps the task; the delegate may act on it meanwhile.
func (s *Store) Delegate(ctx context.Context, taskID, holderID, delegateID int64, until time.Time) error {
	if delegateID == holderID {
		return fmt.Errorf("%w: a task cannot be delegated to its holder", ErrInvalid)
	}
	res := s.db.WithContext(ctx).Model(&Task{}).
		Where("id = ? AND status = ? AND assignee_id = ?", taskID, TaskOpen, holderID).
		Updates(map[string]any{"delegate_id": delegateID, "delegate_until": until})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return s.whyNotOpen(ctx, taskID, "not claimed by you: claim it before delegating")
	}
	return nil
}

// ActingFor reports whether user may act on the task as the holder's
// delegate at time now.
func (t Task) ActingFor(userID int64, now time.Time) bool {
	return t.DelegateID != nil && *t.DelegateID == userID && t.DelegateUntil != nil && now.Before(*t.DelegateUntil)
}

// UsersOver lists, by id, the active users holding a grant at the region
// of path or at a region above it: everyone whose roles could reach a task
// there. Which of them may actually act is the caller's policy question.
func (s *Store) UsersOver(ctx context.Context, path string) ([]User, error) {
	sub := s.db.Model(&Grant{}).Select("user_id").Where("region_code IN ?", PathCodes(path))
	var us []User
	err := s.db.WithContext(ctx).Where("id IN (?) AND disabled = ?", sub, false).Order("id").Find(&us).Error
	return us, translate(err)
}
