package warn

import (
	"log/slog"
	"testing"
)

func TestWarning(t *testing.T) {
	tests := []struct {
		w     Warning
		level slog.Level
		s     string
	}{
		{Info("skipping unknown hooks", slog.String("hookTypes", "crd-install")), slog.LevelInfo, "skipping unknown hooks hookTypes=crd-install"},
		{Warn("returned non-bool value", slog.String("path", "a.enabled"), slog.String("chart", "a")), slog.LevelWarn, "returned non-bool value path=a.enabled chart=a"},
		{Info("plain"), slog.LevelInfo, "plain"},
	}
	for _, tt := range tests {
		if tt.w.Level != tt.level || tt.w.String() != tt.s {
			t.Errorf("got %v %q, want %v %q", tt.w.Level, tt.w.String(), tt.level, tt.s)
		}
	}
}
