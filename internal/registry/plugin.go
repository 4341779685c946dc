package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// PluginArtifactType is the artifact type of a Helm plugin in a registry;
// manifests without an artifact type carry it as their config media type.
const PluginArtifactType = "application/vnd.helm.plugin.v1+json"

// maxPluginProvSize bounds a plugin's provenance layer.
const maxPluginProvSize = 1 << 20

// PluginPull is a pulled plugin artifact.
type PluginPull struct {
	Ref            string // host/repo:tag or host/repo@digest as resolved
	ManifestDigest string
	Archive        []byte // the NAME-VERSION.tgz layer
	ArchiveName    string // its title
	Prov           []byte // the NAME-VERSION.tgz.prov layer; nil when there is none
}

// PluginName is the name Helm gives a plugin pulled from ref: the last element
// of its repository.
func PluginName(ref string) (string, error) {
	r, err := ParseReference(pluginRef(ref))
	if err != nil {
		return "", err
	}
	return path.Base(r.Repository), nil
}

// pluginRef is ref without oci:// and with "+" in its tag turned into "_", as
// Helm reads plugin references.
func pluginRef(ref string) string {
	ref = strings.TrimPrefix(ref, "oci://")
	if strings.Contains(ref, "@") {
		return ref
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i] + ":" + Tag(ref[i+1:])
	}
	return ref
}

// PullPlugin fetches the plugin artifact ref names (host/repo[:tag|@digest],
// with or without oci://): an image manifest of artifact type
// PluginArtifactType whose tar layers titled NAME-VERSION.tgz and, optionally,
// NAME-VERSION.tgz.prov hold the plugin, NAME being the repository's last
// element. When ref names no tag, version chooses one (an exact tag or a semver
// constraint; "" is the newest stable version); a version that disagrees with
// ref's tag is an error. maxSize bounds the archive layer. Errors do not repeat
// ref, which the caller names.
func (c *Client) PullPlugin(ctx context.Context, ref, version string, maxSize int64) (*PluginPull, error) {
	r, err := ParseReference(pluginRef(ref))
	if err != nil {
		return nil, err
	}
	switch {
	case r.Reference == "":
		tag, err := c.ResolveVersion(ctx, r.Registry+"/"+r.Repository, version)
		if err != nil {
			return nil, err
		}
		r.Reference = Tag(tag)
	case version != "" && r.Reference != Tag(version):
		return nil, fmt.Errorf("--version %s does not match the reference's tag or digest", version)
	}
	repo, err := c.repository(ctx, r)
	if err != nil {
		return nil, err
	}
	desc, rc, err := repo.FetchReference(ctx, r.Reference)
	if err != nil {
		return nil, err // oras names the reference
	}
	defer rc.Close()
	if desc.Size > maxManifestSize {
		return nil, fmt.Errorf("manifest of %d bytes is too large", desc.Size)
	}
	mb, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	archive, prov, err := pluginLayers(desc.MediaType, mb, path.Base(r.Repository))
	if err != nil {
		return nil, err
	}
	res := &PluginPull{Ref: r.String(), ManifestDigest: desc.Digest.String(), ArchiveName: archive.Annotations[ocispec.AnnotationTitle]}
	fetch := func(d ocispec.Descriptor, limit int64) ([]byte, error) {
		if d.Size > limit {
			return nil, fmt.Errorf("layer %s of %d bytes is larger than the maximum size %d", d.Annotations[ocispec.AnnotationTitle], d.Size, limit)
		}
		b, err := content.FetchAll(ctx, repo, d)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", d.Annotations[ocispec.AnnotationTitle], err)
		}
		return b, nil
	}
	if res.Archive, err = fetch(*archive, maxSize); err != nil {
		return nil, err
	}
	if prov != nil {
		if res.Prov, err = fetch(*prov, maxPluginProvSize); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// pluginLayers reads a plugin artifact's manifest and returns its archive layer
// and its provenance layer (nil when there is none), chosen as Helm does: tar
// layers titled NAME-*.tgz and NAME-*.tgz.prov.
func pluginLayers(mediaType string, mb []byte, name string) (archive, prov *ocispec.Descriptor, err error) {
	if mediaType != ocispec.MediaTypeImageManifest {
		return nil, nil, fmt.Errorf("unsupported manifest media type %q", mediaType)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	switch {
	case m.ArtifactType != "" && m.ArtifactType != PluginArtifactType:
		return nil, nil, fmt.Errorf("not a Helm plugin: expected artifact type %s, got %s", PluginArtifactType, m.ArtifactType)
	case m.ArtifactType == "" && m.Config.MediaType != PluginArtifactType:
		return nil, nil, fmt.Errorf("not a Helm plugin: expected config media type %s, got %s", PluginArtifactType, m.Config.MediaType)
	}
	for i, l := range m.Layers {
		if l.MediaType != ocispec.MediaTypeImageLayer && l.MediaType != ocispec.MediaTypeImageLayerGzip {
			continue
		}
		title := l.Annotations[ocispec.AnnotationTitle]
		if !strings.HasPrefix(title, name+"-") {
			continue
		}
		switch {
		case archive == nil && strings.HasSuffix(title, ".tgz"):
			archive = &m.Layers[i]
		case prov == nil && strings.HasSuffix(title, ".tgz.prov"):
			prov = &m.Layers[i]
		}
	}
	if archive == nil {
		return nil, nil, fmt.Errorf("required layer matching pattern %s-VERSION.tgz not found in manifest", name)
	}
	for _, d := range []*ocispec.Descriptor{archive, prov} {
		if d == nil {
			continue
		}
		if err := d.Digest.Validate(); err != nil {
			return nil, nil, fmt.Errorf("layer %s: %w", d.Annotations[ocispec.AnnotationTitle], err)
		}
		if d.Size < 0 {
			return nil, nil, errors.New("layer " + d.Annotations[ocispec.AnnotationTitle] + ": negative size")
		}
	}
	return archive, prov, nil
}
