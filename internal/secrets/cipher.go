package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrMAC means a file's values do not match its MAC: it was changed after it
// was encrypted, or sealed under another data key.
var ErrMAC = errors.New("MAC mismatch: the file was changed after it was encrypted")

// valuePattern is how SOPS writes one sealed value.
var valuePattern = regexp.MustCompile(`^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]`)

// ivSize is SOPS' GCM nonce size (larger than GCM's usual 12 bytes).
const ivSize = 32

// sealed is one value as SOPS encrypts it.
type sealed struct {
	data, iv, tag []byte
	kind          string // str, int, float, bool, bytes, time, comment
}

func parseSealed(s string) (sealed, error) {
	m := valuePattern.FindStringSubmatch(s)
	if m == nil {
		return sealed{}, errors.New("value is not in sops' ENC[AES256_GCM,...] format")
	}
	var v sealed
	var err error
	if v.data, err = base64.StdEncoding.DecodeString(m[1]); err != nil {
		return sealed{}, fmt.Errorf("value data: %w", err)
	}
	if v.iv, err = base64.StdEncoding.DecodeString(m[2]); err != nil {
		return sealed{}, fmt.Errorf("value iv: %w", err)
	}
	if v.tag, err = base64.StdEncoding.DecodeString(m[3]); err != nil {
		return sealed{}, fmt.Errorf("value tag: %w", err)
	}
	v.kind = m[4]
	return v, nil
}

// open decrypts one value with the data key, path being its additional data.
// It returns the plaintext bytes and the value's type name.
func open(s string, key []byte, path string) ([]byte, string, error) {
	if s == "" {
		return nil, "str", nil
	}
	v, err := parseSealed(s)
	if err != nil {
		return nil, "", err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(v.iv))
	if err != nil {
		return nil, "", err
	}
	plain, err := gcm.Open(nil, v.iv, append(v.data, v.tag...), []byte(path))
	if err != nil {
		return nil, "", errors.New("value does not decrypt with the data key (changed, or sealed for another key)")
	}
	switch v.kind {
	case "str", "int", "float", "bool", "bytes", "time", "comment":
	default:
		return nil, "", fmt.Errorf("value of unknown type %q", v.kind)
	}
	return plain, v.kind, nil
}

// seal encrypts one value's bytes with the data key; kind is its SOPS type.
func seal(plain []byte, kind string, key []byte, path string) (string, error) {
	if len(plain) == 0 && (kind == "str" || kind == "bytes" || kind == "comment") {
		return "", nil // SOPS leaves empty strings as they are
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, ivSize)
	if err != nil {
		return "", err
	}
	iv := make([]byte, ivSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	out := gcm.Seal(nil, iv, plain, []byte(path))
	n := len(out) - gcm.Overhead()
	return fmt.Sprintf("ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:%s]",
		base64.StdEncoding.EncodeToString(out[:n]), base64.StdEncoding.EncodeToString(iv),
		base64.StdEncoding.EncodeToString(out[n:]), kind), nil
}

// scalarBytes is how SOPS turns a plain value into bytes, for the MAC and for
// sealing, with its type name.
func scalarBytes(v any) ([]byte, string, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), "str", nil
	case int:
		return []byte(strconv.Itoa(v)), "int", nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), "float", nil
	case bool:
		if v {
			return []byte("True"), "bool", nil
		}
		return []byte("False"), "bool", nil
	case time.Time:
		b, err := v.MarshalText()
		return b, "time", err
	default:
		return nil, "", fmt.Errorf("value of type %T cannot be encrypted", v)
	}
}

// macBytes is what a decrypted value adds to the MAC: SOPS hashes the typed
// value, so a bool "true" counts as "True" and a float as its shortest form.
func macBytes(plain []byte, kind string) ([]byte, error) {
	switch kind {
	case "int":
		n, err := strconv.Atoi(string(plain))
		if err != nil {
			return nil, err
		}
		return []byte(strconv.Itoa(n)), nil
	case "float":
		f, err := strconv.ParseFloat(string(plain), 64)
		if err != nil {
			return nil, err
		}
		return []byte(strconv.FormatFloat(f, 'f', -1, 64)), nil
	case "bool":
		b, err := strconv.ParseBool(string(plain))
		if err != nil {
			return nil, err
		}
		if b {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case "time":
		var t time.Time
		if err := t.UnmarshalText(plain); err != nil {
			return nil, err
		}
		return t.MarshalText()
	}
	return plain, nil
}

// rules decides, as SOPS does, which values a file encrypts.
type rules struct {
	unencryptedSuffix, encryptedSuffix string
	unencryptedRegex, encryptedRegex   *regexp.Regexp
}

func newRules(m *metadata) (rules, error) {
	r := rules{unencryptedSuffix: m.UnencryptedSuffix, encryptedSuffix: m.EncryptedSuffix}
	if m.UnencryptedCommentRegex != "" || m.EncryptedCommentRegex != "" {
		return r, errors.New("sops metadata: encrypted_comment_regex and unencrypted_comment_regex are not supported")
	}
	var err error
	if m.UnencryptedRegex != "" {
		if r.unencryptedRegex, err = regexp.Compile(m.UnencryptedRegex); err != nil {
			return r, fmt.Errorf("sops metadata: unencrypted_regex: %w", err)
		}
	}
	if m.EncryptedRegex != "" {
		if r.encryptedRegex, err = regexp.Compile(m.EncryptedRegex); err != nil {
			return r, fmt.Errorf("sops metadata: encrypted_regex: %w", err)
		}
	}
	return r, nil
}

// encrypted reports whether the value at path is (or is to be) encrypted.
func (r rules) encrypted(path []string) bool {
	enc := true
	if r.unencryptedSuffix != "" && anyPart(path, func(p string) bool { return strings.HasSuffix(p, r.unencryptedSuffix) }) {
		enc = false
	}
	if r.encryptedSuffix != "" {
		enc = anyPart(path, func(p string) bool { return strings.HasSuffix(p, r.encryptedSuffix) })
	}
	if r.unencryptedRegex != nil && anyPart(path, r.unencryptedRegex.MatchString) {
		enc = false
	}
	if r.encryptedRegex != nil {
		enc = anyPart(path, r.encryptedRegex.MatchString)
	}
	return enc
}

func anyPart(path []string, f func(string) bool) bool {
	for _, p := range path {
		if f(p) {
			return true
		}
	}
	return false
}

// additionalData is the path SOPS binds a value to: its keys joined by ":",
// with a trailing ":"; list items share their list's path.
func additionalData(path []string) string { return strings.Join(path, ":") + ":" }
