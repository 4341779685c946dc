package action

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rudderpm/rudder/internal/chart"
)

// Common metadata reaches every object's own metadata, overwriting keys it
// already has, but neither hooks nor pod templates.
func TestCommonMetadata(t *testing.T) {
	const in = `apiVersion: v1
kind: Service
metadata:
  name: svc
  labels: {team: old, keep: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    metadata:
      labels: {app: web}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {helm.sh/hook: pre-upgrade}
`
	c := CommonMetadata{Labels: map[string]string{"team": "new", "on": "true"}, Annotations: map[string]string{"owner": "ops"}}
	out, err := c.Run(t.Context(), bytes.NewBufferString(in))
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := (&kio.ByteReader{Reader: out, OmitReaderAnnotations: true}).Read()
	if err != nil || len(nodes) != 3 {
		t.Fatalf("output (%v):\n%s", err, out)
	}
	want := []struct{ labels, annotations map[string]string }{
		{map[string]string{"team": "new", "keep": "1", "on": "true"}, map[string]string{"owner": "ops"}},
		{map[string]string{"team": "new", "on": "true"}, map[string]string{"owner": "ops"}},
		{map[string]string{}, map[string]string{"helm.sh/hook": "pre-upgrade"}},
	}
	for i, n := range nodes {
		if !maps.Equal(n.GetLabels(), want[i].labels) || !maps.Equal(n.GetAnnotations(), want[i].annotations) {
			t.Errorf("%s: labels %v annotations %v, want %v and %v", n.GetName(), n.GetLabels(), n.GetAnnotations(), want[i].labels, want[i].annotations)
		}
	}
	tmpl, err := nodes[1].Pipe(kyaml.Lookup("spec", "template", "metadata", "labels"))
	if err != nil || tmpl.MustString() != "{app: web}\n" {
		t.Errorf("the pod template's labels changed: %v %v", tmpl.MustString(), err)
	}
	if on, _ := nodes[0].Pipe(kyaml.Lookup("metadata", "labels", "on")); on.YNode().Tag != kyaml.NodeTagString {
		t.Errorf("the label value \"true\" is not kept a string: %s", on.YNode().Tag)
	}
}

// streamOnly hides CommonMetadata's Filter, so the render writes and parses
// the stream as for any other post-renderer.
type streamOnly struct{ PostRenderer }

// Given the parsed documents, CommonMetadata renders what it renders through a
// stream: the same objects, files and hooks, byte for byte.
func TestCommonMetadataFilterIsTheStream(t *testing.T) {
	ch, err := chart.LoadFiles([]*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: c\nversion: 1.0.0\n")},
		{Name: "templates/two.yaml", Data: []byte("# a comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {on: \"yes\"}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  labels: {x: \"1\"}\nstringData:\n  k: |\n    multi\n    line\n")},
		{Name: "templates/hook.yaml", Data: []byte("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: h\n  annotations: {helm.sh/hook: pre-install}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	cm := &CommonMetadata{Labels: map[string]string{"x": "2", "on": "true"}, Annotations: map[string]string{"owner": "ops"}}
	var got [2]*Rendered
	for i, pr := range []PostRenderer{cm, streamOnly{cm}} {
		if got[i], err = Render(t.Context(), ch, nil, RenderOptions{ReleaseName: "r", Namespace: "ns", PostRenderer: pr}); err != nil {
			t.Fatal(err)
		}
	}
	if got[0].Manifest != got[1].Manifest || !strings.Contains(got[0].Manifest, "owner: ops") {
		t.Errorf("filter:\n%s\nstream:\n%s", got[0].Manifest, got[1].Manifest)
	}
	if len(got[0].Hooks) != 1 || len(got[1].Hooks) != 1 || got[0].Hooks[0].Manifest != got[1].Hooks[0].Manifest {
		t.Errorf("hooks differ: %v %v", got[0].Hooks, got[1].Hooks)
	}
}
