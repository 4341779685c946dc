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
	_, err := decodeHeads(doc, h)
	return err
}

// decodeHeads is decodeHead, also returning the document's plain head when it has
// one (see PlainHead). Most documents are read by scanHead, without a parser,
// to the result parseHeads would give (a plain head only where plainValues lets
// the short way give one); what the scan is not sure of is parsed.
func decodeHeads(doc string, h *Head) (*PlainHead, error) {
	plain := plainValues(doc)
	if ns, ok := scanHead(doc, h); ok {
		if plain {
			return plainHead(h, ns), nil
		}
		return nil, nil
	}
	return parseHeads(doc, plain, h)
}

// parseHeads is decodeHeads by yaml.v2; plain is plainValues(doc).
func parseHeads(doc string, plain bool, h *Head) (*PlainHead, error) {
	if plain {
		if ns, ok := fastHeadAs[skipped](doc, h); ok {
			return plainHead(h, ns), nil
		}
	} else if !hasAnchor(doc) {
		if _, ok := fastHeadAs[checked](doc, h); ok {
			return nil, nil
		}
	}
	*h = Head{}
	if err := yaml.Unmarshal([]byte(doc), h); err != nil {
		return nil, helmHeadError{err}
	}
	return nil, nil
}

// PlainHead is a document's head as yaml.v2 decodes it straight into strings,
// namespace included. The sorter gives it for documents of plain YAML (no tags,
// anchors, flow collections or merge keys) whose head fields are all strings as
// written, so that readers who decode heads that way need not parse them again.
type PlainHead struct {
	APIVersion, Kind, Namespace, Name string
	Annotations                       map[string]string
}

// plainHead is h with the namespace read beside it.
func plainHead(h *Head, ns fastString) *PlainHead {
	p := &PlainHead{APIVersion: h.APIVersion, Kind: h.Kind, Namespace: ns.s}
	if h.Metadata != nil {
		p.Name, p.Annotations = h.Metadata.Name, h.Metadata.Annotations
	}
	return p
}

// helmHeadError words a head that does not decode as Helm's does: the JSON
// decoder names the Go type it decoded into, which is util.SimpleHead in Helm,
// and tools match on the whole message.
type helmHeadError struct{ err error }

func (e helmHeadError) Error() string {
	return strings.Replace(e.err.Error(), "Go value of type manifest.Head", "Go value of type util.SimpleHead", 1)
}
func (e helmHeadError) Unwrap() error { return e.err }

// fastHead fills h and reports true when the document decodes without error and the
// JSON round trip would give the same head. Values outside the head are decoded only
// when the text does not already rule out every way they could fail.
func fastHead(doc string, h *Head) bool {
	if plainValues(doc) {
		_, ok := fastHeadAs[skipped](doc, h)
		return ok
	}
	if hasAnchor(doc) {
		return false // yaml.v2 limits alias expansion by counts that differ between the ways
	}
	_, ok := fastHeadAs[checked](doc, h)
	return ok
}

// fastHeadAs fills h as fastHead does and also returns metadata.namespace, which
// the head leaves out.
func fastHeadAs[V any, PV valueCheck[V]](doc string, h *Head) (fastString, bool) {
	var top struct {
		APIVersion fastString   `yaml:"apiVersion"`
		Kind       fastString   `yaml:"kind"`
		Metadata   fastMeta[V]  `yaml:"metadata"`
		Rest       map[string]V `yaml:",inline"`
	}
	// yaml.v2 only reads its input, so the document's bytes are shared, not copied.
	if yamlv2.Unmarshal(unsafe.Slice(unsafe.StringData(doc), len(doc)), &top) != nil ||
		top.APIVersion.bad || top.Kind.bad || top.Metadata.bad ||
		!plainKeys(top.Rest, "apiversion", "kind", "metadata") ||
		!plainKeys(top.Metadata.rest, "name", "annotations") {
		return fastString{}, false
	}
	*h = Head{APIVersion: top.APIVersion.s, Kind: top.Kind.s}
	if top.Metadata.present {
		h.Metadata = &HeadMetadata{Name: top.Metadata.name.s, Annotations: top.Metadata.annotations}
	}
	return top.Metadata.namespace, true
}

// valueCheck is how values outside the head are decoded: checked or skipped.
type valueCheck[V any] interface {
	*V
	yamlv2.Unmarshaler
}

