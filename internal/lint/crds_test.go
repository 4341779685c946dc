package lint

import "testing"

const crdDoc = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n"

func TestCRDsRule(t *testing.T) {
	const sub = "charts/sub/"
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{name: "no crds folder"},
		{name: "good", files: map[string]string{"crds/w.yaml": crdDoc, "crds/j.json": `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition"}`}},
		{name: "crds is a file", files: map[string]string{"crds": "x"}, want: []string{"[ERROR] crds/: not a directory"}},
		{
			name: "wrong objects, subcharts included",
			files: map[string]string{
				"crds/a.yaml":       crdDoc + "---\napiVersion: v1\nkind: ConfigMap\n",
				"crds/notes.txt":    "not: [yaml",
				sub + "Chart.yaml":  "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
				sub + "crds/s.yaml": "apiVersion: apiextensions.k8s.io/v1beta1\nkind: Widget\n",
			},
			want: []string{
				"[ERROR] crds/a.yaml: apiVersion is not in 'apiextensions.k8s.io'",
				"[ERROR] crds/a.yaml: object kind is not 'CustomResourceDefinition'",
				"[ERROR] crds/s.yaml: object kind is not 'CustomResourceDefinition'",
			},
		},
		{
			name:  "not YAML stops the rule",
			files: map[string]string{"crds/a.yaml": "a: [\n", "crds/b.yaml": "kind: Nope\n"},
			want:  []string{"[ERROR] crds/a.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 1: did not find expected node content"},
		},
		{
			name:  "chart does not load",
			files: map[string]string{"crds/a.yaml": crdDoc, "values.yaml": "- a\n"},
			want: []string{
				"[ERROR] crds/: cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := demoLinter(c.files)
			ch, err := l.load()
			l.crds(ch, err)
			assertMessages(t, messageTexts(l.messages), c.want)
		})
	}
}

func TestDependenciesRule(t *testing.T) {
	sub := func(name string) string { return "apiVersion: v2\nname: " + name + "\nversion: 0.1.0\n" }
	dep := func(names ...string) string {
		s := "dependencies:\n"
		for _, n := range names {
			s += "- name: " + n + "\n  version: 0.1.0\n  repository: \"\"\n"
		}
		return s
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{name: "none"},
		{
			name:  "declared and present",
			files: map[string]string{"Chart.yaml": goodChart + dep("a"), "charts/a/Chart.yaml": sub("a")},
		},
		{
			name: "missing and undeclared",
			files: map[string]string{
				"Chart.yaml":          goodChart + dep("a", "c", "d"),
				"charts/a/Chart.yaml": sub("a"),
				"charts/b/Chart.yaml": sub("b"),
			},
			want: []string{
				"[ERROR] /charts/demo: chart metadata is missing these dependencies: b",
				"[WARNING] /charts/demo: chart directory is missing these dependencies: c,d",
			},
		},
		{
			name:  "chart does not load",
			files: map[string]string{"Chart.yaml": goodChart + dep("a", "a")},
			want:  []string{"[ERROR] : unable to load chart\n\tvalidation: more than one dependency with name or alias \"a\""},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := demoLinter(c.files)
			ch, err := l.load()
			l.dependencies(ch, err)
			assertMessages(t, messageTexts(l.messages), c.want)
		})
	}
}
