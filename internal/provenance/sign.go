package provenance

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"sort"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"sigs.k8s.io/yaml"
)

// Errors of signing and verification.
var (
	ErrNoSignature  = errors.New("signature block not found")
	ErrNoPrivateKey = errors.New("provided key is not a private key. Try providing a keyring with secret keys")
	ErrHashMismatch = errors.New("sha256 sum does not match")
)

// pgpConfig: SHA-512 signatures, as Helm makes them.
var pgpConfig = packet.Config{DefaultHash: crypto.SHA512}

// sums is the second part of the signed message.
type sums struct {
	Files map[string]string `json:"files"`
}

// Digest returns the hex SHA-256 of data.
func Digest(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// Message builds the text that gets signed: the chart's metadata as YAML, a line
// "...", and the archive's file name with its SHA-256.
func Message(archive []byte, filename string, metadata []byte) ([]byte, error) {
	s, err := yaml.Marshal(sums{Files: map[string]string{filename: "sha256:" + Digest(archive)}})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(metadata)
	b.WriteString("\n...\n")
	b.Write(s)
	return b.Bytes(), nil
}

// Sign returns the provenance file of an archive, clear-signed with key.
func Sign(archive []byte, filename string, metadata []byte, key *openpgp.Entity) ([]byte, error) {
	if key == nil {
		return nil, errors.New("private key not found")
	}
	if key.PrivateKey == nil {
		return nil, ErrNoPrivateKey
	}
	msg, err := Message(archive, filename, metadata)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, key.PrivateKey, &pgpConfig)
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", filename, err)
	}
	if _, err := w.Write(msg); err != nil {
		return nil, fmt.Errorf("signing %s: %w", filename, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("signing %s: %w", filename, err)
	}
	return out.Bytes(), nil
}

// Verification is what a successful Verify established.
type Verification struct {
	// SignedBy is the key that made the signature.
	SignedBy *openpgp.Entity
	// FileName and FileHash ("sha256:<hex>") are the archive that was checked.
	FileName string
	FileHash string
}

// Identities are the signer's user IDs, sorted.
func (v *Verification) Identities() []string {
	var ids []string
	for id := range v.SignedBy.Identities {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Fingerprint is the signer's primary key fingerprint in upper-case hex.
func (v *Verification) Fingerprint() string {
	return strings.ToUpper(hex.EncodeToString(v.SignedBy.PrimaryKey.Fingerprint))
}

// Verify checks that prov is a valid signature, by a key of ring, over a message
// that names filename with the SHA-256 of archive.
func Verify(archive, prov []byte, filename string, ring openpgp.EntityList) (*Verification, error) {
	block, _ := clearsign.Decode(prov)
	if block == nil {
		return nil, ErrNoSignature
	}
	signer, err := openpgp.CheckDetachedSignature(ring, bytes.NewReader(block.Bytes), block.ArmoredSignature.Body, &pgpConfig)
	if err != nil {
		return nil, fmt.Errorf("signature of %s: %w", filename, err)
	}
	_, files, err := ParseMessage(block.Plaintext)
	if err != nil {
		return nil, err
	}
	want, ok := files[filename]
	if !ok {
		return nil, fmt.Errorf("provenance does not contain a SHA for a file named %q", filename)
	}
	got := "sha256:" + Digest(archive)
	if want != got {
		return nil, fmt.Errorf("%w for %s: %q != %q", ErrHashMismatch, filename, want, got)
	}
	return &Verification{SignedBy: signer, FileName: filename, FileHash: got}, nil
}

// ParseMessage splits a signed message into its metadata part and the file
// digests it lists.
func ParseMessage(msg []byte) (metadata []byte, files map[string]string, err error) {
	parts := bytes.SplitN(msg, []byte("\n...\n"), 2)
	if len(parts) < 2 {
		return nil, nil, errors.New("message block must have at least two parts")
	}
	var s sums
	if err := yaml.Unmarshal(parts[1], &s); err != nil {
		return nil, nil, fmt.Errorf("provenance file digests: %w", err)
	}
	return parts[0], s.Files, nil
}

// Plaintext returns the signed message of a provenance file without checking the
// signature.
func Plaintext(prov []byte) ([]byte, error) {
	block, _ := clearsign.Decode(prov)
	if block == nil {
		return nil, ErrNoSignature
	}
	return block.Plaintext, nil
}
