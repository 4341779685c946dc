package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// slowHead is Helm's way: sigs.k8s.io/yaml straight into the struct.
func slowHead(doc string) (Head, error) {
	var h Head
	if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
		return h, helmHeadError{err}
	}
	return h, nil
}

// checkSameHead fails when the short way accepts a document that Helm's way reads
// differently or refuses. It returns whether the short way was taken.
func checkSameHead(t testing.TB, doc string) bool {
	t.Helper()
	var fast Head
	if !fastHead(doc, &fast) {
		return false
	}
	slow, err := slowHead(doc)
	if err != nil {
		t.Fatalf("short way accepted a document Helm's way refuses (%v):\n%s", err, doc)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("heads differ for\n%s\nshort: %+v %+v\nhelm:  %+v %+v", doc, fast, fast.Metadata, slow, slow.Metadata)
	}
	return true
}

var headCases = []struct {
	doc  string
	fast bool // whether the short way should take it
}{
	{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    x: z\ndata:\n  k: v\n", true},
	{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: {}\n", true},
	{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n", true},
	{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n", true},
	{"# only a comment\n", true},
	{"kind: ~\nmetadata: {name: a, labels: {x: 1}}\nspec: [1, 2.5, true, null]\n", true},
	{"kind: List\nitems:\n- {1: a, 2.5: b, true: c}\n", true},
	// The JSON way converts numbers to strings, matches keys regardless of case, and
	// refuses what JSON cannot hold: all taken the long way.
	{"apiVersion: v1\nkind: 12\n", false},
	{"apiVersion: v1\nmetadata:\n  name: 7\n", false},
	{"metadata:\n  annotations:\n    helm.sh/hook-weight: 5\n", false},
	{"Kind: Secret\n", false},
	{"kind: a\nKIND: b\n", false},
	{"metadata:\n  NAME: x\n", false},
	{"kind: a\nspec:\n  x: .nan\n", false},
	{"kind: a\nspec:\n  x: -.inf\n", false},
	{"kind: a\nspec:\n  ~: x\n", false},
	{"kind: a\nspec:\n  18446744073709551615: x\n", false},
	{"kind: a\n18446744073709551615: x\n", false},
	{"kind: a\n~: x\n", false},
	{"kind: a\nspec: &x {a: 1}\nother: *x\n", false},
	{"kind: a\nspec:\n  ? [a, b]\n  : c\n", false},
	{"- a\n- b\n", false},
	{"just a string\n", false},
	{"kind: a\nspec: {a: 1\n", false},
	{"kind: a\nmetadata: 3\n", false},
	{"kind: !!int x\n", false},
	{"kind: a\nspec: !!binary aGVsbG8=\n", true},
	{"kind: \"\\xff\"\n", true},
	{"metadata:\n  annotations:\n    x: y\n", false}, // yaml.v2 reads y as true
	{"kind: a\nb: b\nb: c\n", true},
	{"kind: a\nkind: b\n", true},
	{"kind: a\ndata:\n  run.sh: |\n    a && b & c\n", true},
	// What only decoding the other values would reveal.
	{"kind: a\nspec:\n  x: !!int abc\n", false},
	{"kind: a\nspec:\n  - : 1\n", false},
	{"kind: a\nspec: {~: 1}\n", false},
	{"kind: a\nspec:\n  x: [1, .nan]\n", false},
	{"kind: a\nspec:\n  - 9223372036854775808: x\n", false}, // a uint64 key
	{"kind: a\nspec:\n  - 18446744073709551616: x\n", true}, // a float64 key, fine
	{"kind: a\nspec:\n  <<: 5\n", false},
	{"kind: a\nspec:\n  ? a\n  : b\n", true},
	{"kind: a\nspec:\n  \"x\": 1\n  NULL: 2\n", false},
	{"kind: a\nspec:\n  [a]: 2\n", false},
}

func TestPlainValues(t *testing.T) {
	for doc, want := range map[string]bool{
		"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    args: []\n    env: {}\n": true,
		"kind: a\ndata:\n  run.sh: |\n    a && b\n    echo 'x: 1'\n":                                true,
		"kind: a\nspec:\n  expr: \"up{job=\\\"x\\\"} > 0\"\n":                                       true,
		"kind: a\nspec:\n  args: [a, b]\n":                                                          false, // keys inside flow are not looked at
		"kind: a\nspec:\n  x: &a 1\n":                                                               false,
		"kind: a\nspec:\n  - - 1: 2\n":                                                              false,
		"kind: a\nspec:\n  x: .inf\n":                                                               false,
	} {
		if got := plainValues(doc); got != want {
			t.Errorf("plainValues = %v, want %v, for\n%s", got, want, doc)
		}
	}
}

func TestFastHeadAgreesWithHelm(t *testing.T) {
	for _, c := range headCases {
		if got := checkSameHead(t, c.doc); got != c.fast {
			t.Errorf("short way taken = %v, want %v, for\n%s", got, c.fast, c.doc)
		}
		// Whichever way it goes, decodeHead gives Helm's result and error.
		var h Head
		err := decodeHead(c.doc, &h)
		want, wantErr := slowHead(c.doc)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("error %v, Helm's way %v, for\n%s", err, wantErr, c.doc)
		}
		if err == nil && !reflect.DeepEqual(h, want) {
			t.Errorf("head %+v, Helm's way %+v, for\n%s", h, want, c.doc)
		}
	}
}

// Every document Helm rendered for the conformance corpus reads the same both ways,
// and nearly all of them take the short way.
func TestFastHeadOnCorpus(t *testing.T) {
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "cases", "*", "expected.out"))
	if len(outs) == 0 {
		t.Skip("conformance corpus not found; set RUDDER_CONFORMANCE")
	}
	var docs, fast int
	for _, p := range outs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range Split(string(b)) {
			docs++
			if checkSameHead(t, d) {
				fast++
			}
			checkPlainHead(t, d)
		}
	}
	t.Logf("%d of %d documents took the short way", fast, docs)
	if fast < docs*9/10 {
		t.Errorf("only %d of %d documents took the short way", fast, docs)
	}
}

