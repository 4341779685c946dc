package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"text/template"
)

// Format is an output format of a report.
type Format string

// The formats helm-diff prints, and Rudder's structured JSON.
const (
	FormatDiff       Format = "diff"
	FormatSimple     Format = "simple"
	FormatTemplate   Format = "template"
	FormatJSON       Format = "json"
	FormatStructured Format = "structured"
)

// Formats lists the formats Write knows.
var Formats = []Format{FormatDiff, FormatSimple, FormatTemplate, FormatJSON, FormatStructured}

// WriteOptions control Write. The zero value writes without colour, with no lines of
// context around changes (helm-diff's default is Context -1: every line).
type WriteOptions struct {
	// Context is how many unchanged lines to show around changed ones; a negative
	// number shows every line.
	Context int
	// Color wraps lines in ANSI colours.
	Color bool
	// Template is the text/template of FormatTemplate; "" means DefaultTemplate. It
	// is executed on a []TemplateEntry and may call "last INDEX LIST".
	Template string
}

// DefaultTemplate is helm-diff's template for the json and template formats.
const DefaultTemplate = `[
{{- $global := . -}}
{{- range $idx, $entry := . -}}
{
  "api": "{{ $entry.API }}",
  "kind": "{{ $entry.Kind }}",
  "namespace": "{{ $entry.Namespace }}",
  "name": "{{ $entry.Name }}",
  "change": "{{ $entry.Change }}"
}{{ if not (last $idx  $global) }},{{ end }}
{{- end }}]`

// TemplateEntry is what a template sees of each entry.
type TemplateEntry struct {
	Namespace string
	Name      string
	Kind      string
	API       string
	Change    string
}

// Plan counts the entries of a report by change.
type Plan struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// String is the plan line: "Plan: 1 to add, 2 to change, 0 to destroy."
func (p Plan) String() string {
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", p.Add, p.Change, p.Destroy)
}

// Plan counts the report's entries.
func (r *Report) Plan() Plan {
	var p Plan
	for _, e := range r.Entries {
		switch e.Change {
		case Add:
			p.Add++
		case Modify, Adopt:
			p.Change++
		case Remove:
			p.Destroy++
		}
	}
	return p
}

// Write prints the report in format f.
func (r *Report) Write(w io.Writer, f Format, o WriteOptions) error {
	switch f {
	case FormatDiff, "":
		return r.writeDiff(w, o)
	case FormatSimple:
		return r.writeSimple(w, o)
	case FormatJSON:
		return r.writeTemplate(w, DefaultTemplate)
	case FormatTemplate:
		tpl := o.Template
		if tpl == "" {
			tpl = DefaultTemplate
		}
		return r.writeTemplate(w, tpl)
	case FormatStructured:
		return r.writeStructured(w)
	}
	return fmt.Errorf("output format %q is not one of %s", f, formatList())
}

func formatList() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

const (
	red    = "31"
	green  = "32"
	yellow = "33"
)

func paint(s, color string, on bool) string {
	if !on {
		return s
	}
	return "\x1b[0;" + color + "m" + s + "\x1b[0m"
}

var diffVerbs = map[Change]string{
	Add: "has been added:", Remove: "has been removed:", Modify: "has changed:",
	Adopt: "has been adopted:", Keep: "is kept (helm.sh/resource-policy: keep)",
}

func (r *Report) writeDiff(w io.Writer, o WriteOptions) error {
	var b strings.Builder
	for _, e := range r.Entries {
		b.WriteString(paint(e.Key+" "+diffVerbs[e.Change], yellow, o.Color))
		b.WriteByte('\n')
		if e.Suppressed {
			b.WriteString(paint("+ Changes suppressed on sensitive content of type "+e.Kind+"\n", yellow, o.Color))
			continue
		}
		writeLines(&b, e.Lines, o)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLines prints a diff, replacing each run of lines farther than o.Context from
// any change by "...".
func writeLines(b *strings.Builder, lines []Line, o WriteOptions) {
	var dist []int
	if o.Context >= 0 {
		dist = distances(lines)
	}
	skipping := false
	for i, l := range lines {
		if dist != nil && dist[i] > o.Context {
			if !skipping {
				b.WriteString("...\n")
				skipping = true
			}
			continue
		}
		skipping = false
		switch l.Op {
		case Added:
			b.WriteString(paint("+ "+l.Text, green, o.Color))
		case Deleted:
			b.WriteString(paint("- "+l.Text, red, o.Color))
		default:
			if l.Text != "" {
				b.WriteString("  " + l.Text)
			}
		}
		b.WriteByte('\n')
	}
}

// distances gives each line's distance to the nearest changed line.
func distances(lines []Line) []int {
	const far = 1 << 30
	d := make([]int, len(lines))
	last := -1
	for i, l := range lines {
		if l.Op != Same {
			last = i
		}
		d[i] = far
		if last >= 0 {
			d[i] = i - last
		}
	}
	next := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].Op != Same {
			next = i
		}
		if next >= 0 && next-i < d[i] {
			d[i] = next - i
		}
	}
	return d
}

