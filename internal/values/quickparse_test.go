package values

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzQuickParse checks the quick parser against parseSchema: whatever it
// accepts, parseSchema reads to the same tree. Seeds: the corpus's schemas and
// the corners of JSON the quick parser refuses.
func FuzzQuickParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":[1,2.5,-0,1e5,-1.5E-3,true,false,null,"x"]}`, `{"a":"\u00e9\n\t\"\\\/"}`,
		`{"a":"\ud83d\ude00"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", "\xef\xbb\xbf{}", `{"a":1}x`, `{"a":01}`,
		`{"a":1.}`, `{"a":-}`, `{"a":1,"a":2}`, ` {"a" : { } } `, `[]`, `1`, `{"a":"\u0000"}`, `{"a":tru}`,
		"{\"a\":\"\x01\"}", `{"a":"\x"}`, `{"a":[1,]}`, `{,}`, `{"a":1,}`,
	} {
		f.Add([]byte(s))
	}
	dir := os.Getenv("RUDDER_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "charts", "*", "values.schema.json"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		quick, ok := quickParse(data)
		if !ok {
			return
		}
		want, err := parseSchema(data)
		if err != nil {
			t.Fatalf("quick parser took %q, parseSchema: %v", data, err)
		}
		if !reflect.DeepEqual(quick, want) {
			t.Fatalf("quick parser read %q as %#v, parseSchema as %#v", data, quick, want)
		}
	})
}

// TestQuickParseRefuses lists documents the quick parser leaves to parseSchema:
// those encoding/json reads differently from the bytes (replaced or paired
// characters), those it refuses, and documents that are not an object.
func TestQuickParseRefuses(t *testing.T) {
	for _, doc := range []string{
		"\xef\xbb\xbf{}", "{\"a\":\"\xff\"}", `{"a":"\ud83d\ude00"}`, `{"a":"\udc00"}`, `{"a":1} x`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":[1,]}`, `{"a":1,}`, `{"a" 1}`, `{'a':1}`,
		"{\"a\":\"\t\"}", `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":tru}`, `[]`, `1`, `"s"`, `true`, ``, `{`,
		strings.Repeat("[", 600) + strings.Repeat("]", 600),
	} {
		if _, ok := quickParse([]byte(doc)); ok {
			t.Errorf("quick parser took %q", doc)
		}
	}
	doc, ok := quickParse([]byte(` {"a" : [1, -0.5e+3, true, null, "\u00e9\n"], "b": {}, "a": "last"} `))
	want := map[string]any{"a": "last", "b": map[string]any{}}
	if !ok || !reflect.DeepEqual(doc, want) {
		t.Errorf("got %#v, %v; want %#v", doc, ok, want)
	}
}