// plainKeys reports whether the other keys of a map read the same through JSON:
// encoding/json matches field names regardless of case, sigs.k8s.io/yaml refuses null
// keys (yaml.v2 decodes them as "") and integer keys beyond int64.
func plainKeys[V any](rest map[string]V, fields ...string) bool {
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

// plainValues reports whether the text rules out everything that makes yaml.v2's
// decoding or the conversion to JSON fail, so that values need not be decoded to be
// checked: tags, anchors, explicit keys, merge keys, flow collections that are not
// empty (their keys are not looked at), null or number-like keys, infinities and NaN.
// It errs on the side of false.
func plainValues(doc string) bool {
	if strings.Contains(doc, "<<") {
		return false
	}
	for _, special := range []string{".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"} {
		if strings.Contains(doc, special) {
			return false
		}
	}
	for i := 0; ; i++ {
		n := strings.IndexAny(doc[i:], "!&?{[")
		if n < 0 {
			break
		}
		i += n
		if nodeStart(doc, i) {
			if c := doc[i]; c != '{' && c != '[' || !emptyFlow(doc[i+1:], c) {
				return false
			}
		}
	}
	for rest := doc; rest != ""; {
		var line string
		line, rest = nextLine(rest)
		if k, ok := blockKey(line); ok && (k == "" || k == "~" || k == "null" || k == "Null" || k == "NULL" ||
			strings.ContainsAny(k[:1], "0123456789+-.")) {
			return false
		}
	}
	return true
}

// nodeStart reports whether the byte at i may begin a node: it follows a line start,
// an indicator or a tag, spaces aside.
func nodeStart(doc string, i int) bool {
	j := i - 1
	for j >= 0 && (doc[j] == ' ' || doc[j] == '\t') {
		j--
	}
	return j < 0 || strings.IndexByte("\n\r:-?[{,!", doc[j]) >= 0
}

// emptyFlow reports whether rest, just after an opening bracket, closes it at once.
func emptyFlow(rest string, open byte) bool {
	rest = strings.TrimLeft(rest, " \t")
	return rest != "" && (open == '{' && rest[0] == '}' || open == '[' && rest[0] == ']')
}

// blockKey returns the text of the plain key a line would hold as a block mapping
// entry, after its indentation and any sequence dashes; ok is false when the line
// holds no such key (a quoted key is always a string).
func blockKey(line string) (key string, ok bool) {
	s := trimBlanks(line)
	for len(s) > 1 && s[0] == '-' && (s[1] == ' ' || s[1] == '\t') {
		s = trimBlanks(s[1:])
	}
	if s == "" || s[0] == '#' || s[0] == '"' || s[0] == '\'' {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i+1 == len(s) || strings.IndexByte(" \t\r\n", s[i+1]) >= 0) {
			return strings.TrimRight(s[:i], " \t"), true
		}
	}
	return "", false
}

// nextLine splits s after its first line: YAML breaks lines at \r as well as \n.
func nextLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		i = len(s)
	}
	if j := strings.IndexByte(s[:i], '\r'); j >= 0 {
		i = j
	}
	return s[:i], s[min(i+1, len(s)):]
}

// trimBlanks is s without its leading spaces and tabs.
func trimBlanks(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// hasAnchor reports whether an anchor (or, to be safe, anything that might be one)
// starts a node.
func hasAnchor(doc string) bool {
	for i := 0; ; i++ {
		n := strings.IndexByte(doc[i:], '&')
		if n < 0 {
			return false
		}
		if i += n; nodeStart(doc, i) {
			return true
		}
	}
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
type fastMeta[V any] struct {
	present, bad    bool
	name, namespace fastString
	annotations     map[string]string
	rest            map[string]V
}

func (f *fastMeta[V]) UnmarshalYAML(unmarshal func(any) error) error {
	var m struct {
		Name        fastString       `yaml:"name"`
		Namespace   fastString       `yaml:"namespace"`
		Annotations *yamlv2.MapSlice `yaml:"annotations"`
		Rest        map[string]V     `yaml:",inline"`
	}
	if err := unmarshal(&m); err != nil {
		return err
	}
	// A namespace that is not a string is left to Helm's way, which ignores it:
	// the short way would have to check it as any other value.
	f.present, f.bad, f.name, f.namespace, f.rest = true, m.Name.bad || m.Namespace.bad, m.Name, m.Namespace, m.Rest
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

// skipped is any other value of a document plainValues let through: not decoded.
type skipped struct{}

func (*skipped) UnmarshalYAML(func(any) error) error { return nil }

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
