package startup

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

var sink [][]byte

// resumed: a previous run (-count) has resumed collection already.
var resumed bool

// TestResume checks the whole life of the setting in this test binary, which
// links the package as cmd/rudder does: off until Resume, then a first
// collection only after new allocation, then the process's own GOGC.
func TestResume(t *testing.T) {
	if resumed {
		t.Skip("Resume works once per process: run again with -count=1")
	}
	resumed = true
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Fatalf("before Resume GOGC is %d, want -1 (collection off)", got)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	Resume()
	Resume()         // a second call changes nothing
	if percent < 0 { // GOGC=off: it stays off
		if got := current(); got != -1 {
			t.Fatalf("with GOGC=off, after Resume GOGC is %d", got)
		}
		return
	}
	if got := current(); got <= percent {
		t.Fatalf("after Resume GOGC is %d, want the first cycle's larger setting (process's %d)", got, percent)
	}
	// Allocate until a collection has run and the cleanup has restored the
	// process's setting.
	deadline := time.Now().Add(10 * time.Second)
	for current() != percent {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC still %d after collections, want %d", current(), percent)
		}
		sink = append(sink, make([]byte, 1<<20))
		if len(sink) > 64 {
			sink = sink[:0]
		}
		runtime.Gosched()
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Fatalf("GOGC restored to %d with no collection", percent)
	}
}

// current reads GOGC without changing it (setting it to read it back would race
// with the cleanup that restores it).
func current() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int32(s[0].Value.Uint64())) // off is -1
}
