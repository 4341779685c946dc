package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// fakeCluster builds objects as kube.Client does and returns a fixed live state.
type fakeCluster struct {
	live  kube.Live
	err   error
	opts  kube.GetOptions
	built string
}

func (f *fakeCluster) Build(_ context.Context, manifest string, opts kube.BuildOptions) ([]*kube.Resource, error) {
	f.built = opts.Namespace
	var out []*kube.Resource
	for doc := range strings.SplitSeq(manifest, "\n---\n") {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			return nil, err
		}
		obj.SetNamespace(opts.Namespace)
		gvk := obj.GroupVersionKind()
		out = append(out, &kube.Resource{Object: obj, GVK: gvk, GVR: schema.GroupVersionResource{Version: gvk.Version}, Namespaced: true})
	}
	return out, nil
}

func (f *fakeCluster) Get(_ context.Context, _ []*kube.Resource, opts kube.GetOptions) (kube.Live, error) {
	f.opts = opts
	return f.live, f.err
}

// podList is a PodList of the pods, as kube.Get returns it.
func podList(pods ...*unstructured.Unstructured) *unstructured.Unstructured {
	items := []any{}
	for _, p := range pods {
		items = append(items, p.Object)
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "PodList", "metadata": map[string]any{}, "items": items}}
}

func object(apiVersion, kind, name string, labels map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "a", "labels": labels},
	}}
}

func deployment(name, app string) string {
	return fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  selector:\n    matchLabels:\n      app: %s", name, app)
}

func TestStatus(t *testing.T) {
	manifest := strings.Join([]string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm",
		deployment("web", "web"),
		deployment("idle", "idle"),
		deployment("web2", "web"), // the same pods as web: listed once
	}, "\n---\n")
	mem := storage.NewMemory("a", storage.DriverOptions{})
	rel := &release.Release{Name: "r", Namespace: "a", Version: 1, Manifest: manifest, Info: &release.Info{Status: release.StatusDeployed}}
	if err := mem.Create(context.Background(), rel); err != nil {
		t.Fatal(err)
	}
	store := storage.New(mem, storage.Options{})
	objects := map[string][]*unstructured.Unstructured{
		"v1/ConfigMap": {object("v1", "ConfigMap", "cm", nil)},
		"v1/Deployment": {
			object("apps/v1", "Deployment", "web", nil),
			object("apps/v1", "Deployment", "idle", nil),
			object("apps/v1", "Deployment", "web2", nil),
		},
	}
	pods := []kube.RelatedPods{
		{Selector: "app=web", List: podList(object("v1", "Pod", "web-1", map[string]any{"app": "web"}), object("v1", "Pod", "web-2", map[string]any{"app": "web"}))},
		{Selector: "app=idle", List: podList()},
	}

	t.Run("no cluster", func(t *testing.T) {
		res, err := Status{Releases: store}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if res.Release.Info.Resources != nil {
			t.Errorf("resources without a cluster: %v", res.Release.Info.Resources)
		}
	})

	t.Run("objects, then the pod lists in order", func(t *testing.T) {
		c := &fakeCluster{live: kube.Live{Objects: objects, Pods: pods}}
		res, err := Status{Releases: store, Resources: c}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if c.built != "a" || c.opts.Table || !c.opts.RelatedPods {
			t.Errorf("built in %q, get options %+v", c.built, c.opts)
		}
		got := summarize(t, res.Release.Info.Resources)
		want := "v1/ConfigMap=[cm] v1/Deployment=[web idle web2] v1/Pod(related)=[PodList[web-1 web-2] PodList[]]"
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})

	t.Run("tables are passed on", func(t *testing.T) {
		table := func() *unstructured.Unstructured { return object("meta.k8s.io/v1", "Table", "", nil) }
		c := &fakeCluster{live: kube.Live{
			Objects: map[string][]*unstructured.Unstructured{"v1/ConfigMap": {table()}},
			Pods:    []kube.RelatedPods{{Selector: "app=web", List: table()}},
		}}
		res, err := Status{Releases: store, Resources: c, Tables: true}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if !c.opts.Table {
			t.Error("tables not asked for")
		}
		if got, want := summarize(t, res.Release.Info.Resources), "v1/ConfigMap=[Table] v1/Pod(related)=[Table]"; got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})

	t.Run("unreadable objects are reported, the others kept", func(t *testing.T) {
		c := &fakeCluster{
			live: kube.Live{Objects: map[string][]*unstructured.Unstructured{"v1/ConfigMap": objects["v1/ConfigMap"]}},
			err: errors.Join(
				&kube.ObjectError{Object: "Deployment/a/web", Op: "get", Err: errors.New("boom")},
				&kube.ObjectError{Object: "Deployment/a/idle", Op: "list related pods", Err: errors.New("boom")},
			),
		}
		res, err := Status{Releases: store, Resources: c}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summarize(t, res.Release.Info.Resources), "v1/ConfigMap=[cm]"; got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if len(res.Unread) != 2 {
			t.Errorf("unread: %v", res.Unread)
		}
	})

	t.Run("nothing readable", func(t *testing.T) {
		c := &fakeCluster{err: &kube.ObjectError{Object: "ConfigMap/a/cm", Op: "get", Err: errors.New("boom")}}
		res, err := Status{Releases: store, Resources: c}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if res.Release.Info.Resources != nil || len(res.Unread) != 1 {
			t.Errorf("resources %v, unread %v", res.Release.Info.Resources, res.Unread)
		}
	})

	t.Run("missing release", func(t *testing.T) {
		if _, err := (Status{Releases: store, Resources: &fakeCluster{}}).Run(context.Background(), "nope"); !errors.Is(err, storage.ErrReleaseNotFound) {
			t.Errorf("got %v", err)
		}
	})
}

// summarize writes resources as kind=[names], lists as Kind[item names].
func summarize(t *testing.T, resources map[string][]json.RawMessage) string {
	t.Helper()
	var parts []string
	for _, kind := range sortedKeys(resources) {
		var names []string
		for _, raw := range resources[kind] {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(raw); err != nil {
				t.Fatal(err)
			}
			if items, ok, _ := unstructured.NestedSlice(u.Object, "items"); ok || u.GetKind() == "PodList" {
				var in []string
				for _, it := range items {
					in = append(in, (&unstructured.Unstructured{Object: it.(map[string]any)}).GetName())
				}
				names = append(names, u.GetKind()+"["+strings.Join(in, " ")+"]")
				continue
			}
			if u.GetName() == "" {
				names = append(names, u.GetKind())
				continue
			}
			names = append(names, u.GetName())
		}
		parts = append(parts, kind+"=["+strings.Join(names, " ")+"]")
	}
	return strings.Join(parts, " ")
}
