package engine

import (
	"strings"
	"testing"
)

// Rendering starts before every file is parsed. Templates run in reverse name order
// and files are parsed in that order too, so here each z*.yaml runs while the a*.yaml
// or b.yaml it reaches (in each way a template can) is still waiting for a parser.
func TestRenderReachesFilesNotYetParsed(t *testing.T) {
	padding := strings.Repeat("{{- if false }}x{{ end -}}\n", 3000) // slow to parse, renders nothing
	c := testChart(t, map[string]string{
		"Chart.yaml":             chartYAML("c"),
		"templates/zd.yaml":      `zd: {{ include (print $.Template.BasePath "/a.yaml") . }}`,
		"templates/zc.yaml":      `zc: {{ template "c/templates/b.yaml" . }}`,
		"templates/zb.yaml":      `zb: {{ tpl "{{ include \"c/templates/ab.yaml\" . }}" . }}`,
		"templates/za.yaml":      `za: {{ tpl "{{ define \"t\" }}T{{ end }}{{ template \"t\" }}{{ template \"c/templates/ac.yaml\" }}" . }}`,
		"templates/b.yaml":       padding + `{{ template "c/templates/aa.yaml" }}`,
		"templates/ac.yaml":      padding + "ac",
		"templates/ab.yaml":      padding + "ab",
		"templates/aa.yaml":      padding + "aa",
		"templates/a.yaml":       padding + "a",
		"templates/_helpers.tpl": `{{ define "h" }}H{{ end }}`,
	})
	for range 10 {
		out, err := render(t, Engine{}, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"zd": "zd: a", "zc": "zc: aa", "zb": "zb: ab", "za": "za: Tac", "b": "aa"} {
			if got := out["c/templates/"+name+".yaml"]; got != want {
				t.Fatalf("%s.yaml = %q, want %q", name, got, want)
			}
		}
	}
}

// A definition named like a file, and a file that defines templates after another's
// text, keep the override order of sequential parsing.
func TestRenderDefinitionNamedLikeAFile(t *testing.T) {
	c := testChart(t, map[string]string{
		"Chart.yaml":             chartYAML("c"),
		"templates/a.yaml":       `{{ include "c/templates/b.yaml" . }}`,
		"templates/b.yaml":       `from the file`,
		"templates/_helpers.tpl": `{{ define "c/templates/b.yaml" }}from the define{{ end }}`,
	})
	out, err := render(t, Engine{}, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Parse order is deepest path first, then reverse name: b.yaml, a.yaml, _helpers.tpl;
	// the define, parsed last, wins.
	if got := out["c/templates/a.yaml"]; got != "from the define" {
		t.Errorf("a.yaml = %q", got)
	}
}

// A parse error in any file is the error, even when a template that ran earlier fails.
func TestRenderParseErrorComesFirst(t *testing.T) {
	c := testChart(t, map[string]string{
		"Chart.yaml":       chartYAML("c"),
		"templates/a.yaml": `{{ fail "from a" }}`,
		"templates/z.yaml": strings.Repeat("x\n", 10000) + `{{ if }}`,
	})
	_, err := render(t, Engine{}, c, nil)
	if err == nil || !strings.Contains(err.Error(), "z.yaml") || strings.Contains(err.Error(), "from a") {
		t.Fatalf("error %v, want z.yaml's parse error", err)
	}
}
