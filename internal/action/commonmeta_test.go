package action

import (
	"bytes"
	"maps"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
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
