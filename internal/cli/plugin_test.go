package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// pluginTestRoot is the root command for a plugins folder dir, with the built-in
// diff (a stand-in if there is none).
func pluginTestRoot(t *testing.T, dir string) (*cobra.Command, *app, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	env := map[string]string{"HOME": t.TempDir(), "HELM_PLUGINS": dir}
	root, a := newRootCmd(Streams{Out: &out, Err: &out, Getenv: func(k string) string { return env[k] }}, nil)
	if c, _, err := root.Find([]string{"diff"}); err != nil || c == root {
		root.AddCommand(&cobra.Command{Use: "diff", Run: func(*cobra.Command, []string) { out.WriteString("built-in diff\n") }})
	}
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

// A signal to rudder reaches the plugin it runs (here it catches SIGTERM, notes it
// and exits 7), rudder waits for the plugin to end, and exits as a process ended by
// the signal does (143), as Helm's status is then.
func TestPluginGetsSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	dir := t.TempDir()
	pdir := filepath.Join(dir, "plugins", "trap")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(pdir, "plugin.yaml"), []byte("name: trap\nversion: 1.0.0\ncommand: $HELM_PLUGIN_DIR/run.sh\n"), 0o644)
	os.WriteFile(filepath.Join(pdir, "run.sh"), []byte("#!/bin/sh\ntrap 'echo got TERM > \"$MARK\"; exit 7' TERM\ntouch \"$READY\"\nwhile :; do sleep 0.05; done\n"), 0o755)
	mark, ready := filepath.Join(dir, "mark"), filepath.Join(dir, "ready")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "trap")
	cmd.Env = append(os.Environ(), selfCLIEnv+"=1", "HOME="+dir, "HELM_PLUGINS="+filepath.Join(dir, "plugins"), "MARK="+mark, "READY="+ready)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the plugin never started\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 143 {
			t.Errorf("rudder ended with %v, want exit status 143\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("rudder still running 5s after SIGTERM\n%s", stderr.String())
	}
	if got, _ := os.ReadFile(mark); string(got) != "got TERM\n" {
		t.Errorf("the plugin did not get SIGTERM: %q", got)
	}
}

// plugin package --sign, plugin verify and plugin install --verify work together,
// with Helm's messages; a plugin signed by an unknown key is refused.
func TestPluginPackageSignVerifyInstall(t *testing.T) {
	u := newUser(t)
	dir := t.TempDir()
	k := newKeyrings(t, dir, "Signer", "hunter2")
	src := filepath.Join(dir, "hello")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "plugin.yaml"), []byte("name: hello\nversion: 0.1.0\ncommand: $HELM_PLUGIN_DIR/run.sh\n"), 0o644)
	os.WriteFile(filepath.Join(src, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	dist := filepath.Join(dir, "dist")
	archive := filepath.Join(dist, "hello-0.1.0.tgz")

	out := u.ok("plugin", "package", src, "-d", dist, "--key", "Signer", "--keyring", k.secret, "--passphrase-file", k.file)
	if want := "Successfully signed. Signature written to: " + archive + ".prov\nSuccessfully packaged plugin and saved it to: " + archive + "\n"; out != want {
		t.Errorf("plugin package:\n%s\nwant:\n%s", out, want)
	}
	out = u.ok("plugin", "verify", archive, "--keyring", k.public)
	if !strings.HasPrefix(out, "Signed by: Signer (rudder test) <signer@example.com>\nUsing Key With Fingerprint: "+k.fingerprint+"\nPlugin Hash Verified: sha256:") {
		t.Errorf("plugin verify:\n%s", out)
	}
	out = u.ok("plugin", "install", archive, "--keyring", k.public)
	if !strings.HasPrefix(out, "Verifying plugin signature...\nSigned by: Signer (rudder test) <signer@example.com>\n") || !strings.HasSuffix(out, "Installed plugin: hello\n") {
		t.Errorf("plugin install:\n%s", out)
	}
	if out := u.ok("plugin", "list"); !strings.Contains(out, "\nhello\t0.1.0  \tcli/v1\tlegacy    \tsigned    \tunknown ") {
		t.Errorf("plugin list:\n%q", out)
	}
	u.ok("plugin", "uninstall", "hello")

	other := newKeyrings(t, t.TempDir(), "Other", "")
	u.fails("plugin verification failed: signature of hello-0.1.0.tgz", "plugin", "install", archive, "--keyring", other.public)
	u.fails("signature made by unknown entity", "plugin", "verify", archive, "--keyring", other.public)
	if out := u.ok("plugin", "package", src, "-d", dist, "--sign=false"); !strings.HasPrefix(out, "WARNING: Skipping plugin signing.") {
		t.Errorf("unsigned package:\n%s", out)
	}
	os.Remove(archive + ".prov")
	u.fails("could not find provenance file", "plugin", "verify", archive, "--keyring", k.public)
	u.fails("directory verification not supported", "plugin", "verify", src, "--keyring", k.public)
}
