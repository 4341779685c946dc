package chart

import (
	"math"
	"strconv"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// unmarshalValues decodes one YAML document of values into JSON's types, exactly as
// sigs.k8s.io/yaml (what Helm uses) does: it parses with yaml.v2, writes the result
// as JSON and decodes that. The JSON text is only a detour: the same values are built
// here straight from yaml.v2's, and anything the detour would refuse or alter (keys
// JSON cannot hold, invalid UTF-8, infinities) sends the document the long way, which
// also words any error.
func unmarshalValues(doc []byte) (map[string]any, error) {
	var raw any
	if yamlv2.Unmarshal(doc, &raw) == nil {
		switch v, ok := jsonValue(raw); {
		case ok && v == nil:
			return map[string]any{}, nil
		case ok:
			if m, isMap := v.(map[string]any); isMap {
				return m, nil
			}
		}
	}
	vals := map[string]any{}
	err := yaml.Unmarshal(doc, &vals)
	return vals, err
}

// jsonValue converts a value decoded by yaml.v2 to what a round trip through JSON
// gives: maps with string keys, float64 numbers. ok is false when the round trip
// would fail or change more than that.
func jsonValue(v any) (any, bool) {
	switch t := v.(type) {
	case nil, bool:
		return t, true
	case string:
		return t, utf8.ValidString(t)
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float64:
		return t, !math.IsNaN(t) && !math.IsInf(t, 0)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			var ok bool
			if out[i], ok = jsonValue(e); !ok {
				return nil, false
			}
		}
		return out, true
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			key, ok := jsonKey(k)
			if !ok {
				return nil, false
			}
			if _, dup := out[key]; dup {
				return nil, false // 1 and "1", say: which wins depends on map order
			}
			if out[key], ok = jsonValue(e); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// jsonKey writes a map key as sigs.k8s.io/yaml does.
func jsonKey(k any) (string, bool) {
	switch t := k.(type) {
	case string:
		return t, utf8.ValidString(t)
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case float64:
		switch s := strconv.FormatFloat(t, 'g', -1, 32); s {
		case "+Inf":
			return ".inf", true
		case "-Inf":
			return "-.inf", true
		case "NaN":
			return ".nan", true
		default:
			return s, true
		}
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}
