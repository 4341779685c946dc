package values

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// memFiles is a read func over an in-memory set of files.
func memFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
}

func TestOptionsMerge(t *testing.T) {
	files := map[string]string{
		"v.yaml":     "k: file\nf: file\nj: file\ns: file\nss: file\nsf: file\n",
		"ff.txt":     "fromfile",
		"one.yaml":   "a: 1\n",
		"two.yaml":   "a: {b: 1}\nc: 1\n",
		"multi.yaml": "a: 1\n---\nb: 2\n---\na: {x: 1}\n",
		"deep.yaml":  "m:\n  x: 1\n  yy: {z: 1}\nl: [1, 2]\n",
		"deep2.yaml": "m:\n  yy: {w: 2}\nl: [3]\n",
		"yes.yaml":   "m: {y: 1, on: 2}\n",
		"nul.yaml":   "m: null\n",
		"empty.yaml": "",
		"noeol.yaml": "a: 1",
	}
	tests := []struct {
		name string
		opts Options
		want map[string]any
	}{
		{
			// Checked against Helm v4.3.1: each kind overrides the ones before it,
			// whatever the order of the flags on the command line.
			name: "precedence",
			opts: Options{
				LiteralValues: []string{"k=lit"},
				FileValues:    []string{"k=ff.txt,sf=ff.txt"},
				StringValues:  []string{"k=str,ss=str"},
				Values:        []string{"k=set,s=set"},
				JSONValues:    []string{`k="json"`, `j="json"`},
				ValueFiles:    []string{"v.yaml"},
			},
			want: map[string]any{"f": "file", "j": "json", "k": "lit", "s": "set", "sf": "fromfile", "ss": "str"},
		},
		{
			name: "set-file beats set-string beats set beats set-json beats files",
			opts: Options{
				FileValues: []string{"k=ff.txt"}, StringValues: []string{"k=str"},
				Values: []string{"k=set"}, JSONValues: []string{`k="json"`}, ValueFiles: []string{"v.yaml"},
			},
			want: map[string]any{"f": "file", "j": "file", "k": "fromfile", "s": "file", "sf": "file", "ss": "file"},
		},
		{
			name: "set-string after set",
			opts: Options{StringValues: []string{"k=str"}, Values: []string{"k=set"}},
			want: map[string]any{"k": "str"},
		},
		{
			name: "set after a set-json object",
			opts: Options{Values: []string{"k=set"}, JSONValues: []string{`{"k":"json"}`}},
			want: map[string]any{"k": "set"},
		},
		{
			name: "set-json objects merge, key=value replaces",
			opts: Options{JSONValues: []string{`{"k":{"a":1}}`, ` {"k":{"b":2}} `, `k={"c":3}`}},
			want: map[string]any{"k": map[string]any{"c": float64(3)}},
		},
		{
			name: "later files win, maps merge",
			opts: Options{ValueFiles: []string{"two.yaml", "one.yaml"}},
			want: map[string]any{"a": float64(1), "c": float64(1)},
		},
		{
			name: "nested maps deep-merge, lists replace",
			opts: Options{ValueFiles: []string{"deep.yaml", "deep2.yaml"}},
			want: map[string]any{
				"m": map[string]any{"x": float64(1), "yy": map[string]any{"z": float64(1), "w": float64(2)}},
				"l": []any{float64(3)},
			},
		},
		{
			name: "null in a later file is kept for coalescing to delete",
			opts: Options{ValueFiles: []string{"deep.yaml", "nul.yaml"}},
			want: map[string]any{"m": nil, "l": []any{float64(1), float64(2)}},
		},
		{
			name: "multi-document file merges documents in order",
			opts: Options{ValueFiles: []string{"multi.yaml"}},
			want: map[string]any{"a": map[string]any{"x": float64(1)}, "b": float64(2)},
		},
		{
			name: "empty file and file without final newline",
			opts: Options{ValueFiles: []string{"empty.yaml", "noeol.yaml"}},
			want: map[string]any{"a": float64(1)},
		},
		{
			name: "set reaches into a file's map",
			opts: Options{ValueFiles: []string{"deep.yaml"}, Values: []string{"m.yy.q=1", "l[2]=x"}},
			want: map[string]any{
				"m": map[string]any{"x": float64(1), "yy": map[string]any{"z": float64(1), "q": int64(1)}},
				"l": []any{float64(1), float64(2), "x"},
			},
		},
		{
			name: "several flags of one kind apply in order",
			opts: Options{Values: []string{"a=1", "a=2,b=3"}, LiteralValues: []string{"c=x,y", "c=z"}},
			want: map[string]any{"a": int64(2), "b": int64(3), "c": "z"},
		},
		{
			// YAML 1.1 booleans as keys, as Helm reads them (checked against v4.3.1).
			name: "y and on keys become true",
			opts: Options{ValueFiles: []string{"yes.yaml"}},
			want: map[string]any{"m": map[string]any{"true": float64(2)}},
		},
		{
			name: "zero options",
			want: map[string]any{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.opts.Merge(memFiles(files))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestOptionsMergeErrors(t *testing.T) {
	files := map[string]string{
		"bad.yaml":  "a: 1\nb: [\nc: 2\n",
		"list.yaml": "- a\n",
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr []string
	}{
		{"missing values file", Options{ValueFiles: []string{"nope.yaml"}},
			[]string{"open nope.yaml", "file does not exist"}},
		{"bad YAML names file and line", Options{ValueFiles: []string{"bad.yaml"}},
			[]string{"failed to parse bad.yaml: ", "line 3"}},
		{"top level is not a map", Options{ValueFiles: []string{"list.yaml"}},
			[]string{"failed to parse list.yaml: ", "cannot unmarshal"}},
		{"set", Options{Values: []string{"novalue"}},
			[]string{`failed parsing --set data: key "novalue" has no value`}},
		{"set-string", Options{StringValues: []string{"a[x]=1"}},
			[]string{"failed parsing --set-string data: error parsing index"}},
		{"set-json", Options{JSONValues: []string{"obj={not json}"}},
			[]string{"failed parsing --set-json data obj={not json}"}},
		{"set-json object", Options{JSONValues: []string{"{bad"}},
			[]string{"failed parsing --set-json data JSON: {bad"}},
		{"set-file", Options{FileValues: []string{"cert=missing.pem"}},
			[]string{"failed parsing --set-file data: open missing.pem"}},
		{"set-literal", Options{LiteralValues: []string{"nokey"}},
			[]string{`failed parsing --set-literal data: key "nokey" has no value`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.opts.Merge(memFiles(files))
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestOptionsMergeReadErrorPassesThrough(t *testing.T) {
	sentinel := errors.New("stdin closed")
	read := func(string) ([]byte, error) { return nil, sentinel }
	if _, err := (Options{ValueFiles: []string{"-"}}).Merge(read); !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want the reader's error", err)
	}
	if _, err := (Options{FileValues: []string{"a=-"}}).Merge(read); !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want the reader's error wrapped", err)
	}
}

func TestOptionsMergeNilReader(t *testing.T) {
	if _, err := (Options{ValueFiles: []string{"x.yaml"}}).Merge(nil); err == nil {
		t.Fatal("want an error for -f without a reader")
	}
	got, err := Options{Values: []string{"a=1"}}.Merge(nil)
	if err != nil || !reflect.DeepEqual(got, map[string]any{"a": int64(1)}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestOptionsMergeDoesNotModifyEarlierFiles(t *testing.T) {
	// The same file read twice must give the same map both times, even after --set
	// has written into the merged result.
	read := memFiles(map[string]string{"a.yaml": "m: {x: 1}\n"})
	first, err := Options{ValueFiles: []string{"a.yaml"}, Values: []string{"m.y=2"}}.Merge(read)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Options{ValueFiles: []string{"a.yaml"}}.Merge(read)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := second["m"].(map[string]any)["y"]; ok {
		t.Fatal("second merge saw the first merge's --set")
	}
	if first["m"].(map[string]any)["y"] != int64(2) {
		t.Fatalf("first merge lost its --set: %v", first)
	}
}
