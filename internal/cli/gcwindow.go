package cli

import (
	"math"
	"runtime"
	"runtime/debug"
)

// gcWindowBytes is how much memory a command may use before its first garbage
// collection.
const gcWindowBytes = 32 << 20

// gcWindow lets the command use up to limit bytes of memory before the first
// garbage collection, and collects as usual (GOGC=100) from then on. Most
// commands end before they reach it, and on a busy machine a collection costs
// more wall time than its CPU: each one stops every thread and waits for those
// the system has not scheduled. A GOGC or GOMEMLIMIT the user set is left alone.
func gcWindow(getenv func(string) string, limit int64) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(limit)
	// The first collection finds the sentinel unreachable and runs its finalizer,
	// which puts the usual pacing back.
	sentinel := &struct{ _ *byte }{}
	runtime.SetFinalizer(sentinel, func(*struct{ _ *byte }) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}
