package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

// Principal is the signed-in user of a request with their grants.
type Principal struct {
	User   store.User
	Grants []store.Grant
}

// Holds reports whether the user holds role at a region containing path.
func (p *Principal) Holds(role, path string) bool {
	for _, g := range p.Grants {
		if g.Role == role && strings.HasPrefix(path, g.RegionPath) {
			return true
		}
	}
	return false
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type roleView struct {
	Role   string `json:"role"`
	Region string `json:"region"`
}

type userView struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Roles       []roleView `json:"roles"`
}

func viewOfUser(u store.User, gs []store.Grant) userView {
	v := userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: []roleView{}}
	for _, g := range gs {
		v.Roles = append(v.Roles, roleView{Role: g.Role, Region: g.RegionCode})
	}
	return v
}

// login checks a password and issues a bearer token. Unknown users and
// wrong passwords get the same answer.
func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if len(s.cfg.JWTSecret) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	u, gs, err := s.checkPassword(c.UserContext(), req)
	if err != nil {
		return err
	}
	exp := s.cfg.Now().Add(s.cfg.JWTTTL)
	tok, err := s.issueToken(u, exp)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": tok, "expires_at": exp.UTC(), "user": viewOfUser(u, gs)})
}

// checkPassword is the one password check of the JSON login and the sign-in
// page: both refuse when local sign-in is off, name missing fields, and give
// unknown users and wrong passwords the same answer.
func (s *Server) checkPassword(ctx context.Context, req loginRequest) (store.User, []store.Grant, error) {
	if len(s.cfg.JWTSecret) == 0 {
		return store.User{}, nil, newProblem(fiber.StatusNotFound, "local sign-in is disabled: sign in with the identity provider")
	}
	var errs process.ValidationError
	if req.Username == "" {
		errs = append(errs, process.FieldError{Field: "username", Message: "is required"})
	}
	if req.Password == "" {
		errs = append(errs, process.FieldError{Field: "password", Message: "is required"})
	}
	if len(errs) > 0 {
		return store.User{}, nil, invalid(errs)
	}
	u, err := s.store.UserByUsername(ctx, req.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, nil, err
	}
	if err != nil || u.Disabled || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(req.Password)) != nil {
		return store.User{}, nil, newProblem(fiber.StatusUnauthorized, "wrong username or password")
	}
	gs, err := s.store.GrantsOf(ctx, u.ID)
	return u, gs, err
}

func (s *Server) issueToken(u store.User, exp time.Time) (string, error) {
	// The id names one sign-in: the pages bind their CSRF tokens to it.
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	claims := tokenClaims{RegisteredClaims: jwt.RegisteredClaims{Subject: strconv.FormatInt(u.ID, 10),
		Issuer: "assistflow", ID: hex.EncodeToString(id),
		IssuedAt: jwt.NewNumericDate(s.cfg.Now()), ExpiresAt: jwt.NewNumericDate(exp)}, Epoch: u.SessionEpoch}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
}

// authenticate verifies the bearer token and loads the user's current
// grants, so a revoked grant stops working on the next request. It reads
// the Authorization header only: the pages' session cookie never
// authenticates a JSON request, so a forged cross-site form cannot reach
// the API.
func (s *Server) authenticate(c *fiber.Ctx) error {
	raw, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok || raw == "" {
		return newProblem(fiber.StatusUnauthorized, "a bearer token is required")
	}
	p, err := s.tokenPrincipal(c.UserContext(), raw)
	if errors.Is(err, errLookupFailed) {
		return err // refused all the same, but as our failure, not the token's
	} else if err != nil {
		return newProblem(fiber.StatusUnauthorized, tokenTrouble(err))
	}
	c.Locals("principal", p)
	return c.Next()
}

// ownClaims validates a token this server signed (HS256, our issuer, not
// expired) and returns its claims.
func (s *Server) ownClaims(raw string) (tokenClaims, error) {
	var claims tokenClaims
	if len(s.cfg.JWTSecret) == 0 {
		return claims, errors.New("local tokens are disabled")
	}
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) { return s.cfg.JWTSecret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("assistflow"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.cfg.Now))
	return claims, err
}

