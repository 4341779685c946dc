package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/rudderpm/rudder/internal/repo/server"
)

// This file holds the helpers of the round-trip tests: a Rudder user with a
// home of their own, OpenPGP keyrings, and chart repository servers.

// user runs rudder commands as one user: the same HOME (so the same
// repositories.yaml, registry logins and caches) for every command.
type user struct {
	t   *testing.T
	env map[string]string
}

func newUser(t *testing.T) *user {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return &user{t: t, env: map[string]string{"HOME": home}}
}

func (u *user) home() string { return u.env["HOME"] }

// run runs rudder with stdin as its standard input.
func (u *user) run(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return u.env[k] }
	code = Run(context.Background(), args, Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut, Getenv: getenv})
	return out.String(), errOut.String(), code
}

// ok runs rudder and fails the test unless it succeeds; it returns stdout.
func (u *user) ok(args ...string) string {
	u.t.Helper()
	out, errOut, code := u.run("", args...)
	if code != 0 {
		u.t.Fatalf("rudder %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs rudder, fails the test unless it exits 1 with an error containing
// want, and returns stderr.
func (u *user) fails(want string, args ...string) string {
	u.t.Helper()
	out, errOut, code := u.run("", args...)
	if code != 1 || !strings.Contains(errOut, want) {
		u.t.Fatalf("rudder %s: exit %d, want 1 and an error containing %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return errOut
}

// newChart scaffolds a chart with rudder create in dir and sets its version.
func (u *user) newChart(dir, name, version string) string {
	u.t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	u.ok("create", path)
	setChartVersion(u.t, path, version)
	return path
}

func setChartVersion(t *testing.T, chartDir, version string) {
	t.Helper()
	p := filepath.Join(chartDir, "Chart.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`(?m)^version: .*$`).ReplaceAll(b, []byte("version: "+version))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// packageChart packages chartDir into dest and returns the archive's path.
func (u *user) packageChart(chartDir, dest string, extra ...string) string {
	u.t.Helper()
	out := u.ok(append([]string{"package", chartDir, "-d", dest}, extra...)...)
	saved, ok := strings.CutPrefix(strings.TrimSpace(out), "Successfully packaged chart and saved it to: ")
	if !ok {
		u.t.Fatalf("package printed %q", out)
	}
	return saved
}

var digestLine = regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64})$`)

// registryDigest returns the digest a push or pull printed.
func registryDigest(t *testing.T, out string) string {
	t.Helper()
	m := digestLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no Digest line in:\n%s", out)
	}
	return m[1]
}

// keyrings is an OpenPGP key written as a secret and a public keyring.
type keyrings struct {
	name             string // the key's user ID
	secret, public   string // keyring files
	fingerprint      string
	passphrase, file string // the passphrase and a file holding it ("" when none)
}

// newKeyrings makes a key for name, its secret part encrypted with passphrase
// unless that is "".
func newKeyrings(t *testing.T, dir, name, passphrase string) *keyrings {
	t.Helper()
	e, err := openpgp.NewEntity(name, "rudder test", strings.ToLower(name)+"@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	k := &keyrings{name: name, secret: filepath.Join(dir, name+"-secring.gpg"), public: filepath.Join(dir, name+"-pubring.gpg"),
		fingerprint: strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint)), passphrase: passphrase}
	var pub bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	var sec bytes.Buffer
	if passphrase != "" {
		if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
			t.Fatal(err)
		}
		err = e.SerializePrivateWithoutSigning(&sec, nil)
		k.file = filepath.Join(dir, name+"-passphrase")
		writeFile(t, k.file, passphrase+"\n")
	} else {
		err = e.SerializePrivate(&sec, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, k.public, pub.String())
	writeFile(t, k.secret, sec.String())
	return k
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chartRepo is a chart repository served over HTTP (or HTTPS) on loopback by
// the repository server.
type chartRepo struct {
	*server.Server
	URL, Dir string
	// CAFile is the server's certificate, for HTTPS repositories.
	CAFile string
}

func startChartRepo(t *testing.T, tls bool) *chartRepo {
	t.Helper()
	dir := t.TempDir()
	s, err := server.New(context.Background(), server.Options{StorageDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	r := &chartRepo{Server: s, Dir: dir}
	var hs *httptest.Server
	if tls {
		hs = httptest.NewTLSServer(s)
		r.CAFile = filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, r.CAFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw})))
	} else {
		hs = httptest.NewServer(s)
	}
	t.Cleanup(hs.Close)
	r.URL = hs.URL
	return r
}

// upload adds an archive (and the provenance file beside it, if any) to the
// repository, replacing the version it may have.
func (r *chartRepo) upload(t *testing.T, archive string) {
	t.Helper()
	prov, err := os.ReadFile(archive + ".prov")
	if err != nil {
		prov = nil
	}
	if _, err := r.Upload(readFile(t, archive), prov, true); err != nil {
		t.Fatal(err)
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256(readFile(t, path))
	return hex.EncodeToString(sum[:])
}
