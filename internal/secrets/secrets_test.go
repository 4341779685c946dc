package secrets

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

const plainYAML = `# database settings
db:
    user: admin
    password: s3cr3t # the real one
    port: 5432
    ratio: 0.5
    whole: 2.0
    enabled: true
    nothing: null
    empty: ""
    note_unencrypted: visible
tls:
    cert: |
        -----BEGIN CERTIFICATE-----
        line two
hosts:
    - a.example
    - 8080
`

func yamlValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return v
}

func TestEncryptDecryptYAML(t *testing.T) {
	ctx := context.Background()
	id, rcpt := newAgeKey(t)
	enc, err := Encrypt(ctx, "secrets.yaml", []byte(plainYAML), EncryptOptions{Age: []string{rcpt}})
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"s3cr3t", "admin", "5432", "BEGIN CERTIFICATE", "database settings", "the real one"} {
		if strings.Contains(string(enc), leak) {
			t.Errorf("encrypted file shows %q:\n%s", leak, enc)
		}
	}
	if !strings.Contains(string(enc), "note_unencrypted: visible") {
		t.Errorf("a _unencrypted value was encrypted:\n%s", enc)
	}
	if !IsEncrypted(enc, YAML) || IsEncrypted([]byte(plainYAML), YAML) {
		t.Error("IsEncrypted does not tell the encrypted file from the plain one")
	}
	plain, err := Decrypt(ctx, "secrets.yaml", enc, Keys{AgeIdentities: id})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := yamlValue(t, plain), yamlValue(t, []byte(plainYAML)); !reflect.DeepEqual(got, want) {
		t.Errorf("decrypted values differ:\n got %#v\nwant %#v", got, want)
	}
	if !strings.Contains(string(plain), "# the real one") || !strings.Contains(string(plain), "# database settings") {
		t.Errorf("comments were not restored:\n%s", plain)
	}
}

func TestEncryptDecryptFormats(t *testing.T) {
	ctx := context.Background()
	id, rcpt := newAgeKey(t)
	cases := []struct {
		name, plain string
		same        func(a, b []byte) bool
	}{
		{"values.json", `{"b": {"x": 1, "y": [true, "s", 1.5]}, "a": "z", "n": null}`, func(a, b []byte) bool {
			return reflect.DeepEqual(yamlValue(t, a), yamlValue(t, b))
		}},
		{"app.env", "USER=admin\nPASSWORD=p=ss\nMULTI=one\\ntwo\n", func(a, b []byte) bool { return string(a) == string(b) }},
		{"key.bin", "\x00\x01binary\xffdata\n", func(a, b []byte) bool { return string(a) == string(b) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, err := Encrypt(ctx, c.name, []byte(c.plain), EncryptOptions{Age: []string{rcpt}})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(enc), "admin") || strings.Contains(string(enc), "binary") {
				t.Fatalf("plain text in the encrypted file:\n%s", enc)
			}
			if !IsEncrypted(enc, FormatOf(c.name)) {
				t.Errorf("IsEncrypted is false for:\n%s", enc)
			}
			plain, err := Decrypt(ctx, c.name, enc, Keys{AgeIdentities: id})
			if err != nil {
				t.Fatal(err)
			}
			if !c.same(plain, []byte(c.plain)) {
				t.Errorf("round trip changed the file:\n got %q\nwant %q", plain, c.plain)
			}
		})
	}
}

func TestDecryptRefusesTamperedFile(t *testing.T) {
	ctx := context.Background()
	id, rcpt := newAgeKey(t)
	enc, err := Encrypt(ctx, "secrets.yaml", []byte(plainYAML), EncryptOptions{Age: []string{rcpt}})
	if err != nil {
		t.Fatal(err)
	}
	// A clear value changed: the MAC no longer matches.
	changed := strings.Replace(string(enc), "note_unencrypted: visible", "note_unencrypted: changed", 1)
	// Two sealed values swapped: each is bound to its path.
	lines := strings.Split(string(enc), "\n")
	var user, pass int
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "    user: "):
			user = i
		case strings.HasPrefix(l, "    password: "):
			pass = i
		}
	}
	lines[user], lines[pass] = "    user: "+strings.TrimPrefix(lines[pass], "    password: "), "    password: "+strings.TrimPrefix(lines[user], "    user: ")
	swapped := strings.Join(lines, "\n")
	for name, data := range map[string]string{"changed": changed, "swapped": swapped} {
		_, err := Decrypt(ctx, "secrets.yaml", []byte(data), Keys{AgeIdentities: id})
		if !errors.Is(err, ErrMAC) || !strings.HasPrefix(err.Error(), "secrets.yaml: ") {
			t.Errorf("%s: want a MAC error naming the file, got %v", name, err)
		}
	}
}