// tokenPrincipal is the enabled user a token names, with their grants:
// our own HS256 tokens carry the user id and are refused once signed out;
// an external issuer's carry a username claim.
func (s *Server) tokenPrincipal(ctx context.Context, raw string) (*Principal, error) {
	claims, err := s.ownClaims(raw)
	if err == nil {
		return s.ownPrincipal(ctx, claims)
	}
	if s.cfg.OIDC == nil {
		return nil, err
	}
	name, err := s.cfg.OIDC.Username(ctx, raw, s.cfg.Now)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByUsername(ctx, name)
	if err != nil {
		return nil, lookupError(err)
	}
	if u.Disabled {
		return nil, errUserDisabled
	}
	gs, err := s.store.GrantsOf(ctx, u.ID)
	if err != nil {
		return nil, lookupError(err)
	}
	return &Principal{User: u, Grants: gs}, nil
}

// tokenClaims are what a token of this server says: the registered claims
// (the user's id as subject, the sign-in's id, issue and expiry) and the
// user's session epoch at sign-in.
type tokenClaims struct {
	jwt.RegisteredClaims
	Epoch int64 `json:"sep,omitempty"`
}

var (
	// errSessionEnded is a token signed before the user's password was
	// set anew or the user signed out everywhere.
	errSessionEnded = errors.New("session ended")
	// errUserDisabled is a valid token of a user an administrator disabled.
	errUserDisabled = errors.New("user disabled")
	// errLookupFailed is a token that could not be checked: the database
	// failed.
	errLookupFailed = errors.New("checking the sign-in failed")
)

// lookupError keeps an unknown user the token's problem and makes any
// other failure to read the user ours (errLookupFailed).
func lookupError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w: %w", errLookupFailed, err)
}

// ownPrincipal is the user a validated token of this server names, with
// their grants, unless the token was signed out, the user's sign-ins were
// ended after it was issued, or the user is disabled. One read answers all
// of it: every request asks.
func (s *Server) ownPrincipal(ctx context.Context, claims tokenClaims) (*Principal, error) {
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Caller(ctx, id, claims.ID)
	switch {
	case err != nil:
		return nil, lookupError(err)
	case c.Revoked:
		return nil, errTokenRevoked
	case c.User.SessionEpoch != claims.Epoch:
		return nil, errSessionEnded
	case c.User.Disabled:
		return nil, errUserDisabled
	}
	return &Principal{User: c.User, Grants: c.Grants}, nil
}

// tokenTrouble says what is wrong with a refused token, so a client knows
// whether to sign in again or to fix what it sends; it never says which
// part of a forged token failed beyond that.
func tokenTrouble(err error) string {
	switch {
	case err == nil, errors.Is(err, store.ErrNotFound), errors.Is(err, errUserDisabled):
		return "user is unknown or disabled"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired: sign in again"
	case errors.Is(err, errTokenRevoked):
		return "the token was signed out: sign in again"
	case errors.Is(err, errSessionEnded):
		return "the sign-ins of this user were ended after this one (new password or sign-out everywhere): sign in again"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	}
	return "the token is not valid: bad signature, algorithm or issuer"
}

func principal(c *fiber.Ctx) *Principal { return c.Locals("principal").(*Principal) }

func (s *Server) me(c *fiber.Ctx) error {
	p := principal(c)
	return c.JSON(viewOfUser(p.User, p.Grants))
}

// maxJSONBody bounds JSON requests; only uploads may be larger.
const maxJSONBody = 1 << 20

// decodeJSON reads a JSON body strictly: unknown fields and trailing data
// are errors that name what is wrong.
func decodeJSON(c *fiber.Ctx, dst any) error {
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		return newProblem(fiber.StatusUnsupportedMediaType, "send Content-Type: application/json")
	}
	if len(c.Body()) > maxJSONBody {
		return newProblem(fiber.StatusRequestEntityTooLarge, "a JSON body may be at most 1 MB")
	}
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badJSON(err)
	}
	if dec.More() {
		return newProblem(fiber.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

func badJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return badField(typeErr.Field, fmt.Sprintf("must be %s, not %s", typeErr.Type, typeErr.Value))
	case errors.As(err, &syntaxErr):
		return newProblem(fiber.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badField(field, "unknown field")
	}
	return newProblem(fiber.StatusBadRequest, "malformed JSON: "+err.Error())
}
