package store

import (
	"context"
	"errors"
	"time"
)

// RevokeToken refuses the token with id (its jti) from now on, until it
// expires by itself at expires. Revoking a token twice is harmless. Every
// API process shares the list: Caller, which authenticates each request,
// reads it, so a sign-out through one process holds on all.
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
