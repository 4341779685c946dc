package secrets

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ConfigFileNames are the names sops looks for, in each folder from the
// working directory up.
var ConfigFileNames = []string{".sops.yaml", ".sops.yml"}

// Config is a .sops.yaml file's creation rules.
type Config struct {
	Rules []CreationRule `yaml:"creation_rules"`
}

// CreationRule says whom files matching PathRegex are encrypted for. Keys are
// a comma-separated string or a list, as in sops.
type CreationRule struct {
	PathRegex         string     `yaml:"path_regex"`
	Age               stringList `yaml:"age"`
	PGP               stringList `yaml:"pgp"`
	KMS               stringList `yaml:"kms"`
	GCPKMS            stringList `yaml:"gcp_kms"`
	AzureKeyVault     stringList `yaml:"azure_keyvault"`
	VaultTransitURI   stringList `yaml:"hc_vault_transit_uri"`
	HCKMS             stringList `yaml:"hckms"`
	AWSProfile        string     `yaml:"aws_profile"`
	KeyGroups         []any      `yaml:"key_groups"`
	UnencryptedSuffix string     `yaml:"unencrypted_suffix"`
	EncryptedSuffix   string     `yaml:"encrypted_suffix"`
	UnencryptedRegex  string     `yaml:"unencrypted_regex"`
	EncryptedRegex    string     `yaml:"encrypted_regex"`
	MACOnlyEncrypted  bool       `yaml:"mac_only_encrypted"`
}

// stringList reads "a,b" or [a, b].
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	var one string
	if n.Kind == yaml.ScalarNode {
		if err := n.Decode(&one); err != nil {
			return err
		}
		for _, s := range strings.Split(one, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*l = append(*l, s)
			}
		}
		return nil
	}
	var many []string
	if err := n.Decode(&many); err != nil {
		return err
	}
	*l = many
	return nil
}

// ParseConfig reads a .sops.yaml file.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// ErrNoRule means no creation rule matches a file.
var ErrNoRule = errors.New("no creation rule matches the file")

// Options returns the encryption options of the first rule matching file,
// whose path is taken relative to configDir (the folder of .sops.yaml), as sops
// does. A rule without path_regex matches every file.
func (c *Config) Options(configDir, file string) (EncryptOptions, error) {
	if abs, err := filepath.Abs(file); err == nil {
		if dir, err := filepath.Abs(configDir); err == nil {
			file = strings.TrimPrefix(abs, dir+string(filepath.Separator))
		}
	}
	for _, r := range c.Rules {
		if r.PathRegex != "" {
			re, err := regexp.Compile(r.PathRegex)
			if err != nil {
				return EncryptOptions{}, fmt.Errorf("creation rule path_regex %q: %w", r.PathRegex, err)
			}
			if !re.MatchString(file) {
				continue
			}
		}
		return r.options()
	}
	return EncryptOptions{}, fmt.Errorf("%s: %w", file, ErrNoRule)
}

func (r CreationRule) options() (EncryptOptions, error) {
	for kind, keys := range map[string]stringList{"azure_keyvault": r.AzureKeyVault, "hc_vault_transit_uri": r.VaultTransitURI, "hckms": r.HCKMS} {
		if len(keys) > 0 {
			return EncryptOptions{}, fmt.Errorf("creation rule %q: %s keys are not supported by rudder; use sops to encrypt for them", r.PathRegex, kind)
		}
	}
	if len(r.KeyGroups) > 0 {
		return EncryptOptions{}, fmt.Errorf("creation rule %q: key_groups are not supported by rudder; use sops to encrypt for them", r.PathRegex)
	}
	return EncryptOptions{
		Age: r.Age, PGP: r.PGP, KMS: r.KMS, AWSProfile: r.AWSProfile, GCPKMS: r.GCPKMS,
		UnencryptedSuffix: r.UnencryptedSuffix, EncryptedSuffix: r.EncryptedSuffix,
		UnencryptedRegex: r.UnencryptedRegex, EncryptedRegex: r.EncryptedRegex,
		MACOnlyEncrypted: r.MACOnlyEncrypted,
	}, nil
}
