package cli

import "runtime/debug"

// renderGCPercent is the collector's growth target while a command renders a chart.
// A render allocates tens of megabytes in a burst, most of it garbage at once (YAML
// and template parse trees), from a live heap of a few: at Go's default of 100 the
// collector starts at a 4 MiB heap and runs many times, a quarter or more of the CPU
// of `template` on big charts. At 400 it runs about a third as often, for a few MiB
// more peak memory (bench/template.sh).
const renderGCPercent = 400

// collectLess raises the collector's growth target for a rendering command, unless
// GOGC is set, and returns what restores it.
func (a *app) collectLess() (restore func()) {
	if a.streams.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(renderGCPercent)
	return func() { debug.SetGCPercent(old) }
}
