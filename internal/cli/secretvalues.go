package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/secrets"
)

// SOPS' environment, read here and passed to package secrets as Keys.
const (
	sopsAgeKeyEnv     = "SOPS_AGE_KEY"
	sopsAgeKeyFileEnv = "SOPS_AGE_KEY_FILE"
)

// maxKeyFileSize bounds a key file the CLI reads (age identities, PGP keys).
const maxKeyFileSize = 1 << 20

// secretReader wraps read (the reader of -f and --set-file inputs) so SOPS
// files open in memory: names in helm-secrets' syntax (secrets://FILE,
// secrets+age-import://KEY?FILE, secrets+gpg-import://KEY?FILE), and any file
// whose content carries SOPS metadata. Plain files pass through unchanged. Keys
// are resolved from the environment on the first encrypted file.
func (a *app) secretReader(read func(ctx context.Context, name string) ([]byte, error)) func(ctx context.Context, name string) ([]byte, error) {
	var keys *secrets.Keys
	return func(ctx context.Context, name string) ([]byte, error) {
		src, named, err := secrets.ParseSource(name)
		if err != nil {
			return nil, err
		}
		path := name
		if named {
			path = src.Path
		}
		data, err := read(ctx, path)
		if err != nil {
			return nil, err
		}
		format, encrypted := secrets.Detect(path, data)
		if !encrypted {
			if named {
				return nil, fmt.Errorf("%s: not encrypted with sops (no sops metadata)", path)
			}
			return data, nil
		}
		if keys == nil {
			k, err := a.secretKeys()
			if err != nil {
				return nil, err
			}
			keys = &k
		}
		k := *keys
		if src.AgeKeyFile != "" {
			id, err := readKeyFile(src.AgeKeyFile)
			if err != nil {
				return nil, err
			}
			k.AgeIdentities = append(append(append([]byte{}, id...), '\n'), k.AgeIdentities...)
		}
		if src.PGPKeyFile != "" {
			key, err := readKeyFile(src.PGPKeyFile)
			if err != nil {
				return nil, err
			}
			k.PGPSecretKeys = append([][]byte{key}, k.PGPSecretKeys...)
		}
		plain, err := secrets.DecryptFormat(ctx, path, data, format, k)
		if err != nil {
			return nil, err
		}
		a.log.Debug("decrypted a sops file in memory", "file", path, "format", format.String())
		return plain, nil
	}
}

// secretKeys gathers the keys SOPS files are opened with, as sops finds them:
// age identities from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and the default key file
// (sops/age/keys.txt under the user's configuration folder), the GnuPG home
// from GNUPGHOME, a Vault token from VAULT_TOKEN or ~/.vault-token, and AWS
// KMS settings from the AWS SDK's standard chain.
func (a *app) secretKeys() (secrets.Keys, error) {
	env := a.settings.getenv
	var k secrets.Keys
	var ids []byte
	if v := env(sopsAgeKeyEnv); v != "" {
		ids = append(ids, v+"\n"...)
	}
	if p := env(sopsAgeKeyFileEnv); p != "" {
		data, err := readKeyFile(p)
		if err != nil {
			return k, fmt.Errorf("%s: %w", sopsAgeKeyFileEnv, err)
		}
		ids = append(append(ids, data...), '\n')
	}
	if p := defaultAgeKeyFile(env); p != "" {
		if data, err := readKeyFile(p); err == nil {
			ids = append(append(ids, data...), '\n')
		}
	}
	k.AgeIdentities = ids
	k.GnuPGHome = env("GNUPGHOME")
	k.VaultToken = env("VAULT_TOKEN")
	if k.VaultToken == "" {
		if home := env("HOME"); home != "" {
			if data, err := readKeyFile(filepath.Join(home, ".vault-token")); err == nil {
				k.VaultToken = strings.TrimSpace(string(data))
			}
		}
	}
	k.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	k.AWS = a.awsKMS()
	k.GCP = a.gcpKMS()
	return k, nil
}

// defaultAgeKeyFile is where sops looks for age identities when told nothing:
// $XDG_CONFIG_HOME/sops/age/keys.txt, else the user's configuration folder
// (~/.config on Linux, ~/Library/Application Support on macOS).
func defaultAgeKeyFile(env func(string) string) string {
	if x := env("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "sops", "age", "keys.txt")
	}
	home := env("HOME")
	if home == "" {
		return ""
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "sops", "age", "keys.txt")
	}
	return filepath.Join(home, ".config", "sops", "age", "keys.txt")
}

// readKeyFile reads a key file of at most maxKeyFileSize bytes.
func readKeyFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes, not a key file", name, maxKeyFileSize)
	}
	return data, nil
}
