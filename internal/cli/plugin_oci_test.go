package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// ociPlugin packages the plugin "greet" at version (signed by k when k is not
// nil) and pushes it to repo:version as Helm v4.3.1 reads plugin artifacts,
// returning the manifest digest.
func ociPlugin(t *testing.T, u *user, k *keyrings, repo, version string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "greet")
	writeFiles(t, src, map[string]string{
		"plugin.yaml": "apiVersion: v1\nname: greet\ntype: cli/v1\nruntime: subprocess\nversion: " + version +
			"\nconfig:\n  shortHelp: greet\nruntimeConfig:\n  platformCommand:\n  - command: ${HELM_PLUGIN_DIR}/greet.sh\n",
		"greet.sh": "#!/bin/sh\necho \"greet " + version + ": $*\"\n",
	})
	if err := os.Chmod(filepath.Join(src, "greet.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"plugin", "package", src, "-d", dir, "--sign=false"}
	if k != nil {
		args = []string{"plugin", "package", src, "-d", dir, "--key", "Signer", "--keyring", k.secret, "--passphrase-file", k.file}
	}
	u.ok(args...)
	name := "greet-" + version + ".tgz"
	a := registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{{Title: name, Data: readFile(t, filepath.Join(dir, name))}}}
	if k != nil {
		a.Layers = append(a.Layers, registrytest.PluginLayer{Title: name + ".prov", Data: readFile(t, filepath.Join(dir, name+".prov"))})
	}
	return registrytest.PushPlugin(t, repo+":"+version, a)
}

// pluginsDirEntries lists the plugins folder of u.
func pluginsDirEntries(t *testing.T, u *user) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(u.home(), ".local", "share", "helm", "plugins"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestPluginInstallOCI installs a plugin from a real registry by tag (its .prov
// layer checked), by digest, by --version and by the newest version, with Helm
// v4.3.1's messages for a signature, a missing tag, a missing signature and an
// update, which Helm cannot do for an OCI plugin either.
func TestPluginInstallOCI(t *testing.T) {
	u := newUser(t)
	reg := registrytest.Start(t, registrytest.Options{})
	k := newKeyrings(t, t.TempDir(), "Signer", "hunter2")
	repo := reg.Host + "/plugins/greet"
	d1 := ociPlugin(t, u, k, repo, "1.0.0")
	ociPlugin(t, u, nil, repo, "1.1.0")
	src := "oci://" + repo

	out := u.ok("plugin", "install", src+":1.0.0", "--plain-http", "--keyring", k.public)
	if !strings.HasPrefix(out, "Verifying plugin signature...\nSigned by: Signer (rudder test) <signer@example.com>\nUsing Key With Fingerprint: "+k.fingerprint+"\nPlugin Hash Verified: sha256:") ||
		!strings.HasSuffix(out, "Installed plugin: greet\n") {
		t.Errorf("install by tag:\n%s", out)
	}
	if out := u.ok("greet", "a", "b"); out != "greet 1.0.0: a b\n" {
		t.Errorf("the installed plugin printed %q", out)
	}
	if out := u.ok("plugin", "list"); !strings.Contains(out, "\ngreet\t1.0.0  \tcli/v1\tv1        \tsigned    \tunknown") {
		t.Errorf("plugin list:\n%s", out)
	}
	u.fails("plugin already exists", "plugin", "install", src+":1.1.0", "--plain-http", "--verify=false")
	u.fails("Error: failed to update plugin greet, got error (cannot get information about plugin source)\n", "plugin", "update", "greet")
	u.ok("plugin", "uninstall", "greet")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{src + "@" + d1}, "greet 1.0.0: x\n"},
		{[]string{src, "--version", "1.0.0"}, "greet 1.0.0: x\n"},
		{[]string{src, "--version", "~1.1"}, "greet 1.1.0: x\n"},
		{[]string{src}, "greet 1.1.0: x\n"},
	} {
		args := append([]string{"plugin", "install", "--plain-http", "--verify=false"}, tc.args...)
		if out := u.ok(args...); out != "WARNING: Skipping plugin signature verification\nInstalled plugin: greet\n" {
			t.Errorf("%v:\n%s", tc.args, out)
		}
		if out := u.ok("greet", "x"); out != tc.want {
			t.Errorf("%v: the plugin printed %q, want %q", tc.args, out, tc.want)
		}
		u.ok("plugin", "uninstall", "greet")
	}

	u.fails("Error: failed to pull plugin from "+src+":9.9.9: "+repo+":9.9.9: not found\n", "plugin", "install", src+":9.9.9", "--plain-http", "--verify=false")
	u.fails("Error: failed to get verification data: failed to pull plugin from "+src+":9.9.9: ", "plugin", "install", src+":9.9.9", "--plain-http", "--keyring", k.public)
	u.fails("Error: plugin verification failed: no provenance file (.prov) found\n", "plugin", "install", src+":1.1.0", "--plain-http", "--keyring", k.public)
	u.fails("--version 1.0.0 does not match the reference's tag or digest", "plugin", "install", src+":1.1.0", "--version", "1.0.0", "--plain-http", "--verify=false")
	other := newKeyrings(t, t.TempDir(), "Other", "")
	u.fails("plugin verification failed: signature of greet-1.0.0.tgz", "plugin", "install", src+":1.0.0", "--plain-http", "--keyring", other.public)
	if got := pluginsDirEntries(t, u); len(got) != 0 {
		t.Errorf("failed installs left %v in the plugins folder", got)
	}
}

