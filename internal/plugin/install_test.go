package plugin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

const helloYAML = "name: hello\nversion: 0.1.0\ncommand: $HELM_PLUGIN_DIR/run.sh\n"

// tgz builds a gzipped tar from headers and contents.
func tgz(t *testing.T, members ...tarMember) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		hd := m.hd
		if hd.Typeflag == 0 {
			hd.Typeflag = tar.TypeReg
		}
		if hd.Mode == 0 {
			hd.Mode = 0o644
		}
		hd.Size = int64(len(m.data))
		if err := tw.WriteHeader(&hd); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

type tarMember struct {
	hd   tar.Header
	data string
}

func file(name, data string) tarMember { return tarMember{tar.Header{Name: name}, data} }

// entries lists a folder's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// A local folder installs as a link to it, named after the folder, as in Helm.
func TestInstallFolderLinks(t *testing.T) {
	src := t.TempDir()
	writePlugin(t, src, "helm-hello", helloYAML, map[string]string{"run.sh": "#!/bin/sh\n"})
	in := &Installer{Dir: filepath.Join(t.TempDir(), "plugins")}
	got, err := in.Install(t.Context(), filepath.Join(src, "helm-hello"), InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Local || got.Metadata.Name != "hello" || got.Dir != filepath.Join(in.Dir, "helm-hello") {
		t.Errorf("installed %+v", got)
	}
	if target, err := os.Readlink(got.Dir); err != nil || target != filepath.Join(src, "helm-hello") {
		t.Errorf("link %q, %v", target, err)
	}
	if p := Provenance(got.Plugin); p != "local dev" {
		t.Errorf("provenance %q", p)
	}
	if _, err := in.Install(t.Context(), filepath.Join(src, "helm-hello"), InstallOptions{}); !errors.Is(err, ErrExists) {
		t.Errorf("second install: %v", err)
	}
	if err := Remove(in.Dir, got.Plugin); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "helm-hello", "plugin.yaml")); err != nil {
		t.Errorf("removing the link removed the source: %v", err)
	}
	if n := entries(t, in.Dir); len(n) != 0 {
		t.Errorf("left %v", n)
	}
}

func TestInstallRefusesReserved(t *testing.T) {
	src := t.TempDir()
	writePlugin(t, src, "install", strings.Replace(helloYAML, "hello", "install", 1), nil)
	in := &Installer{Dir: t.TempDir(), Reserved: func(name string) error {
		if name == "install" {
			return fmt.Errorf("plugin %q would shadow the built-in command", name)
		}
		return nil
	}}
	if _, err := in.Install(t.Context(), filepath.Join(src, "install"), InstallOptions{}); err == nil || !strings.Contains(err.Error(), "shadow") {
		t.Errorf("err = %v", err)
	}
	archive := filepath.Join(src, "install-1.0.0.tgz")
	os.WriteFile(archive, tgz(t, file("install/plugin.yaml", "name: install\nversion: 1.0.0\n")), 0o644)
	if _, err := in.Install(t.Context(), archive, InstallOptions{}); err == nil || !strings.Contains(err.Error(), "shadow") {
		t.Errorf("archive: err = %v", err)
	}
	if n := entries(t, in.Dir); len(n) != 0 {
		t.Errorf("left %v", n)
	}
}

