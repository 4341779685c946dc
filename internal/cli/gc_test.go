package cli

import (
	"runtime/debug"
	"testing"
)

// A rendering command collects less often while it runs and restores the setting
// after; GOGC set by the user wins.
func TestCollectLess(t *testing.T) {
	for _, tc := range []struct {
		gogc string
		want int
	}{{"", renderGCPercent}, {"50", 100}} {
		a := &app{streams: Streams{Getenv: func(k string) string {
			if k == "GOGC" {
				return tc.gogc
			}
			return ""
		}}}
		old := debug.SetGCPercent(100)
		restore := a.collectLess()
		got := debug.SetGCPercent(100)
		debug.SetGCPercent(got)
		restore()
		after := debug.SetGCPercent(old)
		if got != tc.want || after != 100 {
			t.Errorf("GOGC=%q: percent %d while rendering (want %d), %d after (want 100)", tc.gogc, got, tc.want, after)
		}
	}
}
