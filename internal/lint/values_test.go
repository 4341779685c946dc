package lint

import (
	"testing"
)

func TestValuesRule(t *testing.T) {
	const schema = `{"type":"object","properties":{"replicas":{"type":"integer","minimum":1}}}`
	cases := []struct {
		name       string
		files      map[string]string
		user       map[string]any
		skipSchema bool
		want       []string
	}{
		{
			name:  "no values file",
			files: map[string]string{},
			want:  []string{"[INFO] values.yaml: file does not exist"},
		},
		{
			name:  "empty values file",
			files: map[string]string{"values.yaml": ""},
		},
		{
			name:  "a list",
			files: map[string]string{"values.yaml": "- a\n"},
			want: []string{
				"[ERROR] values.yaml: unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type common.Values",
			},
		},
		{
			name:  "broken YAML",
			files: map[string]string{"values.yaml": "a: [\n"},
			want: []string{
				"[ERROR] values.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 1: did not find expected node content",
			},
		},
		{
			name:  "schema satisfied",
			files: map[string]string{"values.yaml": "replicas: 2\n", "values.schema.json": schema},
		},
		{
			name:  "user value breaks the schema",
			files: map[string]string{"values.yaml": "replicas: 2\n", "values.schema.json": schema},
			user:  map[string]any{"replicas": int64(0)},
			want:  []string{"[ERROR] values.yaml: - at '/replicas': minimum: got 0, want 1\n"},
		},
		{
			name:       "schema skipped",
			files:      map[string]string{"values.yaml": "replicas: 2\n", "values.schema.json": schema},
			user:       map[string]any{"replicas": int64(0)},
			skipSchema: true,
		},
		{
			name:  "empty schema file",
			files: map[string]string{"values.yaml": "replicas: 0\n", "values.schema.json": ""},
		},
		{
			name:  "schema not JSON",
			files: map[string]string{"values.yaml": "a: 1\n", "values.schema.json": "{bad"},
			want:  []string{"[ERROR] values.yaml: values.schema.json:1:2: invalid character 'b' looking for beginning of object key string"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &linter{fsys: chartFS(c.files), dir: "/charts/demo"}
			l.values(c.user, c.skipSchema)
			assertMessages(t, messageTexts(l.messages), c.want)
		})
	}
}

// Helm's value rule merges the chart's defaults into the user's own nested tables;
// charts linted later in the same run see them. Rudder keeps that behaviour.
func TestValuesRuleSharesUserTables(t *testing.T) {
	user := map[string]any{"image": map[string]any{"tag": "x"}}
	l := &linter{fsys: chartFS(map[string]string{"values.yaml": "image:\n  repo: first\n  tag: a\n"}), dir: "/c"}
	l.values(user, false)
	img := user["image"].(map[string]any)
	if img["repo"] != "first" || img["tag"] != "x" {
		t.Errorf("user image table = %v, want repo from the chart and the user's tag", img)
	}
}
