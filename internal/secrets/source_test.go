package secrets

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	cases := []struct {
		name  string
		want  Source
		named bool
		err   string
	}{
		{"values.yaml", Source{}, false, ""},
		{"https://example.com/v.yaml", Source{}, false, ""},
		{"secrets://secrets.yaml", Source{Path: "secrets.yaml"}, true, ""},
		{"secrets://https://example.com/s.yaml", Source{Path: "https://example.com/s.yaml"}, true, ""},
		{"secrets+age-import:///keys/age.txt?dir/secrets.yaml", Source{Path: "dir/secrets.yaml", AgeKeyFile: "/keys/age.txt"}, true, ""},
		{"secrets+gpg-import://key.asc?secrets.yaml", Source{Path: "secrets.yaml", PGPKeyFile: "key.asc"}, true, ""},
		{"secrets+age-import://key.txt", Source{}, true, "want secrets+age-import://KEY-FILE?VALUES-FILE"},
		{"secrets+gpg-import-kubernetes://ns/s#key.asc?secrets.yaml", Source{}, true, "not supported"},
		{"secrets+literal://ref+vault://x", Source{}, true, "vals backend"},
	}
	for _, c := range cases {
		got, named, err := ParseSource(c.name)
		if named != c.named || (c.err == "" && (err != nil || !reflect.DeepEqual(got, c.want))) ||
			(c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), c.name))) {
			t.Errorf("ParseSource(%q) = %+v, %v, %v", c.name, got, named, err)
		}
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name, data string
		format     Format
		encrypted  bool
	}{
		{"values.yaml", "a: 1\n", YAML, false},
		{"values.yaml", "sops: not metadata\n", YAML, false},
		{"values.yaml", "a: 1\nsops:\n    mac: x\n    lastmodified: y\n", YAML, true},
		{"-", "a: 1\nsops:\n    mac: x\n", YAML, true},
		{"-", `{"a": 1, "sops": {"mac": "x"}}`, JSON, true},
		{"key.bin", `{"data": "ENC[...]", "sops": {"mac": "x"}}`, Binary, true},
		{"app.env", "A=1\nsops_mac=x\n", Dotenv, true},
		{"app.env", "A=sops\n", Dotenv, false},
	}
	for _, c := range cases {
		f, enc := Detect(c.name, []byte(c.data))
		if enc != c.encrypted || (enc && f != c.format) {
			t.Errorf("Detect(%q, %q) = %v, %v; want %v, %v", c.name, c.data, f, enc, c.format, c.encrypted)
		}
	}
}

func TestConfigRules(t *testing.T) {
	c, err := ParseConfig([]byte(`creation_rules:
  - path_regex: prod/.*\.yaml$
    age: age1prod, age1backup
    encrypted_regex: ^(password|token)$
  - path_regex: \.kms\.yaml$
    kms: arn:aws:kms:eu-west-1:1:key/x,arn:aws:kms:eu-west-1:1:key/y+arn:aws:iam::1:role/r
    aws_profile: prod
  - path_regex: \.azure\.yaml$
    azure_keyvault: https://v.vault.azure.net/keys/sops/1
  - pgp:
      - ABCDEF
`))
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Options("/repo", "/repo/prod/secrets.yaml")
	if err != nil || !reflect.DeepEqual(o.Age, []string{"age1prod", "age1backup"}) || o.EncryptedRegex != "^(password|token)$" {
		t.Errorf("prod rule: %+v, %v", o, err)
	}
	if o, err := c.Options("/repo", "/repo/dev/secrets.yaml"); err != nil || !reflect.DeepEqual(o.PGP, []string{"ABCDEF"}) {
		t.Errorf("catch-all rule: %+v, %v", o, err)
	}
	if o, err := c.Options("/repo", "/repo/a.kms.yaml"); err != nil || !reflect.DeepEqual(o.KMS, []string{"arn:aws:kms:eu-west-1:1:key/x", "arn:aws:kms:eu-west-1:1:key/y+arn:aws:iam::1:role/r"}) || o.AWSProfile != "prod" {
		t.Errorf("kms rule: %+v, %v", o, err)
	}
	if _, err := c.Options("/repo", "/repo/a.azure.yaml"); err == nil || !strings.Contains(err.Error(), "azure_keyvault keys are not supported") {
		t.Errorf("azure_keyvault rule: %v", err)
	}
	c.Rules = c.Rules[:1]
	if _, err := c.Options("/repo", "/repo/dev/secrets.yaml"); !errors.Is(err, ErrNoRule) {
		t.Errorf("no rule: %v", err)
	}
}
