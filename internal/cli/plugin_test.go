package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// pluginTestRoot is a root command with a stand-in for the built-in diff, for a
// plugins folder dir.
func pluginTestRoot(t *testing.T, dir string) (*cobra.Command, *app, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	env := map[string]string{"HOME": t.TempDir(), "HELM_PLUGINS": dir}
	root, a := newRootCmd(Streams{Out: &out, Err: &out, Getenv: func(k string) string { return env[k] }}, nil)
	root.AddCommand(&cobra.Command{Use: "diff", Run: func(*cobra.Command, []string) { out.WriteString("built-in diff\n") }})
	return root, a, &out
}

// Rudder's built-in diff gives way to an installed diff plugin (helm-diff), and
// stands in for it in plugin list when there is none, so that tools checking for
// helm-diff (helmfile) find it.
func TestDiffPluginReplacesBuiltin(t *testing.T) {
	dir := t.TempDir()
	root, a, out := pluginTestRoot(t, dir)
	a.loadPlugins(root, []string{"diff"})
	root.SetArgs([]string{"plugin", "list"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\ndiff\t3.9.14 \tcli/v1\tv1        \tbuilt-in  \tbuilt into rudder\n") {
		t.Errorf("plugin list without a diff plugin:\n%q", out.String())
	}

	pdir := filepath.Join(dir, "helm-diff")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "plugin.yaml"), []byte("name: diff\nversion: 3.9.14\ncommand: echo plugin diff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, a, out = pluginTestRoot(t, dir)
	a.loadPlugins(root, []string{"diff", "upgrade"})
	root.SetArgs([]string{"diff", "upgrade"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "plugin diff upgrade\n" {
		t.Errorf("rudder diff with the plugin installed ran %q", out.String())
	}

	root, _, out = pluginTestRoot(t, dir)
	root.SetArgs([]string{"plugin", "list"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "built-in") || !strings.Contains(out.String(), "\ndiff\t3.9.14 \tcli/v1\tlegacy    \tunsigned  \tunknown\n") {
		t.Errorf("plugin list with a diff plugin:\n%q", out.String())
	}
	// A plugin may be named diff; not install.
	if err := reservedName(root, "diff"); err != nil {
		t.Errorf("diff refused: %v", err)
	}
	if err := reservedName(root, "install"); err == nil {
		t.Error("install allowed")
	}
}

func TestNeedsPlugins(t *testing.T) {
	root, _, _ := pluginTestRoot(t, t.TempDir())
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"version"}, false},
		{[]string{"--namespace", "x", "list"}, false},
		{[]string{"template", "--help"}, false},
		{[]string{"plugin", "list"}, false},
		{[]string{}, true},
		{[]string{"--help"}, true},
		{[]string{"help"}, true},
		{[]string{"unittest", "chart"}, true},
		{[]string{"-n", "x", "unittest"}, true},
		{[]string{"diff", "upgrade"}, true},
		{[]string{"completion", "bash"}, true},
		{[]string{"__complete", "unit"}, true},
	} {
		if got := needsPlugins(root, tt.args); got != tt.want {
			t.Errorf("needsPlugins(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
