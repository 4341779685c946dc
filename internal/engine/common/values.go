// Package common holds the type templates see as .Values. It is named as Helm's
// package is, so that what templates can observe of it (its methods, and typeOf
// .Values printing "common.Values") is the same.
package common

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Values are a chart's values as templates see them: a map with a few methods
// templates may call (.Values.AsMap, .Values.Table "a.b", .Values.YAML, ...).
type Values map[string]any

// YAML returns the values as a YAML document.
func (v Values) YAML() (string, error) {
	b, err := yaml.Marshal(v)
	return string(b), err
}

// Encode writes the values to w as a YAML document.
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

// Table returns the table at a dotted path ("a.b" is table b inside table a). When a
// step is missing or not a table, it returns an error naming that step, with the
// table reached so far (or an empty one, when the step is not a table).
func (v Values) Table(name string) (Values, error) {
	table := v
	for _, key := range strings.Split(name, ".") {
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

// PathValue returns the value, not a table, at a dotted path.
func (v Values) PathValue(path string) (any, error) {
	if path == "" {
		return nil, errors.New("YAML path cannot be empty")
	}
	keys := strings.Split(path, ".")
	key, table := keys[len(keys)-1], v
	if len(keys) > 1 {
		var err error
		if table, err = v.Table(strings.Join(keys[:len(keys)-1], ".")); err != nil {
			return nil, ErrNoValue{key}
		}
	}
	if val, ok := table[key]; ok && !isTable(val) {
		return val, nil
	}
	return nil, ErrNoValue{key}
}

func isTable(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// ErrNoTable says a step of a path is missing or not a table.
type ErrNoTable struct{ Key string }

func (e ErrNoTable) Error() string { return fmt.Sprintf("%q is not a table", e.Key) }

// ErrNoValue says a path leads to no value.
type ErrNoValue struct{ Key string }

func (e ErrNoValue) Error() string { return fmt.Sprintf("%q is not a value", e.Key) }
