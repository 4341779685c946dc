package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/testenv"
)

// peerTool builds (or finds cached) a pinned third-party tool with hack/peer and
// returns its path. Under -short it skips t: building one takes minutes.
func peerTool(t *testing.T, tool string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s: built with hack/peer, skipped under -short", tool)
	}
	out, err := exec.Command("../../hack/peer", tool).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("hack/peer %s: %v\n%s", tool, err, ee.Stderr)
		}
		t.Fatalf("hack/peer %s: %v", tool, err)
	}
	return strings.TrimSpace(string(out))
}

// peerPluginDir lays out a third-party plugin as its release would: the module's
// own plugin.yaml, the binary built by hack/peer where the manifest's command
// expects it, and, since the install hook would download that binary from the
// internet, a hook script that only says the binary is there.
func peerPluginDir(t *testing.T, manifest, binary, binName string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(filepath.Dir(manifest)))
	write := func(name string, data []byte, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	yaml, err := os.ReadFile(manifest)
	if err != nil {
		t.Skipf("no module source: %v (go mod download it)", err)
	}
	write("plugin.yaml", yaml, 0o644)
	bin, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	write(binName, bin, 0o755)
	write("install-binary.sh", []byte("#!/bin/sh\necho \"binary provided by the test\"\n"), 0o755)
	return dir
}

// cliRun is one run of a command: its output and exit code.
type cliRun struct {
	stdout, stderr string
	code           int
}

// runCLI runs bin with args and env (added to this process's, without its HELM_
// and XDG_ variables).
func runCLI(t *testing.T, env []string, bin string, args ...string) cliRun {
	t.Helper()
	return runCLIIn(t, "", env, bin, args...)
}

