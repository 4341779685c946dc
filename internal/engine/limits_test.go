package engine

import (
	"errors"
	"strings"
	"testing"
)

// renderFiles renders a chart named c made of files with engine e.
func renderFiles(t *testing.T, e Engine, files map[string]string, vals map[string]any) (map[string]string, error) {
	t.Helper()
	files["Chart.yaml"] = chartYAML("c")
	return render(t, e, testChart(t, files), vals)
}

// Templates running inside one another are bounded however they nest, so that no
// chart can take the process down with a stack overflow.
func TestRenderNestingLimits(t *testing.T) {
	tests := []struct {
		name string
		tpl  string
		vals map[string]any
		want string
	}{
		{
			name: "tpl of a value that calls tpl on itself",
			tpl:  `{{ tpl .Values.v . }}`,
			vals: map[string]any{"v": "{{ tpl .Values.v . }}"},
			want: "template: c/templates/t.yaml: rendering template has a nested reference name: tpl: unable to execute template: include and tpl calls nested more than 1000 deep",
		},
		{
			name: "include and tpl calling each other",
			tpl:  `{{ define "a" }}{{ tpl "{{ include \"a\" . }}" . }}{{ end }}{{ include "a" . }}`,
			want: "template: c/templates/t.yaml: rendering template has a nested reference name: ",
		},
		{
			name: "tpl that defines templates (a copy of the set) calling itself",
			tpl:  `{{ tpl .Values.v . }}`,
			vals: map[string]any{"v": `{{ define "x" }}{{ end }}{{ tpl .Values.v . }}`},
			want: "rendering template has a nested reference name: tpl: unable to execute template: include and tpl calls nested more than 1000 deep",
		},
		{
			name: "include of itself, as Helm words it",
			tpl:  `{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}`,
			want: "template: c/templates/t.yaml: rendering template has a nested reference name: loop: unable to execute template: include and tpl calls nested more than 1000 deep",
		},
		{
			// text/template allows 100000 nested {{template}} actions per execution,
			// and each include starts a new one.
			name: "template actions nested through include",
			tpl:  `{{ define "t" }}{{ if lt . 99000 }}{{ template "t" (add1 .) }}{{ else }}{{ include "t" 0 }}{{ end }}{{ end }}{{ include "t" 0 }}`,
			want: "template: c/templates/t.yaml: rendering template has a nested reference name: t: unable to execute template: template actions nested more than 100000 deep",
		},
		{
			name: "template actions within one execution keep text/template's message",
			tpl:  `{{ define "t" }}{{ template "t" . }}{{ end }}{{ template "t" . }}`,
			want: "exceeded maximum template depth (100000)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderFiles(t, Engine{}, map[string]string{"templates/t.yaml": tt.tpl}, tt.vals)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %.300v\nwant it to contain %q", err, tt.want)
			}
			if n := len(err.Error()); n > 1000 {
				t.Errorf("the error is %d bytes long", n)
			}
		})
	}
}

