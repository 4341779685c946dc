package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/rudderpm/rudder/internal/warn"
)

// newLogger is the CLI's one logger, writing as Helm 4's does: slog's text format
// without the time (level=WARN msg="..." key=value), debug lines only when debug
// says so at the time of logging (--debug is parsed after the logger is made).
func newLogger(w io.Writer, debug func() bool) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: debugLevel(debug),
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			// Helm drops every attribute named "time", not only the record's.
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// debugLevel is the lowest level logged: debug when debug() is true, else info.
type debugLevel func() bool

func (d debugLevel) Level() slog.Level {
	if d() {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// warn logs a warning a library returned, as Helm logs it.
func (a *app) warn(w warn.Warning) {
	a.log.LogAttrs(context.Background(), w.Level, w.Msg, w.Attrs...)
}

// warnAll logs warnings in order.
func (a *app) warnAll(ws []warn.Warning) {
	for _, w := range ws {
		a.warn(w)
	}
}
