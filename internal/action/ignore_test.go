package action

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
)

func ignoreObject(kind, name string, labels map[string]any) *kube.Resource {
	obj := map[string]any{"apiVersion": "apps/v1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "ns", "labels": labels, "annotations": map[string]any{"a/b": "x"}},
		"spec":     map[string]any{"replicas": int64(2), "list": []any{"a", "b", "c"}}}
	return &kube.Resource{Object: &unstructured.Unstructured{Object: obj}, GVK: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: kind}, Namespaced: true}
}

// Rules pick objects by target and fields by JSON pointer (escapes included);
// removing fields copies what it changes and leaves the object it was given as it was.
func TestIgnoreRules(t *testing.T) {
	rules := []IgnoreRule{
		{Paths: []string{"/spec/replicas"}, Target: &manifest.Selector{Kind: "Deployment", LabelSelector: "app=web"}},
		{Paths: []string{"/metadata/annotations/a~1b", "/spec/list/1"}},
		{Paths: []string{""}, Target: &manifest.Selector{Name: "skip-.*", Namespace: "ns"}},
	}
	set, err := compileIgnores(rules)
	if err != nil {
		t.Fatal(err)
	}
	web := ignoreObject("Deployment", "web", map[string]any{"app": "web"})
	paths, whole := set.pathsFor(web)
	if whole || len(paths) != 3 {
		t.Fatalf("web: paths %v whole %v, want 3 paths", paths, whole)
	}
	before := web.Object.DeepCopy().Object
	got := withoutPaths(web.Object.Object, paths)
	if !reflect.DeepEqual(web.Object.Object, before) {
		t.Error("withoutPaths changed the object it was given")
	}
	want := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "ns", "labels": map[string]any{"app": "web"}, "annotations": map[string]any{}},
		"spec":     map[string]any{"list": []any{"a", "c"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withoutPaths = %v\nwant %v", got, want)
	}
	other := ignoreObject("Deployment", "db", map[string]any{"app": "db"})
	if paths, _ := set.pathsFor(other); len(paths) != 2 {
		t.Errorf("db: paths %v, want the two untargeted ones", paths)
	}
	if _, whole := set.pathsFor(ignoreObject("StatefulSet", "skip-me", nil)); !whole {
		t.Error("skip-me is not left out whole")
	}
	if kept := set.keep([]*kube.Resource{web, ignoreObject("StatefulSet", "skip-me", nil)}); len(kept) != 1 || kept[0] != web {
		t.Errorf("keep = %v, want web alone", kept)
	}

	// keepLive takes the live value where there is one and drops the field where
	// there is none.
	live := map[string]any{"spec": map[string]any{"replicas": int64(5)}, "metadata": map[string]any{}}
	kept := keepLive(web.Object.Object, live, [][]string{{"spec", "replicas"}, {"metadata", "annotations", "a/b"}})
	if r, _, _ := unstructured.NestedInt64(kept, "spec", "replicas"); r != 5 {
		t.Errorf("replicas = %d, want the live 5", r)
	}
	if _, ok, _ := unstructured.NestedString(kept, "metadata", "annotations", "a/b"); ok {
		t.Error("an annotation live lacks is still applied")
	}
	if r, _, _ := unstructured.NestedInt64(web.Object.Object, "spec", "replicas"); r != 2 {
		t.Error("keepLive changed the desired object")
	}

	for _, bad := range []IgnoreRule{{Paths: []string{"spec/replicas"}}, {Paths: []string{"/a"}, Target: &manifest.Selector{Kind: "["}}} {
		if err := CheckIgnoreRules([]IgnoreRule{bad}); err == nil || !strings.HasPrefix(err.Error(), "ignore rule 1: ") {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
}
