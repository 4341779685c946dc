package manifest

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkScan fails when scanHead takes a document that the parsing ways refuse or
// read otherwise (head, plain head, namespace). It returns whether scanHead took it.
func checkScan(t testing.TB, doc string) bool {
	t.Helper()
	var h Head
	ns, ok := scanHead(doc, &h)
	if !ok {
		return false
	}
	plain := plainValues(doc)
	var want Head
	wantPlain, err := parseHeads(doc, plain, &want)
	if err != nil {
		t.Fatalf("scan took a document yaml.v2 refuses (%v):\n%q", err, doc)
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("heads differ for\n%q\nscan:  %+v %+v\nparse: %+v %+v", doc, h, h.Metadata, want, want.Metadata)
	}
	var gotPlain *PlainHead
	if plain {
		gotPlain = plainHead(&h, ns)
	}
	if !reflect.DeepEqual(gotPlain, wantPlain) {
		t.Fatalf("plain heads differ for\n%q\nscan:  %+v\nparse: %+v", doc, gotPlain, wantPlain)
	}
	// Whichever way the parse went, Helm's way agrees.
	if slow, err := slowHead(doc); err != nil || !reflect.DeepEqual(h, slow) {
		t.Fatalf("Helm's way reads %+v (%v) for\n%q\nscan: %+v", slow, err, doc, h)
	}
	return true
}

