package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// The error vocabulary of the application. Callers wrap these with detail
// (fmt.Errorf("%w: task already decided", ErrConflict)) and the API maps
// each to one HTTP status in one place.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrInvalid   = errors.New("invalid")
	ErrForbidden = errors.New("forbidden")
)

// translate turns driver errors into the vocabulary above.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case isUniqueViolation(err):
		return errors.Join(ErrConflict, err)
	}
	return err
}

// isUniqueViolation recognises a unique-constraint failure on both dialects.
// gorm's own TranslateError cannot: its SQLite driver only knows the cgo
// driver's error type, and we run on modernc.org/sqlite.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
