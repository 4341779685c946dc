package action

import (
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/manifest"
)

// streamOnly hides a post-renderer's Filter, so the render writes and parses
// the stream as for any other post-renderer.
type streamOnly struct{ PostRenderer }

// Given the parsed documents, CommonMetadata and Kustomize render what they
// render through a stream: the same objects, files and hooks, byte for byte.
func TestFilterIsTheStream(t *testing.T) {
	ch, err := chart.LoadFiles([]*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		{Name: "templates/two.yaml", Data: []byte("# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {on: \"yes\"}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  labels: {x: \"1\"}\nstringData:\n  k: |\n    multi\n    line\n")},
		{Name: "templates/hook.yaml", Data: []byte("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: h\n  annotations: {helm.sh/hook: pre-install}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range []PostRenderer{
		&CommonMetadata{Labels: map[string]string{"x": "2", "on": "true"}, Annotations: map[string]string{"owner": "ops"}},
		&Kustomize{Patches: []KustomizePatch{{Patch: "apiVersion: v1\nkind: Secret\nmetadata: {name: b, annotations: {owner: ops}}\n"}}},
	} {
		var got [2]*Rendered
		for i, pr := range []PostRenderer{pr, streamOnly{pr}} {
			if got[i], err = Render(t.Context(), ch, nil, RenderOptions{ReleaseName: "r", Namespace: "ns", PostRenderer: pr}); err != nil {
				t.Fatal(err)
			}
		}
		if got[0].Manifest != got[1].Manifest || !strings.Contains(got[0].Manifest, "owner: ops") {
			t.Errorf("%T: filter:\n%s\nstream:\n%s", pr, got[0].Manifest, got[1].Manifest)
		}
		if len(got[0].Hooks) != 1 || len(got[1].Hooks) != 1 || got[0].Hooks[0].Manifest != got[1].Hooks[0].Manifest {
			t.Errorf("%T: hooks differ: %v %v", pr, got[0].Hooks, got[1].Hooks)
		}
	}
}

// With PostRenderSkipHooks, a patch whose target matches a hook and an object
// changes the object only, whether the post-renderer takes the parsed
// documents or a stream; without it, as Helm v4, the hook is patched too.
func TestPostRenderSkipHooks(t *testing.T) {
	ch, err := chart.LoadFiles([]*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		{Name: "templates/jobs.yaml", Data: []byte("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: h\n  annotations: {helm.sh/hook: pre-install}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	k := &Kustomize{Patches: []KustomizePatch{{
		Patch:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: any, labels: {patched: \"yes\"}}\n",
		Target: &manifest.Selector{Kind: "Job"},
	}}}
	for _, skip := range []bool{true, false} {
		for _, pr := range []PostRenderer{k, streamOnly{k}} {
			r, err := Render(t.Context(), ch, nil, RenderOptions{ReleaseName: "r", PostRenderer: pr, PostRenderSkipHooks: skip})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Hooks) != 1 || len(r.Manifests) != 1 {
				t.Fatalf("skip=%v %T: %d hooks, %d manifests, want 1 and 1", skip, pr, len(r.Hooks), len(r.Manifests))
			}
			if !strings.Contains(r.Manifest, "patched:") {
				t.Errorf("skip=%v %T: Job j is not patched:\n%s", skip, pr, r.Manifest)
			}
			if hook := r.Hooks[0].Manifest; strings.Contains(hook, "patched:") == skip {
				t.Errorf("skip=%v %T: hook Job h:\n%s", skip, pr, hook)
			}
		}
	}
}
