package values

import "github.com/rudderpm/rudder/internal/chart/common"

// GlobalKey is the values key shared by a chart and all of its subcharts.
const GlobalKey = "global"

type (
	// Values is a tree of values: maps, lists, strings, float64 and int64 numbers,
	// booleans, nil.
	Values = common.Values
	// ErrNoTable says a dotted path does not lead to a map.
	ErrNoTable = common.ErrNoTable
	// ErrNoValue says a dotted path does not lead to a (non-map) value.
	ErrNoValue = common.ErrNoValue
)

func isTable(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
