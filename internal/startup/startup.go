package startup

import (
	"math"
	"runtime"
	"runtime/debug"
	"sync"
)

// percent is the GOGC the process started with; initialising it turns collection
// off until Resume.
var percent = debug.SetGCPercent(-1)

// Window is how much memory a command may use before its first collection. Most
// commands end before they reach it; kube-prometheus-stack's template does too
// (its peak is about Helm's), and the collection it no longer pays for was a fifth
// of its CPU. On a busy machine a collection also costs more wall time than CPU:
// it stops every thread and waits for those the system has not scheduled.
const Window = 64 << 20

var once sync.Once

// Resume ends initialisation's hold on the collector. When the user set GOGC or
// GOMEMLIMIT (getenv says), their settings stand from here on. Otherwise
// collection stays off until the process's Go memory reaches Window, and the
// first collection puts the usual pacing back: GOGC=100 and no limit. Calls after
// the first change nothing.
func Resume(getenv func(string) string) {
	once.Do(func() { resume(getenv) })
}

func resume(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		debug.SetGCPercent(percent)
		return
	}
	debug.SetMemoryLimit(Window)
	// A cleanup of an object nothing references runs once the first collection
	// has found it unreachable.
	marker := new([16]byte)
	runtime.AddCleanup(marker, func(int) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	}, 0)
}