// TestPluginInstallOCIHostile: a plugin artifact whose archive escapes the
// plugin's folder, holds a link, or is not a gzipped tar is refused as a .tgz
// install is, and nothing is written, inside the plugins folder or out of it.
func TestPluginInstallOCIHostile(t *testing.T) {
	u := newUser(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir := t.TempDir()
	manifest := `evil/plugin.yaml:name: evil\nversion: 1.0.0\ncommand: /bin/true\n`
	for _, tc := range []struct {
		tag     string
		members []string
		want    string
	}{
		{"escape", []string{manifest, `../../../../../PWNED:pwned`}, `plugin archive member "../../../../../PWNED": path escapes the plugin's folder`},
		{"absolute", []string{manifest, `/tmp/PWNED:pwned`}, `plugin archive member "/tmp/PWNED": absolute paths are not allowed`},
		{"symlink", []string{manifest, `evil/PWNED@/etc/passwd`}, `plugin archive member "evil/PWNED": links are not allowed in a plugin archive`},
		{"hardlink", []string{manifest, `evil/PWNED=>../../../../etc/passwd`}, `plugin archive member "evil/PWNED": links are not allowed in a plugin archive`},
	} {
		archive := filepath.Join(dir, tc.tag+".tgz")
		writePluginTgz(t, archive, tc.members...)
		registrytest.PushPlugin(t, reg.Host+"/plugins/evil:"+tc.tag, registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{{Title: "evil-1.0.0.tgz", Data: readFile(t, archive)}}})
		u.fails("Error: plugin archive oci://"+reg.Host+"/plugins/evil:"+tc.tag+": "+tc.want, "plugin", "install", "oci://"+reg.Host+"/plugins/evil:"+tc.tag, "--plain-http", "--verify=false")
	}
	registrytest.PushPlugin(t, reg.Host+"/plugins/evil:plain", registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{{Title: "evil-1.0.0.tgz", Data: []byte("plain text")}}})
	u.fails("not a gzipped plugin archive", "plugin", "install", "oci://"+reg.Host+"/plugins/evil:plain", "--plain-http", "--verify=false")

	if got := pluginsDirEntries(t, u); len(got) != 0 {
		t.Errorf("refused installs left %v in the plugins folder", got)
	}
	err := filepath.Walk(filepath.Dir(u.home()), func(p string, _ os.FileInfo, err error) error {
		if err == nil && strings.Contains(filepath.Base(p), "PWNED") {
			t.Errorf("a hostile archive wrote %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat("/tmp/PWNED"); err == nil {
		t.Error("a hostile archive wrote /tmp/PWNED")
	}
}

// TestPluginInstallOCIMatchesHelm runs plugin install oci:// with Rudder and
// Helm v4.3.1 against the same registry and compares what they print and how
// they exit: a signed install, an unsigned one, a second install, a missing tag,
// a missing signature, an artifact without the plugin's layer, a hostile archive
// and an update.
func TestPluginInstallOCIMatchesHelm(t *testing.T) {
	helm := peerTool(t, "helm")
	rudder, rudderEnv := rudderBin(t)
	u := newUser(t)
	reg := registrytest.Start(t, registrytest.Options{})
	k := newKeyrings(t, t.TempDir(), "Signer", "hunter2")
	repo := reg.Host + "/plugins/greet"
	ociPlugin(t, u, k, repo, "1.0.0")
	ociPlugin(t, u, nil, repo, "1.1.0")
	registrytest.PushPlugin(t, reg.Host+"/plugins/other:1.0.0", registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{{Title: "greet-1.0.0.tgz", Data: []byte("x")}}})
	evil := filepath.Join(t.TempDir(), "evil.tgz")
	writePluginTgz(t, evil, `evil/plugin.yaml:name: evil\nversion: 1.0.0\ncommand: /bin/true\n`, `../../../../../PWNED:pwned`)
	registrytest.PushPlugin(t, reg.Host+"/plugins/evil:1.0.0", registrytest.PluginArtifact{Layers: []registrytest.PluginLayer{{Title: "evil-1.0.0.tgz", Data: readFile(t, evil)}}})

	homes := map[string]string{helm: t.TempDir(), rudder: t.TempDir()}
	run := func(bin string, args ...string) cliRun {
		home := homes[bin]
		env := []string{"HOME=" + home, "HELM_CONFIG_HOME=" + home + "/config", "HELM_DATA_HOME=" + home + "/data", "HELM_CACHE_HOME=" + home + "/cache"}
		if bin == rudder {
			env = append(env, rudderEnv...)
		}
		return runCLI(t, env, bin, args...)
	}
	src := "oci://" + repo
	for _, tc := range []struct {
		args []string
		// lastLine compares only the last line of stderr (Helm logs a warning
		// before some errors).
		lastLine bool
	}{
		{args: []string{"plugin", "install", src + ":1.0.0", "--plain-http", "--keyring", k.public}},
		{args: []string{"plugin", "install", src + ":1.1.0", "--plain-http", "--verify=false"}, lastLine: true},
		{args: []string{"plugin", "update", "greet"}, lastLine: true},
		{args: []string{"plugin", "uninstall", "greet"}},
		{args: []string{"plugin", "install", src + ":1.1.0", "--plain-http", "--verify=false"}},
		{args: []string{"plugin", "uninstall", "greet"}},
		{args: []string{"plugin", "install", src + ":1.1.0", "--plain-http", "--keyring", k.public}},
		{args: []string{"plugin", "install", "oci://" + reg.Host + "/plugins/other:1.0.0", "--plain-http", "--verify=false"}},
	} {
		h, r := run(helm, tc.args...), run(rudder, tc.args...)
		hErr, rErr := h.stderr, r.stderr
		if tc.lastLine {
			hErr, rErr = lastLine(hErr), lastLine(rErr)
		}
		if h.code != r.code || h.stdout != r.stdout || hErr != rErr {
			t.Errorf("%v:\nhelm: exit %d\n%s%s\nrudder: exit %d\n%s%s", tc.args, h.code, h.stdout, h.stderr, r.code, r.stdout, r.stderr)
		}
	}

	// A missing tag: the same error, but for the words oras adds under Helm.
	args := []string{"plugin", "install", src + ":9.9.9", "--plain-http", "--verify=false"}
	h, r := run(helm, args...), run(rudder, args...)
	prefix, suffix := "Error: failed to pull plugin from "+src+":9.9.9: ", repo+":9.9.9: not found\n"
	for _, got := range []cliRun{h, r} {
		if got.code != 1 || !strings.HasPrefix(got.stderr, prefix) || !strings.HasSuffix(got.stderr, suffix) {
			t.Errorf("%v: helm: exit %d %q, rudder: exit %d %q", args, h.code, h.stderr, r.code, r.stderr)
		}
	}
	// A hostile archive: both refuse it (in their own words).
	args = []string{"plugin", "install", "oci://" + reg.Host + "/plugins/evil:1.0.0", "--plain-http", "--verify=false"}
	if h, r := run(helm, args...), run(rudder, args...); h.code != 1 || r.code != 1 {
		t.Errorf("%v: helm: exit %d %q, rudder: exit %d %q", args, h.code, h.stderr, r.code, r.stderr)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
