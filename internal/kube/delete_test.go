package kube_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/rudderpm/rudder/internal/kube"
)

// Each owner ConfigMap has a dependent; propagation decides the dependent's fate.
func TestDeletePropagation(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	cms := env.Clientset().CoreV1().ConfigMaps(ns)
	for _, p := range []metav1.DeletionPropagation{metav1.DeletePropagationOrphan, metav1.DeletePropagationBackground, metav1.DeletePropagationForeground} {
		owner := "owner-" + strings.ToLower(string(p))
		rs := build(t, c, ns, configMaps(owner))
		if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		live, err := cms.Get(ctx, owner, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dep := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dep-" + strings.ToLower(string(p)), OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner, UID: live.UID,
		}}}}
		if _, err := cms.Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := c.Delete(ctx, rs, kube.DeleteOptions{Propagation: p})
		if err != nil || len(res.Deleted) != 1 {
			t.Fatalf("%s: deleted %v, %v", p, names(res.Deleted), err)
		}
		if err := c.WaitForDelete(ctx, rs, kube.DeleteWaitOptions{}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		// The garbage collector works in the background: give it a moment.
		var depGone bool
		_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := cms.Get(ctx, dep.Name, metav1.GetOptions{})
			depGone = apierrors.IsNotFound(err)
			return depGone || p == metav1.DeletePropagationOrphan, nil
		})
		if want := p != metav1.DeletePropagationOrphan; depGone != want {
			t.Errorf("%s: dependent gone = %v, want %v", p, depGone, want)
		}
	}

	// Deleting what is not there is no error.
	rs := build(t, c, ns, configMaps("never"))
	res, err := c.Delete(ctx, rs, kube.DeleteOptions{})
	if err != nil || !slices.Equal(names(res.Absent), names(rs)) {
		t.Errorf("delete missing: absent %v, %v", names(res.Absent), err)
	}
}

func TestWaitForDeleteTimesOut(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}
	if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = env.Clientset().CoreV1().ConfigMaps(ns).Patch(context.Background(), "held", "application/merge-patch+json",
			[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	rs := build(t, c, ns, configMaps("held"))
	if _, err := c.Delete(ctx, rs, kube.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	err := c.WaitForDelete(short, rs, kube.DeleteWaitOptions{})
	if err == nil || !strings.Contains(err.Error(), "ConfigMap/"+ns+"/held") {
		t.Errorf("err = %v, want a timeout naming the object", err)
	}
}
