package engine

import (
	"errors"
	"strings"
	"testing"
)

// funcValues are the .Values every function case renders with.
var funcValues = map[string]any{
	"str":  "Hello",
	"num":  int64(42),
	"big":  float64(1000000),
	"list": []any{int64(1), int64(2)},
	"m":    map[string]any{"a": int64(1), "b": map[string]any{"c": int64(2)}},
	"nil":  nil,
}

// renderOne renders tpl as the only template of a chart with a few files and a helper.
func renderOne(t *testing.T, tpl string) (string, error) {
	t.Helper()
	c := testChart(t, map[string]string{
		"Chart.yaml":        chartYAML("c"),
		"files/a.txt":       "alpha\nbeta\n",
		"files/b.txt":       "bee",
		"files/sub/c.yaml":  "k: v\n",
		"files/crlf.txt":    "one\r\ntwo\r\n",
		"templates/_h.tpl":  `{{ define "c.h" }}h={{ .x }}{{ end }}`,
		"templates/t.txt":   tpl,
		"templates/_sk.tpl": `{{ define "c.self" }}{{ include "c.self" . }}{{ end }}`,
	})
	out, err := render(t, Engine{}, c, funcValues)
	return out["c/templates/t.txt"], err
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		tpl  string
		want string
	}{
		// .Files
		{`{{ .Files.Get "files/a.txt" }}`, "alpha\nbeta\n"},
		{`{{ .Files.Get "nope" }}`, ""},
		{`{{ .Files.GetBytes "files/b.txt" }}`, "[98 101 101]"},
		{`{{ .Files.Lines "files/a.txt" }}`, "[alpha beta]"},
		{`{{ .Files.Lines "files/crlf.txt" | len }}`, "2"},
		{`{{ .Files.Lines "nope" }}`, "[]"},
		{`{{ (.Files.Glob "files/*").AsConfig }}`, "a.txt: |\n  alpha\n  beta\nb.txt: bee\ncrlf.txt: \"one\\r\\ntwo\\r\\n\""},
		{`{{ (.Files.Glob "files/**.yaml").AsSecrets }}`, "c.yaml: azogdgo="},
		{`{{ (.Files.Glob "files/{a,b}.txt").AsConfig }}`, "a.txt: |\n  alpha\n  beta\nb.txt: bee"},
		{`{{ len (.Files.Glob "[") }}`, "4"}, // a bad pattern matches everything
		{`{{ typeOf .Files }}`, "engine.files"},
		// serialisation
		{`{{ toYaml .Values.m }}`, "a: 1\nb:\n  c: 2"},
		{`{{ .Values.big }}`, "1e+06"},
		{`{{ toYaml .Values.big }}`, "1000000"},
		{`{{ toJson .Values.big }}`, "1000000"},
		{`{{ toYaml (list "yes" "1.0" "a: b" "") }}`, "- \"yes\"\n- \"1.0\"\n- 'a: b'\n- \"\""},
		{`{{ toYaml (dict "l" (list 1 2)) }}`, "l:\n- 1\n- 2"},
		{`{{ toYamlPretty (dict "l" (list 1 2)) }}`, "l:\n  - 1\n  - 2"},
		{`{{ toYaml .Values.nil }}`, "null"},
		{`{{ mustToYaml .Values.m }}`, "a: 1\nb:\n  c: 2"},
		{`{{ toJson .Values.m }}`, `{"a":1,"b":{"c":2}}`},
		{`{{ mustToJson .Values.list }}`, "[1,2]"},
		{`{{ toToml (dict "a" 1 "b" (dict "c" "d")) }}`, "a = 1\n\n[b]\n  c = \"d\"\n"},
		{`{{ toToml (list 1) }}`, "[1]"},
		{`{{ fromYaml "a: 1" }}`, "map[a:1]"},
		{`{{ fromYaml "a: [1" }}`, "map[Error:error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']']"},
		{`{{ fromYamlArray "- a" }}`, "[a]"},
		{`{{ fromYamlArray "a: 1" }}`, "[error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}]"},
		{`{{ fromJson "x" }}`, "map[Error:invalid character 'x' looking for beginning of value]"},
		{`{{ fromJsonArray "[1,2]" }}`, "[1 2]"},
		{`{{ fromToml "a = 1" }}`, "map[a:1]"},
		{`{{ fromToml "=" }}`, "map[Error:toml: line 1: unexpected '=': key name appears blank]"},
		// Helm's template functions
		{`{{ include "c.h" (dict "x" 1) }}`, "h=1"},
		{`{{ tpl "{{ .x }}" (dict "x" 2) }}`, "2"},
		{`{{ tpl "{{ define \"d\" }}D{{ end }}{{ include \"d\" . }}" . }}`, "D"},
		{`{{ tpl "{{ .nope }}" (dict) }}`, ""},
		// the same string twice: parsed once, run with each call's data
		{`{{ tpl "{{ .x }}" (dict "x" 1) }}{{ tpl "{{ .x }}" (dict "x" 2) }}`, "12"},
		{`{{ tpl "{{ template \"c.h\" . }}" (dict "x" 1) }}{{ tpl "{{ template \"c.h\" . }}" (dict "x" 2) }}`, "h=1h=2"},
		{`{{ range list 1 2 }}{{ tpl "{{ define \"d\" }}D{{ . }}{{ end }}{{ include \"d\" . }}" . }}{{ end }}`, "D1D2"},
		{`{{ tpl "{{ .Template.Name }}" . }}`, "c/templates/t.txt"},
		{`{{ .Values.nope }}`, ""},
		{`{{ required "need" .Values.str }}`, "Hello"},
		{`{{ required "need" 0 }}`, "0"},
		{`{{ lookup "v1" "Pod" "ns" "x" }}`, "map[]"},
		{`{{ getHostByName "localhost" }}`, ""},
		// durations
		{`{{ durationSeconds "1m30s" }}`, "90"},
		{`{{ durationSeconds "x" }}`, "0"},
		{`{{ mustToDuration 90 }}`, "1m30s"},
		{`{{ durationRoundTo "1h35m" "1h" }}`, "2h0m0s"},
		{`{{ durationTruncateTo "1h35m" "1h" }}`, "1h0m0s"},
		{`{{ durationHours 7200 }}`, "2"},
		// semverCompare, asked twice: the second answer is the remembered one
		{`{{ semverCompare ">=1.21-0" "1.31.0" }} {{ semverCompare ">=1.21-0" "1.31.0" }}`, "true true"},
		{`{{ semverCompare "<1.21" "v1.31.0" }} {{ semverCompare "<1.21" "v1.31.0" }}`, "false false"},
		// built-in objects
		{`{{ .Template }}`, "map[BasePath:c/templates Name:c/templates/t.txt]"},
		{`{{ .Chart.IsRoot }} {{ .Chart.Name }} {{ .Chart.Version }}`, "true c 0.1.0"},
		{`{{ .Release }}`, "map[IsInstall:true IsUpgrade:false Name:rel Namespace:ns Revision:1 Service:Helm]"},
		{`{{ .Chart.Maintainers }} {{ .Chart.Annotations }} {{ .Chart.Dependencies }}`, "[] map[] []"},
		{`{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "nope/v1" }}`, "true false"},
	}
	for _, tt := range tests {
		t.Run(tt.tpl, func(t *testing.T) {
			got, err := renderOne(t, tt.tpl)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFunctionErrors(t *testing.T) {
	tests := []struct {
		tpl     string
		wantErr string
	}{
		{`{{ required "need it" .Values.nope }}`, "execution error at (c/templates/t.txt:1:3): need it"},
		{`{{ required "need it" "" }}`, "execution error at (c/templates/t.txt:1:3): need it"},
		{`{{ fail "boom" }}`, "execution error at (c/templates/t.txt:1:3): boom"},
		{`{{ fail "line1\nline2" }}`, "execution error at (c/templates/t.txt:1:3): line1\nline2"},
		{`{{ mustToDuration "x" }}`, `template: c/templates/t.txt:1:3: executing "c/templates/t.txt" at <mustToDuration "x">: error calling mustToDuration: could not parse duration "x"`},
		{`{{ env "HOME" }}`, `parse error at (c/templates/t.txt:1): function "env" not defined`},
		{`{{ expandenv "$HOME" }}`, `parse error at (c/templates/t.txt:1): function "expandenv" not defined`},
		{`{{ include "c.self" . }}`, "rendering template has a nested reference name: c.self: unable to execute template"},
		{`{{ semverCompare "1.2" "x" }}{{ semverCompare "1.2" "x" }}`, `executing "c/templates/t.txt" at <semverCompare "1.2" "x">: error calling semverCompare: invalid semantic version`},
		{`{{ semverCompare "!!" "1.0.0" }}`, `error calling semverCompare: improper constraint: "!!"`},
	}
	for _, tt := range tests {
		t.Run(tt.tpl, func(t *testing.T) {
			_, err := renderOne(t, tt.tpl)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// Each comparison is made once per render; the answers and errors are those of the
// function remembered.
func TestRememberComparisons(t *testing.T) {
	calls := 0
	compare := rememberComparisons(func(c, v string) (bool, error) {
		calls++
		if v == "bad" {
			return false, errors.New("bad version")
		}
		return c == v, nil
	})
	for range 3 {
		for _, tc := range []struct {
			c, v    string
			want    bool
			wantErr bool
		}{{"1", "1", true, false}, {"1", "2", false, false}, {"1", "bad", false, true}} {
			got, err := compare(tc.c, tc.v)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("compare(%q, %q) = %v, %v; want %v, error %v", tc.c, tc.v, got, err, tc.want, tc.wantErr)
			}
		}
	}
	if calls != 3 {
		t.Errorf("%d calls for 3 distinct questions asked 3 times each", calls)
	}
}

// A string given to tpl that defines nothing is parsed once per render and name.
func TestParseTplOnce(t *testing.T) {
	var s treeSet
	known := map[string]any{"include": true}
	a, err := s.parseTpl("gotpl", "{{ .x }}", known)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.parseTpl("gotpl", "{{ .x }}", known)
	other, _ := s.parseTpl("other", "{{ .x }}", known)
	if a["gotpl"] == nil || a["gotpl"] != b["gotpl"] || other["other"] == nil {
		t.Errorf("trees %p, %p for the same text and name; %v for another name", a["gotpl"], b["gotpl"], other)
	}
	d1, _ := s.parseTpl("gotpl", `{{ define "d" }}{{ end }}`, known)
	d2, _ := s.parseTpl("gotpl", `{{ define "d" }}{{ end }}`, known)
	if d1["d"] == d2["d"] {
		t.Error("a string that defines templates shares its trees between calls")
	}
	if _, err := s.parseTpl("gotpl", "{{ nope }}", known); err == nil {
		t.Error("no error for an unknown function")
	}
}
