package controller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/manifest"
)

// PostRenderer is one entry of spec.postRenderers; Flux knows only Kustomize.
type PostRenderer struct {
	Kustomize *KustomizeSpec `json:"kustomize,omitempty"`
}

// KustomizeSpec is postRenderers[].kustomize: patches (strategic merge or
// JSON 6902, with optional targets) and image overrides.
type KustomizeSpec struct {
	Patches []KustomizePatch `json:"patches,omitempty"`
	Images  []KustomizeImage `json:"images,omitempty"`
}

// KustomizePatch is a patch and the objects it applies to.
type KustomizePatch struct {
	Patch  string             `json:"patch"`
	Target *manifest.Selector `json:"target,omitempty"`
}

// KustomizeImage replaces an image's name, tag or digest.
type KustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// CommonMetadata is spec.commonMetadata: labels and annotations for every
// object the release renders.
type CommonMetadata struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// postRenderer builds the post-renderer of the release, as Flux chains it:
// spec.postRenderers in order, then spec.commonMetadata, then the origin labels,
// which every release gets. A spec that cannot apply is an errSpec.
func (hr *HelmRelease) postRenderer() (action.PostRenderer, error) {
	var chain postRenderers
	for i, raw := range hr.Spec.PostRenderers {
		var pr PostRenderer
		if err := json.Unmarshal(raw, &pr); err != nil {
			return nil, fmt.Errorf("%w: postRenderers[%d]: %w", errSpec, i, err)
		}
		if pr.Kustomize == nil {
			continue
		}
		k := &action.Kustomize{}
		for _, p := range pr.Kustomize.Patches {
			k.Patches = append(k.Patches, action.KustomizePatch{Patch: p.Patch, Target: p.Target})
		}
		for _, img := range pr.Kustomize.Images {
			k.Images = append(k.Images, action.KustomizeImage{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest})
		}
		if err := k.Check(); err != nil {
			return nil, fmt.Errorf("%w: postRenderers[%d]: %w", errSpec, i, err)
		}
		chain = append(chain, k)
	}
	var cm CommonMetadata
	if hr.Spec.CommonMetadata != nil {
		if err := json.Unmarshal(*hr.Spec.CommonMetadata, &cm); err != nil {
			return nil, fmt.Errorf("%w: commonMetadata: %w", errSpec, err)
		}
	}
	// Flux sets the origin labels after the common metadata, on the same
	// objects, so they win a collision: one pass does both.
	labels := make(map[string]string, len(cm.Labels)+2)
	maps.Copy(labels, cm.Labels)
	maps.Copy(labels, hr.originLabels())
	return append(chain, &action.CommonMetadata{Labels: labels, Annotations: cm.Annotations}), nil
}

// originLabels name the HelmRelease on every object of its release but hooks
// and on the chart's CRDs it creates, as Flux's helm-controller does.
func (hr *HelmRelease) originLabels() map[string]string {
	return map[string]string{
		HelmReleaseGVK.Group + "/name":      hr.Name,
		HelmReleaseGVK.Group + "/namespace": hr.Namespace,
	}
}

// postRenderers run one after the other, each on the output of the last. Each
// is a kio.Filter, and so is the chain: the render hands it the parsed
// documents rather than a stream to parse and write again.
type postRenderers []nodeRenderer

type nodeRenderer interface {
	action.PostRenderer
	kio.Filter
}

func (c postRenderers) Run(ctx context.Context, in *bytes.Buffer) (*bytes.Buffer, error) {
	var err error
	for _, pr := range c {
		if in, err = pr.Run(ctx, in); err != nil {
			return nil, err
		}
	}
	return in, nil
}

func (c postRenderers) Filter(nodes []*kyaml.RNode) ([]*kyaml.RNode, error) {
	var err error
	for _, pr := range c {
		if nodes, err = pr.Filter(nodes); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}
