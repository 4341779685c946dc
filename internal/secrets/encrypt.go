package secrets

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	sopsage "github.com/getsops/sops/v3/age"
	sopspgp "github.com/getsops/sops/v3/pgp"
	yaml "go.yaml.in/yaml/v3"
)

// FormatVersion is the SOPS version written into files this package encrypts:
// the version of the format it writes.
const FormatVersion = "3.13.3"

// defaultUnencryptedSuffix is what SOPS leaves in clear when no rule is given.
const defaultUnencryptedSuffix = "_unencrypted"

// EncryptOptions say whom a file is encrypted for and which values are
// encrypted. At least one recipient is needed; with no rule, every value is
// encrypted except under keys ending in "_unencrypted", as in SOPS.
type EncryptOptions struct {
	Age []string // age recipients (age1...)
	PGP []string // PGP fingerprints, encrypted for with gpg
	// KMS holds AWS KMS key ARNs, each optionally followed by "+" and the
	// ARN of a role to assume, as sops' --kms takes them.
	KMS []string
	// AWSProfile is recorded with each KMS key (sops' --aws-profile) and
	// used to reach it.
	AWSProfile string
	// AWS reaches AWS KMS for KMS recipients.
	AWS AWS
	// GCPKMS holds GCP KMS key resource IDs (projects/P/locations/L/keyRings/R/cryptoKeys/K).
	GCPKMS []string
	// GCP reaches GCP Cloud KMS for GCPKMS recipients.
	GCP GCP

	// GnuPGHome is the GnuPG home gpg is run with for PGP recipients; empty
	// means gpg's default.
	GnuPGHome string

	UnencryptedSuffix string
	EncryptedSuffix   string
	UnencryptedRegex  string
	EncryptedRegex    string
	MACOnlyEncrypted  bool

	// Now is the encryption time (lastmodified); zero means time.Now().
	Now time.Time
}

// Encrypt seals a plain file for the recipients in opts, its format given by
// name's extension.
func Encrypt(ctx context.Context, name string, plain []byte, opts EncryptOptions) ([]byte, error) {
	return EncryptFormat(ctx, name, plain, FormatOf(name), opts)
}

// EncryptFormat is Encrypt for a file of format f whatever its name.
func EncryptFormat(ctx context.Context, name string, plain []byte, f Format, opts EncryptOptions) ([]byte, error) {
	out, err := encrypt(ctx, plain, f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func encrypt(ctx context.Context, plain []byte, f Format, opts EncryptOptions) ([]byte, error) {
	if len(opts.Age) == 0 && len(opts.PGP) == 0 && len(opts.KMS) == 0 && len(opts.GCPKMS) == 0 {
		return nil, errors.New("no recipient: give an age recipient or a pgp fingerprint, or a .sops.yaml creation rule")
	}
	var root *yaml.Node
	if f == Binary {
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strScalar(binaryKey), strScalar(string(plain))}}
	} else {
		var err error
		if root, err = parse(plain, f); err != nil {
			return nil, fmt.Errorf("not a valid %s file: %w", f, err)
		}
		if hasMetadata(root) {
			return nil, errors.New("already encrypted with sops")
		}
	}
	m := &metadata{
		UnencryptedSuffix: opts.UnencryptedSuffix, EncryptedSuffix: opts.EncryptedSuffix,
		UnencryptedRegex: opts.UnencryptedRegex, EncryptedRegex: opts.EncryptedRegex,
		MACOnlyEncrypted: opts.MACOnlyEncrypted, Version: FormatVersion,
	}
	if m.UnencryptedSuffix == "" && m.EncryptedSuffix == "" && m.UnencryptedRegex == "" && m.EncryptedRegex == "" {
		m.UnencryptedSuffix = defaultUnencryptedSuffix
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := sealKey(ctx, m, key, opts, now); err != nil {
		return nil, err
	}
	return sealTree(root, f, m, key, now)
}

// sealTree seals every value of root with key, sets the MAC and writes the file.
func sealTree(root *yaml.Node, f Format, m *metadata, key []byte, now time.Time) ([]byte, error) {
	w, err := newWalker(key, m, true)
	if err != nil {
		return nil, err
	}
	if f == Dotenv {
		w.comments = false
	}
	if err := w.walk(root, nil); err != nil {
		return nil, err
	}
	m.LastModified = now.UTC().Format(time.RFC3339)
	if m.MAC, err = seal([]byte(w.sum()), "str", key, m.LastModified); err != nil {
		return nil, err
	}
	if f == Binary {
		f = JSON
	}
	return emit(root, f, m)
}

// sealKey seals the data key for every recipient.
func sealKey(ctx context.Context, m *metadata, key []byte, opts EncryptOptions, now time.Time) error {
	for _, r := range opts.Age {
		mk, err := sopsage.MasterKeyFromRecipient(strings.TrimSpace(r))
		if err != nil {
			return fmt.Errorf("age recipient %s: %w", r, err)
		}
		if err := mk.Encrypt(key); err != nil {
			return fmt.Errorf("age recipient %s: %w", r, err)
		}
		m.Age = append(m.Age, ageKey{Recipient: mk.Recipient, Enc: string(mk.EncryptedDataKey())})
	}
	for _, fp := range opts.PGP {
		mk := sopspgp.NewMasterKeyFromFingerprint(strings.TrimSpace(fp))
		sopspgp.DisableOpenPGP{}.ApplyToMasterKey(mk)
		if opts.GnuPGHome != "" {
			sopspgp.GnuPGHome(opts.GnuPGHome).ApplyToMasterKey(mk)
		}
		if err := mk.EncryptContext(ctx, key); err != nil {
			return fmt.Errorf("pgp key %s: %s", fp, firstLine(err.Error()))
		}
		m.PGP = append(m.PGP, pgpKey{CreatedAt: now.UTC().Format(time.RFC3339), Enc: mk.EncryptedKey, Fingerprint: mk.Fingerprint})
	}
	for _, r := range opts.KMS {
		arn, role, _ := strings.Cut(strings.TrimSpace(r), "+")
		k, err := opts.AWS.sealKMS(ctx, kmsKey{ARN: arn, Role: role, AWSProfile: opts.AWSProfile}, key, now)
		if err != nil {
			return fmt.Errorf("kms %s: %w", arn, err)
		}
		m.KMS = append(m.KMS, k)
	}
	for _, id := range opts.GCPKMS {
		id = strings.TrimSpace(id)
		k, err := opts.GCP.sealGCP(ctx, gcpKey{ResourceID: id}, key, now)
		if err != nil {
			return fmt.Errorf("gcp_kms %s: %w", id, err)
		}
		m.GCPKMS = append(m.GCPKMS, k)
	}
	return nil
}

// Edit opens a SOPS file, lets edit change its plain form, and seals the
// result again for the same keys, with the same data key and rules. The plain
// form only exists in memory here; what edit does with it is its own affair.
func Edit(ctx context.Context, name string, data []byte, keys Keys, edit func(plain []byte) ([]byte, error)) ([]byte, error) {
	f := FormatOf(name)
	root, m, key, err := decryptTree(ctx, data, f, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	plain, err := emit(root, f, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	changed, err := edit(plain)
	if err != nil {
		return nil, err
	}
	if f == Binary {
		root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{strScalar(binaryKey), strScalar(string(changed))}}
	} else if root, err = parse(changed, f); err != nil {
		return nil, fmt.Errorf("%s: edited file is not valid %s: %w", name, f, err)
	}
	out, err := sealTree(root, f, m, key, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
