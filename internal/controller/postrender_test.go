package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// spec.commonMetadata runs after spec.postRenderers, so its labels win over a
// patch's; a commonMetadata that is not string maps stalls the release.
func TestPostRendererCommonMetadata(t *testing.T) {
	cm := json.RawMessage(`{"labels":{"team":"common"},"annotations":{"owner":"ops"}}`)
	hr := &HelmRelease{Spec: HelmReleaseSpec{CommonMetadata: &cm, PostRenderers: []json.RawMessage{json.RawMessage(
		`{"kustomize":{"patches":[{"patch":"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {team: patch, by: patch}}\n"}]}}`)}}}
	pr, err := hr.postRenderer()
	if err != nil {
		t.Fatal(err)
	}
	out, err := pr.Run(t.Context(), bytes.NewBufferString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"team: common", "by: patch", "owner: ops"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	bad := json.RawMessage(`{"labels":{"replicas":3}}`)
	hr = &HelmRelease{Spec: HelmReleaseSpec{CommonMetadata: &bad}}
	if _, err := hr.postRenderer(); !errors.Is(err, errSpec) || !strings.Contains(err.Error(), "commonMetadata:") {
		t.Errorf("a label that is not a string: %v, want an errSpec naming commonMetadata", err)
	}
}

// Every release labels its objects but hooks with its HelmRelease, over the
// chart's, the post-renderers' and the common metadata's labels of those keys.
func TestPostRendererOriginLabels(t *testing.T) {
	const in = `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: {helm.toolkit.fluxcd.io/name: chart}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: hook
  annotations: {helm.sh/hook: pre-install}
`
	cm := json.RawMessage(`{"labels":{"helm.toolkit.fluxcd.io/namespace":"common","team":"common"}}`)
	patch := json.RawMessage(`{"kustomize":{"patches":[{"patch":"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {helm.toolkit.fluxcd.io/name: patch, by: patch}}\n"}]}}`)
	origin := map[string]string{"helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": "apps"}
	for name, tt := range map[string]struct {
		spec HelmReleaseSpec
		want map[string]string
	}{
		"bare":  {HelmReleaseSpec{}, origin},
		"chain": {HelmReleaseSpec{PostRenderers: []json.RawMessage{patch}, CommonMetadata: &cm}, map[string]string{"by": "patch", "team": "common"}},
	} {
		hr := &HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"}, Spec: tt.spec}
		pr, err := hr.postRenderer()
		if err != nil || pr == nil {
			t.Fatalf("%s: no post-renderer (%v)", name, err)
		}
		if _, ok := pr.(kio.Filter); !ok {
			t.Errorf("%s: the chain is not a kio.Filter, so the render writes and parses a stream for it", name)
		}
		out, err := pr.Run(t.Context(), bytes.NewBufferString(in))
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := kio.ParseAll(out.String())
		if err != nil || len(nodes) != 2 {
			t.Fatalf("%s: output (%v):\n%s", name, err, out)
		}
		want := maps.Clone(tt.want)
		maps.Copy(want, origin)
		if got := nodes[0].GetLabels(); !maps.Equal(got, want) {
			t.Errorf("%s: ConfigMap labels %v, want %v", name, got, want)
		}
		if got := nodes[1].GetLabels(); len(got) != 0 {
			t.Errorf("%s: the hook is labelled: %v", name, got)
		}
	}
}
