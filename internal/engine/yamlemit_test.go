package engine

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	goyaml2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

// sameAsYAMLv2 fails t unless emitShaped writes v as goyaml2.Marshal does, or
// refuses it. It reports whether emitShaped wrote it.
func sameAsYAMLv2(t *testing.T, v any) bool {
	t.Helper()
	got, ok := emitShaped(v)
	if !ok {
		return false
	}
	want, err := goyaml2.Marshal(v)
	if err != nil {
		t.Fatalf("goyaml2.Marshal(%#v): %v", v, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("emitShaped(%#v)\n got %q\nwant %q", v, got, want)
	}
	return true
}

// pieces are the fragments random strings are made of: indicators, words that
// resolve to other types, spaces, breaks, quotes and characters yaml.v2 escapes.
var pieces = []string{
	"a", "b", "Z", "x", "word", "é", "ü", "日本", "\u00a0",
	" ", "  ", "\n", "\n\n",
	":", ": ", "#", " #", "-", "- ", "--- ", "...", "?", "? ", "'", "\"", "\\", "|", ">", "%", "@", "`",
	",", "[", "]", "{", "}", "&", "*", "!", "<<", "=",
	"yes", "no", "y", "n", "on", "off", "true", "False", "NULL", "null", "~", "Y", "N", "ON",
	"0", "1", "7", "00", "012", "1e3", "1E+3", "0x1F", "0o17", "0b101", "-0b1", ".5", "5.", "+", ".", "_",
	"1_000", "-1", "+12", ".inf", "-.Inf", ".nan", "12:30", "1:20:3", "2024-01-02", "2001-12-14 21:59:43.10",
	"9223372036854775808", "18446744073709551616", "1e999", "http://x.y/z?q=1#f", "a-b_c.d",
}

// rarePieces are characters that yaml.v2 escapes or treats as breaks.
var rarePieces = []string{"🦀", "\u2028", "\ufeff", "\u0085", "\t", "\r", "\x00", "\x1b", "\x7f"}

// randString joins a few random pieces; sometimes many, to pass the folding width.
func randString(r *rand.Rand) string {
	n := r.IntN(4)
	if r.IntN(8) == 0 {
		n = 20 + r.IntN(60)
	}
	var b strings.Builder
	for range n {
		if r.IntN(3) == 0 {
			b.WriteString("word ")
			continue
		}
		if r.IntN(40) == 0 {
			b.WriteString(rarePieces[r.IntN(len(rarePieces))])
			continue
		}
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randShaped builds a value of the kinds yamlShape returns.
func randShaped(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth < 2 && r.IntN(4) != 0 {
		k = 7 + r.IntN(3)
	}
	if depth > 4 && k >= 7 {
		k = r.IntN(7)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.IntN(2000) - 1000
	case 3:
		return []float64{0.5, -1.25, 1e21, 1e-7, 123456.789, math.MaxFloat64, 1e300}[r.IntN(7)]
	case 4:
		return uint64(math.MaxUint64 - uint64(r.IntN(10)))
	case 5, 6:
		return randString(r)
	case 7:
		s := make([]any, r.IntN(4))
		for i := range s {
			s[i] = randShaped(r, depth+1)
		}
		return s
	default:
		m := make(map[any]any)
		for range r.IntN(6) {
			key := randString(r)
			if r.IntN(2) == 0 {
				key = []string{"name", "image", "a1", "a10", "a9", "a09", "x_y", "B", "http2"}[r.IntN(9)]
			}
			m[key] = randShaped(r, depth+1)
		}
		return m
	}
}

// TestEmitShapedMatchesYAMLv2 compares emitShaped with goyaml2.Marshal on random
// values and on the cases earlier runs found.
func TestEmitShapedMatchesYAMLv2(t *testing.T) {
	for _, v := range emitSeeds() {
		sameAsYAMLv2(t, v)
	}
	n := 20000
	if testing.Short() {
		n = 3000
	}
	r := rand.New(rand.NewPCG(1, 2))
	wrote := 0
	for range n {
		if sameAsYAMLv2(t, randShaped(r, 0)) {
			wrote++
		}
		if t.Failed() {
			return
		}
	}
	if wrote < n/4 {
		t.Errorf("emitShaped wrote only %d of %d random values", wrote, n)
	}
}

// FuzzEmitShaped compares emitShaped with goyaml2.Marshal on values built from a
// fuzzed seed.
func FuzzEmitShaped(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		sameAsYAMLv2(t, randShaped(rand.New(rand.NewPCG(a, b)), 0))
	})
}

// emitSeeds are values that once came out differently, or that mark the edges of
// the styles.
func emitSeeds() []any {
	long := strings.Repeat("word ", 30) + "end"
	return []any{
		nil, true, 1, "", "x", "yes", "1.0", "a: b", "- x", "#x", "a #b", "a#b", " lead", "trail ", "---x", "...",
		"line\nbreak", "line\n", "line\n\n", "\n", "\nlead", " lead\nx", "a \nb", "12:30", "1:60", "0b2", "-0b1",
		long, "'" + long + "'", "1 " + long, map[any]any{"k": long, long: 1},
		[]any{[]any{long, []any{}}, map[any]any{}}, map[any]any{"a": []any{map[any]any{"b": "c\nd"}}},
		map[any]any{"a10": 1, "a9": 2, "a09": 3, "B": 4, "_": 5, "1": 6, "é": 7},
		map[any]any{strings.Repeat("k", 129): 1},
		map[any]any{"": []any{"`."}, "a09": []any{}, "a0o17word ": []any{}, "a1": nil},
	}
}

// jsonNumberByParse is what jsonNumber computes, the long way: encode f as JSON and
// read the text with yaml.v2.
func jsonNumberByParse(f float64) (any, bool) {
	text, err := json.Marshal(f)
	if err != nil {
		return nil, false
	}
	var out any
	if err := goyaml2.Unmarshal(text, &out); err != nil {
		return nil, false
	}
	return out, true
}

func sameNumber(t *testing.T, f float64) {
	t.Helper()
	got, ok := jsonNumber(f)
	want, wantOK := jsonNumberByParse(f)
	if ok != wantOK || got != want && !(ok && math.IsNaN(f)) {
		t.Errorf("jsonNumber(%v) = %#v, %v; want %#v, %v", f, got, ok, want, wantOK)
	}
}

func TestJSONNumberAsParsed(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e6, 1e20, 1e21, -1e21, 1e-6, 1e-7, 123456789.125,
		1 << 53, 1<<53 + 2, 1 << 62, 1 << 63, -(1 << 63), 1 << 64, -(1 << 64), 1<<64 - 2048, 9.999999999999999e20,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		sameNumber(t, f)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		sameNumber(t, math.Float64frombits(r.Uint64()))
		sameNumber(t, math.Trunc(r.NormFloat64()*math.Pow(10, float64(r.IntN(25)))))
	}
}

// BenchmarkToYAMLValues encodes kube-prometheus-stack's values (assembled by
// bench/kps.sh) the way toYaml does, and the way it did before emitShaped.
func BenchmarkToYAMLValues(b *testing.B) {
	data, err := os.ReadFile("../../bench/.cache/kube-prometheus-stack/values.yaml")
	if err != nil {
		b.Skip("run bench/kps.sh first: ", err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		b.Fatal(err)
	}
	shaped, _ := yamlShape(values, 0)
	got, ok := emitShaped(shaped)
	want, err := goyaml2.Marshal(shaped)
	if !ok || err != nil || !bytes.Equal(got, want) {
		b.Fatalf("emitShaped wrote the values differently from yaml.v2 (or refused them: %v)", !ok)
	}
	b.Run("emitShaped", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshalYAML(values); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("yaml.v2", func(b *testing.B) {
		for b.Loop() {
			shaped, _ := yamlShape(values, 0)
			if _, err := goyaml2.Marshal(shaped); err != nil {
				b.Fatal(err)
			}
		}
	})
}
