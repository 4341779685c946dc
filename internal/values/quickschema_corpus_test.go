package values

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// corpusCoverage is where the quick check must answer "certainly valid" with the
// chart's own values: the real-world schemas of the corpus.
var corpusCoverage = []string{
	"traefik", "redis", "vault", "external-secrets", "nginx", "postgresql",
	"opentelemetry-collector", "reloader",
}

// TestQuickSchemaCorpus checks the quick check against the library on every
// schema of the conformance corpus, with each chart's own values and with the
// values of every case that renders a chart of the corpus: whenever the check
// is sure, the library must accept. It logs which schemas the check covers.
func TestQuickSchemaCorpus(t *testing.T) {
	dir := corpusDir(t)
	runs := map[string]map[string]any{} // chart dir -> user values, one run per key
	var order []string
	add := func(key string, user map[string]any) {
		runs[key] = user
		order = append(order, key)
	}
	charts, err := filepath.Glob(filepath.Join(dir, "charts", "*", "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	testdata, _ := filepath.Glob(filepath.Join(dir, "charts", "helm-testdata", "*", "Chart.yaml"))
	for _, f := range append(charts, testdata...) {
		add(filepath.Dir(f)+"\x00", map[string]any{})
	}
	cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*", "args"))
	for _, f := range cases {
		chartDir, user, ok := caseValues(t, f)
		if ok {
			add(chartDir+"\x00"+filepath.Base(filepath.Dir(f)), user)
		}
	}

	covered := map[string]bool{}
	for _, key := range order {
		chartDir, caseName, _ := strings.Cut(key, "\x00")
		ch, err := chart.Load(chartDir)
		if err != nil {
			continue // the corpus's broken charts
		}
		user := runs[key]
		if _, err := ProcessDependencies(ch, user); err != nil {
			continue
		}
		vals, _, err := Coalesce(ch, user)
		if err != nil {
			continue
		}
		walkSchemas(ch, vals, func(c *chart.Chart, vals map[string]any) {
			name := filepath.Base(chartDir)
			if c.ChartFullPath() != ch.ChartFullPath() {
				name += " (" + c.ChartFullPath() + ")"
			}
			doc, err := parseSchema(c.Schema)
			if err != nil {
				return
			}
			plain, _ := plainTree(vals)
			sure := quickValid(doc, plain.(map[string]any))
			libErr := SchemaValidator{}.validateDoc(doc, plain)
			if sure && libErr != nil {
				t.Errorf("%s (case %q): quick check sure, library says: %v", name, caseName, libErr)
			}
			if caseName == "" {
				covered[name] = sure
			}
			t.Logf("%-60s case %-40q quick=%v library-ok=%v", name, caseName, sure, libErr == nil)
		})
	}
	for _, name := range corpusCoverage {
		if !covered[name] {
			t.Errorf("%s: the quick check is not sure of the chart's own values", name)
		}
	}
}

// walkSchemas calls f for each chart of the tree that has a schema, with the
// values it is validated against (as ValidateChart slices them).
func walkSchemas(c *chart.Chart, vals map[string]any, f func(*chart.Chart, map[string]any)) {
	if c.Schema != nil {
		f(c, vals)
	}
	for _, sub := range c.Dependencies() {
		if m, ok := asMap(vals[sub.Name()]); ok {
			walkSchemas(sub, m, f)
		}
	}
}

// caseValues reads a corpus case's args and returns the chart it renders and the
// user values its flags give; ok is false for a case without a corpus chart.
func caseValues(t *testing.T, argsFile string) (string, map[string]any, bool) {
	data, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Dir(argsFile)
	args := shellWords(strings.TrimSpace(string(data)))
	var opts Options
	chartDir := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		flag, val, hasVal := strings.Cut(a, "=")
		lists := map[string]*[]string{
			"-f": &opts.ValueFiles, "--values": &opts.ValueFiles, "--set": &opts.Values,
			"--set-string": &opts.StringValues, "--set-json": &opts.JSONValues,
			"--set-file": &opts.FileValues, "--set-literal": &opts.LiteralValues,
		}
		if list, ok := lists[flag]; ok {
			if !hasVal {
				if i+1 >= len(args) {
					return "", nil, false
				}
				i++
				val = args[i]
			}
			*list = append(*list, val)
			continue
		}
		if strings.HasPrefix(a, "../../charts/") && chartDir == "" {
			chartDir = filepath.Join(caseDir, a)
		}
	}
	if chartDir == "" || slices.Contains(args, "--skip-schema-validation") {
		return "", nil, false
	}
	if fi, err := os.Stat(chartDir); err != nil || !fi.IsDir() {
		return "", nil, false
	}
	user, err := opts.Merge(func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(caseDir, name)
		}
		return os.ReadFile(name)
	})
	if err != nil {
		return "", nil, false
	}
	return chartDir, user, true
}

// shellWords splits a line as a POSIX shell would, for the quoting corpus args use.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case ch == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
		case ch == '\\' && i+1 < len(s):
			inWord = true
			i++
			cur.WriteByte(s[i])
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			inWord = true
			cur.WriteByte(ch)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