func TestDecryptWithoutTheKey(t *testing.T) {
	ctx := context.Background()
	_, rcpt := newAgeKey(t)
	other, _ := newAgeKey(t)
	enc, err := Encrypt(ctx, "prod.yaml", []byte(plainYAML), EncryptOptions{Age: []string{rcpt}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decrypt(ctx, "prod.yaml", enc, Keys{NoGPG: true})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "prod.yaml: ") || !strings.Contains(err.Error(), "no age identity given") {
		t.Errorf("missing key: got %v", err)
	}
	_, err = Decrypt(ctx, "prod.yaml", enc, Keys{AgeIdentities: other, NoGPG: true})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "age recipient "+rcpt+": no identity matches") {
		t.Errorf("wrong key: got %v", err)
	}
	if _, err := Decrypt(ctx, "plain.yaml", []byte(plainYAML), Keys{}); !errors.Is(err, errNoMetadata) {
		t.Errorf("plain file: got %v", err)
	}
}

func TestPGPKeys(t *testing.T) {
	ctx := context.Background()
	key := newGPGKey(t)
	enc, err := Encrypt(ctx, "secrets.yaml", []byte(plainYAML), EncryptOptions{PGP: []string{key.fingerprint}, GnuPGHome: key.home})
	if err != nil {
		t.Fatal(err)
	}
	want := yamlValue(t, []byte(plainYAML))
	for name, keys := range map[string]Keys{
		"gpg keyring":        {GnuPGHome: key.home},
		"armored key memory": {PGPSecretKeys: [][]byte{key.armoredSecret}, NoGPG: true},
	} {
		plain, err := Decrypt(ctx, "secrets.yaml", enc, keys)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := yamlValue(t, plain); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decrypted values differ: %#v", name, got)
		}
	}
	_, err = Decrypt(ctx, "secrets.yaml", enc, Keys{NoGPG: true})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "pgp key "+key.fingerprint) {
		t.Errorf("no pgp key: got %v", err)
	}
}

// closedAddress is a loopback address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestCloudKeysAndVault(t *testing.T) {
	ctx := context.Background()
	addr := closedAddress(t)
	file := `password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]
sops:
    azure_kv:
        - vault_url: https://v.vault.azure.net
          name: sops
          enc: AAAA
    hc_vault:
        - vault_address: http://` + addr + `
          engine_path: sops
          key_name: firstkey
          created_at: "2024-01-01T00:00:00Z"
          enc: vault:v1:abc
    lastmodified: "2024-01-01T00:00:00Z"
    mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]
    version: 3.13.3
`
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := Decrypt(ctx, "cloud.yaml", []byte(file), Keys{VaultToken: "root"})
	if err == nil {
		t.Fatal("decrypted without a reachable key")
	}
	msg := err.Error()
	for _, want := range []string{
		"cloud.yaml: ",
		"hc_vault http://" + addr + "/v1/sops/decrypt/firstkey: vault unreachable",
		"connection refused",
		"azure_kv (Azure Key Vault) https://v.vault.azure.net/keys/sops: not supported by rudder yet (planned;",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines:\n%s", msg)
	}
}

func TestEncryptRefusesAliases(t *testing.T) {
	_, rcpt := newAgeKey(t)
	_, err := Encrypt(context.Background(), "anchors.yaml", []byte("a: &x [1, 2]\nb: *x\n"), EncryptOptions{Age: []string{rcpt}})
	if err == nil || !strings.HasPrefix(err.Error(), "anchors.yaml: b: YAML aliases are not supported") {
		t.Errorf("got %v", err)
	}
}
