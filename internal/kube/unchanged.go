package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// liveObjects reads the live objects of target, by index, with ReadLive (one list
// per kind and namespace with several objects); nil where an object is missing,
// unnamed or could not be read: such an object is simply sent.
func (c *Client) liveObjects(ctx context.Context, target []*Resource, limit int) []*unstructured.Unstructured {
	live := make([]*unstructured.Unstructured, len(target))
	var named []*Resource
	var at []int
	for i, r := range target {
		if r.Name() != "" {
			named = append(named, r)
			at = append(at, i)
		}
	}
	objs, _ := c.ReadLive(ctx, named, LiveOptions{Concurrency: limit})
	for k, obj := range objs {
		live[at[k]] = obj
	}
	return live
}

// appliedAlready tells whether applying desired as manager would leave live as it
// is: live has an apply entry of manager for desired's API version, the fields that
// entry owns are exactly the fields desired sets, and live holds desired's value
// in each. Fields the server defaulted are neither owned nor set by desired, so
// they do not count; nulls in desired count as absent, as the server reads them.
// Anything this cannot tell (a list element it cannot match to one owned key, an
// entry for another API version) counts as a change.
func appliedAlready(desired, live *unstructured.Unstructured, manager string) bool {
	owned := appliedFields(live, manager, desired.GetAPIVersion())
	if owned == nil {
		return false
	}
	want := pruneNulls(desired.Object).(map[string]any)
	delete(want, "apiVersion") // the list's items may not repeat them
	delete(want, "kind")
	for _, p := range identityFields {
		owned = owned.Difference(fieldpath.NewSet(p))
	}
	set := fieldpath.NewSet()
	if !fieldsOf(set, nil, want, owned, true) || !set.Equals(owned) {
		return false
	}
	return holds(live.Object, want)
}

// identityFields name an object rather than describe it: they are left out of
// the comparison of field sets (their values must match to find the object).
var identityFields = []fieldpath.Path{
	fieldpath.MakePathOrDie("apiVersion"),
	fieldpath.MakePathOrDie("kind"),
	fieldpath.MakePathOrDie("metadata", "name"),
	fieldpath.MakePathOrDie("metadata", "namespace"),
}

// appliedFields is the field set of live's apply entry by manager for apiVersion,
// or nil if it has none (or it cannot be read). It reads the entry from the
// unstructured object as it is: converting every entry to its Go type costs more
// than the whole comparison.
func appliedFields(live *unstructured.Unstructured, manager, apiVersion string) *fieldpath.Set {
	for _, e := range managedEntries(live) {
		if e["manager"] != manager || e["operation"] != string(metav1.ManagedFieldsOperationApply) || onSubresource(e) {
			continue
		}
		fields, ok := e["fieldsV1"].(map[string]any)
		if e["apiVersion"] != apiVersion || !ok {
			return nil
		}
		raw, err := json.Marshal(fields)
		if err != nil {
			return nil
		}
		set := &fieldpath.Set{}
		if err := set.FromJSON(bytes.NewReader(raw)); err != nil {
			return nil
		}
		return set
	}
	return nil
}

// managedEntries are live's managedFields entries, as maps.
func managedEntries(live *unstructured.Unstructured) []map[string]any {
	list, _, _ := unstructured.NestedSlice(live.Object, "metadata", "managedFields")
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// onSubresource tells whether a managedFields entry is about a subresource
// (status, scale) rather than the object.
func onSubresource(e map[string]any) bool {
	sub, _ := e["subresource"].(string)
	return sub != ""
}

// hasUpdatesBy tells whether live has an entry of an Update (a client-side
// write) by one of managers on the object itself.
func hasUpdatesBy(live *unstructured.Unstructured, managers sets.Set[string]) bool {
	for _, e := range managedEntries(live) {
		m, _ := e["manager"].(string)
		if managers.Has(m) && e["operation"] == string(metav1.ManagedFieldsOperationUpdate) && !onSubresource(e) {
			return true
		}
	}
	return false
}

// fieldsOf adds to set the paths of the fields obj sets under prefix, the way the
// server records an applied object's fields, using owned (the set recorded at
// prefix) for what needs a schema: which lists and maps are atomic, and the keys
// of list elements. It reports false when an element matches no owned key.
func fieldsOf(set *fieldpath.Set, prefix fieldpath.Path, obj map[string]any, owned *fieldpath.Set, top bool) bool {
	for name, v := range obj {
		if top && (name == "apiVersion" || name == "kind") {
			continue
		}
		pe := fieldpath.FieldNameElement(name)
		path := append(prefix.Copy(), pe)
		if top && name == "metadata" {
			meta, ok := v.(map[string]any)
			if !ok {
				return false
			}
			rest := make(map[string]any, len(meta))
			for k, mv := range meta {
				if k != "name" && k != "namespace" {
					rest[k] = mv
				}
			}
			if len(rest) == 0 {
				continue
			}
			v = rest
		}
		child, nested := owned.Children.Get(pe)
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 || !nested {
				set.Insert(path) // empty, or atomic
				continue
			}
			if !fieldsOf(set, path, v, child, false) {
				return false
			}
		case []any:
			if len(v) == 0 || !nested {
				set.Insert(path)
				continue
			}
			if !elementsOf(set, path, v, child) {
				return false
			}
		default:
			set.Insert(path)
		}
	}
	return true
}

// elementsOf adds the paths of a granular list's elements: scalars as set
// members, objects under the owned key they match.
func elementsOf(set *fieldpath.Set, prefix fieldpath.Path, list []any, owned *fieldpath.Set) bool {
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			set.Insert(append(prefix.Copy(), fieldpath.ValueElement(value.NewValueInterface(e))))
			continue
		}
		pe, ok := ownedKey(m, owned)
		if !ok {
			return false
		}
		path := append(prefix.Copy(), pe)
		set.Insert(path)
		// A key field the object leaves out was defaulted by the server (a
		// Service port's protocol): it is part of the key, not an owned field.
		child := owned.Children.Descend(pe)
		if !fieldsOf(set, path, m, child, false) {
			return false
		}
	}
	return true
}

// ownedKey is the one owned key element that obj matches: each key field obj
// sets has the key's value.
func ownedKey(obj map[string]any, owned *fieldpath.Set) (fieldpath.PathElement, bool) {
	var found []fieldpath.PathElement
	for pe := range owned.Children.All() {
		if pe.Key == nil {
			continue
		}
		match := true
		for _, f := range *pe.Key {
			v, given := obj[f.Name]
			if given && !value.Equals(value.NewValueInterface(v), f.Value) {
				match = false
				break
			}
		}
		if match {
			found = append(found, pe)
		}
	}
	if len(found) != 1 {
		return fieldpath.PathElement{}, false
	}
	return found[0], true
}

// holds tells whether live has every value want sets: maps hold want's keys
// (live may have more, the server's defaults), lists have want's length and hold
// want's elements in order, scalars are equal (numbers by value).
func holds(live, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			lv, ok := l[k]
			if !ok || !holds(lv, wv) {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return false
		}
		for i := range w {
			if !holds(l[i], w[i]) {
				return false
			}
		}
		return true
	}
	if a, ok := number(live); ok {
		b, ok := number(want)
		return ok && a == b
	}
	return reflect.DeepEqual(live, want)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}

// pruneNulls is v without null map entries, as the server reads an applied
// object; v is not changed.
func pruneNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if x != nil {
				out[k] = pruneNulls(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = pruneNulls(x)
		}
		return out
	}
	return v
}
