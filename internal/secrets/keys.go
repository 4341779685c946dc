package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	sopsage "github.com/getsops/sops/v3/age"
	sopspgp "github.com/getsops/sops/v3/pgp"
	"github.com/getsops/sops/v3/shamir"
)

// Keys are the secret keys a file may be opened with. The zero value holds
// none: only a file sealed for Vault (with a token) or for a key in the default
// GnuPG keyring opens with it.
type Keys struct {
	// AgeIdentities holds age identity files' contents (AGE-SECRET-KEY-1...
	// lines; "#" lines are ignored), several files concatenated.
	AgeIdentities []byte
	// PGPSecretKeys holds armored PGP secret keys, tried in memory before gpg.
	PGPSecretKeys [][]byte
	// GnuPGHome is the GnuPG home gpg is run with; empty means gpg's default.
	GnuPGHome string
	// NoGPG skips the gpg binary: PGP keys are only looked for in PGPSecretKeys.
	NoGPG bool
	// VaultToken authenticates to HashiCorp Vault's transit engine, at the
	// address the file names.
	VaultToken string
	// HTTPClient reaches Vault; nil means http.DefaultClient.
	HTTPClient *http.Client
	// AWS reaches AWS KMS.
	AWS AWS
	// GCP reaches GCP Cloud KMS.
	GCP GCP
}

// ErrNoKey means none of the keys a file is sealed for could be used.
var ErrNoKey = errors.New("no key could decrypt the data key")

