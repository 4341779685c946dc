package action_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
)

// liveDeployment is a Deployment of one pod labelled and selected by labels.
func liveDeployment(name, labels string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  replicas: 1
  selector: {matchLabels: {%s}}
  template:
    metadata: {labels: {%[2]s}}
    spec:
      containers: [{name: app, image: app}]
`, name, labels)
}

// TestStatusPodsOfOverlappingSelectors: each PodList holds the pods its
// selector matches, once, even when a pod matches two workloads' selectors.
func TestStatusPodsOfOverlappingSelectors(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/a.yaml": liveDeployment("web", "app: web"),
		"templates/b.yaml": liveDeployment("web-x", "app: web, tier: x"),
	})
	f.ok(f.install("shop", ch, nil))
	listed := func(selector string) []string {
		pods, err := f.cs.CoreV1().Pods(f.ns).List(f.ctx, metav1.ListOptions{LabelSelector: selector})
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
	err := wait.PollUntilContextTimeout(f.ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return len(listed("app=web")) == 2, nil
	})
	if err != nil {
		t.Fatalf("no pods for the Deployments: %v", err)
	}

	res, err := action.Status{Releases: f.c.Releases, Resources: f.kc}.Run(f.ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unread) > 0 {
		t.Fatalf("unread: %v", res.Unread)
	}
	lists := res.Release.Info.Resources[kube.RelatedPodsKey]
	want := [][]string{listed("app=web"), listed("app=web,tier=x")}
	if len(lists) != len(want) {
		t.Fatalf("%d pod lists, want %d", len(lists), len(want))
	}
	for i, raw := range lists {
		var list struct {
			Kind  string
			Items []struct{ Metadata struct{ Name string } }
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Metadata.Name)
		}
		slices.Sort(names)
		if list.Kind != "PodList" || !slices.Equal(names, want[i]) {
			t.Errorf("list %d: %s %v, want PodList %v", i, list.Kind, names, want[i])
		}
	}
}
