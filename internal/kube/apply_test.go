package kube_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rudderpm/rudder/internal/kube"
)

func TestServerSideApply(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	rs := build(t, c, ns, configMaps("a", "b")+`
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports: [{port: 80}]
`)
	kube.SetOwnership(rs, kube.Owner{ReleaseName: "rel", ReleaseNamespace: ns})
	res, err := c.Create(ctx, rs, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Created in install order: ConfigMaps before the Service.
	want := []string{"ConfigMap/" + ns + "/a", "ConfigMap/" + ns + "/b", "Service/" + ns + "/svc"}
	if got := names(res.Created); !slices.Equal(got, want) || len(res.Updated) != 0 {
		t.Fatalf("created %v updated %v, want created %v", got, names(res.Updated), want)
	}
	cm, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[kube.ManagedByLabel] != "Helm" || cm.Annotations[kube.ReleaseNameAnnotation] != "rel" {
		t.Errorf("ownership metadata missing: %v %v", cm.Labels, cm.Annotations)
	}
	if m := cm.ManagedFields; len(m) != 1 || m[0].Manager != "helm" || m[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Errorf("managed fields = %+v, want one Apply entry by helm", m)
	}

	// Applying the same objects again sends nothing: they are live as applied.
	res, err = c.Update(ctx, rs, rs, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Created) != 0 || len(res.Updated) != 0 || len(res.Unchanged) != 3 || len(res.Deleted) != 0 {
		t.Errorf("re-apply: created %v updated %v unchanged %v deleted %v", names(res.Created), names(res.Updated), names(res.Unchanged), names(res.Deleted))
	}
	again, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.ResourceVersion != cm.ResourceVersion {
		t.Errorf("re-apply changed the object: resourceVersion %s -> %s", cm.ResourceVersion, again.ResourceVersion)
	}
}

func TestServerSideApplyConflict(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	other := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"key":"theirs"}}`
	if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Patch(ctx, "a", types.ApplyPatchType, []byte(other),
		metav1.PatchOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	rs := build(t, c, ns, configMaps("a"))
	_, err := c.Update(ctx, nil, rs, kube.ApplyOptions{})
	var oe *kube.ObjectError
	if !apierrors.IsConflict(err) || !errors.As(err, &oe) || oe.Object != "ConfigMap/"+ns+"/a" || !strings.Contains(err.Error(), "someone-else") {
		t.Fatalf("apply over another manager's field: err = %v, want a conflict naming ConfigMap/%s/a and someone-else", err, ns)
	}
	if _, err := c.Update(ctx, nil, rs, kube.ApplyOptions{ForceConflicts: true}); err != nil {
		t.Fatalf("force conflicts: %v", err)
	}
	cm, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["key"] != "a" {
		t.Errorf("data.key = %q after forcing, want a", cm.Data["key"])
	}
}

// A release applied client-side (Helm 3, apply_method csa): three-way merges keep
// what others set and remove what the chart dropped; the release can move to
// server-side apply without conflicting with itself.
func TestClientSideUpdate(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	cms := env.Clientset().CoreV1().ConfigMaps(ns)
	v1 := build(t, c, ns, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '1'\n  b: '2'\n")
	csa := kube.ApplyOptions{Method: kube.ClientSide}
	res, err := c.Create(ctx, v1, csa)
	if err != nil || len(res.Created) != 1 {
		t.Fatalf("create: %v %v", names(res.Created), err)
	}
	if _, err := c.Create(ctx, v1, csa); !apierrors.IsAlreadyExists(err) {
		t.Errorf("client-side create of an existing object: err = %v, want AlreadyExists", err)
	}
	// Someone else labels the object.
	if _, err := cms.Patch(ctx, "c", types.MergePatchType, []byte(`{"metadata":{"labels":{"team":"x"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	v2 := build(t, c, ns, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '10'\n")
	if _, err := c.Update(ctx, v1, v2, csa); err != nil {
		t.Fatal(err)
	}
	cm, err := cms.Get(ctx, "c", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, has := cm.Data["b"]; has || cm.Data["a"] != "10" || cm.Labels["team"] != "x" {
		t.Errorf("after three-way update: data %v labels %v, want a=10 without b, label team kept", cm.Data, cm.Labels)
	}

	// Replace: the object becomes exactly the target (the label goes).
	if _, err := c.Update(ctx, v2, v2, kube.ApplyOptions{Method: kube.ClientSide, ForceReplace: true}); err != nil {
		t.Fatal(err)
	}
	if cm, _ = cms.Get(ctx, "c", metav1.GetOptions{}); cm.Labels["team"] != "" {
		t.Errorf("after replace: labels %v", cm.Labels)
	}

	// On to server-side apply: with managed fields upgraded, dropping a key removes it.
	v3 := build(t, c, ns, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  z: '26'\n")
	if _, err := c.Update(ctx, v2, v3, kube.ApplyOptions{UpgradeManagedFields: true}); err != nil {
		t.Fatal(err)
	}
	cm, err = cms.Get(ctx, "c", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !mapsEqual(cm.Data, map[string]string{"z": "26"}) {
		t.Errorf("after moving to server-side apply: data %v, want only z", cm.Data)
	}
	for _, m := range cm.ManagedFields {
		if m.Manager == "helm" && m.Operation == metav1.ManagedFieldsOperationUpdate {
			t.Errorf("client-side managed fields entry left: %+v", m)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Objects that leave the release are deleted, unless kept by policy.
func TestUpdateDeletesRemovedObjects(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	for _, method := range []kube.Method{kube.ServerSide, kube.ClientSide} {
		t.Run(method.String(), func(t *testing.T) {
			p := method.String() + "-"
			v1 := build(t, c, ns, configMaps(p+"stay", p+"go", p+"gone")+`
---
apiVersion: v1
kind: Secret
metadata:
  name: `+p+`keep
  annotations:
    helm.sh/resource-policy: keep
`)
			owner := kube.Owner{ReleaseName: "rel", ReleaseNamespace: ns}
			kube.SetOwnership(v1, owner)
			if _, err := c.Create(ctx, v1, kube.ApplyOptions{Method: method}); err != nil {
				t.Fatal(err)
			}
			// Someone already deleted one of them.
			if err := env.Clientset().CoreV1().ConfigMaps(ns).Delete(ctx, p+"gone", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			v2 := build(t, c, ns, configMaps(p+"stay", p+"new"))
			kube.SetOwnership(v2, owner)
			res, err := c.Update(ctx, v1, v2, kube.ApplyOptions{Method: method})
			if err != nil {
				t.Fatal(err)
			}
			cm := "ConfigMap/" + ns + "/" + p
			if got := names(res.Created); !slices.Equal(got, []string{cm + "new"}) {
				t.Errorf("created %v", got)
			}
			stayed := res.Updated // client-side: patched with an empty patch
			if method == kube.ServerSide {
				stayed = res.Unchanged // live as applied: not sent
			}
			if got := names(stayed); !slices.Equal(got, []string{cm + "stay"}) {
				t.Errorf("updated %v unchanged %v", names(res.Updated), names(res.Unchanged))
			}
			if got := names(res.Deleted); !slices.Equal(got, []string{cm + "go"}) {
				t.Errorf("deleted %v", got)
			}
			if got := names(res.Kept); !slices.Equal(got, []string{"Secret/" + ns + "/" + p + "keep"}) {
				t.Errorf("kept %v", got)
			}
			if exists(t, env, ns, p+"go") {
				t.Errorf("%sgo still exists", p)
			}
			if _, err := env.Clientset().CoreV1().Secrets(ns).Get(ctx, p+"keep", metav1.GetOptions{}); err != nil {
				t.Errorf("kept secret: %v", err)
			}
		})
	}
}

// A failed apply leaves deletions undone.
func TestUpdateFailureSkipsDeletions(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	v1 := build(t, c, ns, configMaps("old", "x"))
	if _, err := c.Create(ctx, v1, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	v2 := build(t, c, ns, configMaps("x")+"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports: [{port: 99999}]\n")
	res, err := c.Update(ctx, v1, v2, kube.ApplyOptions{})
	var oe *kube.ObjectError
	if !errors.As(err, &oe) || oe.Object != "Service/"+ns+"/bad" || !apierrors.IsInvalid(err) {
		t.Fatalf("err = %v, want Service/%s/bad invalid", err, ns)
	}
	if len(res.Unchanged) != 1 || len(res.Deleted) != 0 || !exists(t, env, ns, "old") {
		t.Errorf("unchanged %v deleted %v; old exists: %v", names(res.Unchanged), names(res.Deleted), exists(t, env, ns, "old"))
	}
}

// Server-side dry run: the server validates and runs admission, and keeps nothing.
func TestDryRun(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	good := build(t, c, ns, configMaps("dry"))
	for _, method := range []kube.Method{kube.ServerSide, kube.ClientSide} {
		res, err := c.Create(ctx, good, kube.ApplyOptions{Method: method, DryRun: true})
		if err != nil || len(res.Created) != 1 {
			t.Fatalf("%s dry run: created %v, %v", method, names(res.Created), err)
		}
	}
	if exists(t, env, ns, "dry") {
		t.Fatal("dry run created the object")
	}

	// Rejected by validation.
	bad := build(t, c, ns, "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports: [{port: 99999}]\n")
	if _, err := c.Create(ctx, bad, kube.ApplyOptions{DryRun: true}); !apierrors.IsInvalid(err) {
		t.Errorf("invalid Service in dry run: err = %v, want Invalid", err)
	}
	// Server-side apply refuses fields the schema does not have.
	unknown := build(t, c, ns, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\nspec:\n  nonsense: true\n")
	if _, err := c.Create(ctx, unknown, kube.ApplyOptions{DryRun: true}); err == nil || !strings.Contains(err.Error(), "field not declared in schema") {
		t.Errorf("unknown field in dry run: err = %v", err)
	}
	// A client-side create only warns; the warning comes back as data.
	res, err := c.Create(ctx, unknown, kube.ApplyOptions{Method: kube.ClientSide, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Object != "ConfigMap/"+ns+"/u" || !strings.Contains(res.Warnings[0].Message, `unknown field "spec"`) {
		t.Errorf("warnings = %+v", res.Warnings)
	}
	// Rejected by admission: a namespace being deleted takes no new objects.
	gone := env.Namespace(t)
	if err := env.Clientset().CoreV1().Namespaces().Delete(ctx, gone, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	late := build(t, c, gone, configMaps("late"))
	_, err = c.Create(ctx, late, kube.ApplyOptions{DryRun: true})
	if !apierrors.IsForbidden(err) && !apierrors.IsNotFound(err) {
		t.Errorf("object in a terminating namespace in dry run: err = %v, want Forbidden or NotFound", err)
	}
}

func TestCreateNamespace(t *testing.T) {
	env, c, _ := cluster(t)
	ctx := testContext(t)
	name := env.Namespace(t) + "-made"
	t.Cleanup(func() {
		_ = env.Clientset().CoreV1().Namespaces().Delete(t.Context(), name, metav1.DeleteOptions{})
	})
	if exists, err := c.NamespaceExists(ctx, name); exists || err != nil {
		t.Fatalf("before: NamespaceExists = %v, %v", exists, err)
	}
	for _, o := range []kube.ApplyOptions{{}, {}, {Method: kube.ClientSide}} {
		if err := c.CreateNamespace(ctx, name, o); err != nil {
			t.Fatalf("%s: %v", o.Method, err)
		}
	}
	if exists, err := c.NamespaceExists(ctx, name); !exists || err != nil {
		t.Fatalf("after: NamespaceExists = %v, %v", exists, err)
	}
	ns, err := env.Clientset().CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels["name"] != name {
		t.Errorf("labels = %v", ns.Labels)
	}
}

// Objects written client-side by Helm 3 or kubectl's client-side apply, even in a
// release recorded as server-side (Helm 4 creates new objects of an upgrade that
// way, helm#31516), are taken over by the next server-side update without a
// conflict; another manager's fields stay its own.
func TestServerSideUpdateTakesOverClientSideEntries(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	cms := env.Clientset().CoreV1().ConfigMaps(ns)
	created := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{kube.ManagedByLabel: "Helm"}},
		Data:       map[string]string{"key": "old", "dropped": "x"},
	}
	if _, err := cms.Create(ctx, created, metav1.CreateOptions{FieldManager: "helm"}); err != nil {
		t.Fatal(err)
	}
	for manager, body := range map[string]string{
		"kubectl-client-side-apply": `{"data":{"key":"kubectl"}}`,
		"other":                     `{"data":{"theirs":"t"}}`,
	} {
		if _, err := cms.Patch(ctx, "a", types.MergePatchType, []byte(body), metav1.PatchOptions{FieldManager: manager}); err != nil {
			t.Fatal(err)
		}
	}
	rs := build(t, c, ns, configMaps("a"))
	kube.SetOwnership(rs, kube.Owner{ReleaseName: "rel", ReleaseNamespace: ns})
	if _, err := c.Update(ctx, rs, rs, kube.ApplyOptions{}); err != nil {
		t.Fatalf("server-side update over client-side entries: %v", err)
	}
	cm, err := cms.Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !mapsEqual(cm.Data, map[string]string{"key": "a", "theirs": "t"}) {
		t.Errorf("data = %v, want key a (applied), dropped gone, theirs kept", cm.Data)
	}
	var managers []string
	for _, m := range cm.ManagedFields {
		managers = append(managers, m.Manager+"/"+string(m.Operation))
	}
	slices.Sort(managers)
	if want := []string{"helm/Apply", "other/Update"}; !slices.Equal(managers, want) {
		t.Errorf("managers %v, want %v", managers, want)
	}
}
