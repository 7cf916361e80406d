package api

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

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

// logout revokes the bearer token the request came with; with
// ?everywhere=true it ends every sign-in of the user, on every device. A
// token of an external identity provider is signed out there, not here:
// 422. Sending the same sign-out again finds the token already refused
// (401), which is the state the first call asked for.
func (s *Server) logout(c *fiber.Ctx) error {
	raw, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	claims, err := s.ownClaims(raw)
	if err != nil {
		return newProblem(fiber.StatusUnprocessableEntity,
			"this token was issued by the identity provider: sign out there")
	}
	everywhere, err := everywhereOf(c.Query("everywhere"))
	if err != nil {
		return err
	}
	if err := s.signOut(c, claims, everywhere); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// everywhereOf reads the everywhere flag of a sign-out.
func everywhereOf(v string) (bool, error) {
	switch v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, badField("everywhere", "true or false")
}

// signOut revokes the token of a sign-in or, everywhere, ends every
// sign-in of the user, this one included; shared by the API and the pages.
func (s *Server) signOut(c *fiber.Ctx, claims tokenClaims, everywhere bool) error {
	user := principal(c).User.ID
	var err error
	if everywhere {
		err = s.store.EndSessions(c.UserContext(), user)
	} else {
		err = s.revokeToken(c.UserContext(), claims.RegisteredClaims)
	}
	if err != nil {
		return err
	}
	s.log.Info("sign-out", "user", user, "everywhere", everywhere)
	return nil
}
