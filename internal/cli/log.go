package cli

import (
	"io"
	"log/slog"
)

// helmLog writes messages as Helm 4's default logger does: level=WARN msg="..."
// key=value, without the time.
func helmLog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}
