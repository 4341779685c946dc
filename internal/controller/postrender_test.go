package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
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
