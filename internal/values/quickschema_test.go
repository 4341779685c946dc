package values

import (
	"math"
	"testing"
)

// TestQuickSchema pins what the quick check is sure of and what it leaves to the
// library, and checks the library's own verdict beside it: a refusal is either
// needed (the library fails) or a part of the subset left out on purpose.
func TestQuickSchema(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		vals   map[string]any
		sure   bool // the quick check answers "certainly valid"
		libOK  bool // the library accepts
	}{
		// Sure.
		{"root $id and common keywords", `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/chart.schema.json",
			"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":3},"mode":{"enum":["a","b"]},"x":{"type":["string","null"]}},
			"additionalProperties":false}`,
			map[string]any{"n": int64(2), "mode": "b", "x": nil}, true, true},
		{"draft-07 $ref to definitions, siblings ignored", `{"$schema":"http://json-schema.org/draft-07/schema#",
			"definitions":{"port":{"type":"integer"}},"properties":{"p":{"$ref":"#/definitions/port","type":"string","description":"d"}}}`,
			map[string]any{"p": int64(80)}, true, true},
		{"draft-07 $ref to a string schema", `{"$schema":"http://json-schema.org/draft-07/schema#",
			"definitions":{"s":{"type":"string"}},"properties":{"p":{"$ref":"#/definitions/s"}}}`,
			map[string]any{"p": "text"}, true, true},
		{"2020 $ref with siblings applied", `{"$defs":{"s":{"type":"string"}},"properties":{"p":{"$ref":"#/$defs/s","minLength":2}}}`,
			map[string]any{"p": "ab"}, true, true},
		{"draft-04 boolean exclusiveMinimum", `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"n":{"minimum":0,"exclusiveMinimum":true}}}`,
			map[string]any{"n": 0.5}, true, true},
		{"if then else with const", `{"if":{"properties":{"m":{"const":"x"}}},"then":{"required":["y"]},"else":{"required":["z"]}}`,
			map[string]any{"m": "x", "y": true}, true, true},
		{"anyOf oneOf not allOf", `{"properties":{"v":{"anyOf":[{"type":"integer"},{"type":"string"}],"oneOf":[{"minimum":5},{"maximum":1}],"not":{"const":3},"allOf":[{"multipleOf":2}]}}}`,
			map[string]any{"v": int64(6)}, true, true},
		{"patternProperties", `{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"integer"}}`,
			map[string]any{"x-a": "s", "b": int64(1)}, true, true},
		{"unknown keywords ignored", `{"form":true,"x-ui":{"type":5,"minimum":"no"},"properties":{"a":{"form":true,"render":"textArea"}}}`,
			map[string]any{"a": "anything"}, true, true},
		{"format only annotates in 2020-12", `{"properties":{"e":{"type":"string","format":"email"}}}`,
			map[string]any{"e": "not an email"}, true, true},
		{"float64 integer", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": float64(3)}, true, true},
		{"lengths count runes", `{"properties":{"s":{"maxLength":3,"minLength":3}}}`, map[string]any{"s": "äöü"}, true, true},
		{"numbers compare by value", `{"properties":{"n":{"enum":[1.0]},"m":{"const":0.1}}}`,
			map[string]any{"n": int64(1), "m": 0.1}, true, true},
		{"uniqueItems of distinct types", `{"properties":{"l":{"uniqueItems":true,"items":{"type":["integer","string"]}}}}`,
			map[string]any{"l": []any{int64(1), "1"}}, true, true},
		{"true and empty schemas", `{"properties":{"a":true,"b":{}}}`,
			map[string]any{"a": math.NaN(), "b": map[string]string{}}, true, true},
		{"local ref to the root", `{"properties":{"child":{"$ref":"#"}},"type":"object"}`,
			map[string]any{"child": map[string]any{"child": map[string]any{}}}, true, true},

		// Not sure: the schema would not compile.
		{"bad type name", `{"type":"strin"}`, map[string]any{}, false, false},
		{"type list with a repeat", `{"type":["string","string"]}`, map[string]any{}, false, false},
		{"required with a repeat", `{"$schema":"http://json-schema.org/draft-07/schema#","required":["a","a"]}`,
			map[string]any{"a": 1}, false, false},
		{"invalid regex", `{"properties":{"s":{"pattern":"("}}}`, map[string]any{}, false, false},
		{"invalid property pattern", `{"patternProperties":{"[":{}}}`, map[string]any{}, false, false},
		{"remote ref", `{"properties":{"a":{"$ref":"https://example.com/s.json"}}}`, map[string]any{}, false, false},
		{"file ref", `{"properties":{"a":{"$ref":"defs.json#/x"}}}`, map[string]any{}, false, false},
		{"ref to nowhere", `{"properties":{"a":{"$ref":"#/$defs/missing"}}}`, map[string]any{}, false, false},
		{"unknown $schema", `{"$schema":"http://example.com/schema"}`, map[string]any{}, false, false},
		{"draft-04 exclusiveMinimum without minimum", `{"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMinimum":true}`,
			map[string]any{}, false, false},
		{"draft-04 boolean schema", `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":true}}`,
			map[string]any{}, false, false},
		{"draft-07 empty enum", `{"$schema":"http://json-schema.org/draft-07/schema#","enum":[]}`, map[string]any{}, false, false},
		{"negative minLength", `{"minLength":-1}`, map[string]any{}, false, false},
		{"fractional maxItems", `{"maxItems":1.5}`, map[string]any{}, false, false},
		{"multipleOf zero", `{"multipleOf":0}`, map[string]any{}, false, false},
		{"empty allOf", `{"allOf":[]}`, map[string]any{}, false, false},

		// Not sure: outside the subset (the library decides).
		{"$dynamicRef", `{"$dynamicAnchor":"m","properties":{"a":{"$dynamicRef":"#m"}}}`, map[string]any{}, false, true},
		{"format asserts in draft-07", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"e":{"format":"email"}}}`,
			map[string]any{"e": "not an email"}, false, false},
		{"items as a list", `{"$schema":"http://json-schema.org/draft-07/schema#","items":[{"type":"string"}]}`,
			map[string]any{}, false, true},
		{"nested $id", `{"properties":{"a":{"$id":"https://example.com/a"}}}`, map[string]any{}, false, true},
		{"root $id with a ref", `{"$id":"https://example.com/s.json","$defs":{"a":{}},"properties":{"a":{"$ref":"#/$defs/a"}}}`,
			map[string]any{}, false, true},
		{"draft-07 const beside $ref", `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"a":{}},"properties":{"a":{"$ref":"#/definitions/a","const":1}}}`,
			map[string]any{"a": int64(2)}, false, false},
		{"additionalItems is walked for anchors in 2020-12", `{"additionalItems":{"allOf":[{"$anchor":"a"},{"$anchor":"a"}]}}`,
			map[string]any{}, false, false},
		{"dependencies", `{"dependencies":{"a":["b"]}}`, map[string]any{}, false, true},

		// Not sure: the values fail or the library cannot read them.
		{"missing required", `{"required":["a"]}`, map[string]any{}, false, false},
		{"wrong type", `{"properties":{"a":{"type":"integer"}}}`, map[string]any{"a": "1"}, false, false},
		{"additional property", `{"properties":{"a":{}},"additionalProperties":false}`, map[string]any{"b": 1}, false, false},
		{"enum miss", `{"properties":{"a":{"enum":["x"]}}}`, map[string]any{"a": "y"}, false, false},
		{"duplicate items by value", `{"properties":{"l":{"uniqueItems":true}}}`, map[string]any{"l": []any{int64(1), 1.0}}, false, false},
		{"pattern miss", `{"properties":{"s":{"pattern":"^a"}}}`, map[string]any{"s": "ba"}, false, false},
		{"oneOf two matches", `{"oneOf":[{"type":"object"},{"required":[]}]}`, map[string]any{}, false, false},
		{"NaN under a schema", `{"properties":{"n":{"description":"d"}}}`, map[string]any{"n": math.NaN()}, false, false},
		{"Go type the library does not know", `{"properties":{"m":{"type":"object"}}}`,
			map[string]any{"m": map[string]string{}}, false, false},
		{"ref cycle on one value", `{"$defs":{"a":{"$ref":"#/$defs/a"}},"properties":{"x":{"$ref":"#/$defs/a"}}}`,
			map[string]any{"x": int64(1)}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parseSchema([]byte(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := plainTree(tt.vals)
			if got := quickValid(doc, plain.(map[string]any)); got != tt.sure {
				t.Errorf("quick check sure = %v, want %v", got, tt.sure)
			}
			libErr := libraryValidate(doc, plain)
			if (libErr == nil) != tt.libOK {
				t.Errorf("library error = %v, want ok = %v", libErr, tt.libOK)
			}
		})
	}
}

// libraryValidate is Validate without the quick check, panics included.
func libraryValidate(doc, plain any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanicked
		}
	}()
	return SchemaValidator{}.validateDoc(doc, plain)
}

var errPanicked = errorString("the library panicked")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestQuickSchemaRootID(t *testing.T) {
	for id, want := range map[string]bool{
		"https://traefik.io/traefik-helm-chart.schema.json": true,
		"http://example.com":                           true,
		"https://example.com/a/b-c_d~e.json":           true,
		"https://json-schema.org/draft/2020-12/schema": false,
		"https://example.com/s.json#":                  false,
		"https://example.com:8443/s.json":              false,
		"https://ex_ample.com/s.json":                  false,
		"https://example.com/s.json?x=1":               false,
		"https://":                                     false,
		"https://.example.com/":                        false,
		"file:///values.schema.json":                   false,
		"urn:example:schema":                           false,
		"schema.json":                                  false,
	} {
		if got := plainRootID(id); got != want {
			t.Errorf("plainRootID(%q) = %v, want %v", id, got, want)
		}
	}
}
