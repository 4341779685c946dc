package secrets

import (
	"bytes"

	"fmt"
	"strings"
)

// Source is a values file named in helm-secrets' syntax.
type Source struct {
	Path       string // the file, a path or an http(s) URL
	AgeKeyFile string // secrets+age-import://KEY?FILE: an age identity file to add
	PGPKeyFile string // secrets+gpg-import://KEY?FILE: an armored PGP secret key to add
}

// schemes are helm-secrets' downloader protocols.
const (
	schemeSecrets       = "secrets://"
	schemeAgeImport     = "secrets+age-import://"
	schemeGPGImport     = "secrets+gpg-import://"
	schemeAgeImportKube = "secrets+age-import-kubernetes://"
	schemeGPGImportKube = "secrets+gpg-import-kubernetes://"
	schemeLiteral       = "secrets+literal://"
)

// ParseSource reads a -f or --set-file name. ok is false when name uses none
// of helm-secrets' schemes (it may still be a SOPS file: see Detect).
func ParseSource(name string) (src Source, ok bool, err error) {
	switch {
	case strings.HasPrefix(name, schemeSecrets):
		return Source{Path: strings.TrimPrefix(name, schemeSecrets)}, true, nil
	case strings.HasPrefix(name, schemeAgeImport):
		key, file, err := splitImport(name, schemeAgeImport)
		return Source{Path: file, AgeKeyFile: key}, true, err
	case strings.HasPrefix(name, schemeGPGImport):
		key, file, err := splitImport(name, schemeGPGImport)
		return Source{Path: file, PGPKeyFile: key}, true, err
	case strings.HasPrefix(name, schemeAgeImportKube), strings.HasPrefix(name, schemeGPGImportKube):
		return Source{}, true, fmt.Errorf("%s: keys kept in a Kubernetes Secret are not supported; give the key file with secrets+age-import:// or secrets+gpg-import://, or set SOPS_AGE_KEY", name)
	case strings.HasPrefix(name, schemeLiteral):
		return Source{}, true, fmt.Errorf("%s: secrets+literal:// needs helm-secrets' vals backend, which rudder does not have", name)
	}
	return Source{}, false, nil
}

// splitImport reads KEY?FILE after a key-import scheme.
func splitImport(name, scheme string) (key, file string, err error) {
	key, file, found := strings.Cut(strings.TrimPrefix(name, scheme), "?")
	if !found || key == "" || file == "" {
		return "", "", fmt.Errorf("%s: want %sKEY-FILE?VALUES-FILE", name, scheme)
	}
	return key, file, nil
}

// Detect reports whether data is a SOPS file and in which format: by the
// extension of name, or, for other names (standard input, binary files), by
// content: a JSON document, else YAML.
func Detect(name string, data []byte) (Format, bool) {
	f := FormatOf(name)
	if !bytes.Contains(data, []byte(metadataKey)) {
		return f, false
	}
	if f != Binary {
		return f, IsEncrypted(data, f)
	}
	if IsEncrypted(data, JSON) {
		root, err := parseJSON(data)
		if err == nil && len(root.Content) == 4 {
			if _, ok := lookup(root, binaryKey); ok {
				return Binary, true
			}
		}
		return JSON, true
	}
	if IsEncrypted(data, YAML) {
		return YAML, true
	}
	return f, false
}

// ErrNotEncrypted means a file named with secrets:// has no SOPS metadata.
var ErrNotEncrypted = errNoMetadata
