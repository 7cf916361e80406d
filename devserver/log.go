package devserver

import (
	"fmt"
	"log/slog"
	"os"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts the server's tag-based logger to log/slog. The server is
// chatty at info level, so the adapter raises its floor to warn unless the
// application logs at debug.
type slogLogger struct {
	log *slog.Logger
}

var _ log.Logger = slogLogger{}
var _ log.WithLogger = slogLogger{}

func (l slogLogger) attrs(tags []tag.Tag) []any {
	out := make([]any, 0, len(tags))
	for _, t := range tags {
		out = append(out, slog.Any(t.Key(), fmt.Sprint(t.Value())))
	}
	return out
}

func (l slogLogger) Debug(msg string, tags ...tag.Tag) { l.log.Debug(msg, l.attrs(tags)...) }
func (l slogLogger) Info(msg string, tags ...tag.Tag)  { l.log.Debug(msg, l.attrs(tags)...) }
func (l slogLogger) Warn(msg string, tags ...tag.Tag)  { l.log.Warn(msg, l.attrs(tags)...) }
func (l slogLogger) Error(msg string, tags ...tag.Tag) { l.log.Error(msg, l.attrs(tags)...) }

func (l slogLogger) DPanic(msg string, tags ...tag.Tag) { l.log.Error(msg, l.attrs(tags)...) }

func (l slogLogger) Panic(msg string, tags ...tag.Tag) {
	l.log.Error(msg, l.attrs(tags)...)
	panic(msg)
}

func (l slogLogger) Fatal(msg string, tags ...tag.Tag) {
	l.log.Error(msg, l.attrs(tags)...)
	os.Exit(1)
}

func (l slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{log: l.log.With(l.attrs(tags)...)}
}
