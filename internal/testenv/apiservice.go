package testenv

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// OrphanedAPIService registers group/v1 as an aggregated API whose Service does
// not exist (as when metrics-server is down), so that discovery fails for that
// group and for no other. It returns once client-go's discovery reports the
// partial failure; when the test ends the APIService goes, and the cleanup waits
// until discovery is whole again. While it exists, every client of the cluster
// sees the failure: only tests that are not parallel may use it.
func (e *Env) OrphanedAPIService(t *testing.T, group, namespace string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	name := "v1." + group
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"group": group, "version": "v1", "groupPriorityMinimum": int64(100), "versionPriority": int64(100),
			"insecureSkipTLSVerify": true, "service": map[string]any{"namespace": namespace, "name": "nobody", "port": int64(443)}},
	}}
	api := e.dynamic.Resource(apiServiceGVR)
	if _, err := api.Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create APIService %s: %v", name, err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := api.Delete(cctx, name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete APIService %s: %v", name, err)
		}
		if !e.waitDiscovery(cctx, false) {
			t.Errorf("discovery still fails 30s after deleting APIService %s", name)
		}
	})
	if !e.waitDiscovery(ctx, true) {
		t.Fatalf("discovery does not fail for APIService %s after 30s", name)
	}
}

// waitDiscovery waits until client-go's discovery fails for some group
// (failing) or for none (!failing), and tells whether it did before ctx ended.
func (e *Env) waitDiscovery(ctx context.Context, failing bool) bool {
	for ; ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		dc, err := discovery.NewDiscoveryClientForConfig(e.RESTConfig())
		if err != nil {
			continue
		}
		_, _, err = dc.ServerGroupsAndResources()
		if failing && discovery.IsGroupDiscoveryFailedError(err) || !failing && err == nil {
			return true
		}
	}
	return false
}
