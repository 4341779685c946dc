package action

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/rudderpm/rudder/internal/provenance"
)

func TestVerifyChart(t *testing.T) {
	dir := t.TempDir()
	signer, err := openpgp.NewEntity("signer", "test", "signer@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := openpgp.NewEntity("other", "test", "other@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	writeRing := func(name string, e *openpgp.Entity) string {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := e.Serialize(f); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	goodRing, otherRing := writeRing("good.gpg", signer), writeRing("other.gpg", other)

	archive := []byte("not really a chart, only signed bytes")
	tgz := filepath.Join(dir, "c-1.0.0.tgz")
	if err := os.WriteFile(tgz, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	prov, err := provenance.Sign(archive, "c-1.0.0.tgz", []byte("name: c\nversion: 1.0.0\n"), signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tgz+".prov", prov, 0o644); err != nil {
		t.Fatal(err)
	}
	unsigned := filepath.Join(dir, "u-1.0.0.tgz")
	if err := os.WriteFile(unsigned, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	notTgz := filepath.Join(dir, "c.tar.gz")
	if err := os.WriteFile(notTgz, archive, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, keyring string
		wantErr             string
	}{
		{name: "signed by a key of the ring", path: tgz, keyring: goodRing},
		{name: "signed by a key not in the ring", path: tgz, keyring: otherRing, wantErr: "signature"},
		{name: "no keyring", path: tgz, keyring: filepath.Join(dir, "nope.gpg"), wantErr: "failed to load keyring"},
		{name: "no provenance file", path: unsigned, keyring: goodRing, wantErr: "could not load provenance file"},
		{name: "a folder", path: dir, keyring: goodRing, wantErr: "unpacked charts cannot be verified"},
		{name: "not named .tgz", path: notTgz, keyring: goodRing, wantErr: "chart must be a tgz file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyChart(context.Background(), tt.path, tt.keyring)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
