package cli

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/rudderpm/rudder/internal/warn"
)

// TestLogger: the one logger writes Helm's lines (no time, any attribute named time
// dropped as Helm's set-up drops it), and debug lines only while debug is on, read
// when logging since --debug is parsed after the logger is made.
func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	debug := false
	log := newLogger(&buf, func() bool { return debug })
	log.Debug("hidden")
	log.Info("skipping unknown hooks", "hookTypes", "crd-install", "time", "x")
	debug = true
	log.Debug("Chart path", "path", "/c")
	a := &app{log: log}
	a.warn(warn.Warn("returned non-bool value", slog.String("path", "a.enabled"), slog.String("chart", "a")))
	want := `level=INFO msg="skipping unknown hooks" hookTypes=crd-install
level=DEBUG msg="Chart path" path=/c
level=WARN msg="returned non-bool value" path=a.enabled chart=a
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
