package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rudderRun runs the CLI with args in the current directory and an environment holding
// only env (plus a HOME inside the test's temporary folder).
func rudderRun(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	home := filepath.Join(t.TempDir(), "home")
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "HOME" {
			return home
		}
		return ""
	}
	code = Run(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: getenv})
	return out.String(), errOut.String(), code
}

func TestCreateCommand(t *testing.T) {
	t.Chdir(t.TempDir())

	out, errOut, code := rudderRun(t, nil, "create", "demo")
	if code != 0 || out != "Creating demo\n" || errOut != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, f := range []string{"Chart.yaml", "values.yaml", ".helmignore", "templates/_helpers.tpl", "templates/tests/test-connection.yaml", "charts"} {
		if _, err := os.Stat(filepath.Join("demo", f)); err != nil {
			t.Error(err)
		}
	}
	out, _, code = rudderRun(t, nil, "template", "demo")
	if code != 0 || !strings.Contains(out, "kind: Deployment") {
		t.Errorf("the new chart does not render (code %d):\n%s", code, out)
	}
	// Lint, even strict, finds nothing but the missing icon, as for Helm's scaffold.
	out, _, code = rudderRun(t, nil, "lint", "--strict", "demo")
	if want := "==> Linting demo\n[INFO] Chart.yaml: icon is recommended\n\n1 chart(s) linted, 0 chart(s) failed\n"; code != 0 || out != want {
		t.Errorf("lint: code %d\n%s", code, out)
	}

	// Creating again overwrites the scaffold's files, with a warning on stdout each.
	out, _, code = rudderRun(t, nil, "create", "demo")
	wd, _ := os.Getwd()
	if code != 0 || !strings.Contains(out, "WARNING: File \""+filepath.Join(wd, "demo", "Chart.yaml")+"\" already exists. Overwriting.\n") ||
		strings.Count(out, "WARNING") != 12 {
		t.Errorf("second create: code %d\n%s", code, out)
	}

	if err := os.WriteFile("plain", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	errors := []struct {
		args []string
		want string
	}{
		{[]string{"create", "plain"}, "Error: file " + filepath.Join(wd, "plain") + " already exists and is not a directory\n"},
		{[]string{"create", "bad/na me"}, "Error: chart name must match the regular expression \"^[a-zA-Z0-9._-]+$\"\n"},
		{[]string{"create", "missing/demo"}, "Error: stat " + filepath.Join(wd, "missing") + ": no such file or directory\n"},
		{[]string{"create", "x", "--chart-api-version", "v1"}, "Error: unsupported chart API version: v1 (supported: v2, v3)\n"},
		{[]string{"create"}, "Error: \"rudder create\" requires 1 argument\n\nUsage:  rudder create NAME [flags]\n"},
		{[]string{"create", "x", "-p", "nope"}, "Error: could not load " + filepath.Join(wd, "home", "data", "starters", "nope") + ": stat " + filepath.Join(wd, "home", "data", "starters", "nope") + ": no such file or directory\n"},
	}
	for _, tt := range errors {
		_, errOut, code := rudderRun(t, map[string]string{"HELM_DATA_HOME": filepath.Join(wd, "home", "data")}, tt.args...)
		if code != 1 || errOut != tt.want {
			t.Errorf("%q: code %d, stderr %q, want %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestCreateCommandStarter(t *testing.T) {
	t.Chdir(t.TempDir())
	wd, _ := os.Getwd()
	data := filepath.Join(wd, "data")
	starter := filepath.Join(data, "starters", "web")
	if err := os.MkdirAll(filepath.Join(starter, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"values.yaml":         "app: <CHARTNAME>\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: <CHARTNAME>-{{ .Values.app }}\n",
		"templates/NOTES.txt": "hello",
	} {
		if err := os.WriteFile(filepath.Join(starter, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"HELM_DATA_HOME": data}
	// By name from $HELM_DATA_HOME/starters, and by absolute path.
	for _, args := range [][]string{{"create", "shop", "--starter", "web"}, {"create", "sub/dir/shop2", "-p", starter}} {
		out, errOut, code := rudderRun(t, env, args...)
		if code != 0 || errOut != "" || out != "Creating "+args[1]+"\n" {
			t.Fatalf("%q: code %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	out, _, code := rudderRun(t, nil, "template", "shop")
	if code != 0 || !strings.Contains(out, "name: shop-shop\n") {
		t.Errorf("code %d:\n%s", code, out)
	}
	out, _, code = rudderRun(t, nil, "show", "chart", "sub/dir/shop2")
	if code != 0 || !strings.Contains(out, "name: shop2\n") || !strings.Contains(out, "version: 0.1.0\n") {
		t.Errorf("code %d:\n%s", code, out)
	}
}
