package values

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzQuickSchema builds a schema and values from the fuzzer's bytes, within the
// quick check's subset and around it (bad shapes, keywords it refuses, remote
// refs, cycles, values the library cannot read), and checks the one promise the
// check makes: when it is sure, the library accepts.
func FuzzQuickSchema(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		seed := make([]byte, 64+r.IntN(192))
		for i := range seed {
			seed[i] = byte(r.IntN(256))
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &schemaGen{data: data}
		schema := g.root()
		raw, err := json.Marshal(schema)
		if err != nil {
			return
		}
		vals, _ := g.value(3).(map[string]any)
		if vals == nil {
			vals = map[string]any{"a": g.value(2)}
		}
		doc, err := parseSchema(raw)
		if err != nil {
			return
		}
		if !quickValid(doc, vals) {
			return
		}
		if err := libraryValidate(doc, vals); err != nil {
			t.Fatalf("quick check sure, library says: %v\nschema: %s\nvalues: %#v", err, raw, vals)
		}
	})
}

// schemaGen draws choices from fuzz bytes (zeros once they run out).
type schemaGen struct {
	data []byte
	i    int
}

func (g *schemaGen) intn(n int) int {
	if g.i >= len(g.data) {
		return 0
	}
	b := int(g.data[g.i])
	g.i++
	return b % n
}

func (g *schemaGen) pick(list ...any) any { return list[g.intn(len(list))] }

var genDrafts = []string{
	"", "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
	"http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
	"https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/schema#", "http://example.com/schema",
}

func (g *schemaGen) root() any {
	s, ok := g.schema(3).(map[string]any)
	if !ok {
		return g.schema(0)
	}
	if d := genDrafts[g.intn(len(genDrafts))]; d != "" {
		s["$schema"] = d
	}
	switch g.intn(6) {
	case 0:
		s["$id"] = "https://example.com/chart.schema.json"
	case 1:
		s["definitions"] = map[string]any{"a": g.schema(2), "b": g.schema(1)}
	case 2:
		s["$defs"] = map[string]any{"a": g.schema(2)}
	}
	return s
}

var genKeywords = []string{
	"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems", "required",
	"properties", "properties", "properties", "patternProperties", "additionalProperties", "minProperties",
	"maxProperties", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$ref", "definitions",
	"$defs", "format", "title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
	"form", "x-ui", "$id", "dependencies", "contains", "propertyNames", "prefixItems", "additionalItems",
	"unevaluatedProperties", "$anchor", "$dynamicRef", "contentMediaType",
}

func (g *schemaGen) schema(depth int) any {
	switch g.intn(12) {
	case 0:
		return true
	case 1:
		return false
	case 2:
		return map[string]any{}
	}
	s := map[string]any{}
	for n := 1 + g.intn(4); n > 0; n-- {
		kw := genKeywords[g.intn(len(genKeywords))]
		s[kw] = g.keyword(kw, depth)
	}
	return s
}

func (g *schemaGen) sub(depth int) any {
	if depth <= 0 {
		return g.pick(true, false, map[string]any{}, map[string]any{"type": "string"}, map[string]any{"minimum": json.Number("1")})
	}
	return g.schema(depth - 1)
}

func (g *schemaGen) list(depth int) []any {
	out := make([]any, g.intn(4))
	for i := range out {
		out[i] = g.sub(depth)
	}
	return out
}

