package kube_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/kube"
)

func TestCapabilities(t *testing.T) {
	env, c, _ := cluster(t)
	ctx := testContext(t)
	caps, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := env.Clientset().Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if caps.KubeVersion.Version != v.GitVersion || caps.KubeVersion.Major != v.Major || caps.KubeVersion.Minor != v.Minor {
		t.Errorf("kube version = %+v, server says %+v", caps.KubeVersion, v)
	}
	for _, want := range []string{"v1", "apps/v1", "v1/ConfigMap", "apps/v1/Deployment", "apiextensions.k8s.io/v1/CustomResourceDefinition"} {
		if !caps.APIVersions.Has(want) {
			t.Errorf("APIVersions lacks %s", want)
		}
	}
	if !slices.IsSorted(caps.APIVersions) {
		t.Error("APIVersions not sorted")
	}
	if caps.HelmVersion.Version != engine.HelmVersion {
		t.Errorf("HelmVersion = %+v", caps.HelmVersion)
	}
}

func TestLookup(t *testing.T) {
	_, c, ns := cluster(t)
	ctx := testContext(t)
	if _, err := c.Create(ctx, build(t, c, ns, configMaps("one", "two")), kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var lookup engine.LookupFunc = c.Lookup

	got, err := lookup(ctx, "v1", "ConfigMap", ns, "one")
	if err != nil || got["data"].(map[string]any)["key"] != "one" {
		t.Errorf("one object: %v, %v", got, err)
	}
	got, err = lookup(ctx, "v1", "ConfigMap", ns, "missing")
	if err != nil || len(got) != 0 {
		t.Errorf("missing object: %v, %v", got, err)
	}
	got, err = lookup(ctx, "v1", "ConfigMap", ns, "")
	if err != nil || got["kind"] != "ConfigMapList" {
		t.Fatalf("list: %v, %v", got["kind"], err)
	}
	var listed []string
	for _, item := range got["items"].([]any) {
		listed = append(listed, item.(map[string]any)["metadata"].(map[string]any)["name"].(string))
	}
	if !slices.Contains(listed, "one") || !slices.Contains(listed, "two") {
		t.Errorf("listed %v", listed)
	}
	// Cluster-scoped: the namespace is ignored.
	got, err = lookup(ctx, "v1", "Namespace", "whatever", ns)
	if err != nil || got["metadata"].(map[string]any)["name"] != ns {
		t.Errorf("namespace: %v, %v", got["metadata"], err)
	}
	// All namespaces.
	got, err = lookup(ctx, "v1", "ConfigMap", "", "")
	if err != nil || len(got["items"].([]any)) < 2 {
		t.Errorf("all namespaces: %v", err)
	}
	// A kind the group does not serve: empty.
	got, err = lookup(ctx, "v1", "Gizmo", ns, "x")
	if err != nil || len(got) != 0 {
		t.Errorf("unknown kind: %v, %v", got, err)
	}
	// A group the server does not serve: an error, in Helm's words.
	_, err = lookup(ctx, "nowhere.example.com/v1", "Gizmo", ns, "x")
	want := "unable to get apiresource from unstructured: nowhere.example.com/v1, Kind=Gizmo: the server could not find the requested resource"
	if err == nil || err.Error() != want {
		t.Errorf("unknown group:\n got %v\nwant %s", err, want)
	}
}

func TestGet(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	rs := build(t, c, ns, configMaps("a")+`
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`)
	if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	// Wait for the Deployment's pod to exist.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := env.Clientset().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		return err == nil && len(pods.Items) > 0, nil
	})
	if err != nil {
		t.Fatalf("no pod for the Deployment: %v", err)
	}
	got, err := c.Get(ctx, rs, kube.GetOptions{RelatedPods: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got["v1/ConfigMap"]) != 1 || len(got["v1/Deployment"]) != 1 || len(got[kube.RelatedPodsKey]) != 1 {
		t.Fatalf("groups: %v", keys(got))
	}
	if pod := got[kube.RelatedPodsKey][0]; pod.GetKind() != "Pod" || !strings.HasPrefix(pod.GetName(), "web-") {
		t.Errorf("related pod: %s %s", pod.GetKind(), pod.GetName())
	}
	got, err = c.Get(ctx, rs, kube.GetOptions{Table: true, RelatedPods: true})
	if err != nil {
		t.Fatal(err)
	}
	for key, objs := range got {
		for _, o := range objs {
			if o.GetKind() != "Table" {
				t.Errorf("%s: kind %s, want Table", key, o.GetKind())
			}
		}
	}

	// Objects that are gone are reported, the others still returned.
	missing := build(t, c, ns, configMaps("gone"))
	got, err = c.Get(ctx, append(missing, rs[0]), kube.GetOptions{})
	if err == nil || !strings.Contains(err.Error(), "ConfigMap/"+ns+"/gone") || len(got["v1/ConfigMap"]) != 1 {
		t.Errorf("with a missing object: %v, %v", keys(got), err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
