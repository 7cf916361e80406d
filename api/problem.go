package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/assistflow/assistflow/process"
	"github.com/assistflow/assistflow/store"
	"github.com/assistflow/assistflow/workflows"
	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// Problem is an RFC 9457 problem detail. Errors lists the offending fields
// of a validation failure.
type Problem struct {
	Type     string               `json:"type"`
	Title    string               `json:"title"`
	Status   int                  `json:"status"`
	Detail   string               `json:"detail,omitempty"`
	Instance string               `json:"instance,omitempty"`
	Errors   []process.FieldError `json:"errors,omitempty"`
}

// problem is an error that already knows its HTTP form.
type problem struct{ p Problem }

func (e *problem) Error() string { return e.p.Detail }

func newProblem(status int, detail string) error {
	return &problem{Problem{Status: status, Detail: detail}}
}

func invalid(errs process.ValidationError) error {
	return &problem{Problem{Status: http.StatusUnprocessableEntity, Detail: "the request has invalid fields", Errors: errs}}
}

func badField(field, msg string) error {
	return invalid(process.ValidationError{{Field: field, Message: msg}})
}

// statusOf maps every error the handlers return to one HTTP status, in
// this one place: store's vocabulary, workflow Update rejections, Fiber's
// own errors, and everything else as 500.
func statusOf(err error) (int, string) {
	var appErr *temporal.ApplicationError
	var fe *fiber.Error
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &appErr):
		switch appErr.Type() {
		case workflows.RejectConflict:
			return http.StatusConflict, appErr.Message()
		case workflows.RejectInvalid:
			return http.StatusUnprocessableEntity, appErr.Message()
		case workflows.RejectForbidden:
			return http.StatusForbidden, appErr.Message()
		}
	case errors.Is(err, store.ErrNotFound), errors.As(err, &notFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, cleanDetail(err)
	case errors.Is(err, store.ErrInvalid):
		return http.StatusUnprocessableEntity, cleanDetail(err)
	case errors.Is(err, store.ErrForbidden):
		return http.StatusForbidden, cleanDetail(err)
	case errors.As(err, &fe):
		return fe.Code, fe.Message
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "the request took too long; try again"
	}
	return http.StatusInternalServerError, "internal error"
}

// cleanDetail keeps the first line of a domain error: driver details after
// it may name tables and values.
func cleanDetail(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// errorHandler writes every error as application/problem+json; on pages,
// as an HTML error page.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	if page, _ := c.Locals("page").(bool); page {
		return s.pageError(c, err)
	}
	var p Problem
	var pe *problem
	if errors.As(err, &pe) {
		p = pe.p
	} else {
		p.Status, p.Detail = statusOf(err)
	}
	if p.Status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "route", c.Route().Path, "error", err)
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Instance = c.Path()
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(p.Status).JSON(p, "application/problem+json")
}
