package kube

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// CRDProblem is a change to a CustomResourceDefinition that would lose data or
// break its clients: the CRD upgrade preflight refuses it.
type CRDProblem struct {
	// CRD is the CustomResourceDefinition's name.
	CRD string
	// Field is where the change is: "spec.scope", "spec.versions[v1]".
	Field string
	// Reason says what would break.
	Reason string
}

func (p CRDProblem) String() string {
	return "CustomResourceDefinition/" + p.CRD + ": " + p.Field + ": " + p.Reason
}

// crdVersion is what the preflight reads of one version of a CRD.
type crdVersion struct {
	name    string
	served  bool
	storage bool
	schema  map[string]any
}

func crdVersions(crd *unstructured.Unstructured) map[string]crdVersion {
	vs, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	out := map[string]crdVersion{}
	for _, v := range vs {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		cv := crdVersion{}
		cv.name, _ = m["name"].(string)
		cv.served, _ = m["served"].(bool)
		cv.storage, _ = m["storage"].(bool)
		cv.schema, _, _ = unstructured.NestedMap(m, "schema", "openAPIV3Schema")
		out[cv.name] = cv
	}
	return out
}

func crdScope(crd *unstructured.Unstructured) string {
	s, _, _ := unstructured.NestedString(crd.Object, "spec", "scope")
	if s == "" {
		return "Namespaced"
	}
	return s
}

// maxNamed bounds how many objects a problem names.
const maxNamed = 3

// crdProblems compares a live CRD with the one a chart brings. objects holds the
// CRD's existing objects as listed at each version both serve (the API server
// converts them). It is a pure function of its arguments.
func crdProblems(live, desired *unstructured.Unstructured, objects map[string][]*unstructured.Unstructured) []CRDProblem {
	name := live.GetName()
	var out []CRDProblem
	add := func(field, format string, args ...any) {
		out = append(out, CRDProblem{CRD: name, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if a, b := crdScope(live), crdScope(desired); a != b {
		add("spec.scope", "changes from %s to %s; the API server refuses it and existing objects would be lost", a, b)
	}
	lv, dv := crdVersions(live), crdVersions(desired)
	stored, _, _ := unstructured.NestedStringSlice(live.Object, "status", "storedVersions")
	removedStored := map[string]bool{}
	for _, v := range stored {
		if _, ok := dv[v]; !ok {
			removedStored[v] = true
			add("spec.versions["+v+"]", "removes version %s, which is in status.storedVersions: objects stored as %s would become unreadable", v, v)
		}
	}
	group, _, _ := unstructured.NestedString(live.Object, "spec", "group")
	var all []*unstructured.Unstructured
	for _, v := range slices.Sorted(mapKeys(objects)) {
		all = objects[v]
		break
	}
	for _, v := range slices.Sorted(mapKeys(lv)) {
		if !lv[v].served || dv[v].served || removedStored[v] {
			continue
		}
		if users := usersOf(all, group+"/"+v); len(users) > 0 {
			add("spec.versions["+v+"]", "stops serving version %s, which objects in the cluster still use: %s", v, strings.Join(users, ", "))
		}
	}
	for _, v := range slices.Sorted(mapKeys(dv)) {
		d, l := dv[v], lv[v]
		if d.schema == nil || !d.served || reflect.DeepEqual(d.schema, l.schema) {
			continue
		}
		var bad []string
		for _, o := range objects[v] {
			if errs := validateSchema(d.schema, o.Object); len(errs) > 0 && len(bad) < maxNamed {
				bad = append(bad, objectName(o)+": "+errs[0])
			}
		}
		if len(bad) > 0 {
			add("spec.versions["+v+"].schema", "existing objects would violate the new schema: %s", strings.Join(bad, "; "))
		}
	}
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func objectName(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// usersOf names the objects whose managed fields were last written through
// apiVersion: clients that still use that version.
func usersOf(objs []*unstructured.Unstructured, apiVersion string) []string {
	var out []string
	for _, o := range objs {
		for _, mf := range o.GetManagedFields() {
			if mf.APIVersion == apiVersion {
				out = append(out, objectName(o)+" (by "+mf.Manager+")")
				break
			}
		}
		if len(out) == maxNamed {
			break
		}
	}
	return out
}

// validateSchema checks an object against a CRD's structural schema: types,
// required fields, enums, nested properties, additionalProperties and items. It
// returns what is wrong, each naming the field; metadata is not checked (the API
// server owns it).
func validateSchema(schema map[string]any, obj map[string]any) []string {
	var errs []string
	props, _ := schema["properties"].(map[string]any)
	for _, r := range stringList(schema["required"]) {
		if _, ok := obj[r]; !ok && r != "metadata" {
			errs = append(errs, r+": required field missing")
		}
	}
	for k, v := range obj {
		if k == "metadata" || k == "apiVersion" || k == "kind" {
			continue
		}
		if s, ok := props[k].(map[string]any); ok {
			validateValue(s, v, k, &errs)
		}
	}
	slices.Sort(errs)
	return errs
}

func validateValue(s map[string]any, v any, path string, errs *[]string) {
	if v == nil {
		return
	}
	if t, _ := s["type"].(string); t != "" && !hasType(v, t, s) {
		*errs = append(*errs, fmt.Sprintf("%s: %s, want %s", path, typeOf(v), t))
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return sameValue(e, v) }) {
		*errs = append(*errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
	}
	switch val := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range stringList(s["required"]) {
			if _, ok := val[r]; !ok {
				*errs = append(*errs, path+"."+r+": required field missing")
			}
		}
		extra, _ := s["additionalProperties"].(map[string]any)
		for k, x := range val {
			if ps, ok := props[k].(map[string]any); ok {
				validateValue(ps, x, path+"."+k, errs)
			} else if extra != nil {
				validateValue(extra, x, path+"."+k, errs)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range val {
				validateValue(items, x, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
}

func hasType(v any, t string, s map[string]any) bool {
	if ios, _ := s["x-kubernetes-int-or-string"].(bool); ios {
		switch v.(type) {
		case string, int64, float64:
			return true
		}
	}
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		switch n := v.(type) {
		case int64:
			return true
		case float64:
			return n == math.Trunc(n)
		}
		return false
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
		return false
	}
	return true
}

func typeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func sameValue(a, b any) bool {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
