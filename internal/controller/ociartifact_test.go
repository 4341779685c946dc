package controller

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/registry"
	"github.com/rudderpm/rudder/internal/registry/registrytest"
)

// TestOCIArtifactChart loads the chart of an OCIRepository's artifact by the
// digests in its status: pulled by its manifest digest when the content
// cache lacks it (the tag has moved on since: the status's chart all the
// same), then from the cache with the registry gone, and pulled again when
// the cached file is not what the digest says.
func TestOCIArtifactChart(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	c, err := registry.New(registry.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	push := func(description string) *registry.PushResult {
		md := &chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.0.0", Description: description}
		var b bytes.Buffer
		if err := chart.WriteArchive(&b, &chart.Chart{Metadata: md}, chart.ArchiveOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := c.Push(t.Context(), reg.Host+"/charts/web:1.0.0", b.Bytes(), nil, md, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := push("the artifact's")
	push("pushed later under the same tag")
	archive := strings.TrimPrefix(first.ChartDigest, "sha256:")

	cache := t.TempDir()
	repo := func(url string) *OCIRepository {
		return &OCIRepository{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}, Spec: OCIRepositorySpec{URL: url},
			Status: repositoryStatus{Artifact: &artifact{Revision: "1.0.0@" + first.ManifestDigest, Digest: first.ChartDigest}}}
	}
	load := func(url string) (*resolvedChart, error) {
		s := &sources{cache: cache, charts: map[string]*chart.Chart{}}
		return s.fromOCIArtifact(t.Context(), repo(url))
	}
	live, gone := "oci://"+reg.Host+"/charts/web", "oci://127.0.0.1:1/charts/web"

	rc, err := load(live)
	if err != nil {
		t.Fatalf("empty cache: %v", err)
	}
	if rc.digest != archive || rc.chart.Metadata.Description != "the artifact's" || rc.revision != "1.0.0@"+first.ManifestDigest {
		t.Fatalf("empty cache: chart %q digest %s revision %s, want the artifact's chart %s", rc.chart.Metadata.Description, rc.digest, rc.revision, archive)
	}
	if rc, err := load(gone); err != nil || rc.digest != archive {
		t.Fatalf("registry gone, chart in the cache: %v, want the cached chart", err)
	}

	path := action.CachedChartPath(cache, archive)
	if err := os.WriteFile(path, []byte("not the chart"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := load(gone); err == nil || !strings.Contains(err.Error(), "OCIRepository/ns/web: artifact 1.0.0@"+first.ManifestDigest+" is not in the content cache") {
		t.Fatalf("cached file damaged, registry gone: %v, want an error naming the OCIRepository and its artifact", err)
	}
	if rc, err := load(live); err != nil || rc.digest != archive {
		t.Fatalf("cached file damaged: %v, want the chart pulled again", err)
	}
	if !fileHasDigest(path, archive) {
		t.Fatalf("cached file still damaged after the chart was pulled again")
	}
}
