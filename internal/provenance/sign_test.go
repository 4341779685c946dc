package provenance

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

func newKey(t *testing.T, name string) *openpgp.Entity {
	t.Helper()
	e, err := openpgp.NewEntity(name, "test", name+"@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func publicRing(t *testing.T, es ...*openpgp.Entity) openpgp.EntityList {
	t.Helper()
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := e.Serialize(w); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	ring, err := ParseKeyring(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func TestSignVerify(t *testing.T) {
	key := newKey(t, "Jane")
	other := newKey(t, "Mallory")
	archive := []byte("pretend this is a gzipped tar")
	meta := []byte("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
	prov, err := Sign(archive, "demo-0.1.0.tgz", meta, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(prov, []byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n")) {
		t.Fatalf("not a clear-signed SHA-512 message:\n%s", prov)
	}
	if !bytes.Contains(prov, []byte("name: demo\n")) || !bytes.Contains(prov, []byte("\n...\nfiles:\n  demo-0.1.0.tgz: sha256:")) {
		t.Fatalf("message is not Helm's layout:\n%s", prov)
	}

	v, err := Verify(archive, prov, "demo-0.1.0.tgz", publicRing(t, key))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Identities(); len(got) != 1 || !strings.HasPrefix(got[0], "Jane") {
		t.Errorf("identities %v", got)
	}
	if v.FileHash != "sha256:"+Digest(archive) || len(v.Fingerprint()) != 40 {
		t.Errorf("verification %+v %s", v, v.Fingerprint())
	}

	cases := []struct {
		name    string
		archive []byte
		prov    []byte
		file    string
		ring    openpgp.EntityList
		want    string
	}{
		{"tampered archive", append([]byte("x"), archive...), prov, "demo-0.1.0.tgz", publicRing(t, key), "sha256 sum does not match"},
		{"wrong key", archive, prov, "demo-0.1.0.tgz", publicRing(t, other), "signature"},
		{"other file", archive, prov, "demo-0.2.0.tgz", publicRing(t, key), "does not contain a SHA"},
		{"tampered message", archive, bytes.Replace(prov, []byte("name: demo"), []byte("name: evil"), 1), "demo-0.1.0.tgz", publicRing(t, key), "signature"},
		{"no signature", archive, []byte("hello"), "demo-0.1.0.tgz", publicRing(t, key), "signature block not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.archive, c.prov, c.file, c.ring)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestFindKeyAndUnlock(t *testing.T) {
	a, b := newKey(t, "Alice Example"), newKey(t, "Bob Example")
	ring := openpgp.EntityList{a, b}
	if k, err := FindKey(ring, "Alice"); err != nil || k != a {
		t.Errorf("FindKey(Alice) = %v, %v", k, err)
	}
	if _, err := FindKey(ring, "Example"); err == nil || !strings.Contains(err.Error(), "more than one key") {
		t.Errorf("vague id: %v", err)
	}
	if _, err := FindKey(ring, "Carol"); err == nil {
		t.Error("missing key found")
	}
	if err := a.EncryptPrivateKeys([]byte("secret"), nil); err != nil {
		t.Fatal(err)
	}
	if err := Unlock(a, func(string) ([]byte, error) { return []byte("wrong"), nil }); err == nil {
		t.Error("wrong passphrase accepted")
	}
	if err := Unlock(a, func(string) ([]byte, error) { return []byte("secret"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign([]byte("x"), "x-1.0.0.tgz", nil, a); err != nil {
		t.Fatal(err)
	}
	pub := publicRing(t, a)[0]
	if _, err := Sign([]byte("x"), "x-1.0.0.tgz", nil, pub); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("signing with a public key: %v", err)
	}
}

func TestKeybox(t *testing.T) {
	key := newKey(t, "Kim")
	var pub bytes.Buffer
	if err := key.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	// A header blob, then one OpenPGP blob holding the key block.
	var kbx bytes.Buffer
	header := make([]byte, 32)
	header[3], header[4] = 32, 1
	copy(header[8:], "KBXf")
	kbx.Write(header)
	blob := make([]byte, 16+pub.Len())
	n := len(blob)
	blob[0], blob[1], blob[2], blob[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	blob[4] = 2
	blob[11] = 16
	l := pub.Len()
	blob[12], blob[13], blob[14], blob[15] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
	copy(blob[16:], pub.Bytes())
	kbx.Write(blob)
	ring, err := ParseKeyring(kbx.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ring) != 1 || ring[0].PrimaryKey.KeyId != key.PrimaryKey.KeyId {
		t.Fatalf("keybox ring %v", ring)
	}
}
