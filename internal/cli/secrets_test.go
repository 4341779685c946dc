package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rudderpm/rudder/internal/secrets"
)

// ageKeyCmd is "agekey FILE": a new age identity in FILE; $AGE_RECIPIENT is
// its recipient.
func ageKeyCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: agekey FILE")
	}
	id, err := age.GenerateX25519Identity()
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte("# created by the test\n"+id.String()+"\n"), 0o600))
	ts.Setenv("AGE_RECIPIENT", id.Recipient().String())
}

// sealSecretCmd is "sealsecret FILE KEY": FILE becomes a values file holding
// KEY: a random secret, encrypted for $AGE_RECIPIENT; $SECRET is the secret.
// The clear file is never written.
func sealSecretCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sealsecret FILE KEY")
	}
	b := make([]byte, 16)
	_, err := rand.Read(b)
	ts.Check(err)
	secret := "sec-" + hex.EncodeToString(b)
	plain := []byte(args[1] + ": " + secret + "\n")
	enc, err := secrets.Encrypt(context.Background(), args[0], plain, secrets.EncryptOptions{Age: []string{ts.Getenv("AGE_RECIPIENT")}})
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), enc, 0o644))
	ts.Setenv("SECRET", secret)
}

// noSecretCmd is "nosecret DIR": no file below DIR holds $SECRET, in clear or
// in base64 (as a Kubernetes Secret's data would).
func noSecretCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nosecret DIR")
	}
	secret := ts.Getenv("SECRET")
	if secret == "" {
		ts.Fatalf("nosecret: $SECRET is empty")
	}
	needles := [][]byte{[]byte(secret), []byte(base64.StdEncoding.EncodeToString([]byte(secret))[:20])}
	files := 0
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, n) {
				ts.Fatalf("%s holds the decrypted secret", path)
			}
		}
		return nil
	})
	ts.Check(err)
	ts.Logf("nosecret: %d files checked", files)
}
