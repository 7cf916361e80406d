package store

import (
	"context"
	"errors"
	"time"
)

// RevokeToken refuses the token with id (its jti) from now on, until it
// expires by itself at expires. Revoking a token twice is harmless.
//
// Revocations of tokens that have expired by now are pruned on the way:
// such a token is refused for its expiry alone, and sign-outs are rare
// enough to pay for the cleanup.
func (s *Store) RevokeToken(ctx context.Context, id string, expires, now time.Time) error {
	if id == "" {
		return errors.New("store: revoking a token without an id")
	}
	db := s.db.WithContext(ctx)
	err := db.Exec(`INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?)
		ON CONFLICT (token_id) DO NOTHING`, id, expires.Unix()).Error
	if err != nil {
		return translate(err)
	}
	return translate(db.Exec("DELETE FROM revoked_tokens WHERE expires_at < ?", now.Unix()).Error)
}

// TokenRevoked reports whether the token with id was revoked. It is one
// primary-key lookup, made on every request a token authenticates: every
// API process shares the list, so a sign-out through one holds on all.
func (s *Store) TokenRevoked(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM revoked_tokens WHERE token_id = ?", id).Scan(&n).Error
	return n > 0, translate(err)
}
