package secrets

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// macOnlyEncryptedInit starts the MAC of files with mac_only_encrypted, as in SOPS.
var macOnlyEncryptedInit = []byte{0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0x46, 0x4b, 0x6c, 0x2b, 0x3f, 0x4a, 0x73, 0x74, 0x48, 0x55, 0xdc, 0x1b, 0x0d, 0x6c, 0x31, 0x63, 0x0c, 0x48, 0x2e, 0x6f, 0x7c}

// walker visits a SOPS tree held as YAML nodes in SOPS' order (the order the
// MAC is computed in), sealing or opening each value.
type walker struct {
	key      []byte
	rules    rules
	mac      hash.Hash
	macOnly  bool
	encrypt  bool // seal plain values; otherwise open sealed ones
	comments bool // also seal or open comments
}

func newWalker(key []byte, m *metadata, encrypt bool) (*walker, error) {
	r, err := newRules(m)
	if err != nil {
		return nil, err
	}
	w := &walker{key: key, rules: r, mac: sha512.New(), macOnly: m.MACOnlyEncrypted, encrypt: encrypt, comments: true}
	if w.macOnly {
		w.mac.Write(macOnlyEncryptedInit)
	}
	return w, nil
}

// sum is the MAC's plaintext: the SHA-512 of every value, in upper-case hex.
func (w *walker) sum() string { return strings.ToUpper(fmt.Sprintf("%x", w.mac.Sum(nil))) }

func (w *walker) walk(n *yaml.Node, path []string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		w.comment(n, path)
		for _, c := range n.Content {
			if err := w.walk(c, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		w.comment(n, path)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("%s: only string keys are supported", strings.Join(path, "."))
			}
			w.comment(k, path)
			if v.Kind == yaml.ScalarNode {
				w.comment(v, path)
			}
			if err := w.walk(v, append(path[:len(path):len(path)], k.Value)); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		w.comment(n, path)
		for _, item := range n.Content {
			if item.Kind == yaml.ScalarNode {
				w.comment(item, path)
			}
			if err := w.walk(item, path); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		return w.scalar(n, path)
	case yaml.AliasNode:
		return fmt.Errorf("%s: YAML aliases are not supported in encrypted files", strings.Join(path, "."))
	}
	return nil
}

func (w *walker) scalar(n *yaml.Node, path []string) error {
	if n.ShortTag() == "!!null" {
		return nil // SOPS neither encrypts nor hashes null
	}
	enc := w.rules.encrypted(path)
	hashed := !w.macOnly || enc
	if !enc {
		if !hashed {
			return nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		b, _, err := scalarBytes(v)
		if err != nil {
			return fmt.Errorf("%s: %w", strings.Join(path, "."), err)
		}
		w.mac.Write(b)
		return nil
	}
	if w.encrypt {
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		b, kind, err := scalarBytes(v)
		if err != nil {
			return fmt.Errorf("%s: %w", strings.Join(path, "."), err)
		}
		w.mac.Write(b)
		s, err := seal(b, kind, w.key, additionalData(path))
		if err != nil {
			return err
		}
		n.Value, n.Tag, n.Style = s, "!!str", 0
		return nil
	}
	if n.ShortTag() != "!!str" {
		return fmt.Errorf("%s: expected an encrypted value, found %s", strings.Join(path, "."), n.ShortTag())
	}
	plain, kind, err := open(n.Value, w.key, additionalData(path))
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Join(path, "."), err)
	}
	mb, err := macBytes(plain, kind)
	if err != nil {
		return fmt.Errorf("%s: %s value: %w", strings.Join(path, "."), kind, err)
	}
	w.mac.Write(mb)
	setScalar(n, plain, kind)
	return nil
}

// setScalar gives n a decrypted value of SOPS type kind.
func setScalar(n *yaml.Node, plain []byte, kind string) {
	n.Style = 0
	switch kind {
	case "int":
		n.Tag, n.Value = "!!int", string(plain)
	case "float":
		f, _ := strconv.ParseFloat(string(plain), 64)
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		n.Tag, n.Value = "!!float", s
	case "bool":
		b, _ := strconv.ParseBool(string(plain))
		n.Tag, n.Value = "!!bool", strconv.FormatBool(b)
	case "time":
		n.Tag, n.Value = "!!timestamp", string(plain)
	default:
		n.Tag, n.Value = "!!str", string(plain)
		if strings.Contains(n.Value, "\n") {
			n.Style = yaml.LiteralStyle
		}
	}
}

// comment seals or opens the comments on n; they are bound to path but not
// part of the MAC. A comment that does not open is kept as it is, as SOPS does
// with comments written before it encrypted them.
func (w *walker) comment(n *yaml.Node, path []string) {
	if !w.comments {
		return
	}
	for _, c := range []*string{&n.HeadComment, &n.LineComment, &n.FootComment} {
		if *c == "" {
			continue
		}
		lines := strings.Split(*c, "\n")
		for i, line := range lines {
			if !strings.HasPrefix(line, "#") {
				continue
			}
			if w.encrypt {
				if !w.rules.encrypted(path) || valuePattern.MatchString(line[1:]) {
					continue
				}
				if s, err := seal([]byte(line[1:]), "comment", w.key, additionalData(path)); err == nil && s != "" {
					lines[i] = "#" + s
				}
				continue
			}
			if plain, kind, err := open(line[1:], w.key, additionalData(path)); err == nil && kind == "comment" {
				lines[i] = "#" + string(plain)
			}
		}
		*c = strings.Join(lines, "\n")
	}
}

// errNoMetadata means a file has no sops section: it is not encrypted.
var errNoMetadata = errors.New("no sops metadata found: the file is not encrypted with sops")