var (
	simpleVerbs = map[Change]string{
		Add: "to be added.", Remove: "to be removed.", Modify: "to be changed.",
		Adopt: "to be adopted.", Keep: "to be kept.",
	}
	changeColors = map[Change]string{Add: green, Remove: red, Modify: yellow, Adopt: yellow, Keep: yellow}
)

func (r *Report) writeSimple(w io.Writer, o WriteOptions) error {
	var b strings.Builder
	for _, e := range r.Entries {
		b.WriteString(paint(e.Key+" "+simpleVerbs[e.Change], changeColors[e.Change], o.Color))
		b.WriteByte('\n')
	}
	b.WriteString(r.Plan().String())
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// keyPattern splits a key into its parts for templates; keys it does not match (an
// empty namespace, upper-case names) are left out, as helm-diff leaves them out.
var keyPattern = regexp.MustCompile(`(?P<namespace>[a-z0-9-]+), (?P<name>[a-z0-9.-]+), (?P<kind>\w+) \((?P<api>[^)]+)\)`)

// TemplateEntries returns the entries as templates see them.
func (r *Report) TemplateEntries() []TemplateEntry {
	var out []TemplateEntry
	for _, e := range r.Entries {
		m := keyPattern.FindStringSubmatch(e.Key)
		if m == nil {
			continue
		}
		out = append(out, TemplateEntry{Namespace: m[1], Name: m[2], Kind: m[3], API: m[4], Change: string(e.Change)})
	}
	return out
}

func (r *Report) writeTemplate(w io.Writer, text string) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"last": func(i int, list any) bool { return i == reflect.ValueOf(list).Len()-1 },
	}).Parse(text)
	if err != nil {
		return fmt.Errorf("diff template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, r.TemplateEntries()); err != nil {
		return fmt.Errorf("diff template: %w", err)
	}
	b.WriteByte('\n')
	_, err = io.WriteString(w, b.String())
	return err
}

// structured is Rudder's JSON report: every entry with its diff, and the plan.
type structured struct {
	Changes []structuredEntry `json:"changes"`
	Plan    Plan              `json:"plan"`
}

type structuredEntry struct {
	Key        string `json:"key"`
	API        string `json:"api"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	Change     Change `json:"change"`
	Suppressed bool   `json:"suppressed,omitempty"`
	Diff       string `json:"diff,omitempty"`
}

func (r *Report) writeStructured(w io.Writer) error {
	s := structured{Changes: make([]structuredEntry, 0, len(r.Entries)), Plan: r.Plan()}
	for _, e := range r.Entries {
		se := structuredEntry{Key: e.Key, Kind: e.Kind, Change: e.Change, Suppressed: e.Suppressed}
		se.Namespace, se.Name, se.API = splitKey(e.Key)
		if !e.Suppressed {
			var b strings.Builder
			writeLines(&b, e.Lines, WriteOptions{Context: -1})
			se.Diff = b.String()
		}
		s.Changes = append(s.Changes, se)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// splitKey splits "namespace, name, Kind (api)" into its parts.
func splitKey(key string) (namespace, name, api string) {
	parts := strings.SplitN(key, ", ", 3)
	if len(parts) != 3 {
		return "", "", ""
	}
	rest := parts[2]
	if i := strings.LastIndex(rest, " ("); i >= 0 && strings.HasSuffix(rest, ")") {
		api = rest[i+2 : len(rest)-1]
	}
	return parts[0], parts[1], api
}
