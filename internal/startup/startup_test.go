package startup

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

var sink [][]byte

// Collection is off from initialisation to Resume, then held off until the window
// is used, and the first collection puts GOGC=100 back with no limit.
func TestResumeOpensTheWindow(t *testing.T) {
	t.Cleanup(func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) })
	if p, _ := settings(); p != -1 {
		t.Fatalf("before Resume GOGC is %d, want -1 (collection off)", p)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	resume(func(string) string { return "" })
	if p, l := settings(); p != -1 || l != Window {
		t.Fatalf("in the window: GOGC %d, limit %d; want -1 and %d", p, l, Window)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p, l := settings(); p == 100 && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			p, l := settings()
			t.Fatalf("after the window: GOGC %d, limit %d; want 100 and no limit", p, l)
		}
		sink = append(sink, make([]byte, 1<<20))
		if len(sink) > 96 {
			sink = sink[:0]
		}
		runtime.Gosched()
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Fatal("GOGC restored with no collection")
	}
}

// A GOGC or GOMEMLIMIT from the user wins: the process's own GOGC comes back at
// once and no window is set.
func TestResumeLeavesTheUsersSettings(t *testing.T) {
	t.Cleanup(func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) })
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(math.MaxInt64)
		resume(func(k string) string {
			if k == env {
				return "50"
			}
			return ""
		})
		if p, l := settings(); p != percent || l != math.MaxInt64 {
			t.Errorf("with %s set: GOGC %d, limit %d; want %d and no limit", env, p, l, percent)
		}
	}
}

// settings reads GOGC and the memory limit without changing them (setting GOGC to
// read it back would race with the cleanup that restores it).
func settings() (int, int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int32(s[0].Value.Uint64())), debug.SetMemoryLimit(-1) // off is -1
}
