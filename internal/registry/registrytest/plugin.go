package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

// PluginArtifactType is Helm v4.3.1's artifact type for plugins.
const PluginArtifactType = "application/vnd.helm.plugin.v1+json"

// PluginLayer is one layer of a plugin artifact.
type PluginLayer struct {
	// Title is the org.opencontainers.image.title annotation, such as
	// "NAME-VERSION.tgz" or "NAME-VERSION.tgz.prov".
	Title string
	Data  []byte
	// MediaType "" is application/vnd.oci.image.layer.v1.tar, what Helm's own
	// tests publish plugins with.
	MediaType string
}

// PluginArtifact is a plugin artifact as Helm v4.3.1 reads one. The zero value
// (with layers) is an OCI 1.1 artifact: artifactType PluginArtifactType and the
// empty config.
type PluginArtifact struct {
	// ArtifactType "" is PluginArtifactType.
	ArtifactType string
	// Legacy leaves the artifact type out and gives the config the media type
	// PluginArtifactType instead, as older publishers do.
	Legacy bool
	Layers []PluginLayer
}

// PushPlugin pushes a plugin artifact to ref (host/repo:tag, plain HTTP) and
// returns its manifest digest.
func PushPlugin(t testing.TB, ref string, a PluginArtifact) string {
	t.Helper()
	ctx := context.Background()
	repo, err := remote.NewRepository(ref)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	push := func(mediaType string, data []byte, annotations map[string]string) ocispec.Descriptor {
		d := content.NewDescriptorFromBytes(mediaType, data)
		d.Annotations = annotations
		if err := repo.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest}
	if a.Legacy {
		m.Config = push(PluginArtifactType, []byte("{}"), nil)
	} else {
		m.ArtifactType = a.ArtifactType
		if m.ArtifactType == "" {
			m.ArtifactType = PluginArtifactType
		}
		m.Config = push(ocispec.MediaTypeEmptyJSON, ocispec.DescriptorEmptyJSON.Data, nil)
	}
	for _, l := range a.Layers {
		mt := l.MediaType
		if mt == "" {
			mt = ocispec.MediaTypeImageLayer
		}
		m.Layers = append(m.Layers, push(mt, l.Data, map[string]string{ocispec.AnnotationTitle: l.Title}))
	}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, mb)
	if err := repo.PushReference(ctx, d, bytes.NewReader(mb), repo.Reference.Reference); err != nil {
		t.Fatal(err)
	}
	return d.Digest.String()
}
