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

// fakeCluster reads objects as kube.Client does, from a fixed set of live
// objects and pods, listing the pods one by one as kube.Get does for objects.
type fakeCluster struct {
	live  map[string]*unstructured.Unstructured // by Kind/name
	pods  []*unstructured.Unstructured
	fail  map[string]string // Kind/name -> op that fails
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

func (f *fakeCluster) Get(_ context.Context, rs []*kube.Resource, opts kube.GetOptions) (map[string][]*unstructured.Unstructured, error) {
	f.opts = opts
	out := map[string][]*unstructured.Unstructured{}
	var errs []error
	listed := map[string]bool{} // pods are listed once per selector, by the first workload
	for _, r := range rs {
		key := r.Kind() + "/" + r.Name()
		if op := f.fail[key]; op == "get" {
			errs = append(errs, &kube.ObjectError{Object: r.String(), Op: op, Err: errors.New("boom")})
			continue
		}
		gk := r.GVK.Version + "/" + r.GVK.Kind
		out[gk] = append(out[gk], f.live[key])
		if f.fail[key] == "list related pods" {
			errs = append(errs, &kube.ObjectError{Object: r.String(), Op: "list related pods", Err: errors.New("boom")})
			continue
		}
		sel, _, _ := unstructured.NestedStringMap(r.Object.Object, "spec", "selector", "matchLabels")
		if listed[sel["app"]] {
			continue
		}
		listed[sel["app"]] = true
		for _, p := range f.pods {
			if len(sel) > 0 && p.GetLabels()["app"] == sel["app"] {
				out[kube.RelatedPodsKey] = append(out[kube.RelatedPodsKey], p)
			}
		}
	}
	return out, errors.Join(errs...)
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
	newCluster := func() *fakeCluster {
		return &fakeCluster{
			live: map[string]*unstructured.Unstructured{
				"ConfigMap/cm":    object("v1", "ConfigMap", "cm", nil),
				"Deployment/web":  object("apps/v1", "Deployment", "web", nil),
				"Deployment/idle": object("apps/v1", "Deployment", "idle", nil),
				"Deployment/web2": object("apps/v1", "Deployment", "web2", nil),
			},
			pods: []*unstructured.Unstructured{
				object("v1", "Pod", "web-1", map[string]any{"app": "web"}),
				object("v1", "Pod", "web-2", map[string]any{"app": "web"}),
			},
		}
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

	t.Run("objects, pods as one PodList per selector", func(t *testing.T) {
		c := newCluster()
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
		c := newCluster()
		res, err := Status{Releases: store, Resources: c, Tables: true}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		if !c.opts.Table {
			t.Error("tables not asked for")
		}
		// What kube.Get returns for tables (one pod table per selector) is kept.
		if got := summarize(t, res.Release.Info.Resources); !strings.Contains(got, "v1/Pod(related)=[web-1 web-2]") {
			t.Errorf("got %s", got)
		}
	})

	t.Run("unreadable objects are left out and reported", func(t *testing.T) {
		c := newCluster()
		c.fail = map[string]string{"Deployment/web": "get", "Deployment/idle": "list related pods"}
		res, err := Status{Releases: store, Resources: c}.Run(context.Background(), "r")
		if err != nil {
			t.Fatal(err)
		}
		// web could not be read, so its selector's pods were not listed: kube
		// lists them with the first workload of a selector only, not web2's.
		got := summarize(t, res.Release.Info.Resources)
		want := "v1/ConfigMap=[cm] v1/Deployment=[idle web2]"
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if len(res.Unread) != 2 {
			t.Errorf("unread: %v", res.Unread)
		}
	})

	t.Run("missing release", func(t *testing.T) {
		if _, err := (Status{Releases: store, Resources: newCluster()}).Run(context.Background(), "nope"); !errors.Is(err, storage.ErrReleaseNotFound) {
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
