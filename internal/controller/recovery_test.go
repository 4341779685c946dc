package controller

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/rudderpm/rudder/internal/repo"
)

// A HelmRepository whose Ready condition turns True passes the predicate even
// when its artifact did not change (the same index as before it failed), so
// its HelmReleases are reconciled at once.
func TestRepositoryRecovered(t *testing.T) {
	repoWith := func(ready string) *unstructured.Unstructured {
		u := newObject(HelmRepositoryGVK)
		if ready != "" {
			u.Object["status"] = map[string]any{
				"artifact":   map[string]any{"revision": "sha256:same"},
				"conditions": []any{map[string]any{"type": "Ready", "status": ready, "reason": "x", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}},
			}
		}
		return u
	}
	p := repositoryRecovered()
	for _, tc := range []struct {
		old, new string
		want     bool
	}{
		{"False", "True", true},
		{"", "True", true},
		{"True", "True", false},
		{"True", "False", false},
		{"False", "False", false},
	} {
		if got := p.Update(event.UpdateEvent{ObjectOld: repoWith(tc.old), ObjectNew: repoWith(tc.new)}); got != tc.want {
			t.Errorf("Ready %q -> %q: predicate %v, want %v", tc.old, tc.new, got, tc.want)
		}
	}
	if p.Create(event.CreateEvent{Object: repoWith("True")}) {
		t.Error("a created HelmRepository passes the predicate")
	}
}

func TestFetchFailedReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("GET http://127.0.0.1/index.yaml: 500 Internal Server Error"), FailedReason},
		{repo.ErrEmptyIndex, IndexationFailedReason},
		{repo.ErrNoAPIVersion, IndexationFailedReason},
	} {
		if got := fetchFailedReason(tc.err); got != tc.want {
			t.Errorf("%v: reason %s, want %s", tc.err, got, tc.want)
		}
	}
}
