package values

import (
	"fmt"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// Coalesce computes the values a chart tree renders with: the user's values over each
// chart's defaults, recursively into subcharts, with globals flowing down. A null user
// value deletes the default it overrides. vals is not modified. The warnings report
// values that could not be merged (a table and a scalar under one key), in Helm's
// words; the value that wins is the user's, as in Helm.
func Coalesce(c *chart.Chart, vals map[string]any) (Values, []warn.Warning, error) {
	var ws []warn.Warning
	v, err := coalesce(&ws, c, DeepCopy(vals), "", false)
	return v, ws, err
}

// Merge is Coalesce without null deletion: nulls are kept as values. Helm uses it when
// computing import-values.
func Merge(c *chart.Chart, vals map[string]any) (Values, []warn.Warning, error) {
	var ws []warn.Warning
	v, err := coalesce(&ws, c, DeepCopy(vals), "", true)
	return v, ws, err
}

// CoalesceTables merges src under dst: dst's values win, maps merge recursively, and a
// null in dst deletes what src has for the key. dst is modified and returned, with
// warnings as Coalesce has them.
func CoalesceTables(dst, src map[string]any) (map[string]any, []warn.Warning) {
	var ws []warn.Warning
	return coalesceTables(&ws, dst, src, "", false), ws
}

// MergeTables is CoalesceTables that keeps nulls instead of deleting.
func MergeTables(dst, src map[string]any) (map[string]any, []warn.Warning) {
	var ws []warn.Warning
	return coalesceTables(&ws, dst, src, "", true), ws
}

// Helm reports what coalescing skips through Go's standard logger, which its
// slog set-up turns into info-level lines; these are its messages.
func skippedGlobals(side string) warn.Warning {
	return warn.Info(fmt.Sprintf("warning: skipping globals because %s %s is not a table.", side, GlobalKey))
}

func coalesce(ws *[]warn.Warning, c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
	if dest == nil {
		dest = map[string]any{}
	}
	coalesceDefaults(ws, c, dest, prefix, merge)
	return coalesceDeps(ws, c, dest, prefix, merge)
}

// coalesceDeps coalesces each subchart's defaults into dest[subchart], after passing it
// the parent's globals.
func coalesceDeps(ws *[]warn.Warning, c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
	for _, sub := range c.Dependencies() {
		name := sub.Name()
		cur, ok := dest[name]
		if !ok {
			cur = map[string]any{}
			dest[name] = cur
		}
		subVals, ok := cur.(map[string]any)
		if !ok {
			return dest, fmt.Errorf("type mismatch on %s: %t", name, cur)
		}
		subPrefix := joinKey(prefix, c.Name())
		coalesceGlobals(ws, subVals, dest, subPrefix)
		res, err := coalesce(ws, sub, subVals, subPrefix, merge)
		if err != nil {
			return dest, err
		}
		dest[name] = res
	}
	return dest, nil
}

// coalesceGlobals copies the parent's globals (src) into the subchart's values (dest).
// Parent globals win over the subchart's own; nested maps merge.
func coalesceGlobals(ws *[]warn.Warning, dest, src map[string]any, prefix string) {
	var dg, sg map[string]any
	if g, ok := dest[GlobalKey]; !ok {
		dg = map[string]any{}
	} else if dg, ok = g.(map[string]any); !ok {
		*ws = append(*ws, skippedGlobals("destination"))
		return
	}
	if g, ok := src[GlobalKey]; !ok {
		sg = map[string]any{}
	} else if sg, ok = g.(map[string]any); !ok {
		*ws = append(*ws, skippedGlobals("source"))
		return
	}
	for key, val := range sg {
		switch {
		case isTable(val):
			// Only the top level is copied: like Helm, deeper maps stay shared with the parent.
			vv := shallowCopy(val.(map[string]any))
			if dv, ok := dg[key]; ok {
				dvm, ok := dv.(map[string]any)
				if !ok {
					*ws = append(*ws, warn.Info(fmt.Sprintf("Conflict: cannot merge map onto non-map for %q. Skipping.", key)))
					continue
				}
				coalesceTables(ws, vv, dvm, joinKey(prefix, key), true)
			}
			dg[key] = vv
		case isTable(dg[key]):
			*ws = append(*ws, warn.Info(fmt.Sprintf("key %s is table. Skipping", key)))
		default:
			dg[key] = val
		}
	}
	dest[GlobalKey] = dg
}

// coalesceDefaults merges a chart's default values under the values in v.
func coalesceDefaults(ws *[]warn.Warning, c *chart.Chart, v map[string]any, prefix string, merge bool) {
	subPrefix := joinKey(prefix, c.Name())
	defaults := DeepCopy(c.Values)
	for key, def := range defaults {
		cur, ok := v[key]
		if !ok {
			if !merge {
				if def == nil {
					continue
				}
				if m, ok := def.(map[string]any); ok {
					dropNils(m)
				}
			}
			v[key] = def
			continue
		}
		if cur == nil && !merge {
			delete(v, key)
			continue
		}
		dst, ok := cur.(map[string]any)
		if !ok {
			continue
		}
		src, ok := def.(map[string]any)
		if !ok {
			if def != nil {
				*ws = append(*ws, warn.Info(fmt.Sprintf("warning: skipped value for %s.%s: Not a table.", subPrefix, key)))
			}
			continue
		}
		// A subchart's section keeps its nulls here: they are resolved against the
		// subchart's own defaults when it is coalesced.
		m := merge || isSubchart(c, key)
		if !m {
			dropNils(src)
		}
		coalesceTables(ws, dst, src, joinKey(subPrefix, key), m)
	}
}

func isSubchart(c *chart.Chart, key string) bool {
	for _, sub := range c.Dependencies() {
		if sub.Name() == key {
			return true
		}
	}
	return false
}

func coalesceTables(ws *[]warn.Warning, dst, src map[string]any, prefix string, merge bool) map[string]any {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	srcSet := make(map[string]bool, len(src))
	for k, v := range src {
		if v != nil {
			srcSet[k] = true
		}
	}
	// A null in dst must survive the merge below, so src gets the null as well.
	for k, v := range dst {
		if v == nil {
			src[k] = nil
		}
	}
	for k, sv := range src {
		dv, ok := dst[k]
		switch {
		case ok && !merge && dv == nil && srcSet[k]:
			delete(dst, k)
		case !ok:
			dst[k] = sv
		case isTable(sv):
			if dm, ok := dv.(map[string]any); ok {
				coalesceTables(ws, dm, sv.(map[string]any), joinKey(prefix, k), merge)
			} else {
				*ws = append(*ws, warn.Info(fmt.Sprintf("warning: cannot overwrite table with non table for %s (%v)", joinKey(prefix, k), sv)))
			}
		case isTable(dv) && sv != nil:
			*ws = append(*ws, warn.Info(fmt.Sprintf("warning: destination for %s is a table. Ignoring non-table value (%v)", joinKey(prefix, k), sv)))
		}
	}
	return dst
}

func dropNils(m map[string]any) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		} else if sub, ok := v.(map[string]any); ok {
			dropNils(sub)
		}
	}
}

func joinKey(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// DeepCopy copies a values tree: maps and lists are copied, other values shared.
func DeepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopyValue(m).(map[string]any)
}

// DeepCopyValue copies one value of a tree as DeepCopy copies a whole one.
func DeepCopyValue(v any) any { return deepCopyValue(v) }

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopyValue(e)
		}
		return out
	case Values:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		if t == nil {
			return t
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}
