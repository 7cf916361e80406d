package process

import (
	"fmt"
	"strings"
)

// FieldError names one offending field by its path in the document
// ("stages[2].role") and says what is wrong with it. The API returns these
// as the field list of an RFC 9457 problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError is every problem found in one document.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = fmt.Sprintf("%s: %s", f.Field, f.Message)
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// add appends a problem; used while walking a document.
func (v *ValidationError) add(field, format string, args ...any) {
	*v = append(*v, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when there are no problems, so callers can return it.
func (v ValidationError) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
