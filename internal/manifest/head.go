package manifest

import (
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// decodeHead reads the head of one rendered document as Helm does: with
// sigs.k8s.io/yaml, which parses with yaml.v2, converts the result to JSON and decodes
// that into the struct. The conversion costs more than the parse, so documents first
// take a shorter way: the same yaml.v2 parse and decode, straight into Go values,
// checking everything the JSON round trip could refuse or read differently. When that
// check is not conclusive the document takes Helm's way, which also words any error.
func decodeHead(doc string, h *Head) error {
	if fastHead(doc, h) {
		return nil
	}
	*h = Head{}
	return yaml.Unmarshal([]byte(doc), h)
}

// fastHead fills h and reports true when the document decodes without error and the
// JSON round trip would give the same head.
func fastHead(doc string, h *Head) bool {
	if hasAnchor(doc) {
		return false // yaml.v2 limits alias expansion by counts that differ between the ways
	}
	var top struct {
		APIVersion fastString         `yaml:"apiVersion"`
		Kind       fastString         `yaml:"kind"`
		Metadata   fastMeta           `yaml:"metadata"`
		Rest       map[string]checked `yaml:",inline"`
	}
	// yaml.v2 only reads its input, so the document's bytes are shared, not copied.
	if yamlv2.Unmarshal(unsafe.Slice(unsafe.StringData(doc), len(doc)), &top) != nil ||
		top.APIVersion.bad || top.Kind.bad || top.Metadata.bad ||
		!plainKeys(top.Rest, "apiversion", "kind", "metadata") ||
		!plainKeys(top.Metadata.rest, "name", "annotations") {
		return false
	}
	*h = Head{APIVersion: top.APIVersion.s, Kind: top.Kind.s}
	if top.Metadata.present {
		h.Metadata = &HeadMetadata{Name: top.Metadata.name.s, Annotations: top.Metadata.annotations}
	}
	return true
}

// plainKeys reports whether the other keys of a map read the same through JSON:
// encoding/json matches field names regardless of case, sigs.k8s.io/yaml refuses null
// keys (yaml.v2 decodes them as "") and integer keys beyond int64.
func plainKeys(rest map[string]checked, fields ...string) bool {
	for k := range rest {
		if k == "" || strings.ContainsAny(k[:1], "0123456789+-.") {
			return false
		}
		for _, f := range fields {
			if strings.EqualFold(k, f) {
				return false
			}
		}
	}
	return true
}

// hasAnchor reports whether an anchor (or, to be safe, anything that might be one)
// starts a node: '&' after a line start or an indicator, spaces aside.
func hasAnchor(doc string) bool {
	for i := strings.IndexByte(doc, '&'); i >= 0; {
		j := i - 1
		for j >= 0 && (doc[j] == ' ' || doc[j] == '\t') {
			j--
		}
		if j < 0 || strings.IndexByte("\n\r:-?[{,!", doc[j]) >= 0 {
			return true
		}
		next := strings.IndexByte(doc[i+1:], '&')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// fastString is a head field: only a string (or null) reads the same through JSON.
type fastString struct {
	s   string
	bad bool
}

func (f *fastString) UnmarshalYAML(unmarshal func(any) error) error {
	var v any
	if err := unmarshal(&v); err != nil {
		return err
	}
	switch t := v.(type) {
	case nil:
	case string:
		f.s, f.bad = t, !utf8.ValidString(t) // JSON would replace invalid bytes
	default:
		f.bad = true
	}
	return nil
}

// fastMeta is the metadata map. Null leaves it absent, as JSON does.
type fastMeta struct {
	present, bad bool
	name         fastString
	annotations  map[string]string
	rest         map[string]checked
}

func (f *fastMeta) UnmarshalYAML(unmarshal func(any) error) error {
	var m struct {
		Name        fastString         `yaml:"name"`
		Annotations *yamlv2.MapSlice   `yaml:"annotations"`
		Rest        map[string]checked `yaml:",inline"`
	}
	if err := unmarshal(&m); err != nil {
		return err
	}
	f.present, f.bad, f.name, f.rest = true, m.Name.bad, m.Name, m.Rest
	if m.Annotations == nil {
		return nil
	}
	f.annotations = make(map[string]string, len(*m.Annotations))
	for _, item := range *m.Annotations {
		k, kok := item.Key.(string)
		v, vok := item.Value.(string)
		if !kok || !vok || !utf8.ValidString(k) || !utf8.ValidString(v) {
			f.bad = true // a number, say, is converted to a string by the JSON way
			return nil
		}
		f.annotations[k] = v
	}
	return nil
}

// checked is any other value: decoded as sigs.k8s.io/yaml decodes it, and refused if
// its conversion to JSON would fail.
type checked struct{}

func (*checked) UnmarshalYAML(unmarshal func(any) error) error {
	var v any
	if err := unmarshal(&v); err != nil {
		return err
	}
	if !jsonable(v) {
		return errNoJSON
	}
	return nil
}

var errNoJSON = &yamlv2.TypeError{Errors: []string{"value has no JSON form"}}

// jsonable reports whether sigs.k8s.io/yaml can turn a yaml.v2 value into JSON: map
// keys must be strings, numbers or booleans, and numbers finite.
func jsonable(v any) bool {
	switch t := v.(type) {
	case map[any]any:
		for k, e := range t {
			switch k.(type) {
			case string, int, int64, float64, bool:
			default:
				return false
			}
			if !jsonable(e) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !jsonable(e) {
				return false
			}
		}
	case float64:
		return !math.IsNaN(t) && !math.IsInf(t, 0)
	}
	return true
}