// scanCases are documents the scan must take (true) or leave to the parser (false).
var scanCases = []struct {
	doc  string
	take bool
}{
	// Taken: the shapes rendered manifests have.
	{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n  labels:\n    app: x\n  annotations:\n    helm.sh/hook: pre-install\n    checksum/config: \"abc\"\n    x: 'it''s'\ndata:\n  k: v\n", true},
	{"# Source: a/templates/x.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          args:\n            - --port=:9090\n            - \"--x=y\"\n          env: []\n          resources: {}\n", true},
	{"kind: List\nitems:\n- a: 1\n  b:\n  - x\n  - y\n- c\nother: 2\n", true},
	{"kind: a\nmetadata:\n  annotations:\n    d: |\n      line one\n      line two\n    e: |-\n      stripped\n  name: nm\n", true},
	{"kind: a\ndata:\n  s: |\n    text\n\n      more\n\tno tab\n", false}, // a tab as indentation ends the text: refused
	{"kind: a\ndata:\n  s: |\n    text\n\n      more\n    \ttab in text\nb: >-\n  folded\n  text\n", true},
	{"kind: a\nmetadata:\n  name: \"quoted \\\"name\\\"\"\n", true},
	{"kind: a\nmetadata: {}\n", true},
	{"kind: a\nmetadata:\n  annotations: {}\n", true},
	{"kind: a\nmetadata:\n  annotations:\n  name: b\n", true},
	{"kind:\nmetadata:\n", true},
	{"# only a comment\n", true},
	{"kind: a # comment\nb: c#d\nurl: http://x:80/y\n", true},
	{"kind: a\nmetadata:\n  name: x\nspec:\n  expr: up{job=\"a\"} > 0\n", true},
	{"kind: a\nb:\n  # a comment\n  c: d\n", true},
	{"\"kind\": a\n'apiVersion': v1\n", true},
	{"kind: a\nmetadata:\n  annotations:\n    a: \"\\u00e9\"\n", false}, // an escape the scan does not decode, in the head
	{"kind: a\nspec:\n  a: \"\\u00e9 \\x41\"\n", true},                  // the same outside the head
	{"kind: a\nmetadata:\n  name: b", true},                             // no final line break
	{"kind: a\nmetadata:\n  annotations:\n    x: |\n      y", true},     // a clipped scalar without a final line break

	// Scalars over several lines, outside the head.
	{"kind: a\nspec:\n  description: one\n    two\n\n    three-x, [y]\n  x: y\n", true},
	{"kind: a\nb: x\n\n  y\nc: d", true},
	{"kind: a\nb: x\n y\n", true},
	{"kind: a\nb:\n- c: x\n   y\n", true},
	{"kind: a\nb: x\n  # c\n", true},
	{"kind: a\nb: x\n  y\n  # c\nd: e\n", true},
	{"kind: a\nb: x\n  y\n    # c\td\n", true},
	{"kind: a\nb: x\n  y\td\n", false},
	{"kind: a\nb: 'it''s\n  ''more'' # text'\nc: \"x\\\n  y \\u00e9\n\n  z\" # c\n", true},
	{"kind: a\nb:\n- 'a\n  b'\n- \"c\n\n  d\"\n- e\n", true},
	{"kind: a\nb: 'x\n  y'\nmetadata:\n  name: nm\n", true},
	{"kind: a\nb: x\n  y: z\n", false},
	{"kind: a\nb: x\n  y:\n", false},
	{"kind: a\nb: x\n  y #c\n", false},
	{"kind: a\nb: x\n  - y\n", false},
	{"kind: a\nb: x\n  [y]\n  &y *z !t\n  `q` \"1\" 'x'\n  {a}, |b >c @d %e\n  --f=g -h\n", true}, // text once the scalar started
	{"kind: a\nb: x\n  ? y\n", false},
	{"kind: a\nb: x\n  :\n", false},
	{"kind: a\nb: x\n  -\n", false},
	{"kind: a\nb: x\n  y:z\n", true},
	{"kind: a\nb: x # c\n  y\n", false},
	{"kind: a\nb: x\n\ty\n", false},
	{"kind: a\nb:\n- c: x\n  y\n", false},
	{"kind: a\nb: x\n---\n", false},
	{"kind: Pod\n  more\n", false}, // head values on one line only
	{"kind: a\nmetadata:\n  name: x\n    y\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: 'a\n      b'\n", false},
	{"kind: a\nmetadata:\n  namespace: \"a\n    b\"\n", false},
	{"kind: a\nb: 'x\n", false},
	{"kind: a\nb: \"x\\\n", false},
	{"kind: a\nb: 'x\ny'\n", false},
	{"kind: a\nb: \"x\n  \\q\"\n", false},
	{"kind: a\nb: \"x \\q\n  y\"\n", false},
	{"kind: a\nb: \"x\n  y\" z\n", false},
	{"kind: a\nb: 'x\n  y': z\n", false},
	{"kind: a\nb: 'x\n  \ty'\n", false},
	{"'a\n  b': c\n", false},
	{"kind: a\nb:\n  'a\n  b': c\n", false},

	// Refused: not valid YAML, or read otherwise by some way.
	{"a: b: c\n", false},
	{"kind: a\n\tb: c\n", false},
	{"kind: a\nb:\n\t- c\n", false},
	{"key: \"x\n", false},
	{"key: \"x\n  y\"\n", true},
	{"kind: a\nkind: b\n", false},
	{"kind: a\nmetadata:\n  name: a\n  name: b\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: a\n    x: b\n", false},
	{"kind: a\nb: |\nc: d\n", true}, // an empty scalar
	{"kind: a\nb: |\n  x\n y\n", false},
	{"kind: a\nb: |\n\n  x\n", true},
	{"kind: a\nb: |2\n   x\n", false},
	{"kind: a\nb:\n  - x\n - y\n", false},
	{"kind: a\nb:\n  - x\n    - y\n", false},
	{"kind: a\nb:\n- x\n  y\n", true},
	{"kind: a\nb: x\n  y\n", true},
	{"kind: a\nb:\n  c: 1\n d: 2\n", false},
	{"- a\n- b\n", false},
	{"just a string\n", false},
	{"kind: a\nb: [1, 2]\n", true},
	{"kind: a\nb: [ \"x\", 'y',z ] # c\nd:\n  [e]\n", true},
	{"kind: a\nb: [a, {b: c}]\n", false},
	{"kind: a\nb: [a, [c]]\n", false},
	{"kind: a\nb: [a: b]\n", false},
	{"kind: a\nb: ['a': b]\n", false},
	{"kind: a\nb: [a,]\n", false},
	{"kind: a\nb: [a,,b]\n", false},
	{"kind: a\nb: [a, .inf]\n", false},
	{"kind: a\nb: [a\n  , b]\n", false},
	{"kind: a\nb: [a] c\n", false},
	{"kind: a\nb:\n  []\n  c: d\n", false},
	{"kind: a\ndata:\n  x: |-\n  yy: z\n", true},
	{"kind: a\ndata:\n  x: |-\n  y: z\n", false}, // y is a boolean
	{"kind: a\ndata:\n  x: |-\n", true},
	{"kind: a\nmetadata:\n  annotations:\n    x: |-\n    y: z\n", false},
	{"kind: a\nb: |\n   \n  x\n", false},
	{"kind: a\nb: |\n  \n   x\n", true},
	{"kind: a\nb: :x\nc: ?y\nd: 10m\n", true},
	{"kind: a\nmetadata:\n  annotations:\n    x: 10m\n    y: 0x1F\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: 10m\n    y: 1e3\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: 10m\n    y: 2001-12-14\n", false}, // a string, but the scan does not tell
	{"kind: a\nb: {c: d}\n", false},
	{"kind: a\nb: &x c\nd: *x\n", false},
	{"kind: !!str a\n", false},
	{"kind: a\n? b\n: c\n", false},
	{"kind: a\n<<: {}\n", false},
	{"kind: a\nb: .inf\n", false},
	{"kind: a\nb: -.Inf\n", false},
	{"kind: a\nb: .NaN\n", false},
	{"kind: a\n---\nkind: b\n", false},
	{"%YAML 1.1\n---\nkind: a\n", false},
	{"kind: a\r\nb: c\r\n", false},
	{"kind: a\nb: \"\\/\"\n", false},
	{"kind: a\nb: \"\\q\"\n", false},
	{"kind: a\nb: \"\\ud800\"\n", false},
	{"kind: 12\n", false},
	{"kind: true\n", false},
	{"kind: yes\n", false},
	{"kind: ~\n", false},
	{"kind: a\nmetadata:\n  name: 7\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: 5\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x:\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: on\n", false},
	{"Kind: a\n", false},
	{"kind: a\nmetadata:\n  Name: b\n", false},
	{"kind: a\nmetadata: []\n", false},
	{"kind: a\nmetadata:\n- a\n", false},
	{"kind: a\n1: b\n", false},
	{"kind: a\nb:\n  null: c\n", false},
	{"kind: a\nb:\n  ~: c\n", false},
	{"kind: a\nb:\n  9223372036854775808: c\n", false},
	{"kind: a\nb:\n-\n  - c\n", false},
	{"kind: a\nb:\n- - c\n", false},
	{"kind: a\nb: - c\n", false},
	{"kind: a\nb: 'x' y\n", false},
	{"kind: a\nb: \"x\"y\n", false},
	{"kind: a\nb: x\n  # more\n  y\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: >\n      folded\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: |+\n      kept\n\n", false},
	{"kind: a\nmetadata:\n  annotations:\n    x: |\n      a\n\n      b\n", false},
	{"kind: a\nb: \xff\n", false},
	{"kind: a\nb: \u2028\n", false},
	{"\ufeffkind: a\n", false},
	{"kind: a\nb: \x7f\n", false},
	{strings.Repeat("k", 1001) + ": a\n", false},
	{"kind: a\n" + strings.Repeat("b:\n", 70) + "  c: d\n", true},
	{"kind: a\n" + nested(70) + "x: y\n", false},
}

