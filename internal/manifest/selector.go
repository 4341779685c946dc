package manifest

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/labels"
)

// Selector picks objects as Kustomize's patch targets and Flux's drift ignore
// rules do: Group, Version, Kind, Name and Namespace are regular expressions
// that must match the whole field ("" matches anything), LabelSelector and
// AnnotationSelector are label selector expressions ("app=web,tier!=db") over
// the object's labels and annotations. The zero value selects every object.
type Selector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
}

// ObjectID is what a Selector looks at in an object.
type ObjectID struct {
	Group, Version, Kind, Name, Namespace string
	Labels, Annotations                   map[string]string
}

// Matcher is a compiled Selector.
type Matcher struct {
	fields      [5]*regexp.Regexp // group, version, kind, name, namespace; nil matches all
	labels      labels.Selector
	annotations labels.Selector
}

// Compile checks the selector's expressions and compiles them.
func (s Selector) Compile() (*Matcher, error) {
	m := &Matcher{}
	for i, f := range []struct{ what, expr string }{
		{"group", s.Group}, {"version", s.Version}, {"kind", s.Kind}, {"name", s.Name}, {"namespace", s.Namespace},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile("^(?:" + f.expr + ")$")
		if err != nil {
			return nil, fmt.Errorf("selector %s %q is not a regular expression: %w", f.what, f.expr, err)
		}
		m.fields[i] = re
	}
	var err error
	if s.LabelSelector != "" {
		if m.labels, err = labels.Parse(s.LabelSelector); err != nil {
			return nil, fmt.Errorf("selector labelSelector %q: %w", s.LabelSelector, err)
		}
	}
	if s.AnnotationSelector != "" {
		if m.annotations, err = labels.Parse(s.AnnotationSelector); err != nil {
			return nil, fmt.Errorf("selector annotationSelector %q: %w", s.AnnotationSelector, err)
		}
	}
	return m, nil
}

// Matches tells whether the object is selected; a nil Matcher selects all.
func (m *Matcher) Matches(o ObjectID) bool {
	if m == nil {
		return true
	}
	for i, v := range []string{o.Group, o.Version, o.Kind, o.Name, o.Namespace} {
		if m.fields[i] != nil && !m.fields[i].MatchString(v) {
			return false
		}
	}
	if m.labels != nil && !m.labels.Matches(labels.Set(o.Labels)) {
		return false
	}
	return m.annotations == nil || m.annotations.Matches(labels.Set(o.Annotations))
}

// IDOf reads an object's ObjectID from its decoded form.
func IDOf(obj map[string]any) ObjectID {
	var id ObjectID
	api, _ := obj["apiVersion"].(string)
	id.Group, id.Version = splitAPIVersion(api)
	id.Kind, _ = obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	id.Name, _ = meta["name"].(string)
	id.Namespace, _ = meta["namespace"].(string)
	id.Labels = stringMap(meta["labels"])
	id.Annotations = stringMap(meta["annotations"])
	return id
}

func splitAPIVersion(api string) (group, version string) {
	for i := len(api) - 1; i >= 0; i-- {
		if api[i] == '/' {
			return api[:i], api[i+1:]
		}
	}
	return "", api
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

// String names the object as Kind/namespace/name (Kind/name without a
// namespace).
func (o ObjectID) String() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}
