package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// signedFixture is a chart signed with package --sign and served by a chart
// repository that the user has added as "signed".
type signedFixture struct {
	u       *user
	key     *keyrings
	repo    *chartRepo
	archive string
}

func signedRepo(t *testing.T) *signedFixture {
	t.Helper()
	f := &signedFixture{u: newUser(t), repo: startChartRepo(t, false)}
	u, dir := f.u, t.TempDir()
	f.key = newKeyrings(t, dir, "Signer", "hunter2")
	chartDir := u.newChart(dir, "signed", "0.1.0")
	f.archive = u.packageChart(chartDir, dir, "--sign", "--key", "Signer", "--keyring", f.key.secret, "--passphrase-file", f.key.file)
	prov := string(readFile(t, f.archive+".prov"))
	if !strings.HasPrefix(prov, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n") || !strings.Contains(prov, "\n...\nfiles:\n  signed-0.1.0.tgz: sha256:") {
		t.Fatalf("provenance file:\n%s", prov)
	}
	f.repo.upload(t, f.archive)
	u.ok("repo", "add", "signed", f.repo.URL)
	return f
}

// wantVerified checks the lines Helm prints for a good signature.
func (f *signedFixture) wantVerified(t *testing.T, out string) {
	t.Helper()
	digest := sha256File(t, f.archive)
	want := "Signed by: Signer (rudder test) <signer@example.com>\nUsing Key With Fingerprint: " + f.key.fingerprint +
		"\nChart Hash Verified: sha256:" + digest + "\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output %q, want it to end with %q", out, want)
	}
}

// TestSignedChartRoundTrip signs a chart with package --sign, serves it from a
// chart repository over HTTP, adds the repository, and pulls and renders the
// chart with --verify.
func TestSignedChartRoundTrip(t *testing.T) {
	f := signedRepo(t)
	u := f.u
	f.wantVerified(t, u.ok("verify", f.archive, "--keyring", f.key.public))

	dest := t.TempDir()
	f.wantVerified(t, u.ok("pull", "signed/signed", "--verify", "--keyring", f.key.public, "-d", dest))
	for _, name := range []string{"signed-0.1.0.tgz", "signed-0.1.0.tgz.prov"} {
		if _, err := os.Stat(filepath.Join(dest, name)); err != nil {
			t.Error(err)
		}
	}
	// The pulled copy verifies on its own, and --prov fetches the file unchecked.
	u.ok("verify", filepath.Join(dest, "signed-0.1.0.tgz"), "--keyring", f.key.public)
	dest = t.TempDir()
	if out := u.ok("pull", "signed/signed", "--prov", "-d", dest); out != "" {
		t.Errorf("pull --prov printed %q", out)
	}
	if _, err := os.Stat(filepath.Join(dest, "signed-0.1.0.tgz.prov")); err != nil {
		t.Error(err)
	}
	// --repo URL finds the chart without the repository being added.
	u.ok("pull", "signed", "--repo", f.repo.URL, "--verify", "--keyring", f.key.public, "-d", t.TempDir())

	if out := u.ok("template", "x", "signed/signed", "--verify", "--keyring", f.key.public); !strings.Contains(out, "# Source: signed/templates/") {
		t.Errorf("template --verify:\n%s", out)
	}

	// A key the keyring does not hold is refused, and nothing is saved.
	other := newKeyrings(t, t.TempDir(), "Other", "")
	dest = t.TempDir()
	u.fails("signature made by unknown entity", "pull", "signed/signed", "--verify", "--keyring", other.public, "-d", dest)
	u.fails("signature made by unknown entity", "verify", f.archive, "--keyring", other.public)
	if entries, _ := os.ReadDir(dest); len(entries) != 0 {
		t.Errorf("a refused pull saved %v", entries)
	}
	// A key needs its passphrase; a public keyring cannot sign.
	dir := t.TempDir()
	chartDir := u.newChart(dir, "again", "0.1.0")
	writeFile(t, filepath.Join(dir, "wrong"), "nope\n")
	u.fails("private key checksum failure", "package", chartDir, "-d", dir, "--sign", "--key", "Signer", "--keyring", f.key.secret, "--passphrase-file", filepath.Join(dir, "wrong"))
	u.fails("cannot ask for the passphrase", "package", chartDir, "-d", dir, "--sign", "--key", "Signer", "--keyring", f.key.secret)
	u.fails("provided key is not a private key", "package", chartDir, "-d", dir, "--sign", "--key", "Signer", "--keyring", f.key.public)
	u.fails("private key not found", "package", chartDir, "-d", dir, "--sign", "--key", "Nobody", "--keyring", f.key.secret)
	// The passphrase can come on standard input, read once for several charts.
	second := u.newChart(dir, "second", "0.1.0")
	out, errOut, code := u.run("hunter2\n", "package", chartDir, second, "-d", filepath.Join(dir, "stdin"), "--sign", "--key", "Signer", "--keyring", f.key.secret, "--passphrase-file", "-")
	if code != 0 || strings.Count(out, "Successfully packaged") != 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, a := range []string{"again-0.1.0.tgz", "second-0.1.0.tgz"} {
		u.ok("verify", filepath.Join(dir, "stdin", a), "--keyring", f.key.public)
	}
}