// nested is depth mappings nested one in another.
func nested(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", depth) + "v: 1\n")
	return b.String()
}

func TestScanHead(t *testing.T) {
	for _, c := range scanCases {
		if got := checkScan(t, c.doc); got != c.take {
			t.Errorf("scan took = %v, want %v, for\n%q", got, c.take, c.doc)
		}
		// Whichever way it goes, decodeHeads gives the parsing ways' result and error.
		var h, want Head
		p, err := decodeHeads(c.doc, &h)
		wantP, wantErr := parseHeads(c.doc, plainValues(c.doc), &want)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("error %v, parsed %v, for\n%q", err, wantErr, c.doc)
		}
		if !reflect.DeepEqual(h, want) || !reflect.DeepEqual(p, wantP) {
			t.Errorf("head %+v %+v, parsed %+v %+v, for\n%q", h, p, want, wantP, c.doc)
		}
	}
	for _, c := range headCases {
		checkScan(t, c.doc)
	}
}

// The values the scan reads are the ones yaml.v2 reads.
func TestScanHeadValues(t *testing.T) {
	doc := "apiVersion: 'v1'\nkind: \"Con\\tfig\"\nmetadata:\n  name: |-\n    a\n  namespace: ns # here\n" +
		"  annotations:\n    x: |\n      one\n      two\n    \"q\": 'it''s'\n"
	var h Head
	ns, ok := scanHead(doc, &h)
	if !ok {
		t.Fatal("scan refused the document")
	}
	want := Head{APIVersion: "v1", Kind: "Con\tfig", Metadata: &HeadMetadata{Name: "a",
		Annotations: map[string]string{"x": "one\ntwo\n", "q": "it's"}}}
	if !reflect.DeepEqual(h, want) || ns.s != "ns" {
		t.Errorf("scan read %+v %+v namespace %q", h, h.Metadata, ns.s)
	}
	checkScan(t, doc)
}

