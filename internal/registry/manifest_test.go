package registry

import (
	"encoding/json"
	"strings"
	"testing"

	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

func chartManifest(t testing.TB, layers ...ocispec.Descriptor) []byte {
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2},
		Config: content.NewDescriptorFromBytes(ConfigMediaType, []byte(`{"name":"x","version":"1.0.0"}`)), Layers: layers}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseManifest(t *testing.T) {
	chartLayer := content.NewDescriptorFromBytes(ChartLayerMediaType, []byte("archive"))
	provLayer := content.NewDescriptorFromBytes(ProvLayerMediaType, []byte("prov"))
	bad := chartLayer
	bad.Digest = "sha256:../../etc"
	neg := chartLayer
	neg.Size = -1
	for _, c := range []struct {
		name, mediaType string
		manifest        []byte
		want            string // "" means accepted
	}{
		{"chart and prov", ocispec.MediaTypeImageManifest, chartManifest(t, chartLayer, provLayer), ""},
		{"index, not manifest", ocispec.MediaTypeImageIndex, chartManifest(t, chartLayer), "unsupported manifest media type"},
		{"not json", ocispec.MediaTypeImageManifest, []byte("{"), "manifest: unexpected end of JSON input"},
		{"no chart layer", ocispec.MediaTypeImageManifest, chartManifest(t, provLayer), "manifest has no chart layer"},
		{"bad digest", ocispec.MediaTypeImageManifest, chartManifest(t, bad), "invalid checksum digest"},
		{"negative size", ocispec.MediaTypeImageManifest, chartManifest(t, neg), "negative size -1"},
		{"image", ocispec.MediaTypeImageManifest, []byte(`{"config":{"mediaType":"application/vnd.oci.image.config.v1+json"}}`), "not a Helm chart"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, ch, _, err := parseManifest(c.mediaType, c.manifest)
			switch {
			case c.want == "" && (err != nil || m == nil || ch == nil):
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// FuzzParseManifest: whatever a registry answers, parsing gives a chart layer with
// a valid digest or an error, never a panic.
func FuzzParseManifest(f *testing.F) {
	f.Add(chartManifest(f, content.NewDescriptorFromBytes(ChartLayerMediaType, []byte("a")), content.NewDescriptorFromBytes(ProvLayerMediaType, []byte("p"))))
	f.Add(chartManifest(f))
	f.Add([]byte(`{"config":{"mediaType":"` + ConfigMediaType + `"},"layers":[{"mediaType":"` + LegacyChartLayerMediaType + `","digest":"sha256:x","size":-5}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, ch, prov, err := parseManifest(ocispec.MediaTypeImageManifest, data)
		if err != nil {
			return
		}
		if m == nil || ch == nil || ch.Digest.Validate() != nil || ch.Size < 0 {
			t.Fatalf("accepted a manifest without a usable chart layer: %+v", m)
		}
		if prov != nil && prov.Digest.Validate() != nil {
			t.Fatalf("accepted a provenance layer with digest %q", prov.Digest)
		}
	})
}
