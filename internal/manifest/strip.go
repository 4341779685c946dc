package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// rejectedPrefix starts the annotation keys of HIP-0025 that have two slashes,
// which the API server refuses as annotation keys.
const rejectedPrefix = "helm.sh/depends-on/"

// ForApply returns the manifest's object as it is sent to the API server: without
// the annotation keys the API server would refuse (helm.sh/depends-on/...), which
// the stored manifest keeps. An object without them is returned as it is.
func ForApply(m Manifest) (string, error) {
	if !slices.ContainsFunc(slices.Collect(maps.Keys(annotations(m))), rejected) {
		return m.Content, nil
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(m.Content), &obj); err != nil {
		return "", fmt.Errorf("%s: %w", ObjectName(m), err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	for k := range ann {
		if rejected(k) {
			delete(ann, k)
		}
	}
	if len(ann) == 0 {
		delete(meta, "annotations")
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("%s: %w", ObjectName(m), err)
	}
	return string(out), nil
}

func rejected(key string) bool { return strings.HasPrefix(key, rejectedPrefix) }

// storedSource starts each document of a stored release manifest.
const storedSource = "# Source: "

// BySource splits a stored release manifest ("---\n# Source: path\n..." per
// document) back into the outputs of its templates, path to documents, as Sort
// takes them. Documents with no source header go under "manifest".
func BySource(stream string) map[string]string {
	out := map[string]string{}
	for _, doc := range Split(stream) {
		name := "manifest"
		if strings.HasPrefix(doc, storedSource) {
			line, _, _ := strings.Cut(doc[len(storedSource):], "\n")
			name = strings.TrimSpace(line)
		}
		if prev, ok := out[name]; ok {
			out[name] = prev + "\n---\n" + doc
		} else {
			out[name] = doc
		}
	}
	return out
}
