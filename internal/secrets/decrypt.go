package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// binaryKey holds a binary file's contents in its SOPS envelope.
const binaryKey = "data"

// IsEncrypted reports whether data, a file of format f, carries SOPS metadata
// (a top-level "sops" entry with a MAC or a timestamp; sops_mac= in dotenv).
func IsEncrypted(data []byte, f Format) bool {
	if f == Dotenv {
		return bytes.Contains(data, []byte("\n"+dotenvPrefix+"mac=")) || bytes.HasPrefix(data, []byte(dotenvPrefix+"mac="))
	}
	if !bytes.Contains(data, []byte(metadataKey)) {
		return false
	}
	root, err := parse(data, f)
	if err != nil {
		return false
	}
	return hasMetadata(root)
}

// Decrypt opens a SOPS file held in memory, name giving its format (by
// extension) and naming it in errors. It returns the plain file in the same
// format (a binary file's original bytes), after checking the MAC.
func Decrypt(ctx context.Context, name string, data []byte, keys Keys) ([]byte, error) {
	return DecryptFormat(ctx, name, data, FormatOf(name), keys)
}

// DecryptFormat is Decrypt for a file of format f whatever its name.
func DecryptFormat(ctx context.Context, name string, data []byte, f Format, keys Keys) ([]byte, error) {
	root, _, _, err := decryptTree(ctx, data, f, keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out, err := emit(root, f, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// decryptTree parses data, opens its data key and every value, and checks
// the MAC. The tree returned holds no metadata; the metadata and data key
// come apart.
func decryptTree(ctx context.Context, data []byte, f Format, keys Keys) (*yaml.Node, *metadata, []byte, error) {
	root, err := parse(data, f)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("not a valid %s file: %w", f, err)
	}
	m, found, err := splitMetadata(root)
	if err != nil {
		return nil, nil, nil, err
	}
	if !found {
		return nil, nil, nil, errNoMetadata
	}
	lastModified, err := m.lastModified()
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := keys.dataKey(ctx, m)
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := newWalker(key, m, false)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := w.walk(root, nil); err != nil {
		return nil, nil, nil, fmt.Errorf("%w (%w)", ErrMAC, err)
	}
	mac, kind, err := open(m.MAC, key, lastModified)
	if err != nil || kind != "str" {
		return nil, nil, nil, fmt.Errorf("%w: the MAC does not decrypt", ErrMAC)
	}
	if string(mac) != w.sum() {
		return nil, nil, nil, ErrMAC
	}
	return root, m, key, nil
}

// emit writes a plain or sealed tree in format f; m, when given, is added as
// the file's metadata.
func emit(root *yaml.Node, f Format, m *metadata) ([]byte, error) {
	if f == Dotenv {
		return emitDotenv(root, m)
	}
	if f == Binary && m == nil {
		v, ok := lookup(root, binaryKey)
		if !ok || v.Kind != yaml.ScalarNode {
			return nil, errors.New("binary file without a data entry")
		}
		return []byte(v.Value), nil
	}
	out := root
	if m != nil {
		var mn yaml.Node
		if err := mn.Encode(m); err != nil {
			return nil, err
		}
		out = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: root.HeadComment, FootComment: root.FootComment,
			Content: append(append([]*yaml.Node{}, root.Content...), strScalar(metadataKey), &mn)}
	}
	if f == YAML {
		return emitYAML(out)
	}
	return emitJSON(out)
}

func lookup(n *yaml.Node, key string) (*yaml.Node, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], true
		}
	}
	return nil, false
}
