package lint

import (
	"strings"
	"testing"
)

const dnsSubdomainRule = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

func TestTemplatesRule(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		user  map[string]any
		warns []string // what fail and required reported
		want  []string
	}{
		{
			name: "no templates folder",
			want: []string{"[WARNING] templates/: directory does not exist"},
		},
		{
			name:  "templates is a file",
			files: map[string]string{"templates": "x"},
			want:  []string{"[ERROR] templates/: not a directory"},
		},
		{
			name: "extensions",
			files: map[string]string{
				"templates/a.json":    "{}",
				"templates/README":    "x",
				"templates/NOTES.txt": "x",
				"templates/_h.tpl":    `{{ define "h" }}{{ end }}`,
				"templates/b.YAML":    "x: 1",
			},
			want: []string{
				"[ERROR] templates/README: file extension '' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt",
				"[ERROR] templates/a.json: file extension '.json' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt",
				"[ERROR] templates/b.YAML: file extension '.YAML' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt",
				`[WARNING] templates/b.YAML: object name does not conform to Kubernetes naming requirements: "": metadata.name: Invalid value: "": ` + dnsSubdomainRule,
			},
		},
		{
			name: "sequencing (HIP-0025)",
			files: map[string]string{"templates/a.yaml": strings.Join([]string{
				"kind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    helm.sh/resource-group: a\n    helm.sh/depends-on/resource-groups: '[\"a\"]'",
			}, "\n---\n")},
			want: []string{
				`[ERROR] templates/: ConfigMap/a in demo/templates/a.yaml: resource group "a" depends on itself: invalid sequencing`,
			},
		},
		{
			name:  "readiness expression without its pair",
			files: map[string]string{"templates/a.yaml": "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/readiness-success: '[\"{.succeeded} == 1\"]'\n"},
			want: []string{
				`[ERROR] templates/: Job/j in demo/templates/a.yaml: helm.sh/readiness-success and helm.sh/readiness-failure must be given together; the default readiness rules apply`,
			},
		},
		{
			name:  "indented output",
			files: map[string]string{"templates/a.yaml": "\n  kind: ConfigMap\n  metadata:\n    name: x\n"},
			want: []string{
				`[WARNING] templates/a.yaml: document starts with an illegal indent: "  kind: ConfigMap", which may cause parsing problems`,
			},
		},
		{
			name: "not YAML stops the rule",
			files: map[string]string{
				"templates/a.yaml": "a: b\n c: d\n",
				"templates/b.yaml": "kind: Service\nmetadata:\n  name: Bad\n",
			},
			want: []string{
				"[ERROR] templates/a.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context",
			},
		},
		{
			name:  "metadata of the wrong type",
			files: map[string]string{"templates/a.yaml": "kind: ConfigMap\nmetadata: foo\n"},
			want: []string{
				"[ERROR] templates/a.yaml: unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field k8sYamlStruct.Metadata of type rules.k8sYamlMetadata",
			},
		},
		{
			name: "names by kind",
			files: map[string]string{"templates/a.yaml": strings.Join([]string{
				"kind: Service\nmetadata:\n  name: Bad_Name",
				"kind: Role\nmetadata:\n  name: a/b",
				"kind: Namespace\nmetadata:\n  name: a.b",
				"kind: CertificateSigningRequest\nmetadata:\n  name: ANY_thing",
				"kind: ConfigMap\nmetadata:\n  name: fine.name",
				"# only a comment",
			}, "\n---\n")},
			want: []string{
				`[WARNING] templates/a.yaml: object name does not conform to Kubernetes naming requirements: "Bad_Name": metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
				`[WARNING] templates/a.yaml: object name does not conform to Kubernetes naming requirements: "a/b": metadata.name: Invalid value: "a/b": may not contain '/'`,
				`[WARNING] templates/a.yaml: object name does not conform to Kubernetes naming requirements: "a.b": metadata.name: Invalid value: "a.b": must not contain dots`,
			},
		},
		{
			name: "workloads need a selector",
			files: map[string]string{
				"templates/d.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n",
				"templates/s.yaml": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  selector:\n    matchLabels: {a: b}\n",
			},
			want: []string{`[ERROR] templates/d.yaml: a Deployment must contain matchLabels or matchExpressions, and "web" does not`},
		},
		{
			name: "resource policy inside a List",
			files: map[string]string{
				"templates/l.yaml": "apiVersion: v1\nkind: List\nmetadata:\n  name: l\nitems:\n- metadata:\n    annotations:\n      helm.sh/resource-policy: keep\n",
			},
			want: []string{"[ERROR] templates/l.yaml: annotation 'helm.sh/resource-policy' within List objects are ignored"},
		},
		{
			name: "deprecated API",
			files: map[string]string{
				"templates/p.yaml": "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: f\n---\napiVersion: example.com/v1beta1\nkind: Widget\nmetadata:\n  name: w\n",
			},
			want: []string{
				"[WARNING] templates/p.yaml: flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated in v1.29+, unavailable in v1.32+; use flowcontrol.apiserver.k8s.io/v1 FlowSchema",
			},
		},
		{
			name: "fail and required only warn",
			files: map[string]string{
				"templates/a.yaml": "{{ fail \"boom\" }}{{ required \"need x\" .Values.x }}{{ required \"need y\" .Values.y }}\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
			},
			user:  map[string]any{"y": ""}, // an empty string is worded apart from a missing value
			warns: []string{"INFO funcMap fail message=boom", "WARN missing required value message=need x", "WARN missing required values message=need y"},
		},
		{
			name:  "render error",
			files: map[string]string{"templates/a.yaml": "{{ .Values.a.b }}\n"},
			want: []string{
				"[ERROR] templates/: demo/templates/a.yaml:1:10\n  executing \"demo/templates/a.yaml\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b",
			},
		},
		{
			name:  "parse error",
			files: map[string]string{"templates/a.yaml": "{{ if }}\n"},
			want:  []string{"[ERROR] templates/: parse error at (demo/templates/a.yaml:1): missing value for if"},
		},
		{
			name: "schema of the whole tree",
			files: map[string]string{
				"values.schema.json": `{"properties":{"port":{"type":"integer"}}}`,
				"templates/a.yaml":   "x: 1\n",
			},
			user: map[string]any{"port": "http"},
			want: []string{
				"[ERROR] templates/: values don't meet the specifications of the schema(s) in the following chart(s):\ndemo:\n- at '/port': got string, want integer\n",
			},
		},
		{
			// Like Helm, lint coalesces twice, so a null from the user brings the default back.
			name: "user nulls do not remove defaults",
			files: map[string]string{
				"values.yaml":      "name: Not_Valid\n",
				"templates/a.yaml": "kind: Service\nmetadata:\n  name: {{ .Values.name | default \"fine\" }}\n",
			},
			user: map[string]any{"name": nil},
			want: []string{
				`[WARNING] templates/a.yaml: object name does not conform to Kubernetes naming requirements: "Not_Valid": metadata.name: Invalid value: "Not_Valid": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
			},
		},
		{
			name: "partials and empty output are not checked",
			files: map[string]string{
				"templates/_x.yaml": "  not: [checked",
				"templates/e.yaml":  "{{- if false }}x{{ end }}\n",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := demoLinter(c.files)
			l.templates(t.Context(), Options{Values: c.user})
			var warns []string
			for _, w := range l.warnings {
				warns = append(warns, w.Level.String()+" "+w.String())
			}
			assertMessages(t, messageTexts(l.messages), c.want)
			assertMessages(t, warns, c.warns)
		})
	}
}

func TestTopIndentLongLine(t *testing.T) {
	// Like Helm, a first line beyond the scanner's limit is reported as such.
	err := checkTopIndent(strings.Repeat("x", 70000))
	if err == nil || err.Error() != "bufio.Scanner: token too long" {
		t.Errorf("got %v", err)
	}
}
