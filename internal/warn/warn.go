package warn

import (
	"log/slog"
	"strings"
)

// Warning is one thing a user should see. Its message and attribute keys are the
// ones Helm logs for the same situation, since tools match them.
type Warning struct {
	// Level is how Helm logs it: slog.LevelInfo or slog.LevelWarn.
	Level slog.Level
	// Msg is the message.
	Msg string
	// Attrs are the details, in order.
	Attrs []slog.Attr
}

// Info is a warning that Helm logs at the info level.
func Info(msg string, attrs ...slog.Attr) Warning {
	return Warning{Level: slog.LevelInfo, Msg: msg, Attrs: attrs}
}

// Warn is a warning that Helm logs at the warning level.
func Warn(msg string, attrs ...slog.Attr) Warning {
	return Warning{Level: slog.LevelWarn, Msg: msg, Attrs: attrs}
}

// String is the message followed by the attributes as key=value.
func (w Warning) String() string {
	var b strings.Builder
	b.WriteString(w.Msg)
	for _, a := range w.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.String())
	}
	return b.String()
}