// corpusDocs returns every document Helm rendered for the conformance corpus,
// skipping the test when the corpus is not beside the repository.
func corpusDocs(t testing.TB) []string {
	docs, err := readCorpusDocs()
	if err != nil {
		t.Skip(err)
	}
	return docs
}

func readCorpusDocs() ([]string, error) {
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "cases", "*", "expected.out"))
	if len(outs) == 0 {
		return nil, errors.New("conformance corpus not found; set RUDDER_CONFORMANCE")
	}
	var docs []string
	for _, p := range outs {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Split(string(b))...)
	}
	return docs, nil
}

// Every document of the corpus reads the same with the scan as parsed, and the
// scan takes the large majority.
func TestScanHeadOnCorpus(t *testing.T) {
	docs := corpusDocs(t)
	var taken, bytes, takenBytes int
	for _, d := range docs {
		bytes += len(d)
		if checkScan(t, d) {
			taken++
			takenBytes += len(d)
		}
	}
	t.Logf("the scan took %d of %d documents (%d of %d bytes)", taken, len(docs), takenBytes, bytes)
	if taken < len(docs)*9/10 {
		t.Errorf("the scan took only %d of %d documents", taken, len(docs))
	}
}

func FuzzScanHead(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.doc)
	}
	for _, c := range headCases {
		f.Add(c.doc)
	}
	// Real manifests: the corpus's smaller documents, when it is beside the repository.
	if docs, err := readCorpusDocs(); err == nil {
		for _, d := range docs {
			if len(d) <= 4096 {
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if strings.Count(doc, "*") > 20 {
			t.Skip() // alias bombs only measure yaml.v2's patience
		}
		checkScan(t, doc)
		if plainValues(doc) != plainValuesBefore(doc) {
			t.Fatalf("plainValues changed its answer for\n%q", doc)
		}
	})
}

