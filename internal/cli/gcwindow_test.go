package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcSettings reads the GC percent and memory limit without changing them.
func gcSettings() (int, int64) {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p, debug.SetMemoryLimit(-1)
}

// The window holds collections off until the limit, and the first collection puts
// the usual pacing back; a GOGC or GOMEMLIMIT from the user wins.
func TestGCWindow(t *testing.T) {
	p0, l0 := gcSettings()
	t.Cleanup(func() { debug.SetGCPercent(p0); debug.SetMemoryLimit(l0) })

	gcWindow(func(string) string { return "" }, 32<<20)
	if p, l := gcSettings(); p != -1 || l != 32<<20 {
		t.Fatalf("in the window: GC percent %d, limit %d; want -1 and %d", p, l, 32<<20)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC() // finds the sentinel unreachable; its finalizer runs after
		if p, l := gcSettings(); p == 100 && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			p, l := gcSettings()
			t.Fatalf("after a collection: GC percent %d, limit %d; want 100 and no limit", p, l)
		}
		time.Sleep(10 * time.Millisecond)
	}

	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		debug.SetGCPercent(50)
		gcWindow(func(k string) string {
			if k == env {
				return "50"
			}
			return ""
		}, 32<<20)
		if p, _ := gcSettings(); p != 50 {
			t.Errorf("with %s set: GC percent %d, want it left at 50", env, p)
		}
	}
}
