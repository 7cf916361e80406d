package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger adapts the server's tag-based logger to log/slog. The server is
// chatty at info level, so the adapter raises its floor to warn unless the
// application logs at debug.
type slogLogger struct {
	log  *slog.Logger
	tags []tag.Tag // from With, formatted only when a record is written
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

// emit formats the tags only for a record that will be written: the
// server logs at debug on its hot paths, and formatting every tag of
// every discarded line cost about 1% of the CPU of the end-to-end bench.
func (l slogLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, msg, l.attrs(append(slices.Clip(l.tags), tags...))...)
}

func (l slogLogger) Debug(msg string, tags ...tag.Tag) { l.emit(slog.LevelDebug, msg, tags) }
func (l slogLogger) Info(msg string, tags ...tag.Tag)  { l.emit(slog.LevelDebug, msg, tags) }
func (l slogLogger) Warn(msg string, tags ...tag.Tag)  { l.emit(slog.LevelWarn, msg, tags) }
func (l slogLogger) Error(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

func (l slogLogger) DPanic(msg string, tags ...tag.Tag) { l.emit(slog.LevelError, msg, tags) }

func (l slogLogger) Panic(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	panic(msg)
}

func (l slogLogger) Fatal(msg string, tags ...tag.Tag) {
	l.emit(slog.LevelError, msg, tags)
	os.Exit(1)
}

func (l slogLogger) With(tags ...tag.Tag) log.Logger {
	return slogLogger{log: l.log, tags: append(slices.Clip(l.tags), tags...)}
}
