package action

import (
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// Actions hand the warnings of the libraries they call (see package warn) to a
// Warnings func of their options, as they are found, so that a caller sees them in
// Helm's order even when the action then fails; reports such as DependencyList
// carry theirs instead.

// notify hands each warning to sink; a nil sink drops them.
func notify(sink func(warn.Warning), ws ...warn.Warning) {
	for _, w := range ws {
		if sink != nil {
			sink(w)
		}
	}
}

// notifyLoaded hands the load warnings of c, which may be nil, to sink.
func notifyLoaded(sink func(warn.Warning), c *chart.Chart) {
	if c != nil {
		notify(sink, c.LoadWarnings...)
	}
}
