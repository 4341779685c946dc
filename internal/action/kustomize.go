package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/api/filters/imagetag"
	"sigs.k8s.io/kustomize/api/filters/patchjson6902"
	"sigs.k8s.io/kustomize/api/filters/patchstrategicmerge"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rudderpm/rudder/internal/manifest"
)

// Kustomize is a PostRenderer that patches the rendered objects and sets their
// container images as a Kustomize overlay would (Flux's
// postRenderers[].kustomize): the patches first, in order, then the images.
// Objects are otherwise left as they are and in their order. The zero value
// changes nothing.
type Kustomize struct {
	Patches []KustomizePatch
	Images  []KustomizeImage
}

// KustomizePatch is a strategic merge patch (a YAML map) or a JSON 6902 patch
// (a list of operations) applied to the objects Target selects. A strategic
// merge patch without a target applies to the object its apiVersion, kind,
// name and namespace name (see namedBy); a JSON 6902 patch needs a target.
type KustomizePatch struct {
	Patch  string
	Target *manifest.Selector
}

// KustomizeImage replaces the image Name (without tag) in containers and init
// containers: by NewName, with NewTag or, if set, Digest.
type KustomizeImage struct {
	Name, NewName, NewTag, Digest string
}

// imageFields are where Kustomize sets images beyond containers and init
// containers anywhere in an object: image volumes.
var imageFields = []string{
	"spec/volumes[]/image/reference",
	"spec/template/spec/volumes[]/image/reference",
	"spec/jobTemplate/spec/template/spec/volumes[]/image/reference",
}

// Run applies the patches and images to a stream of manifests.
func (k *Kustomize) Run(_ context.Context, in *bytes.Buffer) (*bytes.Buffer, error) {
	return filterStream("kustomize", k, in)
}

// Filter applies the patches and images to parsed manifests; it makes
// Kustomize a kio.Filter, which the render runs without a stream.
func (k *Kustomize) Filter(nodes []*kyaml.RNode) ([]*kyaml.RNode, error) {
	var err error
	for i, p := range k.Patches {
		if nodes, err = p.apply(nodes); err != nil {
			return nil, fmt.Errorf("kustomize: patch %d: %w", i+1, err)
		}
	}
	for _, img := range k.Images {
		if nodes, err = img.apply(nodes); err != nil {
			return nil, fmt.Errorf("kustomize: image %s: %w", img.Name, err)
		}
	}
	return nodes, nil
}

// Check parses the patches and selectors without applying them, so that a
// mistake is found before anything is rendered.
func (k *Kustomize) Check() error {
	for i, p := range k.Patches {
		if _, _, err := p.parse(); err != nil {
			return fmt.Errorf("kustomize: patch %d: %w", i+1, err)
		}
		if p.Target != nil {
			if _, err := p.Target.Compile(); err != nil {
				return fmt.Errorf("kustomize: patch %d: target: %w", i+1, err)
			}
		}
	}
	for _, img := range k.Images {
		if img.Name == "" {
			return errors.New("kustomize: an image has no name")
		}
	}
	return nil
}

// parse tells a strategic merge patch (sm) from a JSON 6902 one (ops).
func (p KustomizePatch) parse() (sm *kyaml.RNode, ops bool, err error) {
	text := strings.TrimSpace(p.Patch)
	if text == "" {
		return nil, false, errors.New("the patch is empty")
	}
	n, err := kyaml.Parse(text)
	if err != nil {
		return nil, false, fmt.Errorf("the patch is not YAML: %w", err)
	}
	switch n.YNode().Kind {
	case kyaml.SequenceNode:
		if p.Target == nil {
			return nil, false, errors.New("a JSON 6902 patch needs a target")
		}
		if _, err := (patchjson6902.Filter{Patch: text}).Filter(nil); err != nil {
			return nil, false, fmt.Errorf("the JSON 6902 patch is invalid: %w", err)
		}
		return nil, true, nil
	case kyaml.MappingNode:
		return n, false, nil
	}
	return nil, false, errors.New("the patch is neither a map (strategic merge) nor a list (JSON 6902)")
}

