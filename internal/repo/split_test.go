package repo

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// wholeParse decodes an index.yaml in one piece, as parseYAMLIndex does for
// small files.
func wholeParse(data []byte) (*IndexFile, error) {
	var doc yamlIndex
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return doc.model(), nil
}

// Decoding chart by chart gives exactly what decoding the whole document gives,
// or is not used.
func TestParseByChartMatchesWhole(t *testing.T) {
	helmWritten := func() string {
		idx := NewIndexFile(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		for c := range 5 {
			for v := range 3 {
				md := chartMeta(fmt.Sprintf("chart-%d", c), fmt.Sprintf("1.%d.0", v), "A chart: with a colon\nand two lines", "k1", "k2")
				md.Annotations = map[string]string{"a": "b"}
				if err := idx.Add(md, fmt.Sprintf("chart-%d-1.%d.0.tgz", c, v), "https://example.com", "abc", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
		}
		b, err := idx.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}()
	tests := []struct {
		name  string
		data  string
		split bool // whether the document is decoded chart by chart
	}{
		{"as Helm writes it", helmWritten, true},
		{"sequences indented", "apiVersion: v1\nentries:\n  a:\n    - name: a\n      version: 1.0.0\n  b:\n    - name: b\n      version: 2.0.0\ngenerated: \"2024-01-01T00:00:00Z\"\n", true},
		{"comments and blank lines", "# head\napiVersion: v1\nentries:\n  # the first\n\n  a:\n  - name: a\n    # inside\n    version: 1.0.0\n\n  b:\n  - name: b\n    version: 2.0.0\n", true},
		{"block scalars", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: |\n      line one\n        b:\n      line three:\n", true},
		{"quoted chart names", "apiVersion: v1\nentries:\n  \"a: b\":\n  - name: x\n    version: 1.0.0\n  'c':\n  - name: c\n    version: 1.0.0\n", true},
		{"serverInfo after entries", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\nserverInfo:\n  contextPath: /x\n", true},
		{"anchors across charts", "apiVersion: v1\nentries:\n  a:\n  - &v\n    name: a\n    version: 1.0.0\n  b:\n  - *v\n", false},
		{"duplicate charts", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n  a:\n  - name: a\n    version: 2.0.0\n", false},
		{"inline entry", "apiVersion: v1\nentries:\n  a: []\n  b:\n  - name: b\n    version: 1.0.0\n", false},
		{"entries inline", "apiVersion: v1\nentries: {}\n", false},
		{"four-space indentation", "apiVersion: v1\nentries:\n    a:\n    - name: a\n      version: 1.0.0\n", false},
		{"tabs", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version:\t1.0.0\n", false},
		{"two documents", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n---\napiVersion: v1\n", false},
		{"broken chart", "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: [1.0.0\n  b:\n  - name: b\n    version: 1.0.0\n", false},
		{"no entries", "apiVersion: v1\ngenerated: \"2024-01-01T00:00:00Z\"\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			split, ok := parseByChart([]byte(tt.data))
			if ok != tt.split {
				t.Fatalf("split = %v, want %v", ok, tt.split)
			}
			whole, werr := wholeParse([]byte(tt.data))
			if ok && (werr != nil || !reflect.DeepEqual(split, whole)) {
				t.Fatalf("chart by chart:\n%+v\nwhole (%v):\n%+v", split, werr, whole)
			}
			// ParseIndex gives the same either way, errors included.
			a, _, aerr := parseIndex([]byte(tt.data), 0)
			b, _, berr := parseIndex([]byte(tt.data), 1<<40)
			if fmt.Sprint(aerr) != fmt.Sprint(berr) || !reflect.DeepEqual(a, b) {
				t.Fatalf("ParseIndex differs: %v / %v", aerr, berr)
			}
		})
	}
}

func TestSplitByChartKeepsTopLevel(t *testing.T) {
	rest, charts, ok := splitByChart([]byte("apiVersion: v1\nentries:\n  a:\n  - name: a\n  b:\n  - name: b\ngenerated: x\n"))
	if !ok || string(rest) != "apiVersion: v1\ngenerated: x\n" || len(charts) != 2 || !strings.HasPrefix(string(charts[1]), "  b:\n") {
		t.Fatalf("rest %q, charts %q, ok %v", rest, charts, ok)
	}
}
