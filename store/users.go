package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// User is a person who signs in: an applicant, an official or an admin.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"display_name"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	// SessionEpoch is carried in the user's tokens; SetPassword moves it
	// on, which ends every earlier sign-in.
	SessionEpoch int64 `json:"-"`
}

// Grant gives a user a role over a region and everything below it.
type Grant struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Role       string    `json:"role"`
	RegionCode string    `json:"region"`
	RegionPath string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewUser is a user to create with their grants.
type NewUser struct {
	Username, DisplayName, Password string
	Grants                          []NewGrant
}

// NewGrant names a role and the region it is held at.
type NewGrant struct{ Role, Region string }

// CreateUser stores a user with a bcrypt hash of the password and grants.
// A taken username is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (User, error) {
	var u User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		hash, err := HashPassword(in.Password)
		if err != nil {
			return err
		}
		u, err = createUser(tx, in, hash, s.now())
		return err
	})
	return u, err
}

// HashPassword returns the bcrypt hash stored for a password.
func HashPassword(password string) (string, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("%w: password: %w", ErrInvalid, err)
	}
	return string(hash), nil
}

func createUser(tx *gorm.DB, in NewUser, hash string, now time.Time) (User, error) {
	u := User{Username: in.Username, DisplayName: in.DisplayName, PasswordHash: hash, CreatedAt: now}
	if err := tx.Create(&u).Error; err != nil {
		return User{}, translate(err)
	}
	for _, g := range in.Grants {
		if err := addGrant(tx, u.ID, g, now); err != nil {
			return User{}, err
		}
	}
	if len(in.Grants) > 0 {
		if _, err := bumpRBAC(tx); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

func addGrant(tx *gorm.DB, userID int64, g NewGrant, now time.Time) error {
	var r Region
	if err := tx.First(&r, "code = ?", g.Region).Error; err != nil {
		return fmt.Errorf("%w: grant region %s: %w", ErrInvalid, g.Region, translate(err))
	}
	row := Grant{UserID: userID, Role: g.Role, RegionCode: r.Code, RegionPath: r.Path, CreatedAt: now}
	return translate(tx.Create(&row).Error)
}

// UserByUsername finds an enabled or disabled user by name.
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, "username = ?", username).Error
	return u, translate(err)
}

// User finds a user by id.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, "id = ?", id).Error
	return u, translate(err)
}

// Caller is what authenticating one request needs to know of a signed-in
// user: the user (without the password hash), the user's grants, and
// whether the sign-in the request presented was revoked.
type Caller struct {
	User    User
	Grants  []Grant
	Revoked bool
}

// callerSQL reads a user, the user's grants and a sign-in's revocation in
// one statement.
const callerSQL = `SELECT u.id, u.username, u.display_name, u.disabled, u.created_at, u.session_epoch,
	EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = ?),
	g.id, g.role, g.region_code, g.region_path, g.created_at
FROM users u LEFT JOIN grants g ON g.user_id = u.id
WHERE u.id = ? ORDER BY g.id`

// Caller loads user id as a request signed in with token tokenID sees
// them, in one statement: every API request and page asks it, and a
// grant revoked, a user disabled or a token signed out a moment ago, in
// any process, counts at once. An unknown user is ErrNotFound.
func (s *Store) Caller(ctx context.Context, id int64, tokenID string) (Caller, error) {
	rows, err := s.query(ctx, callerSQL, tokenID, id)
	if err != nil {
		return Caller{}, err
	}
	defer rows.Close()
	var c Caller
	found := false
	for rows.Next() {
		var g struct {
			id               sql.NullInt64
			role, code, path sql.NullString
			at               sql.NullTime
		}
		if err := rows.Scan(&c.User.ID, &c.User.Username, &c.User.DisplayName, &c.User.Disabled, &c.User.CreatedAt,
			&c.User.SessionEpoch, &c.Revoked, &g.id, &g.role, &g.code, &g.path, &g.at); err != nil {
			return Caller{}, err
		}
		found = true
		if g.id.Valid {
			c.Grants = append(c.Grants, Grant{ID: g.id.Int64, UserID: id, Role: g.role.String,
				RegionCode: g.code.String, RegionPath: g.path.String, CreatedAt: g.at.Time})
		}
	}
	if err := rows.Err(); err != nil {
		return Caller{}, err
	}
	if !found {
		return Caller{}, ErrNotFound
	}
	return c, nil
}

// GrantsOf lists a user's grants.
func (s *Store) GrantsOf(ctx context.Context, userID int64) ([]Grant, error) {
	var gs []Grant
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&gs).Error
	return gs, translate(err)
}

// CountUsers counts every user; used by tests and readiness of the seed.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, translate(err)
}
