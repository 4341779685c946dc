package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
	goyaml3 "sigs.k8s.io/yaml/goyaml.v3"
)

// baseFuncs returns the functions every template sees that do not depend on the render:
// Sprig's text functions without env and expandenv, plus Helm's serialisation and
// duration functions. include, tpl, required, fail and lookup are bound per render.
func baseFuncs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	for name, fn := range map[string]any{
		"toToml":        toTOML,
		"mustToToml":    mustToTOML,
		"fromToml":      fromTOML,
		"toYaml":        toYAML,
		"mustToYaml":    mustToYAML,
		"toYamlPretty":  toYAMLPretty,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    mustToJSON,
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
	} {
		f[name] = fn
	}
	for name, fn := range durationFuncs() {
		f[name] = fn
	}
	return f
}

// toYAML encodes v as YAML without the final newline; on error it returns "".
func toYAML(v any) string {
	s, err := encodeYAML(v)
	if err != nil {
		return ""
	}
	return s
}

// mustToYAML is toYAML that fails the render on error.
func mustToYAML(v any) (string, error) { return encodeYAML(v) }

func encodeYAML(v any) (string, error) {
	b, err := marshalYAML(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// toYAMLPretty encodes v as YAML with lists indented under their key.
func toYAMLPretty(v any) string {
	var b bytes.Buffer
	enc := goyaml3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// fromYAML decodes a YAML map; on error the map holds the message under "Error".
func fromYAML(s string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromYAMLArray decodes a YAML list; on error the list holds only the message.
func fromYAMLArray(s string) []any {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

// toTOML encodes v as TOML; on error it returns the error's text.
func toTOML(v any) string {
	s, err := encodeTOML(v)
	if err != nil {
		return err.Error()
	}
	return s
}

func mustToTOML(v any) (string, error) { return encodeTOML(v) }

func encodeTOML(v any) (string, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// fromTOML decodes a TOML document; on error the map holds the message under "Error".
func fromTOML(s string) map[string]any {
	m := map[string]any{}
	if err := toml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// toJSON encodes v as compact JSON; on error it returns "".
func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func mustToJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromJSON decodes a JSON object; on error the map holds the message under "Error".
func fromJSON(s string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// fromJSONArray decodes a JSON list; on error the list holds only the message.
func fromJSONArray(s string) []any {
	a := []any{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

// rememberComparisons returns compare (Sprig's semverCompare) answering each question
// once: charts ask the same one of the same Kubernetes version hundreds of times in a
// render, and each answer parses the constraint anew, with regular expressions. The
// answers, errors included, are those of compare.
func rememberComparisons(compare func(constraint, version string) (bool, error)) func(string, string) (bool, error) {
	type answer struct {
		ok  bool
		err error
	}
	seen := map[[2]string]answer{}
	return func(constraint, version string) (bool, error) {
		key := [2]string{constraint, version}
		if a, ok := seen[key]; ok {
			return a.ok, a.err
		}
		ok, err := compare(constraint, version)
		seen[key] = answer{ok, err}
		return ok, err
	}
}
