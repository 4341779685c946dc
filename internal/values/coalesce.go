package values

import (
	"fmt"
	"log/slog"

	"github.com/rudderpm/rudder/internal/chart"
)

// Coalesce computes the values a chart tree renders with: the user's values over each
// chart's defaults, recursively into subcharts, with globals flowing down. A null user
// value deletes the default it overrides. vals is not modified.
func Coalesce(c *chart.Chart, vals map[string]any) (Values, error) {
	return coalesce(c, DeepCopy(vals), "", false)
}

// Merge is Coalesce without null deletion: nulls are kept as values. Helm uses it when
// computing import-values.
func Merge(c *chart.Chart, vals map[string]any) (Values, error) {
	return coalesce(c, DeepCopy(vals), "", true)
}

// CoalesceTables merges src under dst: dst's values win, maps merge recursively, and a
// null in dst deletes what src has for the key. dst is modified and returned.
func CoalesceTables(dst, src map[string]any) map[string]any {
	return coalesceTables(dst, src, "", false)
}

// MergeTables is CoalesceTables that keeps nulls instead of deleting.
func MergeTables(dst, src map[string]any) map[string]any {
	return coalesceTables(dst, src, "", true)
}

func coalesce(c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
	if dest == nil {
		dest = map[string]any{}
	}
	coalesceDefaults(c, dest, prefix, merge)
	return coalesceDeps(c, dest, prefix, merge)
}

// coalesceDeps coalesces each subchart's defaults into dest[subchart], after passing it
// the parent's globals.
func coalesceDeps(c *chart.Chart, dest map[string]any, prefix string, merge bool) (map[string]any, error) {
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
		coalesceGlobals(subVals, dest, subPrefix)
		res, err := coalesce(sub, subVals, subPrefix, merge)
		if err != nil {
			return dest, err
		}
		dest[name] = res
	}
	return dest, nil
}

// coalesceGlobals copies the parent's globals (src) into the subchart's values (dest).
// Parent globals win over the subchart's own; nested maps merge.
func coalesceGlobals(dest, src map[string]any, prefix string) {
	var dg, sg map[string]any
	if g, ok := dest[GlobalKey]; !ok {
		dg = map[string]any{}
	} else if dg, ok = g.(map[string]any); !ok {
		slog.Warn("skipping globals because destination is not a table", "key", GlobalKey)
		return
	}
	if g, ok := src[GlobalKey]; !ok {
		sg = map[string]any{}
	} else if sg, ok = g.(map[string]any); !ok {
		slog.Warn("skipping globals because source is not a table", "key", GlobalKey)
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
					slog.Warn("cannot merge map onto non-map, skipping", "key", key)
					continue
				}
				coalesceTables(vv, dvm, joinKey(prefix, key), true)
			}
			dg[key] = vv
		case isTable(dg[key]):
			slog.Warn("key is a table, skipping", "key", key)
		default:
			dg[key] = val
		}
	}
	dest[GlobalKey] = dg
}

// coalesceDefaults merges a chart's default values under the values in v.
func coalesceDefaults(c *chart.Chart, v map[string]any, prefix string, merge bool) {
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
				slog.Warn("skipped value: not a table", "key", subPrefix+"."+key)
			}
			continue
		}
		// A subchart's section keeps its nulls here: they are resolved against the
		// subchart's own defaults when it is coalesced.
		m := merge || isSubchart(c, key)
		if !m {
			dropNils(src)
		}
		coalesceTables(dst, src, joinKey(subPrefix, key), m)
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

func coalesceTables(dst, src map[string]any, prefix string, merge bool) map[string]any {
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
				coalesceTables(dm, sv.(map[string]any), joinKey(prefix, k), merge)
			} else {
				slog.Warn("cannot overwrite table with non table", "key", joinKey(prefix, k))
			}
		case isTable(dv) && sv != nil:
			slog.Warn("destination is a table, ignoring non-table value", "key", joinKey(prefix, k))
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
