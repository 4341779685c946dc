package action_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
)

// gadgetCRD is a CRD of Gadgets; versions are YAML list items of spec.versions.
func gadgetCRD(group, scope string, versions ...string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.%s
spec:
  group: %s
  scope: %s
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
%s`, group, group, scope, strings.Join(versions, ""))
}

// gadgetVersion is one version of the Gadget CRD; spec holds the properties of
// .spec (YAML at 14 spaces) and required its required list.
func gadgetVersion(name string, storage bool, spec, required string) string {
	return fmt.Sprintf(`  - name: %s
    served: true
    storage: %t
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [%s]
            properties:
%s`, name, storage, required, spec)
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

const sizeField = "              size: {type: integer}\n"

func TestCRDUpgrade(t *testing.T) {
	f := newFixture(t)
	group := strings.ReplaceAll(f.ns, "-", "") + ".rudder.test"
	var warnings []string
	gadget := func(extra string) string {
		return "apiVersion: " + group + "/v1\nkind: Gadget\nmetadata:\n  name: g\nspec:\n  size: 1\n" + extra
	}
	v1 := gadgetCRD(group, "Namespaced", gadgetVersion("v1", true, sizeField, ""))
	upgrade := func(crd, cr string, mod ...func(*action.UpgradeOptions)) error {
		ch := testChart(t, "1.0.0", map[string]string{"crds/gadget.yaml": crd, "templates/gadget.yaml": cr})
		o := action.UpgradeOptions{Namespace: f.ns}
		o.CRDs = action.CRDsUpgrade
		for _, m := range mod {
			m(&o)
		}
		_, err := (&action.Upgrade{Cluster: f.c, UpgradeOptions: o, Warn: func(s string) { warnings = append(warnings, s) }}).Run(f.ctx, "crd", ch, nil)
		return err
	}
	liveCRD := func() *unstructured.Unstructured {
		t.Helper()
		u, err := f.dyn.Resource(crdGVR).Get(f.ctx, "gadgets."+group, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	t.Cleanup(func() {
		_ = f.dyn.Resource(crdGVR).Delete(context.WithoutCancel(f.ctx), "gadgets."+group, metav1.DeleteOptions{})
	})

	ch := testChart(t, "1.0.0", map[string]string{"crds/gadget.yaml": v1, "templates/gadget.yaml": gadget("")})
	f.ok(f.install("crd", ch, nil, func(o *action.InstallOptions) { o.CRDs = action.CRDsUpgrade }))

	// Adding a version and an optional field is accepted: the CRD is updated and
	// the new version served before the templates are applied.
	v2 := gadgetCRD(group, "Namespaced",
		gadgetVersion("v1", true, sizeField+"              color: {type: string}\n", ""),
		gadgetVersion("v2", false, sizeField, ""))
	if err := upgrade(v2, gadget("  color: red\n")+"---\napiVersion: "+group+"/v2\nkind: Gadget\nmetadata:\n  name: g2\nspec:\n  size: 2\n"); err != nil {
		t.Fatalf("upgrade adding a version and a field: %v", err)
	}
	if vs, _, _ := unstructured.NestedSlice(liveCRD().Object, "spec", "versions"); len(vs) != 2 {
		t.Fatalf("live CRD has %d versions after the upgrade", len(vs))
	}
	history := f.statuses("crd")

	refusals := []struct {
		name, crd, want string
	}{
		{"stored version removed", gadgetCRD(group, "Namespaced", gadgetVersion("v2", true, sizeField, "")),
			"CustomResourceDefinition/gadgets." + group + ": spec.versions[v1]: removes version v1, which is in status.storedVersions"},
		{"required field existing objects lack", gadgetCRD(group, "Namespaced",
			gadgetVersion("v1", true, sizeField+"              owner: {type: string}\n", "owner"), gadgetVersion("v2", false, sizeField, "")),
			"spec.versions[v1].schema: existing objects would violate the new schema: Gadget/" + f.ns + "/g: spec.owner: required field missing"},
		{"enum narrowed", gadgetCRD(group, "Namespaced",
			gadgetVersion("v1", true, "              size: {type: integer, enum: [5]}\n", ""), gadgetVersion("v2", false, sizeField, "")),
			"Gadget/" + f.ns + "/g: spec.size: 1 is not one of [5]"},
		{"scope changed", gadgetCRD(group, "Cluster", gadgetVersion("v1", true, sizeField, ""), gadgetVersion("v2", false, sizeField, "")),
			"spec.scope: changes from Namespaced to Cluster"},
		{"served version in use removed", gadgetCRD(group, "Namespaced", gadgetVersion("v1", true, sizeField, ""),
			strings.Replace(gadgetVersion("v2", false, sizeField, ""), "served: true", "served: false", 1)),
			"spec.versions[v2]: stops serving version v2, which objects in the cluster still use: Gadget/" + f.ns + "/g2"},
	}
	for _, r := range refusals {
		err := upgrade(r.crd, gadget(""))
		if !errors.Is(err, kube.ErrCRDUpgradeRefused) || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v\nwant %q", r.name, err, r.want)
		}
		// Nothing changed: the release's history and the CRD.
		if got := f.statuses("crd"); !slices.Equal(got, history) {
			t.Errorf("%s: history %v, want %v", r.name, got, history)
		}
		if vs, _, _ := unstructured.NestedSlice(liveCRD().Object, "spec", "versions"); len(vs) != 2 {
			t.Errorf("%s: live CRD changed: %d versions", r.name, len(vs))
		}
	}

	// --force-crd-upgrade applies a refused change, with a warning.
	forced := gadgetCRD(group, "Namespaced",
		gadgetVersion("v1", true, sizeField+"              owner: {type: string}\n", "owner"), gadgetVersion("v2", false, sizeField, ""))
	if err := upgrade(forced, gadget("  owner: me\n"), func(o *action.UpgradeOptions) { o.ForceCRDUpgrade = true }); err != nil {
		t.Fatalf("forced upgrade: %v", err)
	}
	if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, "spec.owner: required field missing") }) {
		t.Errorf("warnings %q", warnings)
	}

	// Uninstall keeps the CRD unless asked.
	f.uninstall("crd", action.UninstallOptions{DeleteCRDs: true})
	if _, err := f.dyn.Resource(crdGVR).Get(f.ctx, "gadgets."+group, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("CRD after uninstall --delete-crds: %v", err)
	}
}

// A subchart its condition disables brings no CRDs, as with Helm's install and
// Flux's install and upgrade: the chart's crds/ are those of the tree the
// values enable, on install and on upgrade alike.
func TestCRDsOfDisabledSubcharts(t *testing.T) {
	f := newFixture(t)
	group := strings.ReplaceAll(f.ns, "-", "") + ".sub.rudder.test"
	name := "gadgets." + group
	t.Cleanup(func() {
		_ = f.dyn.Resource(crdGVR).Delete(context.WithoutCancel(f.ctx), name, metav1.DeleteOptions{})
	})
	files := []*chart.File{
		{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- {name: sub, version: 1.0.0, condition: sub.enabled}\n")},
		{Name: "values.yaml", Data: []byte("sub: {enabled: false}\n")},
		{Name: "templates/cm.yaml", Data: []byte(configMap("app"))},
		{Name: "charts/sub/Chart.yaml", Data: []byte("apiVersion: v2\nname: sub\nversion: 1.0.0\n")},
		{Name: "charts/sub/crds/gadget.yaml", Data: []byte(gadgetCRD(group, "Namespaced", gadgetVersion("v1", true, sizeField, "")))},
	}
	ch, err := chart.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	exists := func() bool {
		t.Helper()
		_, err := f.dyn.Resource(crdGVR).Get(f.ctx, name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	f.ok(f.install("sub", ch, nil))
	if exists() {
		t.Errorf("install: the CRD of a disabled subchart was created")
	}
	// Gone before the upgrade, whatever the install did, so that the upgrade
	// is seen on its own.
	_ = f.dyn.Resource(crdGVR).Delete(f.ctx, name, metav1.DeleteOptions{})
	for exists() {
		time.Sleep(100 * time.Millisecond)
	}
	f.ok(f.upgrade("sub", ch, nil))
	if exists() {
		t.Errorf("upgrade: the CRD of a disabled subchart was created")
	}
	f.ok(f.upgrade("sub", ch, map[string]any{"sub": map[string]any{"enabled": true}}))
	if !exists() {
		t.Errorf("upgrade: the CRD of an enabled subchart was not created")
	}
}
