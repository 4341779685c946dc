package diff

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHelmDiffGoldens compares every case of testdata/compare/cases.txt with what
// helm-diff v3.9.14's own diff package printed for it (regen.sh), byte for byte,
// together with its exit code (2 when something changed).
func TestHelmDiffGoldens(t *testing.T) {
	f, err := os.Open("testdata/compare/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		n++
		fields := strings.Fields(line)
		name := strings.Join(fields, ".") + ".golden"
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata/compare", name))
			if err != nil {
				t.Fatal(err)
			}
			got := runCase(t, fields[0], Format(fields[1]), fields[2], fields[3:])
			if got != string(want) {
				t.Errorf("output differs from helm-diff's\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d cases", n)
	}
}

func runCase(t *testing.T, name string, format Format, context string, opts []string) string {
	t.Helper()
	ctx, err := strconv.Atoi(context)
	if err != nil {
		t.Fatal(err)
	}
	po := ParseOptions{Namespace: "default"}
	o := Options{}
	wo := WriteOptions{Context: ctx}
	release := false
	for _, opt := range opts {
		switch opt {
		case "show-secrets":
			o.ShowSecrets = true
		case "suppress-secret":
			o.SuppressKinds = append(o.SuppressKinds, "Secret")
		case "strip-cr":
			o.StripTrailingCR = true
		case "renames":
			o.FindRenames = 0.5
		case "suppress-line":
			o.SuppressLines = []*regexp.Regexp{regexp.MustCompile("app.kubernetes.io/version")}
		case "normalize":
			po.Normalize = true
		case "tests":
			po.IncludeTests = true
		case "color":
			wo.Color = true
		case "release":
			release = true
		default:
			t.Fatalf("unknown option %q", opt)
		}
	}
	read := func(file string) Index {
		b, err := os.ReadFile(filepath.Join("testdata/compare", name, file))
		if err != nil {
			t.Fatal(err)
		}
		idx, err := Parse(string(b), po)
		if err != nil {
			t.Fatal(err)
		}
		if release {
			idx = BySource(idx)
		}
		return idx
	}
	r := Compare(read("old.yaml"), read("new.yaml"), o)
	var b bytes.Buffer
	if err := r.Write(&b, format, wo); err != nil {
		t.Fatal(err)
	}
	exit := 0
	if r.Changed {
		exit = 2
	}
	fmt.Fprintf(&b, "exit: %d\n", exit)
	return b.String()
}

// A Parser reads a document shared by both sides once, yet gives each side the
// same index Parse gives, with objects of its own.
func TestParserSharesNothing(t *testing.T) {
	old := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  v: \"1\"\n"
	next := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  v: \"2\"\n"
	o := ParseOptions{Namespace: "ns"}
	p := Parser{Options: o}
	a, err := p.Parse(old)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []struct {
		got  Index
		text string
	}{{a, old}, {b, next}} {
		want, err := Parse(side.text, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(side.got) != len(want) {
			t.Fatalf("parser gave %d objects, Parse %d", len(side.got), len(want))
		}
		for k, w := range want {
			if g := side.got[k]; g == nil || *g != *w {
				t.Errorf("%s: parser gave %+v, Parse %+v", k, g, w)
			}
		}
	}
	const key = "ns, a, ConfigMap (v1)"
	if a[key] == b[key] {
		t.Fatal("both indexes hold the same object")
	}
	a[key].Content = "changed"
	if b[key].Content == "changed" {
		t.Fatal("a change to one index shows in the other")
	}
	if rep := Compare(a, b, Options{}); len(rep.Entries) != 2 {
		t.Fatalf("%d entries after the change, want 2", len(rep.Entries))
	}
}
