package action

import (
	"bytes"
	"context"
	"fmt"

	"sigs.k8s.io/kustomize/api/filters/annotations"
	"sigs.k8s.io/kustomize/api/filters/labels"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rudderpm/rudder/internal/release"
)

// CommonMetadata is a PostRenderer that sets labels and annotations on every
// rendered object but hooks, as Flux's spec.commonMetadata does: a key an
// object already has takes the new value, and nothing else (selectors, pod
// templates) changes. Hooks are left as they are because Flux's
// helm-controller runs on Helm 3, whose post-renderers never see them. The
// zero value changes nothing.
type CommonMetadata struct {
	Labels      map[string]string
	Annotations map[string]string
}

// Run sets the labels and annotations on a stream of manifests, keeping the
// objects in their order.
func (c *CommonMetadata) Run(_ context.Context, in *bytes.Buffer) (*bytes.Buffer, error) {
	return filterStream("common metadata", c, in)
}

// Filter sets the labels and annotations on parsed manifests in place; it makes
// CommonMetadata a kio.Filter, which the render runs without a stream.
func (c *CommonMetadata) Filter(nodes []*kyaml.RNode) ([]*kyaml.RNode, error) {
	var objects []*kyaml.RNode
	for _, n := range nodes {
		if _, hook := n.GetAnnotations(release.HookAnnotation)[release.HookAnnotation]; !hook {
			objects = append(objects, n)
		}
	}
	if len(c.Labels) > 0 {
		f := labels.Filter{Labels: c.Labels, FsSlice: metadataField("labels")}
		if _, err := f.Filter(objects); err != nil {
			return nil, fmt.Errorf("common metadata: labels: %w", err)
		}
	}
	if len(c.Annotations) > 0 {
		f := annotations.Filter{Annotations: c.Annotations, FsSlice: metadataField("annotations")}
		if _, err := f.Filter(objects); err != nil {
			return nil, fmt.Errorf("common metadata: annotations: %w", err)
		}
	}
	return nodes, nil
}

// metadataField is metadata.<name>, made if an object lacks it.
func metadataField(name string) kusttypes.FsSlice {
	return kusttypes.FsSlice{{Path: "metadata/" + name, CreateIfNotPresent: true}}
}
