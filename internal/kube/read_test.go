package kube_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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

// deployment is a Deployment of replicas pods labelled and selected by labels.
func deployment(name, labels string, replicas int) string {
	return fmt.Sprintf(`---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  replicas: %d
  selector: {matchLabels: {%s}}
  template:
    metadata: {labels: {%[3]s}}
    spec:
      containers: [{name: web, image: nginx}]
`, name, replicas, labels)
}

func TestGet(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	rs := build(t, c, ns, configMaps("a")+
		deployment("web", "app: web", 1)+
		deployment("web-x", "app: web, tier: x", 1)+ // its pods are web's too
		deployment("web2", "app: web", 0)+ // web's selector: listed once
		deployment("idle", "app: idle", 0))
	if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	listed := func(selector string) []string {
		pods, err := env.Clientset().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range pods.Items {
			names = append(names, p.Name)
		}
		slices.Sort(names)
		return names
	}
	// Wait for the Deployments' pods to exist.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return len(listed("app=web")) == 2, nil
	})
	if err != nil {
		t.Fatalf("no pods for the Deployments: %v", err)
	}
	got, err := c.Get(ctx, rs, kube.GetOptions{RelatedPods: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Objects["v1/ConfigMap"]) != 1 || len(got.Objects["v1/Deployment"]) != 4 {
		t.Fatalf("groups: %v", keys(got.Objects))
	}
	// One list per selector, in the order of the workloads, each as the server
	// lists it: pods matching two selectors are in both lists, once.
	want := []struct{ workload, selector string }{{"web", "app=web"}, {"web-x", "app=web,tier=x"}, {"idle", "app=idle"}}
	if len(got.Pods) != len(want) {
		t.Fatalf("%d pod lists, want %d", len(got.Pods), len(want))
	}
	for i, w := range want {
		p := got.Pods[i]
		if p.Workload.Name() != w.workload || p.Selector != w.selector || p.List.GetKind() != "PodList" {
			t.Errorf("pods %d: %s %s %s, want %s %s PodList", i, p.Workload.Name(), p.Selector, p.List.GetKind(), w.workload, w.selector)
			continue
		}
		items, _, _ := unstructured.NestedSlice(p.List.Object, "items")
		var names []string
		for _, item := range items {
			pod := &unstructured.Unstructured{Object: item.(map[string]any)}
			if pod.GetAPIVersion() != "v1" || pod.GetKind() != "Pod" {
				t.Errorf("%s: item %s is %s %s", w.selector, pod.GetName(), pod.GetAPIVersion(), pod.GetKind())
			}
			names = append(names, pod.GetName())
		}
		slices.Sort(names)
		if want := listed(w.selector); !slices.Equal(names, want) {
			t.Errorf("%s: pods %v, want %v", w.selector, names, want)
		}
	}

	got, err = c.Get(ctx, rs, kube.GetOptions{Table: true, RelatedPods: true})
	if err != nil {
		t.Fatal(err)
	}
	for key, objs := range got.Objects {
		for _, o := range objs {
			if o.GetKind() != "Table" {
				t.Errorf("%s: kind %s, want Table", key, o.GetKind())
			}
		}
	}
	if len(got.Pods) != 3 {
		t.Errorf("%d pod tables, want 3", len(got.Pods))
	}
	for _, p := range got.Pods {
		if p.List.GetKind() != "Table" {
			t.Errorf("pods of %s: kind %s, want Table", p.Workload.Name(), p.List.GetKind())
		}
	}

	// Objects that are gone are reported, the others still returned; a selector
	// whose first workload is gone lists no pods.
	missing := build(t, c, ns, configMaps("gone")+deployment("ghost", "app: idle", 0))
	got, err = c.Get(ctx, append(missing, rs[0], rs[4]), kube.GetOptions{RelatedPods: true})
	if err == nil || !strings.Contains(err.Error(), "ConfigMap/"+ns+"/gone") || !strings.Contains(err.Error(), "Deployment/"+ns+"/ghost") {
		t.Errorf("with missing objects: %v", err)
	}
	if len(got.Objects["v1/ConfigMap"]) != 1 || len(got.Objects["v1/Deployment"]) != 1 || len(got.Pods) != 0 {
		t.Errorf("with missing objects: %v, %d pod lists", keys(got.Objects), len(got.Pods))
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
