package diff

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v2"
)

// Object is one Kubernetes object of a manifest, as the diff sees it.
type Object struct {
	// Key names the object as helm-diff does: "namespace, name, Kind (group)";
	// group is the apiVersion without its version ("v1" for the core group).
	Key string
	// Kind is the object's kind.
	Kind string
	// Content is the document's text, "# Source:" line included, trimmed.
	Content string
	// ResourcePolicy is the helm.sh/resource-policy annotation ("keep" leaves the
	// object in place when the release drops it).
	ResourcePolicy string
}

// Index holds a manifest's objects by key.
type Index map[string]*Object

// ParseOptions control Parse. The zero value keys objects without a namespace under
// "", keeps the text as written and leaves test hooks out.
type ParseOptions struct {
	// Namespace is given to objects that name none.
	Namespace string
	// Normalize re-serialises each object (sorted keys, one YAML style, comments
	// gone) so that style differences are not shown.
	Normalize bool
	// IncludeTests keeps test hooks (helm.sh/hook: test or test-success).
	IncludeTests bool
}

const (
	hookAnnotation   = "helm.sh/hook"
	policyAnnotation = "helm.sh/resource-policy"
	baseNameAnnot    = "helm-diff/base-name"
)

// head is the part of an object the parser reads.
type head struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Namespace   string            `yaml:"namespace"`
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
}

func (h *head) key() string {
	group := h.APIVersion
	if i := strings.LastIndex(group, "/"); i >= 0 {
		group = group[:i]
	}
	name := h.Metadata.Name
	if base, ok := h.Metadata.Annotations[baseNameAnnot]; ok {
		name = base
	}
	return fmt.Sprintf("%s, %s, %s (%s)", h.Metadata.Namespace, name, h.Kind, group)
}

// Parse splits a manifest stream (documents separated by "---" lines) into objects.
// Documents without apiVersion and kind are skipped, *List kinds are unpacked, and of
// two objects with the same key the first is kept.
func Parse(manifest string, o ParseOptions) (Index, error) {
	return parseMemo(manifest, o, nil)
}

// Parser parses the manifests of one comparison as Parse does, reading a
// document that appears in several (as written) once: an upgrade leaves most
// objects as they were, and reading YAML is most of the cost of a diff. The zero
// value is ready to use with the zero ParseOptions.
type Parser struct {
	Options ParseOptions
	memo    map[string][]Object
	parsed  int
}

// Parsed is how many distinct documents the parser has read the YAML of.
func (p *Parser) Parsed() int { return p.parsed }

// Parse splits manifest into objects, as the package's Parse does.
func (p *Parser) Parse(manifest string) (Index, error) {
	if p.memo == nil {
		p.memo = map[string][]Object{}
	}
	n := len(p.memo)
	idx, err := parseMemo(manifest, p.Options, p.memo)
	p.parsed += len(p.memo) - n
	return idx, err
}

// Head is what the parser reads of an object: its fields as yaml.v2 decodes them
// into strings.
type Head struct {
	APIVersion, Kind, Namespace, Name string
	Annotations                       map[string]string
}

// Known tells the parser the head of a document it is about to meet, read elsewhere
// as the parser would read it, so that Parse takes the document's objects from h
// instead of parsing the YAML again. doc is the document as the manifest stream
// will hold it, trimmed, "# Source:" line included; the caller vouches that it is
// valid YAML and that yaml.v2 decodes h from it. Lists, and every document when
// normalizing, are still parsed.
func (p *Parser) Known(doc string, h Head) {
	if p.Options.Normalize || strings.HasSuffix(h.Kind, "List") {
		return
	}
	if p.memo == nil {
		p.memo = map[string][]Object{}
	}
	var hd head
	hd.APIVersion, hd.Kind = h.APIVersion, h.Kind
	hd.Metadata.Namespace, hd.Metadata.Name, hd.Metadata.Annotations = h.Namespace, h.Name, h.Annotations
	p.memo[doc] = objectsOf(doc, &hd, p.Options)
}

