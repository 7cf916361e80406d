package activities

import (
	"context"
	"errors"
	"log/slog"

	"github.com/assistflow/assistflow/store"
	"go.temporal.io/sdk/temporal"
)

// Activities holds the dependencies of every activity. Workflows name its
// methods through a nil pointer; the worker registers a real one.
type Activities struct {
	Store   *store.Store
	Sources DataSource
	Sender  Sender // default InApp
	Log     *slog.Logger
}

// Error types a workflow may see from an activity. They are not retried:
// repeating the call cannot change the answer.
const (
	ErrTypeInvalid  = "invalid"
	ErrTypeNotFound = "not_found"
	ErrTypeConflict = "conflict"
)

// boundary decides, in one place, which errors are worth a retry. Domain
// errors from the store are final; anything else (a locked database, a
// dropped connection) is retried by Temporal's policy.
func boundary(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrInvalid):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, nil)
	case errors.Is(err, store.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeNotFound, nil)
	case errors.Is(err, store.ErrConflict):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeConflict, nil)
	}
	return err
}

func (a *Activities) logger(ctx context.Context) *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}
