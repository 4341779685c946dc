// Command controllerload creates N HelmReleases of one chart from one
// HelmRepository in a namespace and waits until all are Ready, for
// bench/controller.sh. It prints the seconds that took.
//
//	controllerload -n 100 -namespace bench -repo http://127.0.0.1:8879 -chart small
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

var (
	releases   = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}
	repos      = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "helmrepositories"}
	namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

func main() {
	n := flag.Int("n", 100, "number of HelmReleases")
	ns := flag.String("namespace", "bench", "namespace of the objects (created if missing)")
	repoURL := flag.String("repo", "", "chart repository URL")
	chart := flag.String("chart", "small", "chart name")
	timeout := flag.Duration("timeout", 30*time.Minute, "how long to wait")
	flag.Parse()
	if err := run(*n, *ns, *repoURL, *chart, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "controllerload:", err)
		os.Exit(1)
	}
}

func run(n int, ns, repoURL, chart string, timeout time.Duration) error {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = -1, 0
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
	if _, err := dc.Resource(namespaces).Create(ctx, nsObj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	repo := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
		"metadata": map[string]any{"name": "bench", "namespace": ns},
		"spec":     map[string]any{"url": repoURL, "interval": "10m"},
	}}
	if _, err := dc.Resource(repos).Namespace(ns).Create(ctx, repo, metav1.CreateOptions{}); err != nil {
		return err
	}
	start := time.Now()
	for i := range n {
		hr := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
			"metadata": map[string]any{"name": fmt.Sprintf("app-%d", i), "namespace": ns},
			"spec": map[string]any{
				"interval": "60m",
				"chart": map[string]any{"spec": map[string]any{"chart": chart, "version": "*",
					"sourceRef": map[string]any{"kind": "HelmRepository", "name": "bench"}}},
				"install": map[string]any{"disableWait": true},
			},
		}}
		if _, err := dc.Resource(releases).Namespace(ns).Create(ctx, hr, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	if err := waitReady(ctx, dc.Resource(releases).Namespace(ns), n); err != nil {
		return err
	}
	fmt.Printf("%.1f\n", time.Since(start).Seconds())
	return nil
}

// waitReady waits until n HelmReleases are Ready: one list, then a watch of
// the changes (listed afresh when the watch ends), so that waiting costs the
// API server no more than the releases' own updates; polling with full lists
// grew with the square of the releases.
func waitReady(ctx context.Context, rc dynamic.ResourceInterface, n int) error {
	ready := map[string]bool{}
	count := func() int {
		c := 0
		for _, r := range ready {
			if r {
				c++
			}
		}
		return c
	}
	for {
		list, err := rc.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		clear(ready)
		for i := range list.Items {
			ready[list.Items[i].GetName()] = isReady(&list.Items[i])
		}
		if count() == n {
			return nil
		}
		w, err := rc.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
		if err != nil {
			return err
		}
		for ev := range w.ResultChan() {
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				continue
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				ready[u.GetName()] = isReady(u)
			case watch.Deleted:
				delete(ready, u.GetName())
			}
			if count() == n {
				w.Stop()
				return nil
			}
		}
		w.Stop()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%d of %d HelmReleases Ready: %w", count(), n, err)
		}
	}
}

func isReady(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" && m["status"] == "True" {
			return true
		}
	}
	return false
}
