package plugin

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func writePlugin(t *testing.T, dir, name, yaml string, files map[string]string) {
	t.Helper()
	pdir := filepath.Join(dir, name)
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "plugin.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(pdir, f), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

const echoPlugin = `apiVersion: v1
name: echo
version: 0.1.0
type: postrenderer/v1
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: ${HELM_PLUGIN_DIR}/run.sh
      args: [first]
`

// The plugin runs with the environment it is given, its own variables added,
// its configured arguments, then the caller's.
func TestPostRendererRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell script plugin")
	}
	dir := t.TempDir()
	writePlugin(t, dir, "echo", echoPlugin, map[string]string{
		"run.sh": "#!/bin/sh\ncat\necho \"$GREETING $HELM_PLUGIN_NAME $*\"\n",
	})
	pr, err := FindPostRenderer([]string{filepath.Join(dir, "none"), dir}, "echo")
	if err != nil {
		t.Fatal(err)
	}
	pr.Args, pr.Env = []string{"second"}, []string{"GREETING=hello"}
	out, err := pr.Run(t.Context(), bytes.NewBufferString("kind: ConfigMap\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "kind: ConfigMap\nhello echo first second\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestFindPostRenderer(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "echo", echoPlugin, nil)
	writePlugin(t, dir, "other", strings.NewReplacer("name: echo", "name: other", "postrenderer/v1", "cli/v1").Replace(echoPlugin), nil)
	writePlugin(t, dir, "broken", "apiVersion: v1\nname: broken\n", nil)
	for _, name := range []string{"other", "broken", "missing"} {
		if _, err := FindPostRenderer([]string{dir}, name); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("%s: err = %v, want not found", name, err)
		}
	}
	twin := t.TempDir()
	writePlugin(t, twin, "a", echoPlugin, nil)
	writePlugin(t, twin, "b", echoPlugin, nil)
	if _, err := FindPostRenderer([]string{twin}, "echo"); err == nil || !strings.Contains(err.Error(), "two plugins claim the name") {
		t.Errorf("two plugins of one name: err = %v", err)
	}
}

func TestPlatformCommand(t *testing.T) {
	other := "plan9"
	if runtime.GOOS == other {
		other = "linux"
	}
	tests := []struct {
		name     string
		commands []PlatformCommand
		want     []string
	}{
		{"exact platform wins", []PlatformCommand{{Command: "any"}, {OS: runtime.GOOS, Command: "os"}, {OS: runtime.GOOS, Arch: runtime.GOARCH, Command: "exact"}}, []string{"exact"}},
		{"then the OS", []PlatformCommand{{Command: "any"}, {OS: runtime.GOOS, Command: "os"}}, []string{"os"}},
		{"then neither", []PlatformCommand{{OS: other, Command: "elsewhere"}, {Command: "any x"}}, []string{"any", "x"}},
		{"nothing fits", []PlatformCommand{{OS: other, Command: "elsewhere"}}, nil},
	}
	for _, tt := range tests {
		cmd, _ := platformCommand(tt.commands)
		if !slices.Equal(cmd, tt.want) {
			t.Errorf("%s: command %q, want %q", tt.name, cmd, tt.want)
		}
	}
}
