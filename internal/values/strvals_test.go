package values

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The expectations below were checked by hand against Helm v4.3.1
// (`helm template` of a chart that prints its values as JSON).

type setCase struct {
	in      string
	want    map[string]any // checked when wantErr is empty
	wantErr string         // a substring of the error
}

func runSetCases(t *testing.T, parse func(string, map[string]any) error, cases []setCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := map[string]any{}
			err := parse(tc.in, got)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("want error containing %q, got none (values %#v)", tc.wantErr, got)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q does not contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseSet(t *testing.T) {
	nulls := func(n int, last any) []any {
		l := make([]any, n+1)
		l[n] = last
		return l
	}
	runSetCases(t, ParseSet, []setCase{
		// Type inference.
		{in: `a=1,b=two,c=true,d=null,e=1.5,f=007,g=12345678901234567890,h=,i\.j=dot,k={x,y,z},l[1].m=idx,n=a\,b`,
			want: map[string]any{
				"a": int64(1), "b": "two", "c": true, "d": nil, "e": "1.5", "f": "007",
				"g": "12345678901234567890", "h": "", "i.j": "dot", "k": []any{"x", "y", "z"},
				"l": []any{nil, map[string]any{"m": "idx"}}, "n": "a,b",
			}},
		{in: "a=True,b=NULL,c=+5,d=-0,e=0,f=-5,g=0x10,h=1e3,i=FALSE",
			want: map[string]any{"a": true, "b": nil, "c": int64(5), "d": int64(0), "e": int64(0),
				"f": int64(-5), "g": "0x10", "h": "1e3", "i": false}},
		{in: "a=1 ,b= 2", want: map[string]any{"a": "1 ", "b": " 2"}},
		{in: "a==1", want: map[string]any{"a": "=1"}},
		{in: "a=é,ü.ö=1", want: map[string]any{"a": "é", "ü": map[string]any{"ö": int64(1)}}},

		// Odd keys Helm v4 accepts.
		{in: "x.y[=1", want: map[string]any{}},
		{in: "{a}=1", want: map[string]any{"{a}": int64(1)}},
		{in: "p=b=c", want: map[string]any{"p": "b=c"}},
		{in: "q]=1", want: map[string]any{"q]": int64(1)}},
		{in: `a\=b=c`, want: map[string]any{"a=b": "c"}},
		{in: `a\[0]=c`, want: map[string]any{"a[0]": "c"}},
		{in: "=1", want: map[string]any{}},
		{in: ".a=1", want: map[string]any{}},
		{in: "a.", want: map[string]any{}},
		{in: "a[", want: map[string]any{}},
		{in: "a[0]", want: map[string]any{"a": []any{}}},
		{in: "a[0][", want: map[string]any{"a": []any{}}},
		{in: `a=b\`, want: map[string]any{"a": "b"}},
		{in: "a=b,", want: map[string]any{"a": "b"}},
		{in: "a=,b=", want: map[string]any{"a": "", "b": ""}},

		// Lists.
		{in: "k={}", want: map[string]any{"k": []any{""}}},
		{in: "a={x,y},b=2", want: map[string]any{"a": []any{"x", "y"}, "b": int64(2)}},
		{in: "a={1,true,null}", want: map[string]any{"a": []any{int64(1), true, nil}}},
		{in: "a[0].b=1,a[1]=2,a[0].c=3",
			want: map[string]any{"a": []any{map[string]any{"b": int64(1), "c": int64(3)}, int64(2)}}},
		{in: "a[1]=x,a[0].b=1", want: map[string]any{"a": []any{map[string]any{"b": int64(1)}, "x"}}},
		{in: "a[0][1]=x", want: map[string]any{"a": []any{[]any{nil, "x"}}}},
		{in: "a[1]=x,a[0][1]=y", want: map[string]any{"a": []any{[]any{nil, "y"}, "x"}}},
		{in: "a[0].b[0].c[0].d=1", want: map[string]any{"a": []any{map[string]any{"b": []any{map[string]any{"c": []any{map[string]any{"d": int64(1)}}}}}}}},
		{in: "a[0].[1]=x", want: map[string]any{"a": []any{map[string]any{}}}},
		{in: "a[0]=1,a[0].b=2", want: map[string]any{"a": []any{map[string]any{"b": int64(2)}}}},
		{in: "a[0]={1,2},a[1]={}", want: map[string]any{"a": []any{[]any{int64(1), int64(2)}, []any{""}}}},
		{in: "a[0]==1", want: map[string]any{"a": []any{"=1"}}},
		{in: "a[+1]=1", want: map[string]any{"a": []any{nil, int64(1)}}},
		{in: "a[65536]=1", want: map[string]any{"a": nulls(65536, int64(1))}},
		{in: "a.b.c=1,a.b.d=2,a.e=3",
			want: map[string]any{"a": map[string]any{"b": map[string]any{"c": int64(1), "d": int64(2)}, "e": int64(3)}}},

		// Errors.
		{in: "a..b=1", wantErr: `key map "a" has no value`},
		{in: "a.=1", wantErr: `key map "a" has no value`},
		{in: "a[x]=1", wantErr: `error parsing index: strconv.Atoi: parsing "x": invalid syntax`},
		{in: "a[ 1]=1", wantErr: `error parsing index`},
		{in: "a[99999999999999999999]=1", wantErr: "value out of range"},
		{in: "list[-1]=x", wantErr: "negative -1 index not allowed"},
		{in: "a[65537]=1", wantErr: "index of 65537 is greater than maximum supported index of 65536"},
		{in: "a[1]b=c", wantErr: `unexpected data at end of array index: ['b']`},
		{in: "a[0]b", wantErr: `unexpected data at end of array index: ['b']`},
		{in: "novalue", wantErr: `key "novalue" has no value`},
		{in: "a,b=1", wantErr: `key "a" has no value (cannot end with ,)`},
		{in: "a=b,,c=d", wantErr: `key "" has no value (cannot end with ,)`},
		{in: "k={a,{b},c}", wantErr: `key "c}" has no value`},
		{in: "a={x,y}z", wantErr: `key "z" has no value`},
		{in: "a={x,y", wantErr: "list must terminate with '}'"},
		{in: "a=1,a[0]=2", wantErr: "unable to parse key: interface conversion: interface {} is int64, not []interface {}"},
		{in: "a=1,a.b=2", wantErr: "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"},
		{in: "a=null,a.b=2", wantErr: "unable to parse key: interface conversion: interface {} is nil, not map[string]interface {}"},
		{in: "a[0]=1,a[0][0]=2", wantErr: "interface {} is int64, not []interface {}"},
		{in: "a[1]=x,a[0].b=y,a[0][0]=z", wantErr: "interface {} is map[string]interface {}, not []interface {}"},
		{in: "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff=1",
			wantErr: "value name nested level is greater than maximum supported nested level of 30: a key may hold at most 30 dots (31 names)"},
	})
}

// TestParseSetDepthLimit checks the nesting limit of every --set kind at 30, 31 and
// 32 names: as in Helm, a key may hold 30 dots (31 names), and the refusal says so
// in numbers that agree with what it accepted.
func TestParseSetDepthLimit(t *testing.T) {
	readFile := func(string) ([]byte, error) { return []byte("contents"), nil }
	parsers := map[string]func(string, map[string]any) error{
		"--set":         ParseSet,
		"--set-string":  ParseSetString,
		"--set-json":    ParseSetJSON,
		"--set-literal": ParseSetLiteral,
		"--set-file":    func(s string, dest map[string]any) error { return ParseSetFile(s, dest, readFile) },
	}
	for flag, parse := range parsers {
		for _, names := range []int{30, 31, 32} {
			key := strings.Repeat("k.", names-1) + "leaf"
			err := parse(key+"=1", map[string]any{})
			if names <= MaxKeyDepth+1 {
				if err != nil {
					t.Errorf("%s with %d names: %v", flag, names, err)
				}
				continue
			}
			want := "value name nested level is greater than maximum supported nested level of 30: a key may hold at most 30 dots (31 names)"
			if err == nil || err.Error() != want {
				t.Errorf("%s with %d names: got %v, want %q", flag, names, err, want)
			}
		}
	}
	// Dots after a list index are not counted, as in Helm.
	if err := ParseSet("l[0]."+strings.Repeat("k.", MaxKeyDepth)+"leaf=1", map[string]any{}); err != nil {
		t.Errorf("30 dots after a list index: %v", err)
	}
}

func TestParseSetOverwrites(t *testing.T) {
	dest := map[string]any{"a": map[string]any{"keep": "yes", "b": "old"}, "l": []any{"x", "y"}}
	if err := ParseSet("a.b=new,l[1]=z", dest); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": map[string]any{"keep": "yes", "b": "new"}, "l": []any{"x", "z"}}
	if !reflect.DeepEqual(dest, want) {
		t.Fatalf("got %#v, want %#v", dest, want)
	}
}

func TestParseSetString(t *testing.T) {
	runSetCases(t, ParseSetString, []setCase{
		{in: "image.tag=2.0,list={x,y}", want: map[string]any{"image": map[string]any{"tag": "2.0"}, "list": []any{"x", "y"}}},
		{in: "a=1,b=true,c=null,d={1,2},e[0]=3,f=",
			want: map[string]any{"a": "1", "b": "true", "c": "null", "d": []any{"1", "2"}, "e": []any{"3"}, "f": ""}},
		{in: `v=1\,5`, want: map[string]any{"v": "1,5"}},
		{in: "novalue", wantErr: `key "novalue" has no value`},
	})
}

func TestParseSetJSON(t *testing.T) {
	runSetCases(t, ParseSetJSON, []setCase{
		{in: `list=["a",1,true,null,{"k":2.5}]`,
			want: map[string]any{"list": []any{"a", float64(1), true, nil, map[string]any{"k": 2.5}}}},
		{in: `objects[0]={"name":"x"}`, want: map[string]any{"objects": []any{map[string]any{"name": "x"}}}},
		{in: `service={"type":"NodePort","port":30080}`,
			want: map[string]any{"service": map[string]any{"type": "NodePort", "port": float64(30080)}}},
		{in: `a=1,b="x",c=`, want: map[string]any{"a": float64(1), "b": "x", "c": nil}},
		{in: `a= ,b=2`, want: map[string]any{"a": nil, "b": float64(2)}},
		{in: `a=1 b=2`, want: map[string]any{"a": float64(1), "b": float64(2)}},
		{in: `a.b=12345678901234567890`, want: map[string]any{"a": map[string]any{"b": 12345678901234567890.0}}},
		{in: `a[0][1]=null`, want: map[string]any{"a": []any{[]any{nil, nil}}}},
		{in: `a=`, want: map[string]any{"a": nil}},
		{in: `obj={not json}`, wantErr: "invalid character 'n'"},
		{in: `a=[1,2`, wantErr: "unexpected EOF"},
		{in: `a={"x":1}{"y":2}`, wantErr: `has no value`},
		{in: `a=,,b=1`, wantErr: `key "" has no value (cannot end with ,)`},
		{in: `a`, wantErr: `key "a" has no value`},
		{in: `a[-1]=1`, wantErr: "negative -1 index not allowed"},
	})
}

func TestParseSetLiteral(t *testing.T) {
	runSetCases(t, ParseSetLiteral, []setCase{
		{in: `raw=a,b={c}\d`, want: map[string]any{"raw": `a,b={c}\d`}},
		{in: "image.tag=v1,x", want: map[string]any{"image": map[string]any{"tag": "v1,x"}}},
		{in: `a\.b=x`, want: map[string]any{`a\`: map[string]any{"b": "x"}}},
		{in: "a[0]=x,y", want: map[string]any{"a": []any{"x,y"}}},
		{in: "a[0].b=x", want: map[string]any{"a": []any{map[string]any{"b": "x"}}}},
		{in: "a[1][0]=x", want: map[string]any{"a": []any{nil, []any{"x"}}}},
		{in: "a,b=c", want: map[string]any{"a,b": "c"}},
		{in: "n=1", want: map[string]any{"n": "1"}},
		{in: "e=", want: map[string]any{"e": ""}},
		{in: "=x", want: map[string]any{}},
		{in: "a", wantErr: `key "a" has no value`},
		{in: "a.=x", wantErr: `key map "a" has no value`},
		{in: "a[-2]=x", wantErr: "negative -2 index not allowed"},
	})
}

func TestParseSetFile(t *testing.T) {
	files := map[string]string{"ff.txt": "fromfile", "cert.pem": "-----BEGIN-----\n"}
	read := func(path string) ([]byte, error) {
		if s, ok := files[path]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("open " + path + ": no such file or directory")
	}
	parse := func(s string, dest map[string]any) error { return ParseSetFile(s, dest, read) }
	runSetCases(t, parse, []setCase{
		{in: "a=ff.txt", want: map[string]any{"a": "fromfile"}},
		{in: "a={ff.txt,ff.txt},b=ff.txt", want: map[string]any{"a": []any{"fromfile", "fromfile"}, "b": "fromfile"}},
		{in: "a[0]=ff.txt", want: map[string]any{"a": []any{"fromfile"}}},
		{in: "tls.cert=cert.pem", want: map[string]any{"tls": map[string]any{"cert": "-----BEGIN-----\n"}}},
		{in: "a=missing.txt", wantErr: "open missing.txt: no such file or directory"},
		{in: "a[0]=missing.txt", wantErr: "open missing.txt"},
	})
}

func FuzzParseSet(f *testing.F) {
	for _, s := range []string{
		`a=1,b=two,c=true,d=null,e=1.5,f=007,g=12345678901234567890,h=,i\.j=dot,k={x,y,z},l[1].m=idx,n=a\,b`,
		"x.y[=1", "{a}=1", "p=b=c", "q]=1", "a[0][1].b=c", "a[1]=x,a[0].b=y,a[0][0]=z", "a=1,a.b=2",
		`list=["a",1,{"k":2.5}]`, "a[99999999]=1", `a\`, "a[0].",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parsers := []func(string, map[string]any) error{
			ParseSet, ParseSetString, ParseSetJSON, ParseSetLiteral,
			func(s string, m map[string]any) error {
				return ParseSetFile(s, m, func(p string) ([]byte, error) { return []byte(p), nil })
			},
		}
		for _, parse := range parsers {
			_ = parse(s, map[string]any{})
			// Parsing over existing values exercises the type-mismatch paths.
			_ = parse(s, map[string]any{"a": int64(1), "b": []any{nil, "x"}, "x": map[string]any{"y": "z"}})
		}
	})
}
