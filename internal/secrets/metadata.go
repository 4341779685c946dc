package secrets

import (
	"fmt"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// metadataKey is the top-level key under which a SOPS file keeps its metadata.
const metadataKey = "sops"

// metadata is a file's "sops" section, in SOPS' own field names and order.
type metadata struct {
	ShamirThreshold         int        `yaml:"shamir_threshold,omitempty" json:"shamir_threshold,omitempty"`
	KeyGroups               []keyGroup `yaml:"key_groups,omitempty" json:"key_groups,omitempty"`
	KMS                     []kmsKey   `yaml:"kms,omitempty" json:"kms,omitempty"`
	GCPKMS                  []gcpKey   `yaml:"gcp_kms,omitempty" json:"gcp_kms,omitempty"`
	HCKMS                   []cloudKey `yaml:"hckms,omitempty" json:"hckms,omitempty"`
	AzureKV                 []cloudKey `yaml:"azure_kv,omitempty" json:"azure_kv,omitempty"`
	Vault                   []vaultKey `yaml:"hc_vault,omitempty" json:"hc_vault,omitempty"`
	Age                     []ageKey   `yaml:"age,omitempty" json:"age,omitempty"`
	LastModified            string     `yaml:"lastmodified" json:"lastmodified"`
	MAC                     string     `yaml:"mac" json:"mac"`
	PGP                     []pgpKey   `yaml:"pgp,omitempty" json:"pgp,omitempty"`
	UnencryptedSuffix       string     `yaml:"unencrypted_suffix,omitempty" json:"unencrypted_suffix,omitempty"`
	EncryptedSuffix         string     `yaml:"encrypted_suffix,omitempty" json:"encrypted_suffix,omitempty"`
	UnencryptedRegex        string     `yaml:"unencrypted_regex,omitempty" json:"unencrypted_regex,omitempty"`
	EncryptedRegex          string     `yaml:"encrypted_regex,omitempty" json:"encrypted_regex,omitempty"`
	UnencryptedCommentRegex string     `yaml:"unencrypted_comment_regex,omitempty" json:"unencrypted_comment_regex,omitempty"`
	EncryptedCommentRegex   string     `yaml:"encrypted_comment_regex,omitempty" json:"encrypted_comment_regex,omitempty"`
	MACOnlyEncrypted        bool       `yaml:"mac_only_encrypted,omitempty" json:"mac_only_encrypted,omitempty"`
	Version                 string     `yaml:"version" json:"version"`
}

// keyGroup is one of the groups of a file split with Shamir's scheme.
type keyGroup struct {
	PGP     []pgpKey   `yaml:"pgp,omitempty" json:"pgp,omitempty"`
	KMS     []kmsKey   `yaml:"kms,omitempty" json:"kms,omitempty"`
	GCPKMS  []gcpKey   `yaml:"gcp_kms,omitempty" json:"gcp_kms,omitempty"`
	HCKMS   []cloudKey `yaml:"hckms,omitempty" json:"hckms,omitempty"`
	AzureKV []cloudKey `yaml:"azure_kv,omitempty" json:"azure_kv,omitempty"`
	Vault   []vaultKey `yaml:"hc_vault,omitempty" json:"hc_vault,omitempty"`
	Age     []ageKey   `yaml:"age,omitempty" json:"age,omitempty"`
}

type ageKey struct {
	Recipient string `yaml:"recipient" json:"recipient"`
	Enc       string `yaml:"enc" json:"enc"`
}

type pgpKey struct {
	CreatedAt   string `yaml:"created_at" json:"created_at"`
	Enc         string `yaml:"enc" json:"enc"`
	Fingerprint string `yaml:"fp" json:"fp"`
}

type vaultKey struct {
	Address    string `yaml:"vault_address" json:"vault_address"`
	EnginePath string `yaml:"engine_path" json:"engine_path"`
	KeyName    string `yaml:"key_name" json:"key_name"`
	CreatedAt  string `yaml:"created_at" json:"created_at"`
	Enc        string `yaml:"enc" json:"enc"`
}

// cloudKey is any cloud KMS key; only what names it is kept.
type cloudKey struct {
	ARN        string `yaml:"arn,omitempty" json:"arn,omitempty"`
	ResourceID string `yaml:"resource_id,omitempty" json:"resource_id,omitempty"`
	VaultURL   string `yaml:"vault_url,omitempty" json:"vault_url,omitempty"`
	Name       string `yaml:"name,omitempty" json:"name,omitempty"`
	KeyID      string `yaml:"key_id,omitempty" json:"key_id,omitempty"`
	Enc        string `yaml:"enc,omitempty" json:"enc,omitempty"`
}

// groups returns the file's key groups: key_groups when the file has them, else
// one group of the top-level keys.
func (m *metadata) groups() []keyGroup {
	if len(m.KeyGroups) > 0 {
		return m.KeyGroups
	}
	return []keyGroup{{PGP: m.PGP, KMS: m.KMS, GCPKMS: m.GCPKMS, HCKMS: m.HCKMS, AzureKV: m.AzureKV, Vault: m.Vault, Age: m.Age}}
}

// lastModified is the timestamp the MAC is bound to, as SOPS formats it.
func (m *metadata) lastModified() (string, error) {
	t, err := time.Parse(time.RFC3339, m.LastModified)
	if err != nil {
		return "", fmt.Errorf("sops metadata: lastmodified %q: %w", m.LastModified, err)
	}
	return t.Format(time.RFC3339), nil
}

// splitMetadata removes the top-level "sops" entry from a mapping node and
// decodes it. ok is false when the mapping has no such entry.
func splitMetadata(root *yaml.Node) (*metadata, bool, error) {
	if root.Kind != yaml.MappingNode {
		return nil, false, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != metadataKey {
			continue
		}
		var m metadata
		if err := root.Content[i+1].Decode(&m); err != nil {
			return nil, true, fmt.Errorf("sops metadata: %w", err)
		}
		if m.MAC == "" && m.LastModified == "" {
			return nil, false, nil
		}
		root.Content = append(root.Content[:i:i], root.Content[i+2:]...)
		return &m, true, nil
	}
	return nil, false, nil
}

// hasMetadata reports whether a mapping node carries SOPS metadata, without
// changing it.
func hasMetadata(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != metadataKey || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		m := root.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			if k := m.Content[j].Value; k == "mac" || k == "lastmodified" {
				return true
			}
		}
	}
	return false
}
