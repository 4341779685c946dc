package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rudderpm/rudder/internal/action"
)

// ociArtifacts is what the controller knows of the artifacts of
// OCIRepositories beyond their status. The chart archives themselves live in
// the content cache, by their SHA-256; nothing here holds a chart.
type ociArtifacts struct {
	// pulls are HelmReleases' pulls of an artifact the content cache lacks,
	// by OCIRepository and manifest digest: its releases share one.
	pulls singleflight.Group

	mu sync.Mutex
	// byRepo is the archive digest (hex) of each OCIRepository's artifact,
	// so that its file can be removed once the OCIRepository is gone.
	byRepo map[types.NamespacedName]string
	// byManifest is the archive digest of a manifest digest whose artifact
	// has another digest in status (one Flux's source-controller stored).
	byManifest map[string]string
}

// maxManifestAliases bounds byManifest.
const maxManifestAliases = 1024

// record notes the archive digest of key's artifact and returns the one it
// replaces ("" when none, or the same).
func (a *ociArtifacts) record(key types.NamespacedName, digest string) (old string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byRepo == nil {
		a.byRepo = map[types.NamespacedName]string{}
	}
	old = a.byRepo[key]
	a.byRepo[key] = digest
	if old == digest {
		return ""
	}
	return old
}

// forget drops key and returns the archive digest of its artifact, if known.
func (a *ociArtifacts) forget(key types.NamespacedName) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.byRepo[key]
	delete(a.byRepo, key)
	return d
}

// archiveOf is the archive digest pulled for a manifest digest whose status
// names another.
func (a *ociArtifacts) archiveOf(manifest string) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.byManifest[manifest]
	return d, ok
}

func (a *ociArtifacts) alias(manifest, archive string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byManifest == nil || len(a.byManifest) >= maxManifestAliases {
		a.byManifest = map[string]string{}
	}
	a.byManifest[manifest] = archive
}

// dropAliases forgets the manifest digests that stood for archive.
func (a *ociArtifacts) dropAliases(archive string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for m, d := range a.byManifest {
		if d == archive {
			delete(a.byManifest, m)
		}
	}
}

// ociSourceReady tells, as Flux's helm-controller does, whether a HelmRelease
// may use an OCIRepository's artifact: its generation observed, not Stalled,
// an artifact in status. A Ready=False OCIRepository whose last pull failed
// is still served from the artifact it has.
func ociSourceReady(o *OCIRepository) error {
	st := &o.Status
	switch {
	case st.ObservedGeneration != o.Generation:
		if c := apimeta.FindStatusCondition(st.Conditions, ReadyCondition); c != nil && c.Status == metav1.ConditionFalse {
			return errors.New(c.Message)
		}
		return errors.New("latest generation of object has not been reconciled")
	case apimeta.IsStatusConditionTrue(st.Conditions, StalledCondition):
		return errors.New(apimeta.FindStatusCondition(st.Conditions, StalledCondition).Message)
	case st.Artifact == nil:
		return errors.New("does not have an artifact")
	}
	return nil
}

// fromOCIArtifact loads the chart of the artifact in an OCIRepository's
// status: from memory, or from the content cache by the artifact's digest
// (checked), or, when the cache lacks it (a controller that started again
// with another cache, an artifact Flux's source-controller stored), pulled
// again by the artifact's manifest digest, so that the chart is the one the
// status names even when its tag has moved since.
func (s *sources) fromOCIArtifact(ctx context.Context, o *OCIRepository) (*resolvedChart, error) {
	a := o.Status.Artifact
	manifest := a.Revision
	if _, d, ok := strings.Cut(a.Revision, "@"); ok {
		manifest = d
	}
	archive := strings.TrimPrefix(a.Digest, "sha256:")
	if d, ok := s.artifacts.archiveOf(manifest); ok {
		archive = d
	}
	lc := &action.LocatedChart{Path: action.CachedChartPath(s.cache, archive), FileName: ociArtifactName(o.Spec.URL, a.Revision),
		Remote: true, Digest: archive, ManifestDigest: manifest}
	if !s.loaded(archive) && !fileHasDigest(lc.Path, archive) {
		v, err, _ := s.artifacts.pulls.Do(o.Namespace+"/"+o.Name+"@"+manifest, func() (any, error) { return s.pullOCIDigest(ctx, o, manifest) })
		if err != nil {
			return nil, fmt.Errorf("OCIRepository/%s/%s: artifact %s is not in the content cache and pulling it again failed: %w", o.Namespace, o.Name, a.Revision, err)
		}
		lc = v.(*action.LocatedChart)
		if lc.Digest != archive {
			s.artifacts.alias(manifest, lc.Digest)
		}
	}
	rc, err := s.load(lc)
	if err != nil {
		return nil, err
	}
	rc.revision = a.Revision
	return rc, nil
}

// ociArtifactName names an artifact in errors: its url with the tag and
// digest of its revision.
func ociArtifactName(url, revision string) string {
	if strings.Contains(revision, "@") {
		return url + ":" + revision
	}
	return url + "@" + revision
}

// loaded tells whether the chart of an archive digest is in memory.
func (s *sources) loaded(digest string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.charts[digest]
	return ok
}

// fileHasDigest tells whether the file at path is there and its SHA-256 is
// digest (hex).
func fileHasDigest(path, digest string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == digest
}

// removeOCIArtifact removes from the content cache, and from memory, the
// chart archive of an artifact that key no longer has (superseded, or the
// OCIRepository gone), unless another OCIRepository's artifact is the same.
func (s *sources) removeOCIArtifact(ctx context.Context, c client.Reader, key types.NamespacedName, digest string) error {
	if digest == "" {
		return nil
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(OCIRepositoryGVK.GroupVersion().WithKind("OCIRepositoryList"))
	if err := c.List(ctx, list); err != nil {
		return err
	}
	for i := range list.Items {
		item := &list.Items[i]
		if item.GetNamespace() == key.Namespace && item.GetName() == key.Name {
			continue
		}
		if d, _, _ := unstructured.NestedString(item.Object, "status", "artifact", "digest"); d == "sha256:"+digest {
			return nil
		}
	}
	s.mu.Lock()
	delete(s.charts, digest)
	s.mu.Unlock()
	s.artifacts.dropAliases(digest)
	if err := os.Remove(action.CachedChartPath(s.cache, digest)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