func (g *schemaGen) keyword(kw string, depth int) any {
	switch kw {
	case "type":
		names := []any{"string", "integer", "number", "object", "array", "boolean", "null", "strin"}
		if g.intn(3) == 0 {
			return []any{g.pick(names...), g.pick(names...)}
		}
		return g.pick(names...)
	case "enum", "examples":
		out := make([]any, g.intn(4))
		for i := range out {
			out[i] = g.schemaValue()
		}
		return out
	case "const", "default", "form", "x-ui":
		return g.schemaValue()
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf":
		return g.pick(json.Number("0"), json.Number("1"), json.Number("-1"), json.Number("2.5"), json.Number("0.1"),
			json.Number("3"), json.Number("1e2"), true, false, "1")
	case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
		return g.pick(json.Number("0"), json.Number("1"), json.Number("2"), json.Number("3"), json.Number("-1"), json.Number("1.5"), "2")
	case "pattern":
		return g.pick("^a", "a+", "(", "^[0-9]+$", "", `\d`, "ä", 5)
	case "required":
		out := make([]any, g.intn(3))
		for i := range out {
			out[i] = g.pick("a", "b", "c", 1)
		}
		return out
	case "properties", "definitions", "$defs", "dependencies":
		m := map[string]any{}
		for n := g.intn(4); n > 0; n-- {
			m[g.pick("a", "b", "c", "x-a", "a/b", "a~b").(string)] = g.sub(depth)
		}
		return m
	case "patternProperties":
		return map[string]any{g.pick("^x-", "a", "[", ".*", "^b$").(string): g.sub(depth)}
	case "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
		"additionalItems", "unevaluatedProperties":
		return g.sub(depth)
	case "items", "prefixItems":
		if g.intn(4) == 0 {
			return g.list(depth)
		}
		return g.sub(depth)
	case "allOf", "anyOf", "oneOf":
		return g.list(depth)
	case "$ref":
		return g.pick("#", "#/definitions/a", "#/definitions/b", "#/$defs/a", "#/properties/a", "#/definitions/missing",
			"https://example.com/x.json", "defs.json#/a", "#/definitions/a~2", "#foo", "urn:x:y", "#/properties/a~1b", 7)
	case "format":
		return g.pick("email", "date-time", "regex", "hostname", 5)
	case "uniqueItems", "deprecated", "readOnly":
		return g.pick(true, false, "yes")
	case "$id":
		return g.pick("https://example.com/a.json", "#x", 5)
	case "$anchor", "$dynamicRef":
		return g.pick("a", "#a")
	}
	return g.pick("text", 5, true)
}

// schemaValue is a value as a schema holds it (numbers as json.Number).
func (g *schemaGen) schemaValue() any {
	switch g.intn(8) {
	case 0:
		return g.pick(json.Number("1"), json.Number("1.0"), json.Number("0.1"), json.Number("-3"), json.Number("2"))
	case 1:
		return nil
	case 2:
		return g.pick(true, false)
	case 3:
		return []any{g.pick("a", json.Number("1"))}
	case 4:
		return map[string]any{"a": g.pick("a", json.Number("1"))}
	}
	return g.pick("a", "b", "ab", "x", "1", "")
}

// value is a value as Rudder's values hold it (int64 and float64 numbers), now
// and then one the library cannot read.
func (g *schemaGen) value(depth int) any {
	switch g.intn(14) {
	case 0:
		return g.pick(int64(0), int64(1), int64(2), int64(3), int64(-1), int64(100))
	case 1:
		return g.pick(0.1, 1.0, 2.5, -1.5, 3.0, 1e21)
	case 2:
		return g.pick("a", "b", "ab", "äöü", "x-a", "", "1")
	case 3:
		return g.pick(true, false, nil)
	case 4:
		return g.pick(math.NaN(), map[string]string{}, json.Number("1"), int(2), uint8(3), float32(0.5))
	case 5, 6, 7, 8:
		if depth > 0 {
			m := map[string]any{}
			for n := g.intn(4); n > 0; n-- {
				m[g.pick("a", "b", "c", "x-a", "a/b", "a~b").(string)] = g.value(depth - 1)
			}
			return m
		}
	case 11:
		// Long enough for the library to hash uniqueItems instead of comparing pairs.
		out := make([]any, 21+g.intn(8))
		for i := range out {
			out[i] = g.pick(int64(i), float64(i), "s", int64(i)+1)
		}
		return out
	case 9, 10:
		if depth > 0 {
			out := make([]any, g.intn(4))
			for i := range out {
				out[i] = g.value(depth - 1)
			}
			return out
		}
	}
	return g.pick("a", int64(1), nil, map[string]any{})
}
