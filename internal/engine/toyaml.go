package engine

import (
	"math"
	"strconv"
	"unicode/utf8"

	goyaml2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart/common"
)

// marshalYAML encodes v as sigs.k8s.io/yaml.Marshal does, byte for byte. That
// encodes v as JSON, decodes the JSON with yaml.v2 (so that integers stay integers)
// and encodes the result with yaml.v2; the middle step, a YAML parse of the whole
// JSON text, was most of the cost of toYaml. For the values templates pass (maps,
// lists, strings, numbers, booleans, null) yamlShape builds what that parse would
// give directly; anything else goes the whole way.
func marshalYAML(v any) ([]byte, error) {
	if strconv.IntSize == 64 {
		if shaped, ok := yamlShape(v, 0); ok {
			if out, ok := emitShaped(shaped); ok {
				return out, nil
			}
			return goyaml2.Marshal(shaped)
		}
	}
	return yaml.Marshal(v)
}

// maxShapeDepth is the nesting past which yamlShape gives up (a map holding
// itself, say), leaving the error to the JSON encoder.
const maxShapeDepth = 100

// yamlShape returns what yaml.v2 decodes from the JSON encoding of v, with ok false
// when v holds anything else than the plain types, or a string the JSON way would
// not carry through unchanged.
func yamlShape(v any, depth int) (any, bool) {
	if depth > maxShapeDepth {
		return nil, false
	}
	switch t := v.(type) {
	case nil, bool:
		return t, true
	case string:
		return jsonString(t)
	case int:
		return t, true
	case int64:
		return int(t), true // what yaml.v2 reads a decimal integer as, on 64-bit platforms
	case float64:
		return jsonNumber(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			s, ok := yamlShape(e, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	case map[string]any:
		return shapeMap(t, depth)
	case common.Values:
		return shapeMap(t, depth)
	}
	return nil, false
}

func shapeMap(m map[string]any, depth int) (any, bool) {
	out := make(map[any]any, len(m))
	for k, e := range m {
		key, ok := jsonString(k)
		if !ok || k == "<<" { // not a merge key once quoted, but leave that to yaml.v2
			return nil, false
		}
		s, ok := yamlShape(e, depth+1)
		if !ok {
			return nil, false
		}
		out[key] = s
	}
	return out, true
}

// jsonString returns s as it comes back from JSON and a YAML parse of it: valid
// UTF-8 comes back unchanged, as JSON escapes the controls and line breaks YAML would
// refuse or fold. ok is false for what JSON leaves raw and YAML does not read as it
// is: invalid UTF-8 (which JSON replaces byte by byte), DEL and the C1 controls (YAML
// refuses them, or folds NEL as a line break), U+FEFF, U+FFFE and U+FFFF.
func jsonString(s string) (any, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return nil, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r <= 0x9f || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return nil, false
		}
		i += size
	}
	return s, true
}

// jsonNumber returns what yaml.v2 reads from the JSON text of f: an int when the text
// is an integer, a float64 otherwise. NaN and infinities, which JSON refuses, are not
// shaped. JSON writes a whole number below 1e21 in magnitude as the shortest digits
// that read back as f, padded with zeros (below 2^53 those are f's own digits);
// yaml.v2 reads that as an int when it fits one, else as a uint64, else as a float.
// Anything else JSON writes with a fraction or an exponent, which yaml.v2 reads as
// f again.
func jsonNumber(f float64) (any, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	if f != math.Trunc(f) || math.Abs(f) >= 1e21 {
		return f, true
	}
	if math.Abs(f) < 1<<53 {
		return int(f), true // -0 reads as 0 too
	}
	text := strconv.FormatFloat(f, 'f', -1, 64)
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return int(i), true
	}
	if u, err := strconv.ParseUint(text, 10, 64); err == nil {
		return u, true
	}
	return f, true
}