// parseMemo is Parse, remembering in memo (if not nil) the objects of each
// document text; each index gets objects of its own.
func parseMemo(manifest string, o ParseOptions, memo map[string][]Object) (Index, error) {
	idx := Index{}
	for _, doc := range strings.Split("\n"+manifest, "\n---\n") {
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		seen, ok := memo[doc]
		if !ok {
			var err error
			if seen, err = parseDocument(doc, o); err != nil {
				return nil, err
			}
			if memo != nil {
				memo[doc] = seen
			}
		}
		for i := range seen {
			c := seen[i] // a copy: indexes share nothing
			obj := &c
			if _, dup := idx[obj.Key]; !dup {
				idx[obj.Key] = obj
			}
		}
	}
	return idx, nil
}

func parseDocument(doc string, o ParseOptions) ([]Object, error) {
	var h head
	if err := yaml.Unmarshal([]byte(doc), &h); err != nil {
		return nil, fmt.Errorf("manifest document %q: %w", firstLine(doc), err)
	}
	if h.APIVersion == "" && h.Kind == "" {
		return nil, nil // only comments, or an empty template
	}
	if strings.HasSuffix(h.Kind, "List") {
		return parseList(doc, o)
	}
	if o.Normalize {
		var obj map[any]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("manifest document %q: %w", firstLine(doc), err)
		}
		out, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("manifest document %q: %w", firstLine(doc), err)
		}
		doc = string(out)
	}
	return objectsOf(doc, &h, o), nil
}

// objectsOf is the object of a document with head h (not a list), or none when
// it is an empty template or a test hook left out.
func objectsOf(doc string, h *head, o ParseOptions) []Object {
	if h.APIVersion == "" && h.Kind == "" {
		return nil
	}
	if !o.IncludeTests && isTestHook(h.Metadata.Annotations[hookAnnotation]) {
		return nil
	}
	if h.Metadata.Namespace == "" {
		h.Metadata.Namespace = o.Namespace
	}
	return []Object{{
		Key:            h.key(),
		Kind:           h.Kind,
		Content:        doc,
		ResourcePolicy: h.Metadata.Annotations[policyAnnotation],
	}}
}

// parseList unpacks the items of a *List object; each item keeps the text the YAML
// encoder gives it.
func parseList(doc string, o ParseOptions) ([]Object, error) {
	var list struct {
		Items []yaml.MapSlice `yaml:"items"`
	}
	if err := yaml.Unmarshal([]byte(doc), &list); err != nil {
		return nil, fmt.Errorf("manifest list %q: %w", firstLine(doc), err)
	}
	var objs []Object
	for _, item := range list.Items {
		out, err := yaml.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("manifest list %q: %w", firstLine(doc), err)
		}
		sub, err := parseDocument(string(out), o)
		if err != nil {
			return nil, err
		}
		objs = append(objs, sub...)
	}
	return objs, nil
}

// isTestHook tells whether a hook annotation marks a test, as helm-diff reads it
// (the whole annotation, not one of a comma-separated list).
func isTestHook(hook string) bool { return hook == "test" || hook == "test-success" }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// BySource re-keys an index by the objects' "# Source:" template paths, as helm-diff
// does to compare two releases (whose objects may differ in name): the second object
// of one template is "path 2", and so on, in key order.
func BySource(idx Index) Index {
	out := make(Index, len(idx))
	count := map[string]int{}
	for _, k := range sortedKeys(idx) {
		src := strings.Replace(firstLine(idx[k].Content), "# Source: ", "", 1)
		key := src
		if _, taken := out[src]; taken {
			count[src]++
			key = fmt.Sprintf("%s %d", src, count[src])
		} else {
			count[src]++
		}
		out[key] = idx[k]
	}
	return out
}