// TestTamperedChartRefused changes a signed chart after signing (same name and
// version, the original provenance file) and checks that verify, pull --verify
// from a chart repository and from a registry, and template --verify refuse
// it; and that an archive changed behind the repository index's back is
// refused even without --verify.
func TestTamperedChartRefused(t *testing.T) {
	f := signedRepo(t)
	u := f.u
	dir := t.TempDir()
	chartDir := filepath.Join(dir, "signed")
	u.ok("pull", "signed/signed", "--untar", "-d", dir)
	writeFile(t, filepath.Join(chartDir, "templates", "backdoor.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backdoor\n")
	tampered := u.packageChart(chartDir, filepath.Join(dir, "out"))
	writeFile(t, tampered+".prov", string(readFile(t, f.archive+".prov")))

	const mismatch = "sha256 sum does not match for signed-0.1.0.tgz"
	u.fails(mismatch, "verify", tampered, "--keyring", f.key.public)

	// A repository serving the tampered archive with the original signature.
	// rudder serve refuses the pair, so the signature is put in its folder.
	evil := startChartRepo(t, false)
	if _, err := evil.Upload(readFile(t, tampered), readFile(t, tampered+".prov"), false); err == nil || !strings.Contains(err.Error(), "sha256 sum does not match") {
		t.Fatalf("the server took a provenance file that does not sign the archive: %v", err)
	}
	if _, err := evil.Upload(readFile(t, tampered), nil, false); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(evil.Dir, "signed-0.1.0.tgz.prov"), string(readFile(t, tampered+".prov")))
	u.ok("repo", "add", "evil", evil.URL)
	dest := t.TempDir()
	u.fails(mismatch, "pull", "evil/signed", "--verify", "--keyring", f.key.public, "-d", dest)
	u.fails(mismatch, "template", "x", "evil/signed", "--verify", "--keyring", f.key.public)
	if entries, _ := os.ReadDir(dest); len(entries) != 0 {
		t.Errorf("a refused pull saved %v", entries)
	}

	// A registry holding the same.
	reg := registrytest.Start(t, registrytest.Options{})
	u.ok("push", tampered, "oci://"+reg.Host+"/charts", "--plain-http")
	u.fails(mismatch, "pull", "oci://"+reg.Host+"/charts/signed:0.1.0", "--plain-http", "--verify", "--keyring", f.key.public, "-d", dest)
	// An unsigned chart cannot pass --verify.
	unsigned := u.packageChart(u.newChart(dir, "plain", "0.1.0"), filepath.Join(dir, "plain-out"))
	u.ok("push", unsigned, "oci://"+reg.Host+"/charts", "--plain-http")
	u.fails("no provenance layer", "pull", "oci://"+reg.Host+"/charts/plain:0.1.0", "--plain-http", "--verify", "--keyring", f.key.public, "-d", dest)

	// The archive replaced in the repository's folder behind its index: the
	// digest the index promises no longer matches, verified or not.
	if err := os.WriteFile(filepath.Join(f.repo.Dir, "signed-0.1.0.tgz"), readFile(t, tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	u.env["HELM_CONTENT_CACHE"] = t.TempDir() // no copy of the good archive to fall back on
	u.fails("digest mismatch", "pull", "signed/signed", "-d", dest)
	u.fails("digest mismatch", "pull", "signed/signed", "--verify", "--keyring", f.key.public, "-d", dest)
}