func (p KustomizePatch) apply(nodes []*kyaml.RNode) ([]*kyaml.RNode, error) {
	sm, ops, err := p.parse()
	if err != nil {
		return nil, err
	}
	var match func(*kyaml.RNode) bool
	if p.Target != nil {
		m, err := p.Target.Compile()
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		match = func(n *kyaml.RNode) bool { return m.Matches(nodeID(n)) }
	} else {
		match = namedBy(sm)
	}
	out := nodes[:0:0]
	found := false
	for _, n := range nodes {
		if !match(n) {
			out = append(out, n)
			continue
		}
		found = true
		var res *kyaml.RNode
		if ops {
			res, err = patchJSON(n, p.Patch)
		} else {
			res, err = patchStrategic(n, sm)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nodeID(n).String(), err)
		}
		if res != nil {
			out = append(out, res)
		}
	}
	if !found && p.Target == nil {
		return nil, fmt.Errorf("no object matches the strategic merge patch for %s", nodeID(sm).String())
	}
	return out, nil
}

// namedBy matches the objects a strategic merge patch without a target names,
// as Kustomize matches them: the same group, version, kind and name, and the
// same namespace, where no namespace is "default" (so a patch without one
// does not match an object in another namespace, and one for namespace "prod"
// does not match an object rendered without one, whatever namespace the
// release goes to), and where kinds known to be cluster-scoped have none.
func namedBy(patch *kyaml.RNode) func(*kyaml.RNode) bool {
	want := kustomizeID(patch)
	return func(n *kyaml.RNode) bool { return kustomizeID(n).Equals(want) }
}

// kustomizeID is n's identity as Kustomize's resources have it, which knows
// the cluster-scoped kinds (resid.FromRNode does not).
func kustomizeID(n *kyaml.RNode) resid.ResId {
	return resid.NewResIdWithNamespace(resid.GvkFromNode(n), n.GetName(), n.GetNamespace())
}

// patchStrategic merges patch into n, keeping n's kind, name and namespace; it
// returns nil when the patch deletes the object.
func patchStrategic(n, patch *kyaml.RNode) (*kyaml.RNode, error) {
	p := patch.Copy()
	kind, name, ns := n.GetKind(), n.GetName(), n.GetNamespace()
	p.SetApiVersion(n.GetApiVersion())
	got, err := (patchstrategicmerge.Filter{Patch: p}).Filter([]*kyaml.RNode{n})
	if err != nil || len(got) == 0 || got[0] == nil || got[0].IsNilOrEmpty() {
		return nil, err
	}
	r := got[0]
	r.SetKind(kind)
	if err := r.SetName(name); err != nil {
		return nil, err
	}
	if ns != "" {
		err = r.SetNamespace(ns)
	}
	return r, err
}

// patchJSON applies JSON 6902 operations to n, keeping the annotation that
// tells which template n came from.
func patchJSON(n *kyaml.RNode, ops string) (*kyaml.RNode, error) {
	source := n.GetAnnotations(sourceAnnotation)[sourceAnnotation]
	if _, err := (patchjson6902.Filter{Patch: ops}).Filter([]*kyaml.RNode{n}); err != nil {
		return nil, err
	}
	if source != "" {
		if err := n.PipeE(kyaml.SetAnnotation(sourceAnnotation, source)); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (img KustomizeImage) apply(nodes []*kyaml.RNode) ([]*kyaml.RNode, error) {
	tag := kusttypes.Image{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest}
	if _, err := (imagetag.LegacyFilter{ImageTag: tag}).Filter(nodes); err != nil {
		return nil, err
	}
	fields := make(kusttypes.FsSlice, len(imageFields))
	for i, f := range imageFields {
		fields[i] = kusttypes.FieldSpec{Path: f}
	}
	return imagetag.Filter{ImageTag: tag, FsSlice: fields}.Filter(nodes)
}

// nodeID is the selector's view of a parsed object. An object without a
// namespace is taken to be in "default", as Kustomize takes it.
func nodeID(n *kyaml.RNode) manifest.ObjectID {
	id := manifest.ObjectID{Kind: n.GetKind(), Name: n.GetName(), Namespace: n.GetNamespace(),
		Labels: n.GetLabels(), Annotations: n.GetAnnotations()}
	api := n.GetApiVersion()
	if i := strings.LastIndex(api, "/"); i >= 0 {
		id.Group, id.Version = api[:i], api[i+1:]
	} else {
		id.Version = api
	}
	if id.Namespace == "" {
		id.Namespace = "default"
	}
	return id
}