// An archive, local or served, installs unpacked, executable bits kept; a signed one
// verifies against the keyring.
func TestInstallArchive(t *testing.T) {
	src := t.TempDir()
	data := tgz(t, file("hello/plugin.yaml", helloYAML), tarMember{tar.Header{Name: "hello/run.sh", Mode: 0o4755}, "#!/bin/sh\necho hi\n"})
	archive := filepath.Join(src, "hello-0.1.0.tgz")
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := openpgp.NewEntity("Jane", "", "jane@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(archive, key); err != nil {
		t.Fatal(err)
	}
	in := &Installer{Dir: t.TempDir()}
	got, err := in.Install(t.Context(), archive, InstallOptions{Keyring: ring(key)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != filepath.Join(in.Dir, "hello") || got.Verified == nil {
		t.Errorf("installed %+v", got)
	}
	fi, err := os.Stat(filepath.Join(got.Dir, "run.sh"))
	if err != nil || fi.Mode().Perm() != 0o755 || fi.Mode()&os.ModeSetuid != 0 {
		t.Errorf("run.sh mode %v, %v", fi.Mode(), err)
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	other := &Installer{Dir: t.TempDir()}
	wrongKey, _ := openpgp.NewEntity("Mallory", "", "m@example.com", nil)
	if _, err := other.Install(t.Context(), srv.URL+"/hello-0.1.0.tgz", InstallOptions{Keyring: ring(wrongKey)}); err == nil || !strings.Contains(err.Error(), "plugin verification failed") {
		t.Errorf("wrong key: %v", err)
	}
	if got, err := other.Install(t.Context(), srv.URL+"/hello-0.1.0.tgz", InstallOptions{}); err != nil || got.Metadata.Name != "hello" {
		t.Errorf("from URL: %+v, %v", got, err)
	}
	if n := entries(t, other.Dir); strings.Join(n, ",") != "hello,hello-0.1.0.tgz,hello-0.1.0.tgz.prov" {
		t.Errorf("plugins folder holds %v", n)
	}
	if p := Provenance(got.Plugin); p != "signed" {
		t.Errorf("provenance %q", p)
	}
	os.WriteFile(filepath.Join(in.Dir, "hello-0.1.0.tgz"), []byte("changed"), 0o644)
	if p := Provenance(got.Plugin); p != "mismatched provenance" {
		t.Errorf("provenance of a changed archive %q", p)
	}
	if err := Remove(in.Dir, got.Plugin); err != nil {
		t.Fatal(err)
	}
	if n := entries(t, in.Dir); len(n) != 0 {
		t.Errorf("remove left %v", n)
	}
}

func TestInstallHostileArchives(t *testing.T) {
	plugin := file("evil/plugin.yaml", "name: evil\nversion: 1.0.0\n")
	big := strings.Repeat("x", 2048)
	tests := []struct {
		name    string
		members []tarMember
		limits  Limits
		want    string
	}{
		{"parent path", []tarMember{plugin, file("evil/../../escape", "x")}, Limits{}, "path escapes the plugin's folder"},
		{"absolute path", []tarMember{plugin, file("/tmp/escape", "x")}, Limits{}, "absolute paths are not allowed"},
		{"symlink", []tarMember{{tar.Header{Name: "evil/link", Typeflag: tar.TypeSymlink, Linkname: "/etc"}, ""}, plugin}, Limits{}, "links are not allowed"},
		{"hard link", []tarMember{plugin, {tar.Header{Name: "evil/hard", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}, ""}}, Limits{}, "links are not allowed"},
		{"device", []tarMember{plugin, {tar.Header{Name: "evil/dev", Typeflag: tar.TypeChar}, ""}}, Limits{}, "unsupported member type"},
		{"too large", []tarMember{plugin, file("evil/big", big)}, Limits{MaxSize: 1024}, "larger than the maximum size 1024"},
		{"too many members", []tarMember{plugin, file("evil/a", ""), file("evil/b", "")}, Limits{MaxMembers: 2}, "more than 2 members"},
		{"no manifest", []tarMember{file("evil/readme", "")}, Limits{}, "plugin metadata (plugin.yaml) missing"},
		{"bad manifest", []tarMember{file("evil/plugin.yaml", "apiVersion: v1\nname: evil\n")}, Limits{}, "plugin `version` is required"},
	}
	outside := t.TempDir()
	for _, tt := range tests {
		src := filepath.Join(t.TempDir(), "evil-1.0.0.tgz")
		if err := os.WriteFile(src, tgz(t, tt.members...), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(outside, "plugins-"+strings.ReplaceAll(tt.name, " ", "-"))
		in := &Installer{Dir: dir, Limits: tt.limits}
		_, err := in.Install(t.Context(), src, InstallOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
		if n := entries(t, dir); len(n) != 0 {
			t.Errorf("%s: plugins folder holds %v", tt.name, n)
		}
	}
	if n := entries(t, outside); len(n) != len(tests) {
		t.Errorf("written outside the plugins folders: %v", n)
	}
}

// A Git repository installs at a version (a semver constraint over its tags) and
// updates by pulling.
func TestInstallGitRepo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := filepath.Join(t.TempDir(), "helm-hello")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	os.MkdirAll(repo, 0o755)
	git("init", "--quiet", "-b", "main")
	for _, v := range []string{"0.1.0", "0.2.0", "1.0.0"} {
		os.WriteFile(filepath.Join(repo, "plugin.yaml"), []byte(strings.Replace(helloYAML, "0.1.0", v, 1)), 0o644)
		git("add", ".")
		git("commit", "--quiet", "-m", v)
		git("tag", "v"+v)
	}
	in := &Installer{Dir: t.TempDir()}
	got, err := in.Install(t.Context(), "file://"+repo, InstallOptions{Version: "<1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metadata.Version != "0.2.0" || got.Dir != filepath.Join(in.Dir, "helm-hello") {
		t.Errorf("installed %+v %+v", got, got.Metadata)
	}
	if _, err := in.Install(t.Context(), "file://"+repo+"-missing", InstallOptions{}); err == nil || !strings.Contains(err.Error(), "cannot get information about plugin source") {
		t.Errorf("missing repo: %v", err)
	}
	if _, err := (&Installer{Dir: t.TempDir()}).Install(t.Context(), "file://"+repo, InstallOptions{Version: ">5"}); err == nil || !strings.Contains(err.Error(), `requested version ">5" does not exist`) {
		t.Errorf("missing version: %v", err)
	}

	main, err := (&Installer{Dir: t.TempDir()}).Install(t.Context(), "file://"+repo, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "plugin.yaml"), []byte(strings.Replace(helloYAML, "0.1.0", "1.1.0", 1)), 0o644)
	git("commit", "--quiet", "-am", "1.1.0")
	updated, err := (&Installer{}).Update(t.Context(), main.Plugin)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Metadata.Version != "1.1.0" {
		t.Errorf("updated to %s", updated.Metadata.Version)
	}
	os.WriteFile(filepath.Join(main.Dir, "plugin.yaml"), []byte(helloYAML), 0o644)
	if _, err := (&Installer{}).Update(t.Context(), main.Plugin); err == nil || err.Error() != "plugin repo was modified" {
		t.Errorf("modified checkout: %v", err)
	}
}

func TestPackageSignVerify(t *testing.T) {
	src := t.TempDir()
	writePlugin(t, src, "hello", helloYAML, map[string]string{"run.sh": "#!/bin/sh\n"})
	out, m, err := Package(filepath.Join(src, "hello"), filepath.Join(t.TempDir(), "dist"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(out) != "hello-0.1.0.tgz" || m.Name != "hello" {
		t.Errorf("packaged %s %+v", out, m)
	}
	key, _ := openpgp.NewEntity("Jane", "", "jane@example.com", nil)
	if _, err := Verify(out, openpgp.EntityList{key}); err == nil || !strings.Contains(err.Error(), "could not find provenance file") {
		t.Errorf("unsigned: %v", err)
	}
	if _, err := Sign(out, key); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(out, openpgp.EntityList{key})
	if err != nil || v.Identities()[0] != "Jane <jane@example.com>" {
		t.Fatalf("verify: %v %v", v, err)
	}
	// The packaged plugin installs, its script still executable.
	in := &Installer{Dir: t.TempDir()}
	got, err := in.Install(t.Context(), out, InstallOptions{Keyring: ring(key)})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(got.Dir, "run.sh")); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("run.sh: %v %v", fi, err)
	}
	data, _ := os.ReadFile(out)
	data[len(data)/2] ^= 0xff
	os.WriteFile(out, data, 0o644)
	if _, err := Verify(out, openpgp.EntityList{key}); err == nil {
		t.Error("a changed archive verified")
	}
}

func ring(keys ...*openpgp.Entity) func() (openpgp.EntityList, error) {
	return func() (openpgp.EntityList, error) { return keys, nil }
}
