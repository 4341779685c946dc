package controller

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/release"
)

func TestReleaseNames(t *testing.T) {
	long := strings.Repeat("a", 60)
	for _, tc := range []struct {
		name                     string
		spec                     HelmReleaseSpec
		release, target, storage string
	}{
		{"app", HelmReleaseSpec{}, "app", "ns", "ns"},
		{"app", HelmReleaseSpec{TargetNamespace: "prod"}, "prod-app", "prod", "ns"},
		{"app", HelmReleaseSpec{ReleaseName: "mine", StorageNamespace: "store"}, "mine", "ns", "store"},
	} {
		hr := &HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: tc.name, Namespace: "ns"}, Spec: tc.spec}
		got := releaseNames(hr)
		if got.release != tc.release || got.target != tc.target || got.storage != tc.storage {
			t.Errorf("%+v: got %+v", tc.spec, got)
		}
	}
	hr := &HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: long, Namespace: "ns"}}
	if n := releaseNames(hr).release; len(n) > 53 || !strings.HasPrefix(n, long[:40]) {
		t.Errorf("a long name is shortened to %q (%d characters)", n, len(n))
	}
	other := &HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: long + "b", Namespace: "ns"}}
	if releaseNames(hr).release == releaseNames(other).release {
		t.Error("two long names shorten to the same release name")
	}
}

// A release is in sync only when it is deployed with the digest of the same
// inputs; a change of chart, values, post-renderers or common metadata
// changes the digest. The origin labels are not an input (nor in Flux's
// digests): a release made before them keeps its digest, so a new controller
// does not upgrade it only to add them.
func TestInSync(t *testing.T) {
	hr := &HelmRelease{}
	commonMeta := json.RawMessage(`{"labels":{"team":"a"}}`)
	d := inputDigest("sha256:chart", digestJSON(map[string]any{"v": 1}), hr)
	const before = "sha256:3972ef77f1f07c9c309a6c99ef094d55cd6d568b10d356007313208d84d6b817"
	if d != before {
		t.Errorf("the digest of a HelmRelease without postRenderers or commonMetadata is %s, was %s: every release would be upgraded", d, before)
	}
	rel := &release.Release{Name: "r", Version: 3, Info: &release.Info{Status: release.StatusDeployed},
		Labels: map[string]string{digestLabel: digestLabelValue(d)}}
	if !inSync(rel, d) {
		t.Fatal("a deployed release of the same inputs is not in sync")
	}
	for name, other := range map[string]string{
		"values":         inputDigest("sha256:chart", digestJSON(map[string]any{"v": 2}), hr),
		"chart":          inputDigest("sha256:chart2", digestJSON(map[string]any{"v": 1}), hr),
		"postRenderers":  inputDigest("sha256:chart", digestJSON(map[string]any{"v": 1}), &HelmRelease{Spec: HelmReleaseSpec{PostRenderers: []json.RawMessage{json.RawMessage(`{}`)}}}),
		"commonMetadata": inputDigest("sha256:chart", digestJSON(map[string]any{"v": 1}), &HelmRelease{Spec: HelmReleaseSpec{CommonMetadata: &commonMeta}}),
	} {
		if other == d || inSync(rel, other) {
			t.Errorf("a change of %s leaves the release in sync", name)
		}
	}
	rel.Info.Status = release.StatusFailed
	if inSync(rel, d) {
		t.Error("a failed release is in sync")
	}
	if inSync(nil, d) {
		t.Error("no release is in sync")
	}
}

func TestPushSnapshot(t *testing.T) {
	var h []Snapshot
	for v := 1; v <= 7; v++ {
		h = pushSnapshot(h, Snapshot{Name: "r", Version: v, Status: "deployed"}, 5)
	}
	if len(h) != 5 || h[0].Version != 7 || h[4].Version != 3 {
		t.Fatalf("history = %+v, want versions 7..3", h)
	}
	if h[0].Status != "deployed" || h[1].Status != "superseded" {
		t.Errorf("statuses %s, %s: want deployed, superseded", h[0].Status, h[1].Status)
	}
	h = pushSnapshot(h, Snapshot{Name: "r", Version: 7, Status: "deployed", Digest: "again"}, 5)
	if len(h) != 5 || h[0].Digest != "again" || h[1].Version != 6 {
		t.Errorf("recording version 7 again duplicated it: %+v", h)
	}
}

func TestRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		failures int64
		want     time.Duration
	}{
		{0, 750 * time.Millisecond},
		{1, 750 * time.Millisecond},
		{2, 1500 * time.Millisecond},
		{5, 12 * time.Second},
		{11, 768 * time.Second},
		{12, 15 * time.Minute},
		{1 << 40, 15 * time.Minute},
	} {
		if got := retryDelay(tc.failures); got != tc.want {
			t.Errorf("retryDelay(%d) = %s, want %s", tc.failures, got, tc.want)
		}
	}
}
