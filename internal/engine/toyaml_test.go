package engine

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart/common"
)

// sameAsSigs fails t unless marshalYAML encodes v as sigs.k8s.io/yaml.Marshal does:
// the same bytes, or an error for both.
func sameAsSigs(t *testing.T, v any) {
	t.Helper()
	want, wantErr := yaml.Marshal(v)
	got, err := marshalYAML(v)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Errorf("marshalYAML(%#v)\n got %q, %v\nwant %q, %v", v, got, err, want, wantErr)
	}
}

func TestMarshalYAMLAsSigs(t *testing.T) {
	self := map[string]any{}
	self["self"] = self
	for _, v := range []any{
		nil, true, "", "yes", "1.0", "a: b", "- x", "#", "line\nbreak", "tab\there", "quote\"'",
		"nel\u0085x", "del\x7fx", "c1\u0080x", "ls\u2028ps\u2029", "bom\ufeffx", "nonchar\uffff", "bad\xff\xfeutf8",
		"emoji 🦀", "<>&", "\x00\x01\x1b", " lead", "trail ", "~", "null", "0x1F", "1e3", "0o17",
		int(0), int64(-42), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, math.Copysign(0, -1), 1.5, 1e6, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.NaN(), math.Inf(1),
		[]any{}, map[string]any{}, []any{1.5, "x", nil, []any{int64(1)}},
		map[string]any{"<<": map[string]any{"a": 1.0}, "b": "c"},
		map[string]any{"z": 1.0, "a": map[string]any{"y": []any{"x", map[string]any{"k": "v"}}}, "10": "n", "9": "m", "": "empty"},
		map[string]any{"bad\xffkey": 1.0}, map[string]any{"nel\u0085key": 1.0},
		common.Values{"a": common.Values{"b": int64(1)}},
		[]string{"typed", "list"}, map[string]string{"typed": "map"}, struct{ A int }{1},
		self,
	} {
		sameAsSigs(t, v)
	}
}

// FuzzMarshalYAML compares marshalYAML with sigs.k8s.io/yaml.Marshal on values
// decoded from JSON, integers as int64 as chart values hold them.
func FuzzMarshalYAML(f *testing.F) {
	for _, seed := range []string{`{"a":[1,2.5,"x",null,true],"b":{"c":"\u0085"}}`, `[1e21,-0,1e-7]`, `"\u007f"`, `{"<<":{"a":1}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		sameAsSigs(t, numbers(v))
	})
}

// numbers turns json.Numbers into int64 when they are integers, float64 otherwise.
func numbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case []any:
		for i := range t {
			t[i] = numbers(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = numbers(t[k])
		}
	}
	return v
}
