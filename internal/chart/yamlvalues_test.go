package chart

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// checkValuesLikeHelm fails when unmarshalValues and sigs.k8s.io/yaml disagree on a
// document: in the values built or in the error.
func checkValuesLikeHelm(t testing.TB, doc string) {
	t.Helper()
	got, err := unmarshalValues([]byte(doc))
	want := map[string]any{}
	wantErr := yaml.Unmarshal([]byte(doc), &want)
	// Where the short way gives up, unmarshalValues is Helm's way itself, which picks at
	// random between keys that collide once written as JSON (1 and "1"): nothing to compare.
	var raw any
	if yamlv2.Unmarshal([]byte(doc), &raw) == nil {
		if _, ok := jsonValue(raw); !ok {
			return
		}
	}
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("error %v, Helm's way %v, for\n%s", err, wantErr, doc)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("values %#v, Helm's way %#v, for\n%s", got, want, doc)
	}
}

var valuesDocs = []string{
	"a: 1\nb: 2.5\nc: true\nd: ~\ne: [1, x, {f: g}]\n",
	"big: 9223372036854775807\nhuge: 18446744073709551615\nbeyond: 1e400\nneg: -0.0\nhex: 0x1F\n",
	"1: a\n2.5: b\ntrue: c\n-3: d\n",
	"1: a\n\"1\": b\n",
	"x: .nan\n",
	"x: [.inf]\n",
	"~: x\n",
	"? [a]\n: b\n",
	"- a\n- b\n",
	"just text\n",
	"",
	"# nothing\n",
	"a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2\n",
	"y: y\nn: no\non: off\n",
	"s: \"\\xff\"\n",
	"b: !!binary /w==\n",
	"t: 2024-01-01\nts: 2001-12-14t21:59:43.10-05:00\n",
	"a: {b: [1, 2, {c: [3]}]}\n",
	"a: b: c\n",
	"k: !!int x\n",
}

func TestUnmarshalValuesLikeHelm(t *testing.T) {
	for _, doc := range valuesDocs {
		checkValuesLikeHelm(t, doc)
	}
}

// Every values.yaml of the conformance corpus decodes the same both ways.
func TestUnmarshalValuesOnCorpus(t *testing.T) {
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "charts"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "values") || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		checkValuesLikeHelm(t, string(b))
		return nil
	})
	if err != nil || n == 0 {
		t.Skipf("conformance corpus not read (%v); set RUDDER_CONFORMANCE", err)
	}
}

func FuzzUnmarshalValues(f *testing.F) {
	for _, doc := range valuesDocs {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if strings.Count(doc, "*") > 20 {
			t.Skip() // alias bombs only measure yaml.v2's patience
		}
		checkValuesLikeHelm(t, doc)
	})
}
