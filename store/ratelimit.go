package store

import (
	"context"
	"errors"
	"time"
)

// Hit counts one attempt of bucket (say, sign-ins of one account from one
// address) in the fixed window of length window that now falls in, and
// returns the count so far, this one included, and when the window ends.
//
// The count is one INSERT … ON CONFLICT DO UPDATE … RETURNING statement, so
// concurrent API processes sharing the database never lose a hit. Windows
// older than the previous one are pruned on the way.
func (s *Store) Hit(ctx context.Context, bucket string, window time.Duration, now time.Time) (int, time.Time, error) {
	if window < time.Second {
		return 0, time.Time{}, errors.New("store: rate-limit window under a second")
	}
	secs := int64(window / time.Second)
	start := now.Unix() / secs * secs
	var hits int
	err := s.db.WithContext(ctx).Raw(`INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits`, bucket, start).Scan(&hits).Error
	if err != nil {
		return 0, time.Time{}, translate(err)
	}
	if hits == 1 {
		// The first hit of a bucket's window is a cheap moment to forget
		// windows nobody can hit any more.
		if err := s.db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", start-secs).Error; err != nil {
			return 0, time.Time{}, translate(err)
		}
	}
	return hits, time.Unix(start+secs, 0), nil
}