func FuzzFastHead(f *testing.F) {
	for _, c := range headCases {
		f.Add(c.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if strings.Count(doc, "*") > 20 {
			t.Skip() // alias bombs only measure yaml.v2's patience
		}
		checkSameHead(t, doc)
		checkPlainHead(t, doc)
	})
}

// checkPlainHead fails when a document given a plain head is not valid YAML or
// yaml.v2 decodes another head from it. It returns whether there was one.
func checkPlainHead(t testing.TB, doc string) bool {
	t.Helper()
	var h Head
	p, err := decodeHeads(doc, &h)
	if p == nil {
		return false
	}
	if err != nil {
		t.Fatalf("plain head with an error (%v) for\n%s", err, doc)
	}
	var direct struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Namespace   string            `yaml:"namespace"`
			Name        string            `yaml:"name"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
	}
	if err := yamlv2.Unmarshal([]byte(doc), &direct); err != nil {
		t.Fatalf("plain head for a document yaml.v2 refuses (%v):\n%s", err, doc)
	}
	m := direct.Metadata
	want := PlainHead{APIVersion: direct.APIVersion, Kind: direct.Kind, Namespace: m.Namespace, Name: m.Name, Annotations: m.Annotations}
	if len(want.Annotations) == 0 && len(p.Annotations) == 0 {
		want.Annotations = p.Annotations // nil and empty read alike
	}
	if !reflect.DeepEqual(*p, want) {
		t.Fatalf("plain head %+v, yaml.v2 reads %+v, for\n%s", *p, want, doc)
	}
	return true
}

// Documents of plain YAML get the head yaml.v2 reads, namespace included; the
// others get none, and a namespace that is not a string leaves the document to
// Helm's way, which does not read it.
func TestPlainHead(t *testing.T) {
	for _, c := range headCases {
		if got := checkPlainHead(t, c.doc); got && !c.fast {
			t.Errorf("plain head for a document the short way does not take:\n%s", c.doc)
		}
	}
	for doc, want := range map[string]bool{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n  annotations:\n    x: z\n": true,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: ~\n":                                       true,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: 5\n":                                       false,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: [a]\n":                                     false,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: yes\n":                                     false, // a boolean to yaml.v2
		"apiVersion: v1\nkind: ConfigMap\nspec: !!binary aGVsbG8=\n":                                         false, // a tag
	} {
		if got := checkPlainHead(t, doc); got != want {
			t.Errorf("plain head = %v, want %v, for\n%s", got, want, doc)
		}
		var h Head
		if _, err := decodeHeads(doc, &h); err != nil {
			t.Errorf("%v for\n%s", err, doc)
		}
	}
	var h Head
	p, _ := decodeHeads("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n", &h)
	if p == nil || p.Namespace != "ns" || p.Name != "a" {
		t.Errorf("plain head %+v", p)
	}
}
