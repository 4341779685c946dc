package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Format is a SOPS file format.
type Format int

const (
	YAML   Format = iota // .yaml, .yml
	JSON                 // .json
	Dotenv               // .env
	Binary               // anything else: the whole file is one value
)

func (f Format) String() string {
	return [...]string{"yaml", "json", "dotenv", "binary"}[f]
}

// FormatOf is the format SOPS gives a file by its name's extension.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return YAML
	case ".json":
		return JSON
	case ".env":
		return Dotenv
	}
	return Binary
}

// ParseFormat reads a format name as sops' --input-type takes it.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "yaml":
		return YAML, nil
	case "json":
		return JSON, nil
	case "dotenv":
		return Dotenv, nil
	case "binary":
		return Binary, nil
	}
	return 0, fmt.Errorf("unknown format %q (want yaml, json, dotenv or binary)", s)
}

// parse reads a file of format f into one mapping node.
func parse(data []byte, f Format) (*yaml.Node, error) {
	switch f {
	case YAML:
		return parseYAML(data)
	case Dotenv:
		return parseDotenv(data)
	}
	return parseJSON(data)
}

func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
		}
		return nil, err
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("several YAML documents in one file are not supported")
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the YAML document is not a map")
	}
	root := doc.Content[0]
	// Comments before the first key belong to the map, as SOPS reads them.
	if doc.HeadComment != "" {
		root.HeadComment = strings.TrimPrefix(doc.HeadComment+"\n"+root.HeadComment, "\n")
		doc.HeadComment = ""
	}
	return root, nil
}

// parseJSON reads JSON into YAML nodes, keeping key order.
func parseJSON(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := jsonNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("the JSON document is not an object")
	}
	return n, nil
}

func jsonNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, strScalar(kt.(string)), v)
			}
			_, err := dec.Token()
			return n, err
		}
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for dec.More() {
			v, err := jsonNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		_, err := dec.Token()
		return n, err
	case string:
		return strScalar(t), nil
	case json.Number:
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: string(t)}, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func strScalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// emitJSON writes a node tree as indented JSON, in its order.
func emitJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "\t"); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		out, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(out)
	default:
		return fmt.Errorf("cannot write YAML node kind %d as JSON", n.Kind)
	}
	return nil
}

// emitYAML writes a mapping node as YAML, indented as sops does.
func emitYAML(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(4)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// dotenvPrefix marks the metadata entries of a dotenv file.
const dotenvPrefix = "sops_"

// parseDotenv reads KEY=VALUE lines into a map of strings; "\n" in a value is
// a newline. Metadata lines (sops_*) are gathered into a "sops" entry.
func parseDotenv(data []byte) (*yaml.Node, error) {
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	meta := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: no '=' in a dotenv line", i+1)
		}
		v = strings.ReplaceAll(v, `\n`, "\n")
		if rest, ok := strings.CutPrefix(k, dotenvPrefix); ok {
			meta[rest] = v
			continue
		}
		root.Content = append(root.Content, strScalar(k), strScalar(v))
	}
	if len(meta) > 0 {
		m, err := unflattenMetadata(meta)
		if err != nil {
			return nil, err
		}
		root.Content = append(root.Content, strScalar(metadataKey), m)
	}
	return root, nil
}

func emitDotenv(n *yaml.Node, m *metadata) ([]byte, error) {
	var b bytes.Buffer
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s: dotenv values must be strings", n.Content[i].Value)
		}
		fmt.Fprintf(&b, "%s=%s\n", n.Content[i].Value, strings.ReplaceAll(v.Value, "\n", `\n`))
	}
	if m != nil {
		flat, err := flattenMetadata(m)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(flat))
		for k := range flat {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s%s=%s\n", dotenvPrefix, k, strings.ReplaceAll(flat[k], "\n", `\n`))
		}
	}
	return b.Bytes(), nil
}

// flatSep splits a flattened metadata key: age__list_0__map_recipient.
var flatSep = regexp.MustCompile(`__(list|map)_`)

// unflattenMetadata rebuilds SOPS' metadata from dotenv's flattened keys.
// Lists are gathered as maps of indexes first, then put in order.
func unflattenMetadata(flat map[string]string) (*yaml.Node, error) {
	tree := map[string]any{}
	for k, v := range flat {
		locs := flatSep.FindAllStringSubmatchIndex(k, -1)
		if len(locs) == 0 {
			tree[k] = v
			continue
		}
		parts := []string{k[:locs[0][0]]}
		for i, l := range locs {
			end := len(k)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			part := k[l[1]:end]
			if k[l[2]:l[3]] == "list" {
				part = "#" + part // an index
			}
			parts = append(parts, part)
		}
		cur := tree
		for i, part := range parts {
			if i == len(parts)-1 {
				cur[part] = v
				break
			}
			next, ok := cur[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[part] = next
			}
			cur = next
		}
	}
	if s, ok := tree["shamir_threshold"].(string); ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("sops metadata: shamir_threshold: %w", err)
		}
		tree["shamir_threshold"] = n
	}
	if s, ok := tree["mac_only_encrypted"].(string); ok {
		tree["mac_only_encrypted"] = s == "true"
	}
	var n yaml.Node
	if err := n.Encode(orderLists(tree)); err != nil {
		return nil, err
	}
	return &n, nil
}

// orderLists turns maps whose keys are all "#N" into lists in index order.
func orderLists(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	isList := len(m) > 0
	for k, c := range m {
		m[k] = orderLists(c)
		if !strings.HasPrefix(k, "#") {
			isList = false
		}
	}
	if !isList {
		return m
	}
	idx := make([]int, 0, len(m))
	for k := range m {
		n, err := strconv.Atoi(k[1:])
		if err != nil {
			return m
		}
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, m["#"+strconv.Itoa(i)])
	}
	return out
}

// flattenMetadata writes metadata as dotenv's flattened keys.
func flattenMetadata(m *metadata) (map[string]string, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if prefix == "" {
					walk(k, c)
				} else {
					walk(prefix+"__map_"+k, c)
				}
			}
		case []any:
			for i, c := range v {
				walk(prefix+"__list_"+strconv.Itoa(i), c)
			}
		case string:
			out[prefix] = v
		default:
			out[prefix] = fmt.Sprint(v)
		}
	}
	walk("", tree)
	return out, nil
}
