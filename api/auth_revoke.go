package api

import (
	"context"
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// errTokenRevoked is a token of this server that was signed out.
var errTokenRevoked = errors.New("token revoked")

// revokeToken refuses a token of this server from now on, in every API
// process sharing the database, until it would have expired anyway.
func (s *Server) revokeToken(ctx context.Context, claims jwt.RegisteredClaims) error {
	if claims.ID == "" || claims.ExpiresAt == nil {
		return errors.New("a token without an id or expiry cannot be revoked")
	}
	return s.store.RevokeToken(ctx, claims.ID, claims.ExpiresAt.Time, s.cfg.Now())
}

// notRevoked checks a validated token of this server against the
// revocations. Tokens issued before tokens carried an id cannot have been
// revoked. A failed lookup refuses the token: it fails closed.
func (s *Server) notRevoked(ctx context.Context, claims jwt.RegisteredClaims) error {
	if claims.ID == "" {
		return nil
	}
	revoked, err := s.store.TokenRevoked(ctx, claims.ID)
	if err != nil {
		return err
	}
	if revoked {
		return errTokenRevoked
	}
	return nil
}
