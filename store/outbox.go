package store

import (
	"context"
	"time"
)

// PendingUpdate is an Update the API sent to a workflow and has not yet
// seen answered (see migration 00011_update_outbox).
type PendingUpdate struct {
	UpdateID   string
	WorkflowID string
	Name       string
	Payload    []byte
	CreatedAt  time.Time
	Attempts   int
	NextAt     time.Time
}

// PutUpdate records an Update before it is sent. A row already there (a
// retry of the same request) is kept as it is: the first payload is the
// one the Update id stands for.
func (s *Store) PutUpdate(ctx context.Context, u PendingUpdate) error {
	return translate(s.db.WithContext(ctx).Exec(`INSERT INTO update_outbox
		(update_id, workflow_id, name, payload, created_at, attempts, next_at) VALUES (?, ?, ?, ?, ?, 0, ?)
		ON CONFLICT (update_id) DO NOTHING`,
		u.UpdateID, u.WorkflowID, u.Name, u.Payload, u.CreatedAt.UnixMilli(), u.NextAt.UnixMilli()).Error)
}

// DoneUpdate forgets an Update once the workflow has answered it.
func (s *Store) DoneUpdate(ctx context.Context, updateID string) error {
	return translate(s.db.WithContext(ctx).Exec("DELETE FROM update_outbox WHERE update_id = ?", updateID).Error)
}

// PendingUpdate returns an Update still waiting for its answer; ok is
// false once it has been answered (or was never sent).
func (s *Store) PendingUpdate(ctx context.Context, updateID string) (u PendingUpdate, ok bool, err error) {
	rows, err := s.pendingUpdates(ctx, "update_id = ?", updateID)
	if err != nil || len(rows) == 0 {
		return PendingUpdate{}, false, err
	}
	return rows[0], true, nil
}

// ClaimDueUpdates takes up to limit Updates due to be sent again by due
// and moves each one's next attempt to now+backoff(attempts), so another
// API process sweeping at the same time skips it. A row is claimed by one
// conditional UPDATE: of two sweepers, one wins it.
func (s *Store) ClaimDueUpdates(ctx context.Context, due, now time.Time, limit int,
	backoff func(attempts int) time.Duration) ([]PendingUpdate, error) {
	rows, err := s.pendingUpdates(ctx, "next_at <= ? ORDER BY next_at LIMIT ?", due.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	var out []PendingUpdate
	for _, u := range rows {
		next := now.Add(backoff(u.Attempts + 1))
		res := s.db.WithContext(ctx).Exec(`UPDATE update_outbox SET attempts = attempts + 1, next_at = ?
			WHERE update_id = ? AND next_at = ?`, next.UnixMilli(), u.UpdateID, u.NextAt.UnixMilli())
		if res.Error != nil {
			return out, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			u.Attempts, u.NextAt = u.Attempts+1, next
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Store) pendingUpdates(ctx context.Context, where string, args ...any) ([]PendingUpdate, error) {
	var rows []struct {
		UpdateID, WorkflowID, Name string
		Payload                    []byte
		CreatedAt, NextAt          int64
		Attempts                   int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT update_id, workflow_id, name, payload, created_at, attempts, next_at
		FROM update_outbox WHERE `+where, args...).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]PendingUpdate, len(rows))
	for i, r := range rows {
		out[i] = PendingUpdate{UpdateID: r.UpdateID, WorkflowID: r.WorkflowID, Name: r.Name, Payload: r.Payload,
			CreatedAt: time.UnixMilli(r.CreatedAt), Attempts: r.Attempts, NextAt: time.UnixMilli(r.NextAt)}
	}
	return out, nil
}
