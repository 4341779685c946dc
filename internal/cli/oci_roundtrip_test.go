package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// ociFixture is a registry with a chart pushed to it by a user logged in (when
// the registry wants a login).
type ociFixture struct {
	u       *user
	reg     *registrytest.Registry
	archive string // the pushed archive
	repo    string // oci://host/charts/demo
	digest  string // the manifest digest push printed
}

// pushDemo starts a registry (with basic auth when auth), logs in when needed,
// and pushes a freshly packaged chart "demo" 0.1.0, checking each step's
// output.
func pushDemo(t *testing.T, auth bool) *ociFixture {
	t.Helper()
	o := registrytest.Options{}
	if auth {
		o = registrytest.Options{Username: "jane", Password: "s3cret"}
	}
	f := &ociFixture{u: newUser(t), reg: registrytest.Start(t, o)}
	u, host := f.u, f.reg.Host
	dir := t.TempDir()
	f.archive = u.packageChart(u.newChart(dir, "demo", "0.1.0"), dir)
	f.repo = "oci://" + host + "/charts/demo"
	if auth {
		u.fails("credential", "push", f.archive, "oci://"+host+"/charts", "--plain-http")
		u.fails(`authenticating to "`+host+`"`, "registry", "login", host, "-u", "jane", "-p", "wrong", "--plain-http")
		out, errOut, code := u.run("s3cret\n", "registry", "login", host, "-u", "jane", "--password-stdin", "--plain-http")
		if code != 0 || out != "Login Succeeded\n" || errOut != "" {
			t.Fatalf("login: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		cfg := string(readFile(t, filepath.Join(u.home(), ".config", "helm", "registry", "config.json")))
		if !strings.Contains(cfg, `"auths"`) || !strings.Contains(cfg, `"`+host+`"`) || strings.Contains(cfg, "s3cret") {
			t.Fatalf("registry config.json is not a Docker config with the login:\n%s", cfg)
		}
	}
	out := u.ok("push", f.archive, "oci://"+host+"/charts", "--plain-http")
	f.digest = registryDigest(t, out)
	if want := "Pushed: " + host + "/charts/demo:0.1.0\nDigest: " + f.digest + "\n"; out != want {
		t.Fatalf("push printed %q, want %q", out, want)
	}
	return f
}

// TestOCIRoundTrip packages a chart, pushes it to a real registry, and pulls,
// shows and renders it back from oci:// by tag, by version and by digest,
// against a registry without and with basic auth.
func TestOCIRoundTrip(t *testing.T) {
	for _, auth := range []bool{false, true} {
		name := map[bool]string{false: "anonymous", true: "basic-auth"}[auth]
		t.Run(name, func(t *testing.T) {
			f := pushDemo(t, auth)
			u, host := f.u, f.reg.Host
			want := readFile(t, f.archive)
			pulled := "Pulled: " + host + "/charts/demo:0.1.0\nDigest: " + f.digest + "\n"

			// By --version, by tag and by digest: the same bytes come back.
			// The file is named after the reference, as Helm names it: by digest,
			// demo@sha256-<hex>.tgz.
			byDigest := "demo@" + strings.Replace(f.digest, ":", "-", 1) + ".tgz"
			for _, c := range []struct {
				args []string
				file string
			}{
				{[]string{f.repo, "--version", "0.1.0"}, "demo-0.1.0.tgz"},
				{[]string{f.repo + ":0.1.0"}, "demo-0.1.0.tgz"},
				{[]string{f.repo + "@" + f.digest}, byDigest},
				{[]string{f.repo}, "demo-0.1.0.tgz"}, // the newest version
			} {
				args := c.args
				dest := t.TempDir()
				out := u.ok(append([]string{"pull", "--plain-http", "-d", dest}, args...)...)
				if registryDigest(t, out) != f.digest {
					t.Errorf("pull %v printed %q", args, out)
				}
				if got := readFile(t, filepath.Join(dest, c.file)); !bytes.Equal(got, want) {
					t.Errorf("pull %v: the archive differs from the one pushed", args)
				}
			}
			if out := u.ok("pull", "--plain-http", "-d", t.TempDir(), f.repo+":0.1.0"); out != pulled {
				t.Errorf("pull printed %q, want %q", out, pulled)
			}

			// --untar unpacks into --untardir under --destination and keeps no archive.
			dest := t.TempDir()
			u.ok("pull", "--plain-http", f.repo, "--untar", "-d", dest, "--untardir", "src")
			if _, err := os.Stat(filepath.Join(dest, "src", "demo", "Chart.yaml")); err != nil {
				t.Error(err)
			}
			if m, _ := filepath.Glob(filepath.Join(dest, "*.tgz")); len(m) != 0 {
				t.Errorf("--untar left %v", m)
			}
			u.fails("failed to untar: a file or directory with the name "+filepath.Join(dest, "src", "demo")+" already exists",
				"pull", "--plain-http", f.repo, "--untar", "-d", dest, "--untardir", "src")

			// template and show read oci:// references as they read archives.
			local := u.ok("template", "web", f.archive)
			for _, ref := range []string{f.repo + ":0.1.0", f.repo + "@" + f.digest} {
				out, errOut, code := u.run("", "template", "web", ref, "--plain-http")
				if code != 0 || out != local {
					t.Errorf("template %s: exit %d, output differs from the local archive's\n%s", ref, code, errOut)
				}
				if !strings.Contains(errOut, "Digest: "+f.digest+"\n") {
					t.Errorf("template %s: stderr %q", ref, errOut)
				}
			}
			if out := u.ok("show", "chart", f.repo, "--version", "0.1.0", "--plain-http"); !strings.Contains(out, "name: demo\n") {
				t.Errorf("show chart:\n%s", out)
			}

			// A version with build metadata travels as a tag with "_".
			dir := t.TempDir()
			plus := u.packageChart(u.newChart(dir, "demo", "0.2.0+build.1"), dir)
			out := u.ok("push", plus, "oci://"+host+"/charts", "--plain-http")
			if !strings.HasPrefix(out, "Pushed: "+host+"/charts/demo:0.2.0_build.1\n") || !strings.Contains(out, "contains an underscore") {
				t.Errorf("push of 0.2.0+build.1 printed %q", out)
			}
			dest = t.TempDir()
			u.ok("pull", "--plain-http", f.repo, "--version", "0.2.0+build.1", "-d", dest)
			if !bytes.Equal(readFile(t, filepath.Join(dest, "demo-0.2.0+build.1.tgz")), readFile(t, plus)) {
				t.Error("0.2.0+build.1 came back different")
			}
			u.fails("could not locate a version matching", "pull", "--plain-http", f.repo, "--version", "^9.0.0", "-d", dest)

			if auth {
				if out := u.ok("registry", "logout", host); out != "Removing login credentials for "+host+"\n" {
					t.Errorf("logout printed %q", out)
				}
				u.fails("credential", "pull", "--plain-http", f.repo+":0.1.0", "-d", t.TempDir())
				// --username and --password stand in for a login.
				u.ok("pull", "--plain-http", f.repo+":0.1.0", "-d", t.TempDir(), "--username", "jane", "--password", "s3cret")
			}
		})
	}
}

// TestRegistryCommandErrors checks the messages of push and registry login for
// bad input, without a registry.
func TestRegistryCommandErrors(t *testing.T) {
	u := newUser(t)
	dir := t.TempDir()
	chartDir := u.newChart(dir, "demo", "0.1.0")
	archive := u.packageChart(chartDir, dir)
	notChart := filepath.Join(dir, "bad.tgz")
	writeFile(t, notChart, "not gzip")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"push", archive}, `"rudder push" requires at least 2 arguments`},
		{[]string{"push", chartDir, "oci://127.0.0.1:1/charts"}, "cannot push directory, must provide chart archive (.tgz)"},
		{[]string{"push", filepath.Join(dir, "nope.tgz"), "oci://127.0.0.1:1/charts"}, "nope.tgz: no such file"},
		{[]string{"push", archive, "https://127.0.0.1:1/charts"}, `scheme "https" not supported`},
		{[]string{"push", archive, "127.0.0.1:1/charts"}, "invalid chart URL format: 127.0.0.1:1/charts"},
		{[]string{"push", notChart, "oci://127.0.0.1:1/charts"}, "bad.tgz"},
		{[]string{"registry", "login"}, `"rudder registry login" requires at least 1 argument`},
		{[]string{"registry", "login", "127.0.0.1:1/charts", "-u", "a", "-p", "b"}, `invalid registry "127.0.0.1:1/charts"`},
		{[]string{"registry", "login", "127.0.0.1:1", "-u", "a"}, "cannot ask for the password: standard input is not a terminal"},
		{[]string{"registry", "logout"}, `"rudder registry logout" requires at least 1 argument`},
		{[]string{"pull"}, `"rudder pull" requires at least 1 argument`},
		{[]string{"pull", "oci://127.0.0.1:1/charts/demo:0.1.0", "--version", "0.2.0"}, "chart reference and version mismatch"},
		{[]string{"verify"}, `"rudder verify" requires 1 argument`},
		{[]string{"verify", chartDir}, "unpacked charts cannot be verified"},
		{[]string{"verify", archive, "--keyring", filepath.Join(dir, "nope.gpg")}, "could not load provenance file"},
	}
	for _, tt := range tests {
		stderr := u.fails(tt.want, tt.args...)
		if strings.Contains(stderr, "panic") || strings.Count(stderr, "Error:") != 1 {
			t.Errorf("%q: stderr %q", tt.args, stderr)
		}
	}
	// A password on the command line works, with Helm's warning.
	_, errOut, _ := u.run("", "registry", "login", "127.0.0.1:1", "-u", "a", "-p", "b", "--plain-http")
	if !strings.HasPrefix(errOut, `level=WARN msg="using --password via the CLI is insecure. Use --password-stdin"`+"\n") {
		t.Errorf("stderr %q", errOut)
	}
}
