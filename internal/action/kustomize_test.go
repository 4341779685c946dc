package action

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/manifest"
)

const kustomizeInput = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: front}
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/deploy.yaml
spec:
  replicas: 1
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: app
        image: nginx:1.25
      - name: side
        image: registry.example/tools/side:2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/cm.yaml
data:
  a: "1"
`

func TestKustomizePostRenderer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		k         Kustomize
		want, not []string
	}{
		{
			name: "strategic merge by name",
			k: Kustomize{Patches: []KustomizePatch{{Patch: `
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {b: "2"}`}}},
			want: []string{`a: "1"`, `b: "2"`},
		},
		{
			name: "strategic merge on a target, merging containers by name",
			k: Kustomize{Patches: []KustomizePatch{{Target: &manifest.Selector{Kind: "Deploy.*", LabelSelector: "tier=front"}, Patch: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ignored}
spec:
  template:
    spec:
      containers:
      - name: app
        env: [{name: MODE, value: patched}]`}}},
			want: []string{"name: web\n", "value: patched", "image: nginx:1.25", "name: side"},
			not:  []string{"name: ignored"},
		},
		{
			name: "json 6902 keeps the source annotation",
			k: Kustomize{Patches: []KustomizePatch{{Target: &manifest.Selector{Kind: "Deployment", Name: "web"}, Patch: `
- op: replace
  path: /spec/replicas
  value: 3
- op: remove
  path: /metadata/annotations`}}},
			want: []string{"replicas: 3", "postrender-filename: 'web/templates/deploy.yaml'"},
			not:  []string{"replicas: 1"},
		},
		{
			name: "delete by patch",
			k: Kustomize{Patches: []KustomizePatch{{Patch: `
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
$patch: delete`}}},
			not: []string{"web-config"},
		},
		{
			name: "images",
			k: Kustomize{Images: []KustomizeImage{
				{Name: "nginx", NewName: "mirror.local/nginx", NewTag: "1.27"},
				{Name: "busybox", Digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
				{Name: "registry.example/tools/side", NewTag: "3"},
			}},
			want: []string{"image: mirror.local/nginx:1.27", "image: busybox@sha256:0123456789abcdef", "image: registry.example/tools/side:3"},
			not:  []string{"nginx:1.25", "busybox:1.36"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.k.Check(); err != nil {
				t.Fatal(err)
			}
			out, err := tc.k.Run(t.Context(), bytes.NewBufferString(kustomizeInput))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("output still has %q:\n%s", n, out)
				}
			}
		})
	}
}

// Patches that cannot apply are refused with a message naming what is wrong,
// before anything is rendered (Check) or when they are run.
func TestKustomizePostRendererErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    Kustomize
		want string
	}{
		{"json without target", Kustomize{Patches: []KustomizePatch{{Patch: `[{"op":"remove","path":"/a"}]`}}}, "patch 1: a JSON 6902 patch needs a target"},
		{"bad regexp", Kustomize{Patches: []KustomizePatch{{Patch: `{kind: A}`, Target: &manifest.Selector{Name: "("}}}}, "selector name \"(\" is not a regular expression"},
		{"bad operation", Kustomize{Patches: []KustomizePatch{{Patch: `[{"op":"jump","path":"/a"}]`, Target: &manifest.Selector{}}}}, "patch 1"},
		{"scalar", Kustomize{Patches: []KustomizePatch{{Patch: `just text`}}}, "neither a map"},
		{"empty", Kustomize{Patches: []KustomizePatch{{Patch: " "}}}, "the patch is empty"},
		{"nameless image", Kustomize{Images: []KustomizeImage{{NewTag: "1"}}}, "an image has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.k.Check()
			if err == nil {
				_, err = tc.k.Run(t.Context(), bytes.NewBufferString(kustomizeInput))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	k := Kustomize{Patches: []KustomizePatch{{Patch: "apiVersion: v1\nkind: Secret\nmetadata: {name: nope}\n"}}}
	if _, err := k.Run(t.Context(), bytes.NewBufferString(kustomizeInput)); err == nil || !strings.Contains(err.Error(), "no object matches the strategic merge patch for Secret/default/nope") {
		t.Errorf("a patch of a missing object: %v", err)
	}
}

// A strategic merge patch without a target names its object's namespace as
// Kustomize reads it: no namespace is "default", and cluster-scoped kinds
// have none. The objects of a release installed into "prod" are rendered
// without one, so a patch naming "prod" misses them.
func TestStrategicPatchNamespace(t *testing.T) {
	const role, widget = "rbac.authorization.k8s.io/v1 ClusterRole", "example.com/v1 Widget"
	for _, tc := range []struct {
		kind, objectNS, patchNS string
		match                   bool
	}{
		{"v1 ConfigMap", "", "", true},
		{"v1 ConfigMap", "default", "", true},
		{"v1 ConfigMap", "", "default", true},
		{"v1 ConfigMap", "prod", "prod", true},
		{"v1 ConfigMap", "prod", "", false},
		{"v1 ConfigMap", "", "prod", false},
		{"v1 ConfigMap", "prod", "dev", false},
		{role, "", "prod", true},
		{role, "prod", "", true},
		{widget, "prod", "", false}, // a kind Kustomize does not know is namespaced
		{widget, "prod", "prod", true},
	} {
		api, kind, _ := strings.Cut(tc.kind, " ")
		obj := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: x\n  namespace: %q\n", api, kind, tc.objectNS)
		patch := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: x\n  namespace: %q\n  labels: {patched: \"yes\"}\n", api, kind, tc.patchNS)
		k := Kustomize{Patches: []KustomizePatch{{Patch: patch}}}
		out, err := k.Run(t.Context(), bytes.NewBufferString(obj))
		matched := err == nil && strings.Contains(out.String(), "patched: \"yes\"")
		if matched != tc.match || (err != nil && !strings.Contains(err.Error(), "no object matches")) {
			t.Errorf("%s in %q, patch for %q: matched = %v (%v), want %v", tc.kind, tc.objectNS, tc.patchNS, matched, err, tc.match)
		}
	}
}
