package kube_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/rudderpm/rudder/internal/kube"
)

func TestBuild(t *testing.T) {
	_, c, ns := cluster(t)
	rs := build(t, c, ns, `
# Source: chart/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
---
# Source: chart/templates/empty.yaml
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: role-`+ns+`
  namespace: stray
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: elsewhere}
`)
	got := names(rs)
	want := []string{"ConfigMap/" + ns + "/plain", "ClusterRole/role-" + ns, "Deployment/elsewhere/web"}
	if !slices.Equal(got, want) {
		t.Fatalf("resources = %v, want %v", got, want)
	}
	if r := rs[1]; r.Namespaced || r.Object.GetNamespace() != "" || r.GVR.Resource != "clusterroles" {
		t.Errorf("ClusterRole: namespaced=%v namespace=%q resource=%q", r.Namespaced, r.Object.GetNamespace(), r.GVR.Resource)
	}
	if r := rs[2]; !r.Namespaced || r.GVR.String() != "apps/v1, Resource=deployments" {
		t.Errorf("Deployment: namespaced=%v gvr=%v", r.Namespaced, r.GVR)
	}

	// Default namespace when none is given.
	rs, err := c.Build(testContext(t), configMaps("x"), kube.BuildOptions{})
	if err != nil || rs[0].Namespace() != "default" {
		t.Errorf("default namespace: %v, %v", names(rs), err)
	}
}

func TestBuildUnknownKind(t *testing.T) {
	_, c, ns := cluster(t)
	_, err := c.Build(testContext(t), `
apiVersion: nowhere.example.com/v1
kind: Widget
metadata:
  name: w
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
---
apiVersion: nowhere.example.com/v1
kind: Gadget
metadata:
  name: g
  namespace: there
`, kube.BuildOptions{Namespace: ns})
	want := `[resource mapping not found for name: "w" namespace: "" from "": no matches for kind "Widget" in version "nowhere.example.com/v1"
ensure CRDs are installed first, resource mapping not found for name: "g" namespace: "there" from "": no matches for kind "Gadget" in version "nowhere.example.com/v1"
ensure CRDs are installed first]`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	var noMatch *meta.NoKindMatchError
	if !errors.As(err, &noMatch) {
		t.Errorf("error does not hold a NoKindMatchError")
	}
}

func crdManifest(group string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`, group)
}

// A CRD and a custom resource of it: the resource maps once the CRD is installed,
// the CRD is never updated by a second install, and lookup sees the resource.
func TestCRDThenCustomResource(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	group := ns + ".example.com"
	cr := fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n", group)

	// A second Client with discovery cached before the CRD exists: Build must
	// refresh it.
	stale := newClient(t, env)
	if _, err := stale.Capabilities(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Build(ctx, cr, kube.BuildOptions{Namespace: ns}); err == nil || !strings.Contains(err.Error(), "ensure CRDs are installed first") {
		t.Fatalf("custom resource before its CRD: err = %v", err)
	}

	crds := build(t, c, ns, crdManifest(group))
	t.Cleanup(func() {
		_, _ = c.Delete(t.Context(), crds, kube.DeleteOptions{})
	})
	res, err := c.InstallCRDs(ctx, crds, kube.CRDOptions{})
	if err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
	if got := names(res.Created); !slices.Equal(got, []string{"CustomResourceDefinition/widgets." + group}) {
		t.Errorf("created = %v", got)
	}

	for _, client := range []*kube.Client{c, stale} {
		rs := build(t, client, ns, cr)
		if rs[0].GVR.Resource != "widgets" || !rs[0].Namespaced || rs[0].Namespace() != ns {
			t.Errorf("custom resource mapped to %v namespaced=%v in %q", rs[0].GVR, rs[0].Namespaced, rs[0].Namespace())
		}
	}
	rs := build(t, c, ns, cr)
	if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
		t.Fatalf("create custom resource: %v", err)
	}

	// Installing again changes nothing, even if the chart's CRD changed.
	changed := build(t, c, ns, strings.Replace(crdManifest(group), "listKind: WidgetList}", "listKind: WidgetList, shortNames: [wd]}", 1))
	res, err = c.InstallCRDs(ctx, changed, kube.CRDOptions{})
	if err != nil || len(res.Created) != 0 {
		t.Fatalf("second install: created %v, %v", names(res.Created), err)
	}
	live, err := c.Lookup(ctx, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets."+group)
	if err != nil {
		t.Fatal(err)
	}
	if sn, _ := live["spec"].(map[string]any)["names"].(map[string]any)["shortNames"]; sn != nil {
		t.Errorf("existing CRD was updated: shortNames %v", sn)
	}

	w, err := c.Lookup(ctx, group+"/v1", "Widget", ns, "w")
	if err != nil {
		t.Fatal(err)
	}
	if size := w["spec"].(map[string]any)["size"]; size != int64(3) {
		t.Errorf("lookup of the custom resource: spec.size = %v", size)
	}

	// Client-side update of a custom resource: a JSON merge patch drops the field.
	v2 := build(t, c, ns, strings.Replace(cr, "size: 3", "color: red", 1))
	if _, err := c.Update(ctx, rs, v2, kube.ApplyOptions{Method: kube.ClientSide}); err != nil {
		t.Fatal(err)
	}
	w, err = c.Lookup(ctx, group+"/v1", "Widget", ns, "w")
	if err != nil {
		t.Fatal(err)
	}
	if spec := w["spec"].(map[string]any); len(spec) != 1 || spec["color"] != "red" {
		t.Errorf("custom resource after client-side update: spec = %v, want only color", spec)
	}
}

// An upgrade builds the current manifest, then the next one that mostly repeats
// it. The second build must give objects of its own: a change made to what the
// first returned (as the upgrade does when it labels objects) must not show, and a
// changed document must be read anew.
func TestBuildAgainIsIndependent(t *testing.T) {
	_, c, ns := cluster(t)
	doc := func(v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\ndata:\n  k: same\n---\n" +
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: changes\ndata:\n  k: " + v + "\n"
	}
	first := build(t, c, ns, doc("a"))
	first[0].Object.SetLabels(map[string]string{"touched": "yes"})
	first[0].Object.Object["data"].(map[string]any)["k"] = "changed in place"

	second := build(t, c, ns, doc("b"))
	if got := second[0].Object.GetLabels(); len(got) != 0 {
		t.Errorf("labels set on the first build's object show in the second: %v", got)
	}
	if got := second[0].Object.Object["data"].(map[string]any)["k"]; got != "same" {
		t.Errorf("same document, second build: data.k = %v, want same", got)
	}
	if got := second[1].Object.Object["data"].(map[string]any)["k"]; got != "b" {
		t.Errorf("changed document, second build: data.k = %v, want b", got)
	}
	if first[0].Object == second[0].Object {
		t.Error("both builds returned the same object")
	}
}
