package diff

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// secret holds the fields of a v1 Secret that masking reads and writes back; the
// rest of the object is dropped from the masked text, as helm-diff drops it.
type secret struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   secretMeta        `json:"metadata"`
	Immutable  *bool             `json:"immutable,omitempty"`
	Data       map[string][]byte `json:"data,omitempty"`
	StringData map[string]string `json:"stringData,omitempty"`
	Type       string            `json:"type,omitempty"`
}

type secretMeta struct {
	Name            string            `json:"name,omitempty"`
	GenerateName    string            `json:"generateName,omitempty"`
	Namespace       string            `json:"namespace,omitempty"`
	UID             string            `json:"uid,omitempty"`
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Generation      int64             `json:"generation,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	OwnerReferences []map[string]any  `json:"ownerReferences,omitempty"`
	Finalizers      []string          `json:"finalizers,omitempty"`
}

// masked returns old and new with Secret values replaced by markers saying whether
// each changed, and their length (with o.DecodeSecrets, by their decoded text);
// other objects, and all with o.ShowSecrets, come back as they are. The inputs are
// not modified.
func masked(old, new *Object, o Options) (*Object, *Object) {
	if o.ShowSecrets || (old != nil && old.Kind != "Secret") || (new != nil && new.Kind != "Secret") {
		return old, new
	}
	var os, ns secret
	if old != nil {
		c := *old
		old = &c
		os = decodeSecret(old, "old")
	}
	if new != nil {
		c := *new
		new = &c
		ns = decodeSecret(new, "new")
	}
	oldMarks := markers(os.Data, ns.Data, new != nil, "--------")
	newMarks := markers(ns.Data, os.Data, old != nil, "++++++++")
	if o.DecodeSecrets {
		oldMarks, newMarks = decoded(os.Data), decoded(ns.Data)
	}
	if old != nil {
		os.StringData = oldMarks
		old.Content = encodeSecret(old.Content, &os)
	}
	if new != nil {
		ns.StringData = newMarks
		new.Content = encodeSecret(new.Content, &ns)
	}
	return old, new
}

// decodeSecret reads a Secret, folding stringData into data as the API server does.
// A Secret that does not decode is replaced by a line saying so.
func decodeSecret(o *Object, which string) secret {
	var s secret
	if err := yaml.Unmarshal([]byte(o.Content), &s); err != nil {
		o.Content = fmt.Sprintf("Error parsing %s secret: %s", which, err)
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	return s
}

// markers says, for each key of data, whether the other side has the same value.
func markers(data, other map[string][]byte, compare bool, changed string) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		if compare && bytes.Equal(v, other[k]) {
			out[k] = fmt.Sprintf("REDACTED # (%d bytes)", len(v))
		} else {
			out[k] = fmt.Sprintf("%s # (%d bytes)", changed, len(v))
		}
	}
	return out
}

// decoded returns the values of data as text.
func decoded(data map[string][]byte) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

// encodeSecret writes the masked Secret back as YAML under its "# Source:" line,
// the markers under "data".
func encodeSecret(content string, s *secret) string {
	s.Data = nil
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("Error encoding secret: %s", err)
	}
	return sourceComment(content) + strings.Replace(string(out), "stringData", "data", 1)
}

// sourceComment returns the first line of s, newline included, if it is a comment.
func sourceComment(s string) string {
	i := strings.IndexByte(s, '\n')
	if i < 0 || !strings.HasPrefix(s, "#") {
		return ""
	}
	return s[:i+1]
}
