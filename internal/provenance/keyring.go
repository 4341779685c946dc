package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// LoadKeyring reads a keyring file: binary OpenPGP packets, ASCII armour, or a
// GnuPG keybox.
func LoadKeyring(path string) (openpgp.EntityList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ring, err := ParseKeyring(data)
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	return ring, nil
}

// ParseKeyring reads keyring bytes in any of the forms LoadKeyring accepts.
func ParseKeyring(data []byte) (openpgp.EntityList, error) {
	switch {
	case isKeybox(data):
		keys, err := keyboxKeys(data)
		if err != nil {
			return nil, err
		}
		return openpgp.ReadKeyRing(bytes.NewReader(keys))
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN PGP")):
		var ring openpgp.EntityList
		r := bytes.NewReader(data)
		for {
			block, err := armor.Decode(r)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			if block.Type != openpgp.PublicKeyType && block.Type != openpgp.PrivateKeyType {
				return nil, fmt.Errorf("expected a public or private key block, got %q", block.Type)
			}
			es, err := openpgp.ReadKeyRing(block.Body)
			if err != nil {
				return nil, err
			}
			ring = append(ring, es...)
		}
		if len(ring) == 0 {
			return nil, errors.New("no keys found")
		}
		return ring, nil
	}
	return openpgp.ReadKeyRing(bytes.NewReader(data))
}

// FindKey picks the key whose user ID is id, or else the one key whose user ID
// contains id, as GnuPG matches names. "" picks the first key.
func FindKey(ring openpgp.EntityList, id string) (*openpgp.Entity, error) {
	if id == "" {
		if len(ring) == 0 {
			return nil, errors.New("private key not found")
		}
		return ring[0], nil
	}
	var found *openpgp.Entity
	vague := false
	for _, e := range ring {
		for name := range e.Identities {
			if name == id {
				return e, nil
			}
			if strings.Contains(name, id) {
				if found != nil && found != e {
					vague = true
				}
				found = e
			}
		}
	}
	if vague {
		return nil, fmt.Errorf("more than one key contain the id %q", id)
	}
	if found == nil {
		return nil, errors.New("private key not found")
	}
	return found, nil
}

// Unlock decrypts a key's private part, asking passphrase (given the key's first
// user ID) only when it is encrypted.
func Unlock(key *openpgp.Entity, passphrase func(name string) ([]byte, error)) error {
	if key == nil {
		return errors.New("private key not found")
	}
	if key.PrivateKey == nil {
		return ErrNoPrivateKey
	}
	if !key.PrivateKey.Encrypted {
		return nil
	}
	name := "Unknown"
	for id := range key.Identities {
		if id != "" {
			name = id
			break
		}
	}
	p, err := passphrase(name)
	if err != nil {
		return err
	}
	return key.DecryptPrivateKeys(p)
}

// A keybox (GnuPG 2.1's pubring.kbx) is a sequence of blobs: a 4-byte big-endian
// length, a type byte (1 header, 2 OpenPGP), and, for OpenPGP blobs, flags at
// offset 6 and the keyblock's offset and length at 8 and 12.
func isKeybox(data []byte) bool {
	return len(data) >= 12 && data[4] == 1 && string(data[8:12]) == "KBXf"
}

func keyboxKeys(data []byte) ([]byte, error) {
	var out bytes.Buffer
	for off := 0; off < len(data); {
		rest := data[off:]
		if len(rest) < 5 {
			return nil, fmt.Errorf("keybox: truncated blob at %d", off)
		}
		n := binary.BigEndian.Uint32(rest)
		if n < 5 || uint64(n) > uint64(len(rest)) {
			return nil, fmt.Errorf("keybox: bad blob length %d at %d", n, off)
		}
		blob := rest[:n]
		if blob[4] == 2 {
			if len(blob) < 16 {
				return nil, fmt.Errorf("keybox: short OpenPGP blob at %d", off)
			}
			flags := binary.BigEndian.Uint16(blob[6:])
			kOff, kLen := binary.BigEndian.Uint32(blob[8:]), binary.BigEndian.Uint32(blob[12:])
			if uint64(kOff)+uint64(kLen) > uint64(len(blob)) {
				return nil, fmt.Errorf("keybox: keyblock out of range at %d", off)
			}
			if flags&2 == 0 { // not ephemeral
				out.Write(blob[kOff : kOff+kLen])
			}
		}
		off += int(n)
	}
	if out.Len() == 0 {
		return nil, errors.New("keybox contains no OpenPGP keys")
	}
	return out.Bytes(), nil
}