// plainValuesBefore is plainValues as it was before its lines were split by hand
// (strings.FieldsFuncSeq, strings.TrimLeft): the new one must answer the same.
func plainValuesBefore(doc string) bool {
	if strings.Contains(doc, "<<") {
		return false
	}
	for _, special := range []string{".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"} {
		if strings.Contains(doc, special) {
			return false
		}
	}
	for i := 0; ; i++ {
		n := strings.IndexAny(doc[i:], "!&?{[")
		if n < 0 {
			break
		}
		i += n
		if nodeStart(doc, i) {
			if c := doc[i]; c != '{' && c != '[' || !emptyFlow(doc[i+1:], c) {
				return false
			}
		}
	}
	for line := range strings.FieldsFuncSeq(doc, func(r rune) bool { return r == '\n' || r == '\r' }) {
		s := strings.TrimLeft(line, " \t")
		for len(s) > 1 && s[0] == '-' && (s[1] == ' ' || s[1] == '\t') {
			s = strings.TrimLeft(s[1:], " \t")
		}
		if s == "" || s[0] == '#' || s[0] == '"' || s[0] == '\'' {
			continue
		}
		for i := 0; i < len(s); i++ {
			if s[i] == ':' && (i+1 == len(s) || strings.IndexByte(" \t\r\n", s[i+1]) >= 0) {
				k := strings.TrimRight(s[:i], " \t")
				if k == "" || k == "~" || k == "null" || k == "Null" || k == "NULL" || strings.ContainsAny(k[:1], "0123456789+-.") {
					return false
				}
				break
			}
		}
	}
	return true
}

// plainValues answers as it did before, on the corpus and on documents with
// carriage returns and tabs where lines and keys are split.
func TestPlainValuesUnchanged(t *testing.T) {
	docs := []string{"a: 1\r1: b\n", "a: 1\r\n\t- 1: b", "x\r\r\n~: 1", "- \t- null: 1\n", "k\t: 1\n", "\n\n0: a"}
	for _, c := range scanCases {
		docs = append(docs, c.doc)
	}
	if corpus, err := readCorpusDocs(); err == nil {
		docs = append(docs, corpus...)
	}
	for _, d := range docs {
		if plainValues(d) != plainValuesBefore(d) {
			t.Errorf("plainValues changed its answer for\n%q", d)
		}
	}
}

