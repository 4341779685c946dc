package startup

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// percent is the GOGC the process started with; initialising it turns collection
// off until Resume.
var percent = debug.SetGCPercent(-1)

// minimumHeap is the Go runtime's smallest heap goal at GOGC=100: with no
// collection yet, the first one starts when the heap reaches about this much.
const minimumHeap = 4 << 20

var resume sync.Once

// Resume gives the garbage collector back the setting the process started with.
// The process's entry calls it first; later calls do nothing.
//
// What initialisation allocated counts as the heap the command starts from: the
// first collection waits until the command has allocated as much again as GOGC
// allows an empty heap (rather than coming at once, as the heap is already past
// the runtime's minimum), and the setting is exactly the process's from then on.
func Resume() {
	resume.Do(func() {
		if percent <= 0 {
			debug.SetGCPercent(percent)
			return
		}
		// runtime/metrics reads the heap's size without stopping the world,
		// as runtime.ReadMemStats would (about a millisecond here).
		heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(heap)
		var size uint64
		if heap[0].Value.Kind() == metrics.KindUint64 {
			size = heap[0].Value.Uint64()
		}
		first := percent + int(size*100/minimumHeap)
		debug.SetGCPercent(first)
		if first == percent {
			return
		}
		// A cleanup of an object nothing references runs once the first
		// collection has found it unreachable.
		marker := new([16]byte)
		runtime.AddCleanup(marker, func(p int) { debug.SetGCPercent(p) }, percent)
	})
}