// Deep recursion that ends is rendered, as Helm renders it.
func TestRenderDeepButFiniteNesting(t *testing.T) {
	out, err := renderFiles(t, Engine{}, map[string]string{
		"templates/t.yaml": `{{ define "inc" }}{{ if gt . 0 }}{{ include "inc" (sub . 1) }}{{ end }}{{ end }}` +
			`{{ define "tpl" }}{{ if gt (int .n) 0 }}{{ tpl .v (dict "n" (sub .n 1) "v" .v) }}{{ end }}{{ end }}` +
			`{{ define "tmpl" }}{{ if gt . 0 }}{{ template "tmpl" (sub . 1) }}{{ else }}{{ include "inc" 400 }}{{ end }}{{ end }}` +
			`{{ include "inc" 990 }}{{ include "tpl" (dict "n" 990 "v" .Values.v) }}{{ template "tmpl" 50000 }}ok`,
	}, map[string]any{"v": `{{ if gt (int .n) 0 }}{{ tpl .v (dict "n" (sub .n 1) "v" .v) }}{{ end }}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := out["c/templates/t.yaml"]; got != "ok" {
		t.Errorf("got %q", got)
	}
}

// An error from deep down an include or tpl chain does not grow with the square of
// the depth on its way up: each level would quote the whole message of the one below.
func TestRenderDeepErrorIsCut(t *testing.T) {
	text := `{{ if lt (int .n) 400 }}{{ tpl .v (dict "n" (add1 .n) "v" .v) }}{{ else }}{{ .x.y }}{{ end }}{{/*` +
		strings.Repeat("x", 2000) + `*/}}`
	_, err := renderFiles(t, Engine{}, map[string]string{
		"templates/t.yaml": `{{ tpl .Values.v (dict "n" 0 "v" .Values.v) }}`,
	}, map[string]any{"v": text})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if len(msg) > maxErrorLen+1000 {
		t.Errorf("the error is %d bytes long", len(msg))
	}
	if !strings.Contains(msg, "c/templates/t.yaml") || !strings.Contains(msg, "nil pointer evaluating interface {}.y") {
		t.Errorf("the error lost its ends: %.200s ... %.200s", msg, msg[max(0, len(msg)-200):])
	}
}

// What a render produces is bounded, whether templates write it, include or tpl
// return it, or a function builds it, and the error names the template.
func TestRenderSizeLimit(t *testing.T) {
	const limit = 1 << 20
	tests := []struct{ name, tpl string }{
		{"a loop writing a byte at a time", `{{ range until 100000000 }}x{{ end }}`},
		{"a loop over a number", `{{ range 100000000 }}x{{ end }}`},
		{"print doubling a string", `{{ $s := "x" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}`},
		{"printf doubling a string", `{{ $s := "x" }}{{ range until 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}`},
		{"println", `{{ $s := "x" }}{{ range until 40 }}{{ $s = println $s $s }}{{ end }}{{ len $s }}`},
		{"cat", `{{ $s := "x" }}{{ range until 40 }}{{ $s = cat $s $s }}{{ end }}{{ len $s }}`},
		{"repeat doubling a string", `{{ $s := "x" }}{{ range until 40 }}{{ $s = repeat 2 $s }}{{ end }}{{ len $s }}`},
		{"one huge repeat", `{{ repeat 2000000000 "x" | len }}`},
		{"include doubling a string", `{{ define "d" }}{{ . }}{{ . }}{{ end }}{{ $s := "x" }}{{ range until 40 }}{{ $s = include "d" $s }}{{ end }}{{ len $s }}`},
		{"tpl doubling a string", `{{ $s := "x" }}{{ range until 40 }}{{ $s = tpl "{{ . }}{{ . }}" $s }}{{ end }}{{ len $s }}`},
		{"nindent and replace", `{{ $s := "a\nb" }}{{ range until 40 }}{{ $s = nindent 2 $s | replace "\n" "\n\n" }}{{ end }}{{ len $s }}`},
		{"replace of the empty string", `{{ replace "" (repeat 1000 "y") (repeat 10000 "x") | len }}`},
		{"indent by a lot", `{{ indent 100000000 "a\nb" | len }}`},
		{"b64enc again and again", `{{ $s := "xxxx" }}{{ range until 80 }}{{ $s = b64enc $s }}{{ end }}{{ len $s }}`},
		{"quote again and again", `{{ $s := "\"" }}{{ range until 60 }}{{ $s = quote $s }}{{ end }}{{ len $s }}`},
		{"join with a long separator", `{{ join (repeat 100000 "x") (until 2000) | len }}`},
		{"printf widths", `{{ printf (repeat 100 "%[1]999999d") 1 | len }}`},
		{"toJson of a list sharing itself", `{{ $l := list "x" }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l | len }}`},
		{"toYaml of a list sharing itself", `{{ $l := list "x" }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ toYaml $l | len }}`},
		{"print of a list sharing itself", `{{ $l := list "x" }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ print $l | len }}`},
		{"until", `{{ until 100000000 | len }}`},
		{"untilStep", `{{ untilStep 0 100000000 1 | len }}`},
		{"seq", `{{ seq 100000000 | len }}`},
		{"randAlpha", `{{ randAlpha 100000000 | len }}`},
		{"randBytes", `{{ randBytes 100000000 | len }}`},
		{"wrapWith", `{{ wrapWith 1 (repeat 1000 "-") (repeat 100000 "x") | len }}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderFiles(t, Engine{MaxRenderSize: limit}, map[string]string{"templates/t.yaml": tt.tpl}, nil)
			if !errors.Is(err, ErrRenderSize) {
				t.Fatalf("err = %v, want ErrRenderSize", err)
			}
			if want := "template: c/templates/t.yaml: rendered output exceeds the limit of 1048576 bytes"; err.Error() != want {
				t.Errorf("err = %q\nwant %q", err, want)
			}
		})
	}
}

// The limit holds exactly, and its zero value is the default.
func TestRenderSizeLimitBoundary(t *testing.T) {
	tpl := map[string]string{"templates/t.yaml": strings.Repeat("x", 1000)}
	if _, err := renderFiles(t, Engine{MaxRenderSize: 1000}, tpl, nil); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := renderFiles(t, Engine{MaxRenderSize: 999}, tpl, nil); !errors.Is(err, ErrRenderSize) {
		t.Errorf("a byte past the limit: err = %v", err)
	}
	big := map[string]string{"templates/t.yaml": `{{ range until 9000000 }}{{ end }}`} // 72 MB of numbers
	_, err := renderFiles(t, Engine{}, big, nil)
	if !errors.Is(err, ErrRenderSize) || !strings.Contains(err.Error(), "67108864 bytes") {
		t.Errorf("default limit: err = %v", err)
	}
	if _, err := renderFiles(t, Engine{MaxRenderSize: 100 << 20}, big, nil); err != nil {
		t.Errorf("a raised limit: %v", err)
	}
}

// The functions that count template bodies cannot be called by templates.
func TestRenderHidesCountingFunctions(t *testing.T) {
	for _, tpl := range []string{
		`{{ ` + leaveFunc + ` }}`,
		`{{ tpl "{{ ` + leaveFunc + ` }}" . }}`,
		`{{ tpl "{{ define \"d\" }}{{ end }}{{ ` + enterFunc + ` \"d\" }}" . }}`,
	} {
		_, err := renderFiles(t, Engine{}, map[string]string{"templates/t.yaml": tpl}, nil)
		if err == nil || !strings.Contains(err.Error(), `function "`) || !strings.Contains(err.Error(), `" not defined`) {
			t.Errorf("%s: err = %v", tpl, err)
		}
	}
}
