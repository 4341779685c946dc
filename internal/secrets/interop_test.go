package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestInteropWithSops checks both directions against the real sops binary:
// files sops encrypts decrypt here, and files encrypted here decrypt with sops,
// for each format and for age and PGP keys.
func TestInteropWithSops(t *testing.T) {
	sops := sopsBinary(t)
	id, rcpt := newAgeKey(t)
	gpg := newGPGKey(t)
	files := map[string]string{
		"secrets.yaml": plainYAML,
		"values.json":  `{"b": {"x": 1, "big": 12345678901, "y": [true, "s", 1.5]}, "a": "z", "n": null}`,
		"app.env":      "USER=admin\nPASSWORD=p=ss\n",
		"key.bin":      "\x00\x01binary\xffdata\n",
	}
	keys := Keys{AgeIdentities: id, GnuPGHome: gpg.home}
	env := []string{"SOPS_AGE_KEY=" + string(id), "GNUPGHOME=" + gpg.home}
	for name, plain := range files {
		for _, kind := range []string{"age", "pgp"} {
			t.Run(kind+"/"+name, func(t *testing.T) {
				sopsArgs := []string{"--age", rcpt}
				opts := EncryptOptions{Age: []string{rcpt}}
				if kind == "pgp" {
					sopsArgs = []string{"--pgp", gpg.fingerprint}
					opts = EncryptOptions{PGP: []string{gpg.fingerprint}, GnuPGHome: gpg.home}
				}
				sopsBothWays(t, sops, env, name, plain, sopsArgs, keys, opts)
			})
		}
	}
}

// sopsBothWays checks one file against the sops binary in both directions:
// what sops encrypts with sopsArgs decrypts here with keys, and what Encrypt
// seals with opts decrypts with sops. env is added to sops' environment.
func sopsBothWays(t *testing.T, sops string, env []string, name, plain string, sopsArgs []string, keys Keys, opts EncryptOptions) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	runSops := func(args ...string) []byte {
		t.Helper()
		c := exec.Command(sops, args...)
		c.Env = append(append(os.Environ(), "HOME="+dir, "SOPS_DISABLE_VERSION_CHECK=1"), env...)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.Output()
		if err != nil {
			t.Fatalf("sops %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	same := func(got []byte) bool {
		switch FormatOf(name) {
		case YAML, JSON:
			// sops writes the float 2.0 as 2; as values, both are the number 2.
			return reflect.DeepEqual(asJSON(t, yamlValue(t, got)), asJSON(t, yamlValue(t, []byte(plain))))
		}
		return bytes.Equal(got, []byte(plain))
	}
	plainPath := filepath.Join(dir, name)
	if err := os.WriteFile(plainPath, []byte(plain), 0o600); err != nil {
		t.Fatal(err)
	}

	// sops encrypts, rudder decrypts.
	byS := runSops(append(append([]string{"encrypt"}, sopsArgs...), plainPath)...)
	got, err := Decrypt(ctx, name, byS, keys)
	if err != nil {
		t.Fatalf("decrypting what sops encrypted: %v\n%s", err, byS)
	}
	if !same(got) {
		t.Errorf("sops -> rudder changed the data:\n got %q\nwant %q", got, plain)
	}

	// rudder encrypts, sops decrypts.
	byR, err := Encrypt(ctx, name, []byte(plain), opts)
	if err != nil {
		t.Fatal(err)
	}
	encPath := filepath.Join(dir, "enc-"+name)
	if err := os.WriteFile(encPath, byR, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := runSops("decrypt", encPath); !same(got) {
		t.Errorf("rudder -> sops changed the data:\n got %q\nwant %q\nfile:\n%s", got, plain, byR)
	}
}

// asJSON is v as Helm sees values: numbers are float64.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
