package kube_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kube"
)

func TestOwnership(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	owner := kube.Owner{ReleaseName: "rel", ReleaseNamespace: ns}
	put := func(name string, labels, annotations map[string]string) {
		t.Helper()
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations}}
		if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	helm := map[string]string{kube.ManagedByLabel: "Helm"}
	put("unowned", nil, nil)
	put("ours", helm, map[string]string{kube.ReleaseNameAnnotation: "rel", kube.ReleaseNamespaceAnnotation: ns})
	put("theirs", helm, map[string]string{kube.ReleaseNameAnnotation: "other", kube.ReleaseNamespaceAnnotation: ns})

	rs := build(t, c, ns, configMaps("new", "ours", "unowned", "theirs"))
	kube.SetOwnership(rs, owner)

	_, err := c.Existing(ctx, rs, kube.AdoptOptions{Owner: owner})
	want := `ConfigMap "unowned" in namespace "` + ns + `" exists and cannot be imported into the current release: ` +
		`invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; ` +
		`annotation validation error: missing key "meta.helm.sh/release-name": must be set to "rel"; ` +
		`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "` + ns + `"`
	var oe *kube.OwnershipError
	if err == nil || err.Error() != want || !errors.As(err, &oe) || oe.Resource.Name() != "unowned" {
		t.Fatalf("unowned object:\n got %v\nwant %s", err, want)
	}

	_, err = c.Existing(ctx, rs[:2:2], kube.AdoptOptions{Owner: owner})
	if err != nil {
		t.Errorf("own object: %v", err)
	}
	_, err = c.Existing(ctx, []*kube.Resource{rs[3]}, kube.AdoptOptions{Owner: owner})
	want = `ConfigMap "theirs" in namespace "` + ns + `" exists and cannot be imported into the current release: ` +
		`invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "rel": current value is "other"`
	if err == nil || err.Error() != want {
		t.Errorf("another release's object:\n got %v\nwant %s", err, want)
	}

	adopt, err := c.Existing(ctx, rs, kube.AdoptOptions{Owner: owner, TakeOwnership: true})
	if err != nil {
		t.Fatal(err)
	}
	cm := "ConfigMap/" + ns + "/"
	if got := names(adopt); !slices.Equal(got, []string{cm + "ours", cm + "unowned", cm + "theirs"}) {
		t.Errorf("take ownership adopts %v", got)
	}
	// Adopting: update the existing objects, create the rest. The ownership metadata
	// of "theirs" was written by another field manager: taking it over is a conflict
	// unless forced.
	res, err := c.Update(ctx, adopt, rs, kube.ApplyOptions{UpgradeManagedFields: true})
	if !apierrors.IsConflict(err) {
		t.Errorf("adopting another manager's metadata: err = %v, want a conflict", err)
	}
	if !slices.Equal(names(res.Created), []string{cm + "new"}) || !slices.Equal(names(res.Updated), []string{cm + "ours", cm + "unowned"}) {
		t.Errorf("adopting install: created %v updated %v", names(res.Created), names(res.Updated))
	}
	res, err = c.Update(ctx, adopt, rs, kube.ApplyOptions{UpgradeManagedFields: true, ForceConflicts: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 0 || len(res.Updated) != 4 {
		t.Errorf("adopting install, forced: created %v updated %v", names(res.Created), names(res.Updated))
	}
	own, err := c.CheckOwned(ctx, append(rs, build(t, c, ns, configMaps("missing"))...), owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(own.Owned) != 4 || len(own.Unowned) != 0 || len(own.Unverified) != 0 {
		t.Errorf("after taking ownership: owned %v unowned %v unverified %v", names(own.Owned), names(own.Unowned), own.Unverified)
	}

	put("foreign", nil, nil)
	own, err = c.CheckOwned(ctx, build(t, c, ns, configMaps("foreign", "new")), owner)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(own.Unowned); !slices.Equal(got, []string{cm + "foreign"}) || len(own.Owned) != 1 {
		t.Errorf("unowned %v owned %v", got, names(own.Owned))
	}
}

// Many objects of one kind are read with one list instead of one get each; the
// answers must be the same.
func TestOwnershipOfManyObjects(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	owner := kube.Owner{ReleaseName: "rel", ReleaseNamespace: ns}
	var cms []string
	for i := range 12 {
		cms = append(cms, fmt.Sprintf("cm-%02d", i))
	}
	// cm-03 exists unowned, cm-07 belongs to the release; the others do not exist.
	for _, n := range []string{"cm-03", "cm-07"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}}
		if n == "cm-07" {
			cm.Labels = map[string]string{kube.ManagedByLabel: "Helm"}
			cm.Annotations = map[string]string{kube.ReleaseNameAnnotation: "rel", kube.ReleaseNamespaceAnnotation: ns}
		}
		if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rs := build(t, c, ns, configMaps(cms...))
	kube.SetOwnership(rs, owner)
	var oe *kube.OwnershipError
	if _, err := c.Existing(ctx, rs, kube.AdoptOptions{Owner: owner}); !errors.As(err, &oe) || oe.Resource.Name() != "cm-03" {
		t.Fatalf("Existing over 12 objects: %v, want cm-03 refused", err)
	}
	adopt, err := c.Existing(ctx, rs, kube.AdoptOptions{Owner: owner, TakeOwnership: true})
	if err != nil {
		t.Fatal(err)
	}
	cm := "ConfigMap/" + ns + "/"
	if got := names(adopt); !slices.Equal(got, []string{cm + "cm-03", cm + "cm-07"}) {
		t.Errorf("existing objects found by listing: %v", got)
	}
	own, err := c.CheckOwned(ctx, rs, owner)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(own.Owned), []string{cm + "cm-07"}) || !slices.Equal(names(own.Unowned), []string{cm + "cm-03"}) {
		t.Errorf("owned %v unowned %v", names(own.Owned), names(own.Unowned))
	}
}
