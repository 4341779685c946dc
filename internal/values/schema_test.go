package values

import (
	"errors"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// Error texts below were checked against Helm v4.3.1 (the part after Helm's
// "values don't meet the specifications..." line).

const draft07Schema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["mode", "replicas"],
  "properties": {
    "mode": { "type": "string", "enum": ["standard", "ha", "dev"] },
    "replicas": { "type": "integer", "minimum": 1, "maximum": 10 },
    "name": { "type": "string", "pattern": "^[a-z]+$" },
    "resources": {
      "type": "object",
      "additionalProperties": false,
      "properties": { "cpu": { "type": "string" } }
    }
  }
}`

const schema2020 = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["level"],
  "properties": {
    "level": { "type": "integer", "exclusiveMinimum": 0 },
    "global": { "type": "object", "properties": { "env": { "enum": ["dev", "prod"] } } }
  }
}`

const draft04Schema = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "properties": {
    "n": { "type": "number", "minimum": 0, "exclusiveMinimum": true },
    "name": { "type": "string", "pattern": "^[a-z]+$" }
  }
}`

func TestValidateSchema(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		vals   map[string]any
		want   string // "" for valid values
	}{
		{"draft-07 valid", draft07Schema,
			map[string]any{"mode": "ha", "replicas": int64(3), "resources": map[string]any{"cpu": "1"}}, ""},
		{"draft-07 float64 integer from YAML", draft07Schema,
			map[string]any{"mode": "ha", "replicas": float64(3)}, ""},
		{"draft-07 enum", draft07Schema,
			map[string]any{"mode": "prod", "replicas": int64(1)},
			"- at '/mode': value must be one of 'standard', 'ha', 'dev'\n"},
		{"draft-07 type", draft07Schema,
			map[string]any{"mode": "ha", "replicas": "three"},
			"- at '/replicas': got string, want integer\n"},
		{"draft-07 several failures", draft07Schema,
			map[string]any{"replicas": int64(0), "resources": map[string]any{"gpu": "1"}},
			"- at '': missing property 'mode'\n- at '/replicas': minimum: got 0, want 1\n- at '/resources': additional properties 'gpu' not allowed\n"},
		{"2020-12 exclusiveMinimum", schema2020,
			map[string]any{"level": int64(0)},
			"- at '/level': exclusiveMinimum: got 0, want 0\n"},
		{"2020-12 missing", schema2020, map[string]any{},
			"- at '': missing property 'level'\n"},
		{"draft-04", draft04Schema,
			map[string]any{"n": int64(0), "name": "Abc"},
			"- at '/n': exclusiveMinimum: got 0, want 0\n- at '/name': 'Abc' does not match pattern '^[a-z]+$'\n"},
		{"no $schema is 2020-12", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"integer"}}}`,
			map[string]any{"a": "s"},
			"- at '/a': got string, want integer\n"},
		{"nil values are an empty object", `{"type":"object","required":["a"]}`, nil,
			"- at '': missing property 'a'\n"},
		{"nested Values maps are understood", `{"properties":{"m":{"type":"object","properties":{"x":{"type":"string"}}}}}`,
			map[string]any{"m": Values{"x": int64(1)}},
			"- at '/m/x': got number, want string\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSchema([]byte(tc.schema), tc.vals)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("want a *SchemaError, got %T: %v", err, err)
			}
			if got := err.Error(); !sameLines(got, tc.want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// sameLines compares two failure lists. The validator reports the failures of one
// object in map order, so the lines are compared as a set; the trailing newline
// is compared exactly.
func sameLines(got, want string) bool {
	if strings.HasSuffix(got, "\n") != strings.HasSuffix(want, "\n") {
		return false
	}
	g := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	w := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	if len(g) != len(w) {
		return false
	}
	seen := map[string]int{}
	for _, l := range g {
		seen[l]++
	}
	for _, l := range w {
		if seen[l] == 0 {
			return false
		}
		seen[l]--
	}
	return true
}

func TestValidateSchemaBadSchema(t *testing.T) {
	for name, schema := range map[string]string{
		"not JSON":      `{"type": `,
		"empty":         ``,
		"invalid type":  `{"type": "strin"}`,
		"dangling $ref": `{"$ref": "#/definitions/nope"}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := ValidateSchema([]byte(schema), map[string]any{})
			if err == nil {
				t.Fatal("want an error")
			}
			var se *SchemaError
			if errors.As(err, &se) {
				t.Fatalf("a broken schema is not a values failure: %v", err)
			}
		})
	}
}

func TestValidateSchemaRefs(t *testing.T) {
	const fileRef = `{"type":"object","properties":{"a":{"$ref":"defs.json"}}}`
	const httpRef = `{"type":"object","properties":{"a":{"$ref":"https://example.invalid/defs.json"}}}`
	const urnRef = `{"type":"object","properties":{"b":{"$ref":"urn:example:thing"}}}`

	t.Run("file refs are refused by default", func(t *testing.T) {
		err := ValidateSchema([]byte(fileRef), map[string]any{"a": "x"})
		if !errors.Is(err, ErrRefNotLoaded) || !strings.Contains(err.Error(), `"file:///defs.json"`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("network refs are refused by default", func(t *testing.T) {
		err := ValidateSchema([]byte(httpRef), map[string]any{"a": "x"})
		if !errors.Is(err, ErrRefNotLoaded) || !strings.Contains(err.Error(), "https://example.invalid/defs.json") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unresolved urn refs allow anything", func(t *testing.T) {
		if err := ValidateSchema([]byte(urnRef), map[string]any{"b": int64(1)}); err != nil {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("LoadRef supplies referenced documents", func(t *testing.T) {
		var asked []string
		v := SchemaValidator{LoadRef: func(url string) ([]byte, error) {
			asked = append(asked, url)
			switch url {
			case "file:///defs.json":
				return []byte(`{"type":"integer"}`), nil
			case "urn:example:thing":
				return []byte(`{"type":"string"}`), nil
			}
			return nil, errors.New("not found")
		}}
		err := v.Validate([]byte(fileRef), map[string]any{"a": "x"})
		if err == nil || !strings.Contains(err.Error(), "- at '/a': got string, want integer") {
			t.Fatalf("got %v", err)
		}
		err = v.Validate([]byte(urnRef), map[string]any{"b": int64(1)})
		if err == nil || !strings.Contains(err.Error(), "- at '/b': got number, want string") {
			t.Fatalf("got %v", err)
		}
		if strings.Join(asked, " ") != "file:///defs.json urn:example:thing" {
			t.Fatalf("loader asked for %q", asked)
		}
	})
}

// TestValidateChartNamesBrokenSchema: a schema that is not valid JSON is reported
// with its chart-relative file name and the line and column of the fault; one that
// is JSON but not a valid schema, with its file name.
func TestValidateChartNamesBrokenSchema(t *testing.T) {
	tests := []struct {
		name, schema, want string
	}{
		{"trailing comma on line 4", "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"integer\",}\n  }\n}\n",
			"sub/values.schema.json:4:29: invalid character '}' looking for beginning of object key string"},
		{"columns count characters", `{"description": "héllo wörld", x}`,
			"sub/values.schema.json:1:32: invalid character 'x' looking for beginning of object key string"},
		{"cut short", "{\n  \"type\":", "sub/values.schema.json:2:10: unexpected EOF"},
		{"empty", "  \n", "sub/values.schema.json:2:1: no JSON document: the file is empty"},
		{"text after the document", "{}\n\n  {}", "sub/values.schema.json:3:3: invalid character after top-level value"},
		{"not a schema", `{"type": 5}`, "sub/values.schema.json: \"file:///values.schema.json#\" is not valid against metaschema"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			top := newChart("top", "", newChart("sub", tc.schema))
			err := ValidateAgainstSchema(top, map[string]any{"sub": map[string]any{}})
			if err == nil {
				t.Fatal("want an error")
			}
			want := "sub:\ntop/charts/" + tc.want
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("got:\n%s\nwant it to start with:\n%s", err, want)
			}
		})
	}
	// A refused $ref is still found by errors.Is once named.
	err := SchemaValidator{}.ValidateFile("x/values.schema.json", []byte(`{"$ref": "other.json"}`), nil)
	if !errors.Is(err, ErrRefNotLoaded) || !strings.HasPrefix(err.Error(), "x/values.schema.json: ") {
		t.Fatalf("refused reference: %v", err)
	}
}

func newChart(name, schema string, deps ...*chart.Chart) *chart.Chart {
	c := &chart.Chart{Metadata: &chart.Metadata{Name: name, Version: "0.1.0"}}
	if schema != "" {
		c.Schema = []byte(schema)
	}
	c.AddDependency(deps...)
	return c
}

func TestValidateAgainstSchema(t *testing.T) {
	const requireName = `{"type":"object","required":["name"]}`
	const requireAge = `{"type":"object","required":["age"]}`

	tests := []struct {
		name  string
		chart *chart.Chart
		vals  map[string]any
		want  string // "" for valid values
	}{
		{
			name:  "valid tree",
			chart: newChart("parent", draft07Schema, newChart("child", schema2020)),
			vals:  map[string]any{"mode": "ha", "replicas": int64(2), "child": map[string]any{"level": int64(1)}},
		},
		{
			name:  "parent only",
			chart: newChart("schema-check", draft07Schema, newChart("child", schema2020)),
			vals:  map[string]any{"mode": "prod", "replicas": int64(2), "child": map[string]any{"level": int64(1)}},
			want:  "schema-check:\n- at '/mode': value must be one of 'standard', 'ha', 'dev'\n",
		},
		{
			name:  "subchart sees only its own values",
			chart: newChart("schema-check", draft07Schema, newChart("child", schema2020)),
			vals:  map[string]any{"mode": "ha", "replicas": int64(2), "child": map[string]any{"level": int64(0)}},
			want:  "child:\n- at '/level': exclusiveMinimum: got 0, want 0\n",
		},
		{
			name:  "parent then subchart",
			chart: newChart("schema-check", draft07Schema, newChart("child", schema2020)),
			vals:  map[string]any{"mode": "prod", "replicas": int64(2), "child": map[string]any{"level": int64(0)}},
			want: "schema-check:\n- at '/mode': value must be one of 'standard', 'ha', 'dev'\n" +
				"child:\n- at '/level': exclusiveMinimum: got 0, want 0\n",
		},
		{
			name:  "globals copied into the subchart's values are validated there",
			chart: newChart("parent", "", newChart("child", schema2020)),
			vals: map[string]any{
				"global": map[string]any{"env": "qa"},
				"child":  map[string]any{"level": int64(1), "global": map[string]any{"env": "qa"}},
			},
			want: "child:\n- at '/global/env': value must be one of 'dev', 'prod'\n",
		},
		{
			name: "charts without a schema are walked through",
			chart: newChart("chart-without-schema", requireName,
				newChart("middle", "", newChart("subchart-with-schema", requireAge))),
			vals: map[string]any{"middle": map[string]any{"subchart-with-schema": map[string]any{}}},
			want: "chart-without-schema:\n- at '': missing property 'name'\n" +
				"subchart-with-schema:\n- at '': missing property 'age'\n",
		},
		{
			name:  "subchart without values is skipped",
			chart: newChart("parent", "", newChart("child", schema2020), newChart("other", requireAge)),
			vals:  map[string]any{"other": nil},
		},
		{
			name:  "subchart values that are not a map",
			chart: newChart("parent", "", newChart("child", schema2020)),
			vals:  map[string]any{"child": "str"},
			want:  "child:\ninvalid type for values: expected object (map), got string\n",
		},
		{
			name:  "broken schema keeps the next chart on its own line",
			chart: newChart("parent", `{"type":`, newChart("child", schema2020)),
			vals:  map[string]any{"child": map[string]any{}},
			want:  "parent:\nparent/values.schema.json:1:9: unexpected EOF\nchild:\n- at '': missing property 'level'\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateAgainstSchema(tc.chart, tc.vals)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want:\n%s\ngot no error", tc.want)
			}
			if err.Error() != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", err, tc.want)
			}
		})
	}
}

func TestValidateAgainstSchemaLoadedChart(t *testing.T) {
	// The same tree as the conformance chart _synthetic-schema, loaded from files.
	files := []*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: schema-check\nversion: 0.1.0\n")},
		{Name: "values.schema.json", Data: []byte(draft07Schema)},
		{Name: "charts/child/Chart.yaml", Data: []byte("apiVersion: v2\nname: child\nversion: 0.1.0\n")},
		{Name: "charts/child/values.schema.json", Data: []byte(schema2020)},
	}
	c, err := chart.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chart.ParseValues([]byte("mode: ha\nreplicas: '3'\nchild:\n  level: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "schema-check:\n- at '/replicas': got string, want integer\n"
	if err := ValidateAgainstSchema(c, vals); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