// runCLIIn is runCLI in the folder dir.
func runCLIIn(t *testing.T, dir string, env []string, bin string, args ...string) cliRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HELM_") && !strings.HasPrefix(kv, "XDG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return cliRun{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// rudderBin runs this test binary as rudder.
func rudderBin(t *testing.T) (string, []string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self, []string{selfCLIEnv + "=1"}
}

const unittestChart = `-- Chart.yaml --
apiVersion: v2
name: demo
version: 0.1.0
-- values.yaml --
greeting: hello
-- templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  greeting: {{ .Values.greeting }}
-- tests/cm_test.yaml --
suite: configmap
templates:
  - cm.yaml
tests:
  - it: greets
    asserts:
      - equal:
          path: data.greeting
          value: hello
  - it: greets in french
    set:
      greeting: bonjour
    asserts:
      - equal:
          path: data.greeting
          value: FRENCH
`

// writeTree writes "-- name --" sections into dir.
func writeTree(t *testing.T, dir, tree string) {
	t.Helper()
	parts := regexp.MustCompile(`(?m)^-- (.+) --\n`).Split(tree, -1)
	names := regexp.MustCompile(`(?m)^-- (.+) --\n`).FindAllStringSubmatch(tree, -1)
	for i, m := range names {
		p := filepath.Join(dir, m[1])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(parts[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var unittestTime = regexp.MustCompile(`(?m)^Time:\s+\S+$`)

// helm-unittest, installed from its module's own plugin.yaml, gives the same
// results and exit codes under rudder as under Helm v4.3.1, for a chart whose tests
// pass and one where a test fails.
func TestUnittestPluginMatchesHelm(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the manifest names the linux-amd64 binary")
	}
	helm := peerTool(t, "helm")
	src := peerPluginDir(t, filepath.Join(moduleDir(t, "github.com/helm-unittest/helm-unittest", "v1.1.2"), "plugin.yaml"),
		peerTool(t, "helm-unittest"), "untt-linux-amd64")
	work := t.TempDir()
	writeTree(t, filepath.Join(work, "failing"), unittestChart)
	writeTree(t, filepath.Join(work, "passing"), strings.Replace(unittestChart, "FRENCH", "bonjour", 1))

	rudder, rudderEnv := rudderBin(t)
	for _, tool := range []struct {
		name, bin string
		env       []string
	}{{"helm", helm, nil}, {"rudder", rudder, rudderEnv}} {
		home := filepath.Join(work, tool.name+"-home")
		env := append([]string{"HOME=" + home, "NO_COLOR=1"}, tool.env...)
		if r := runCLI(t, env, tool.bin, "plugin", "install", src); r.code != 0 || !strings.Contains(r.stdout, "Installed plugin: unittest") {
			t.Fatalf("%s plugin install: %+v", tool.name, r)
		}
	}
	for _, chart := range []string{"passing", "failing"} {
		var runs [2]cliRun
		for i, tool := range []struct {
			name, bin string
			env       []string
		}{{"helm", helm, nil}, {"rudder", rudder, rudderEnv}} {
			env := append([]string{"HOME=" + filepath.Join(work, tool.name+"-home"), "NO_COLOR=1"}, tool.env...)
			r := runCLI(t, env, tool.bin, "unittest", filepath.Join(work, chart))
			r.stdout = unittestTime.ReplaceAllString(r.stdout, "Time: X")
			runs[i] = r
		}
		h, r := runs[0], runs[1]
		if h.code != r.code || h.stdout != r.stdout {
			t.Errorf("%s chart: helm exit %d, rudder exit %d\n--- helm:\n%s%s\n--- rudder:\n%s%s", chart, h.code, r.code, h.stdout, h.stderr, r.stdout, r.stderr)
		}
		if want := map[string]int{"passing": 0, "failing": 1}[chart]; r.code != want {
			t.Errorf("%s chart: exit %d, want %d\n%s%s", chart, r.code, want, r.stdout, r.stderr)
		}
		if chart == "failing" && !strings.Contains(r.stdout, "Tests:       1 failed, 1 passed, 2 total") {
			t.Errorf("failing chart output:\n%s", r.stdout)
		}
	}
}

// moduleDir is where `go mod download` put a module's source.
func moduleDir(t *testing.T, module, version string) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", module+"@"+version).Output()
	if err != nil {
		t.Skipf("go mod download %s@%s: %v", module, version, err)
	}
	m := regexp.MustCompile(`"Dir": "([^"]+)"`).FindSubmatch(out)
	if m == nil {
		t.Skipf("go mod download %s@%s: no Dir in %s", module, version, out)
	}
	return string(m[1])
}

// helm-diff, installed from its module's own plugin.yaml, runs as `rudder diff`
// against a release on the local control plane, calling back into rudder through
// HELM_BIN, and shows the same diff and exit code as under Helm v4.3.1.
func TestDiffPluginAgainstCluster(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("shell hook")
	}
	env := testenv.Start(t)
	helm := peerTool(t, "helm")
	src := peerPluginDir(t, filepath.Join(moduleDir(t, "github.com/databus23/helm-diff/v3", "v3.9.14"), "plugin.yaml"),
		peerTool(t, "helm-diff"), "bin/diff")
	ns := env.Namespace(t)
	work := t.TempDir()
	writeTree(t, filepath.Join(work, "chart"), unittestChart)
	chart := filepath.Join(work, "chart")
	rudder, rudderEnv := rudderBin(t)
	tools := []struct {
		name, bin string
		env       []string
	}{{"helm", helm, nil}, {"rudder", rudder, rudderEnv}}
	envFor := func(i int) []string {
		return append([]string{"HOME=" + filepath.Join(work, tools[i].name+"-home"), "KUBECONFIG=" + env.Kubeconfig(), "HELM_NAMESPACE=" + ns, "NO_COLOR=1"}, tools[i].env...)
	}
	if r := runCLI(t, envFor(1), rudder, "install", "demo", chart); r.code != 0 {
		t.Fatalf("rudder install: %+v", r)
	}
	var runs [2]cliRun
	for i, tool := range tools {
		if r := runCLI(t, envFor(i), tool.bin, "plugin", "install", src); r.code != 0 || !strings.Contains(r.stdout, "Installed plugin: diff") {
			t.Fatalf("%s plugin install: %+v", tool.name, r)
		}
		// --disable-validation: by default helm-diff asks "template --validate", which
		// rudder template does not do yet.
		runs[i] = runCLI(t, envFor(i), tool.bin, "diff", "upgrade", "demo", chart, "--set", "greeting=bye", "--detailed-exitcode", "--no-color", "--disable-validation")
	}
	h, r := runs[0], runs[1]
	if r.code != 2 || !strings.Contains(r.stdout, "-   greeting: hello") || !strings.Contains(r.stdout, "+   greeting: bye") {
		t.Errorf("rudder diff upgrade: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if h.code != r.code || h.stdout != r.stdout {
		t.Errorf("helm exit %d, rudder exit %d\n--- helm:\n%s%s\n--- rudder:\n%s%s", h.code, r.code, h.stdout, h.stderr, r.stdout, r.stderr)
	}
}

// plugin install, list and uninstall print what Helm v4.3.1 prints, errors
// included, for a Helm 3 plugin and a v1 plugin installed from folders.
func TestPluginCommandsMatchHelm(t *testing.T) {
	helm := peerTool(t, "helm")
	work := t.TempDir()
	writeTree(t, work, `-- src/hello/plugin.yaml --
name: hello
version: 0.1.0
usage: says hello
command: $HELM_PLUGIN_DIR/run.sh
hooks:
  install: echo "installing $HELM_PLUGIN_NAME"
-- src/greet/plugin.yaml --
apiVersion: v1
name: greet
type: cli/v1
runtime: subprocess
version: 1.2.3
sourceURL: https://example.com/greet
config:
  shortHelp: say hello
runtimeConfig:
  platformCommand:
    - command: echo
-- src/empty/README --
no manifest here
-- src/badv1/plugin.yaml --
apiVersion: v1
name: badv1
version: one
`)
	rudder, rudderEnv := rudderBin(t)
	steps := [][]string{
		{"plugin", "install", "src/hello"},
		{"plugin", "install", "src/greet"},
		{"plugin", "list"},
		{"plugin", "list", "--type", "cli/v1"},
		{"plugin", "install", "src/hello"},
		{"plugin", "install", "src/empty"},
		{"plugin", "install", "src/badv1"},
		{"plugin", "uninstall", "greet", "nope"},
		{"plugin", "list"},
		{"plugin", "update"},
	}
	var got [2][]cliRun
	for i, tool := range []struct {
		name, bin string
		env       []string
	}{{"helm", helm, nil}, {"rudder", rudder, rudderEnv}} {
		env := append([]string{"HOME=" + filepath.Join(work, tool.name+"-home")}, tool.env...)
		for _, args := range steps {
			r := runCLIIn(t, work, env, tool.bin, args...)
			// Helm logs (level=WARN ...) what rudder does not; compare the error lines.
			var errs []string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "Error: ") {
					errs = append(errs, strings.ReplaceAll(l, work, "$WORK"))
				}
			}
			r.stderr = strings.Join(errs, "\n")
			// rudder's built-in diff stands in for helm-diff in plugin list, and its
			// line may widen the columns: compare the cells of the other lines.
			if strings.Contains(r.stdout, "built into rudder") {
				var lines []string
				for _, l := range strings.Split(r.stdout, "\n") {
					if !strings.Contains(l, "built into rudder") {
						lines = append(lines, strings.Join(strings.Fields(l), " "))
					}
				}
				r.stdout = strings.Join(lines, "\n")
			}
			got[i] = append(got[i], r)
		}
	}
	for s, args := range steps {
		h, r := got[0][s], got[1][s]
		if strings.Contains(got[1][s].stdout, "NAME VERSION") { // cells compared, as above
			var lines []string
			for _, l := range strings.Split(h.stdout, "\n") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
			h.stdout = strings.Join(lines, "\n")
		}
		if strings.Join(args, " ") == "plugin install src/badv1" {
			// Helm links the plugin, then reports it "installed but unusable" and
			// leaves it installed; rudder checks the manifest first and installs
			// nothing. The cause is worded the same.
			want := "Error: failed to load plugin \"$WORK/src/badv1\": invalid plugin `version` \"one\": must be valid semver"
			if r.code != 1 || r.stderr != want || !strings.HasSuffix(h.stderr, "invalid plugin `version` \"one\": must be valid semver") {
				t.Errorf("bad manifest: helm %q, rudder %q", h.stderr, r.stderr)
			}
			continue
		}
		if h.code != r.code || h.stdout != r.stdout || h.stderr != r.stderr {
			t.Errorf("%s:\nhelm (exit %d):\n%s%s\nrudder (exit %d):\n%s%s", strings.Join(args, " "), h.code, h.stdout, h.stderr, r.code, r.stdout, r.stderr)
		}
	}
}
