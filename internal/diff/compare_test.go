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
