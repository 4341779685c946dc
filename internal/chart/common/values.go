// Package common holds the types templates see as .Values and .Capabilities. It is
// named as Helm's package is, so that what templates can observe of them (typeOf
// .Values prints "common.Values", dig refuses .Values with Helm's words) is the same.
package common

import (
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Values is a tree of values: maps, lists, strings, float64 and int64 numbers, booleans,
// nil. Templates may call its methods (.Values.AsMap, .Values.Table "a.b", ...).
type Values map[string]any

// ErrNoTable says a dotted path does not lead to a map.
type ErrNoTable struct{ Key string }

func (e ErrNoTable) Error() string { return fmt.Sprintf("%q is not a table", e.Key) }

// ErrNoValue says a dotted path does not lead to a (non-map) value.
type ErrNoValue struct{ Key string }

func (e ErrNoValue) Error() string { return fmt.Sprintf("%q is not a value", e.Key) }

// YAML encodes the values as YAML with sorted keys.
func (v Values) YAML() (string, error) {
	b, err := yaml.Marshal(v)
	return string(b), err
}

// Encode writes the values to w as YAML. Templates cannot call it usefully, but a
// values key named Encode is hidden by it, as with Helm.
func (v Values) Encode(w io.Writer) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// AsMap returns the values as a plain map, never nil.
func (v Values) AsMap() map[string]any {
	if len(v) == 0 {
		return map[string]any{}
	}
	return v
}

// Table returns the map at a dotted path such as "image.pullSecrets".
func (v Values) Table(path string) (Values, error) {
	table := v
	for _, key := range strings.Split(path, ".") {
		next, ok := table[key]
		if !ok {
			return table, ErrNoTable{key}
		}
		switch t := next.(type) {
		case map[string]any:
			table = t
		case Values:
			table = t
		default:
			return Values{}, ErrNoTable{key}
		}
	}
	return table, nil
}

// PathValue returns the non-map value at a dotted path.
func (v Values) PathValue(path string) (any, error) {
	if path == "" {
		return nil, fmt.Errorf("YAML path cannot be empty")
	}
	keys := strings.Split(path, ".")
	last := keys[len(keys)-1]
	table := v
	if len(keys) > 1 {
		t, err := v.Table(strings.Join(keys[:len(keys)-1], "."))
		if err != nil {
			return nil, ErrNoValue{last}
		}
		table = t
	}
	val, ok := table[last]
	if !ok || isTable(val) {
		return nil, ErrNoValue{last}
	}
	return val, nil
}

func isTable(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