// BenchmarkDecodeHeads reads the head of every document of a rendered stream: the
// one named by RUDDER_BENCH_STREAM (say, kube-prometheus-stack's render: bench/kps.sh),
// else the largest renders of the corpus. "parse" is the way without the scan.
func BenchmarkDecodeHeads(b *testing.B) {
	var streams []string
	if p := os.Getenv("RUDDER_BENCH_STREAM"); p != "" {
		streams = append(streams, p)
	} else {
		dir := os.Getenv("RUDDER_CONFORMANCE")
		if dir == "" {
			dir = filepath.Join("..", "..", "..", "shared", "conformance")
		}
		for _, c := range []string{"argo-rollouts-default", "keda-default-with-crds", "traefik-include-crds", "tempo-distributed-include-crds"} {
			streams = append(streams, filepath.Join(dir, "cases", c, "expected.out"))
		}
	}
	for _, p := range streams {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Skipf("stream not read (%v); set RUDDER_BENCH_STREAM or RUDDER_CONFORMANCE", err)
		}
		docs := Split(string(raw))
		name := filepath.Base(filepath.Dir(p)) // the corpus case
		if os.Getenv("RUDDER_BENCH_STREAM") != "" {
			name = filepath.Base(p)
		}
		b.Run(name+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				for _, d := range docs {
					var h Head
					if _, err := decodeHeads(d, &h); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				for _, d := range docs {
					var h Head
					if _, err := parseHeads(d, plainValues(d), &h); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// scanLines are the lines FuzzScanHeadLines builds documents of: the scan's subset
// and its edges.
var scanLines = []string{
	"apiVersion: v1", "kind: Pod", "metadata:", "metadata: {}", "name: x", "name:", "namespace: ns",
	"annotations:", "annotations: {}", "a: b", "a:", "a: 'q''s'", "a: \"q\\\"\"", "a: \"x\\ty\"", "a: \"\\u00e9\"",
	"a: [x, 'y', \"z\"]", "a: {}", "a: []", "{}", "[]", "- a", "- a: b", "- a:", "-", "- - a", "- |", "- [a]",
	"b: |", "b: |-", "b: |+", "b: >", "b: >-", "b: |2", "b: | # c", "text line", "  more text", "\ttab text", "",
	"  ", "# comment", "a: x #c", "a: x#c", "key with space: v", "a : b", "a:b", "a: :x", "a: ?x", "? a", ": b",
	"a: &x y", "b: *x", "<<: {}", "a: !!str x", "a: b: c", "a: 1", "a: yes", "a: y", "a: ~", "a: null", "a: .inf",
	"a: -.Inf", "a: 10m", "a: 0x1F", "a: 2001-12-14", "a: -", "a: - b", "a: \"open", "a: 'open", "x\"", "'a': b",
	"\"kind\": Job", "Kind: Job", "NAME: n", "1: a", "~: a", "a: <<", "---", "...", "%YAML 1.1", "a: [b, {c: d}]",
	"a: [b,]", "a: [b: c]", "a: { }", "a: \"\\/\"", "a: \"\\x41\"", "a: \"\\", "a: café", "a: \u2028",
	"name: yes", "name: Y", "kind: 10m", "kind: 1e3", "name: |", "name: |-", "name: >", "namespace: 5",
	"helm.sh/hook: pre-install", "helm.sh/hook-weight: \"5\"", "helm.sh/hook-weight: 5", "y: a", "on: a",
	// Lines that go on with a scalar over several lines, or end it.
	"more 'q'", "x'", "x' # c", "x' y", "x\" # c", "\\u00e9 y\"", "\\q\"", "a: \"x\\", "tail\\", "y: z'", "text: more",
	"text #c", "text:", "- text", "''x'", "\"", "'", "#x'", "a: x # c", "a: 'it''s", "- 'open", "- \"open", "?x",
	"text, [x] {y} & z", "'k\"", "a: \"x\\ty", "'a", "\"a",
}

// scanDoc builds a document from prog as FuzzScanHeadLines does: each pair of
// bytes picks an indentation (mostly even) and a line; an odd length leaves the
// last line without a line break.
func scanDoc(prog []byte) string {
	var b strings.Builder
	for i := 0; i+1 < len(prog); i += 2 {
		indent := int(prog[i]%4) * 2
		if prog[i]&0x80 != 0 {
			indent = int(prog[i] % 8)
		}
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(scanLines[int(prog[i+1])%len(scanLines)])
		if i+3 < len(prog) || len(prog)%2 == 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// FuzzScanHeadLines builds documents from scanLines, each line indented by 0 to 7
// spaces, so that the scan's whole subset and its edges are tried in many
// arrangements: each pair of bytes picks an indentation and a line.
func FuzzScanHeadLines(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 2, 4, 2, 7, 4, 9, 6, 9})
	f.Add([]byte{0, 1, 0, 27, 2, 16, 2, 29, 0, 10})
	f.Add([]byte{0, 1, 0, 10, 2, 22, 4, 21, 0, 28, 2, 34, 2, 34, 0, 1})
	f.Fuzz(func(t *testing.T, prog []byte) {
		checkScan(t, scanDoc(prog))
	})
}

// The same documents, drawn at random from a fixed seed, for every test run.
func TestScanHeadRandomLines(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var taken int
	const docs = 20000
	for range docs {
		prog := make([]byte, 2+r.IntN(24))
		for i := range prog {
			prog[i] = byte(r.Uint32())
		}
		if checkScan(t, scanDoc(prog)) {
			taken++
		}
	}
	t.Logf("the scan took %d of %d documents", taken, docs)
}