// dataKey opens the file's data key with keys, combining Shamir parts when
// the file has several key groups.
func (k Keys) dataKey(ctx context.Context, m *metadata) ([]byte, error) {
	groups := m.groups()
	threshold := m.ShamirThreshold
	if threshold <= 0 || threshold > len(groups) {
		threshold = len(groups)
	}
	var parts [][]byte
	var errs []string
	for _, g := range groups {
		part, err := k.openGroup(ctx, g)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if len(groups) == 1 {
			return part, nil
		}
		if parts = append(parts, part); len(parts) >= threshold {
			return shamir.Combine(parts)
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoKey, strings.Join(errs, "; "))
}

// openGroup opens one group's copy of the data key with the first key that works.
func (k Keys) openGroup(ctx context.Context, g keyGroup) ([]byte, error) {
	var errs []string
	for _, a := range g.Age {
		key, err := k.openAge(a)
		if err == nil {
			return key, nil
		}
		errs = append(errs, fmt.Sprintf("age recipient %s: %v", a.Recipient, err))
	}
	for _, p := range g.PGP {
		key, err := k.openPGP(ctx, p)
		if err == nil {
			return key, nil
		}
		errs = append(errs, fmt.Sprintf("pgp key %s: %v", p.Fingerprint, err))
	}
	for _, v := range g.Vault {
		key, err := k.openVault(ctx, v)
		if err == nil {
			return key, nil
		}
		errs = append(errs, fmt.Sprintf("hc_vault %s: %v", vaultURL(v, "decrypt"), err))
	}
	for _, c := range g.KMS {
		key, err := k.AWS.openKMS(ctx, c)
		if err == nil {
			return key, nil
		}
		errs = append(errs, fmt.Sprintf("kms %s: %v", c.ARN, err))
	}
	for _, c := range g.GCPKMS {
		key, err := k.GCP.openGCP(ctx, c)
		if err == nil {
			return key, nil
		}
		errs = append(errs, fmt.Sprintf("gcp_kms %s: %v", c.ResourceID, err))
	}
	for _, c := range g.AzureKV {
		errs = append(errs, unsupported("azure_kv (Azure Key Vault)", c.VaultURL+"/keys/"+c.Name))
	}
	for _, c := range g.HCKMS {
		errs = append(errs, unsupported("hckms (HuaweiCloud KMS)", c.KeyID))
	}
	if len(errs) == 0 {
		return nil, errors.New("the file lists no keys")
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

func unsupported(kind, id string) string {
	return fmt.Sprintf("%s %s: not supported by rudder yet (planned; meanwhile add an age, pgp, hc_vault, aws or gcp kms key to the file with sops updatekeys)", kind, id)
}

func (k Keys) openAge(a ageKey) ([]byte, error) {
	if len(bytes.TrimSpace(k.AgeIdentities)) == 0 {
		return nil, errors.New("no age identity given (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY)")
	}
	ids, err := age.ParseIdentities(bytes.NewReader(k.AgeIdentities))
	if err != nil {
		return nil, fmt.Errorf("age identities: %w", err)
	}
	mk, err := sopsage.MasterKeyFromRecipient(a.Recipient)
	if err != nil {
		return nil, err
	}
	mk.EncryptedKey = a.Enc
	sopsage.ParsedIdentities(ids).ApplyToMasterKey(mk)
	key, err := mk.Decrypt()
	if err != nil {
		return nil, errors.New("no identity matches this recipient")
	}
	return key, nil
}

func (k Keys) openPGP(ctx context.Context, p pgpKey) ([]byte, error) {
	var errs []string
	for _, armored := range k.PGPSecretKeys {
		key, err := openPGPInMemory(armored, p.Enc)
		if err == nil {
			return key, nil
		}
		errs = append(errs, err.Error())
	}
	if !k.NoGPG {
		mk := sopspgp.NewMasterKeyFromFingerprint(p.Fingerprint)
		mk.EncryptedKey = p.Enc
		sopspgp.DisableOpenPGP{}.ApplyToMasterKey(mk)
		if k.GnuPGHome != "" {
			sopspgp.GnuPGHome(k.GnuPGHome).ApplyToMasterKey(mk)
		}
		key, err := mk.DecryptContext(ctx)
		if err == nil {
			return key, nil
		}
		errs = append(errs, firstLine(err.Error()))
	}
	if len(errs) == 0 {
		return nil, errors.New("no pgp secret key given")
	}
	return nil, errors.New(strings.Join(errs, "; "))
}

// openPGPInMemory decrypts an armored PGP message with an armored secret key,
// without gpg and without a keyring on disk.
func openPGPInMemory(secretKey []byte, message string) ([]byte, error) {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(secretKey))
	if err != nil {
		return nil, fmt.Errorf("pgp secret key: %w", err)
	}
	block, err := armor.Decode(strings.NewReader(message))
	if err != nil {
		return nil, fmt.Errorf("pgp message: %w", err)
	}
	md, err := openpgp.ReadMessage(block.Body, ring, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("pgp message: %w", err)
	}
	return io.ReadAll(md.UnverifiedBody)
}

func vaultURL(v vaultKey, op string) string {
	return strings.TrimRight(v.Address, "/") + "/v1/" + path.Join(v.EnginePath, op, v.KeyName)
}

// openVault asks Vault's transit engine to decrypt the data key.
func (k Keys) openVault(ctx context.Context, v vaultKey) ([]byte, error) {
	var out struct {
		Data struct {
			Plaintext string `json:"plaintext"`
		} `json:"data"`
	}
	if err := k.vaultCall(ctx, vaultURL(v, "decrypt"), map[string]string{"ciphertext": v.Enc}, &out); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(out.Data.Plaintext)
}

func (k Keys) vaultCall(ctx context.Context, url string, body any, out any) error {
	if k.VaultToken == "" {
		return errors.New("no vault token given (set VAULT_TOKEN or log in with vault login)")
	}
	client := k.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	return postJSON(ctx, client, "vault", url, http.Header{"X-Vault-Token": {k.VaultToken}}, body, out)
}

// postJSON posts in as JSON to url with header added and decodes a 200
// answer into out. Errors name service: unreachable, or the status it
// answered with the first line of its message.
func postJSON(ctx context.Context, client *http.Client, service, url string, header http.Header, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	for name, v := range header {
		req.Header[name] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s unreachable: %w", service, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		// Google APIs answer {"error":{"message":...}}; others, their body.
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		msg := string(data)
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		return fmt.Errorf("%s answered %s: %s", service, resp.Status, firstLine(msg))
	}
	return json.Unmarshal(data, out)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
