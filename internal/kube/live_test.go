package kube_test

import (
	"fmt"
	"testing"

	"github.com/rudderpm/rudder/internal/kube"
)

// ReadLive lists kinds with many objects, page by page, and gives each item
// whole: with the kind and apiVersion the list leaves to itself, and numbers as
// integers.
func TestReadLiveListsInPages(t *testing.T) {
	_, c, ns := cluster(t)
	kube.SetListPage(t, 5)
	ctx := testContext(t)
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprintf("cm-%d", i))
	}
	svc := ""
	for i := range 8 {
		svc += fmt.Sprintf("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-%d\nspec:\n  ports:\n  - port: %d\n", i, 8080+i)
	}
	if _, err := c.Create(ctx, build(t, c, ns, configMaps(names...)+svc), kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	want := build(t, c, ns, configMaps(append(names, "absent")...)+svc)
	live, err := c.ReadLive(ctx, want, kube.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, obj := range live[:12] {
		if obj == nil {
			t.Fatalf("%s: not read", names[i])
		}
		if obj.GetKind() != "ConfigMap" || obj.GetAPIVersion() != "v1" || obj.GetName() != names[i] || obj.GetNamespace() != ns {
			t.Errorf("%s: read as %s %s %s/%s", names[i], obj.GetAPIVersion(), obj.GetKind(), obj.GetNamespace(), obj.GetName())
		}
		if got := obj.Object["data"].(map[string]any)["key"]; got != names[i] {
			t.Errorf("%s: data.key = %v", names[i], got)
		}
		if len(obj.GetManagedFields()) == 0 || obj.GetUID() == "" {
			t.Errorf("%s: metadata not read whole: %v", names[i], obj.Object["metadata"])
		}
	}
	if live[12] != nil {
		t.Errorf("absent object read as %v", live[12].Object)
	}
	for i, obj := range live[13:] {
		port := obj.Object["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)["port"]
		if obj.GetKind() != "Service" || port != int64(8080+i) {
			t.Errorf("%s %s: port = %#v, want int64(%d)", obj.GetKind(), obj.GetName(), port, 8080+i)
		}
	}
}
