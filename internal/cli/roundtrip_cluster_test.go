package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/testenv"
)

// TestInstallFromRegistryAndRepository installs on the local control plane
// charts pulled from a registry (by tag and by digest, anonymous and with a
// login) and a signed chart from a chart repository with --verify; a tampered
// chart is refused by install --verify and nothing is installed.
func TestInstallFromRegistryAndRepository(t *testing.T) {
	env := testenv.Start(t)
	onCluster := func(u *user) {
		u.env["KUBECONFIG"] = env.Kubeconfig()
		u.env["HELM_NAMESPACE"] = env.Namespace(t)
	}
	installed := func(t *testing.T, u *user, release, chartName string) {
		t.Helper()
		if out := u.ok("get", "manifest", release); !strings.Contains(out, "# Source: "+chartName+"/templates/deployment.yaml") {
			t.Errorf("release %s manifest:\n%s", release, out)
		}
	}

	for _, auth := range []bool{false, true} {
		name := map[bool]string{false: "oci-anonymous", true: "oci-basic-auth"}[auth]
		t.Run(name, func(t *testing.T) {
			f := pushDemo(t, auth)
			u := f.u
			onCluster(u)
			out := u.ok("install", "by-tag", f.repo, "--version", "0.1.0", "--plain-http")
			// As Helm, install reports the pull on standard output, before the release.
			if !strings.HasPrefix(out, "Pulled: ") || !strings.Contains(out, "STATUS: deployed") {
				t.Errorf("install printed:\n%s", out)
			}
			u.ok("install", "by-digest", f.repo+"@"+f.digest, "--plain-http")
			installed(t, u, "by-tag", "demo")
			installed(t, u, "by-digest", "demo")
			if out := u.ok("list", "-q"); out != "by-digest\nby-tag\n" {
				t.Errorf("list -q: %q", out)
			}
			u.ok("upgrade", "by-tag", f.repo+":0.1.0", "--plain-http")
		})
	}

	t.Run("signed-repository", func(t *testing.T) {
		f := signedRepo(t)
		u := f.u
		onCluster(u)
		out := u.ok("install", "signed", "signed/signed", "--verify", "--keyring", f.key.public)
		if !strings.Contains(out, "STATUS: deployed") {
			t.Errorf("install --verify printed:\n%s", out)
		}
		installed(t, u, "signed", "signed")

		// The same chart changed after signing, served with the original signature.
		dir := t.TempDir()
		u.ok("pull", "signed/signed", "--untar", "-d", dir)
		chartDir := filepath.Join(dir, "signed")
		writeFile(t, filepath.Join(chartDir, "templates", "backdoor.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backdoor\n")
		tampered := u.packageChart(chartDir, filepath.Join(dir, "out"))
		writeFile(t, tampered+".prov", string(readFile(t, f.archive+".prov")))
		// rudder serve refuses the pair, so the signature is put in its folder.
		evil := startChartRepo(t, false)
		if _, err := evil.Upload(readFile(t, tampered), nil, false); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(evil.Dir, filepath.Base(tampered)+".prov"), string(readFile(t, tampered+".prov")))
		u.ok("repo", "add", "evil", evil.URL)
		u.fails("sha256 sum does not match", "install", "evil", "evil/signed", "--verify", "--keyring", f.key.public)
		u.fails("sha256 sum does not match", "install", "local", tampered, "--verify", "--keyring", f.key.public)
		u.fails("sha256 sum does not match", "upgrade", "signed", "evil/signed", "--verify", "--keyring", f.key.public)
		if out := u.ok("list", "-q"); out != "signed\n" {
			t.Errorf("after the refused installs, list -q: %q", out)
		}
	})
}
