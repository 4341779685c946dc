package kube

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rudderpm/rudder/internal/manifest"
)

func res(kind, ns, name string) *Resource {
	u := &unstructured.Unstructured{}
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace(ns)
	return &Resource{Object: u, GVK: schema.GroupVersionKind{Kind: kind}, Namespaced: ns != ""}
}

func TestGroupsFollowKindOrder(t *testing.T) {
	rs := []*Resource{
		res("Widget", "a", "w1"), res("Deployment", "a", "d1"), res("ConfigMap", "a", "c1"),
		res("Gadget", "a", "g1"), res("Deployment", "a", "d2"), res("Namespace", "", "n"),
		res("ConfigMap", "a", "c2"), res("Widget", "a", "w2"),
	}
	var got [][]string
	for _, g := range groups(rs, manifest.InstallOrder) {
		var names []string
		for _, i := range g {
			names = append(names, rs[i].Name())
		}
		got = append(got, names)
	}
	want := [][]string{{"n"}, {"c1", "c2"}, {"d1", "d2"}, {"g1"}, {"w1", "w2"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("install groups = %v, want %v", got, want)
	}
	got = nil
	for _, g := range groups(rs, manifest.UninstallOrder) {
		got = append(got, []string{rs[g[0]].Kind()})
	}
	want = [][]string{{"Deployment"}, {"ConfigMap"}, {"Namespace"}, {"Gadget"}, {"Widget"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("uninstall groups = %v, want %v", got, want)
	}
}

func TestKeyString(t *testing.T) {
	if got := res("ConfigMap", "ns", "x").String(); got != "ConfigMap/ns/x" {
		t.Errorf("namespaced = %q", got)
	}
	if got := res("ClusterRole", "", "x").String(); got != "ClusterRole/x" {
		t.Errorf("cluster-scoped = %q", got)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string // kind/name
		err       string
	}{
		{name: "object", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", want: []string{"ConfigMap/a"}},
		{name: "comment only", doc: "# Source: chart/templates/empty.yaml\n", want: nil},
		{name: "list", doc: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s1}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: s2}
`, want: []string{"Secret/s1", "Secret/s2"}},
		{name: "typed list items inherit kind", doc: `apiVersion: v1
kind: ConfigMapList
items:
- metadata: {name: c1}
`, want: []string{"ConfigMap/c1"}},
		{name: "no kind", doc: "apiVersion: v1\nmetadata:\n  name: a\n", err: `unable to decode "": Object 'Kind' is missing`},
		{name: "bad yaml", doc: "a: [\n", err: "error parsing : error converting YAML to JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := toJSON(tt.doc)
			var objs []*unstructured.Unstructured
			if err == nil {
				objs, err = decode(data)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("objects = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckOwnershipWording(t *testing.T) {
	owner := Owner{ReleaseName: "rel", ReleaseNamespace: "ns"}
	obj := &metav1.ObjectMeta{}
	want := `invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; ` +
		`annotation validation error: missing key "meta.helm.sh/release-name": must be set to "rel"; ` +
		`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "ns"`
	if err := CheckOwnership(obj, owner); err == nil || err.Error() != want {
		t.Errorf("unowned:\n got %v\nwant %s", err, want)
	}
	obj.Labels = map[string]string{ManagedByLabel: ManagedByHelm}
	obj.Annotations = map[string]string{ReleaseNameAnnotation: "other", ReleaseNamespaceAnnotation: "ns"}
	want = `invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "rel": current value is "other"`
	if err := CheckOwnership(obj, owner); err == nil || err.Error() != want {
		t.Errorf("other release:\n got %v\nwant %s", err, want)
	}
	obj.Annotations[ReleaseNameAnnotation] = "rel"
	if err := CheckOwnership(obj, owner); err != nil {
		t.Errorf("owned: %v", err)
	}

	r := res("ConfigMap", "ns", "x")
	oe := &OwnershipError{Resource: r, Err: errors.New("invalid ownership metadata; x")}
	if got, want := oe.Error(), `ConfigMap "x" in namespace "ns" exists and cannot be imported into the current release: invalid ownership metadata; x`; got != want {
		t.Errorf("OwnershipError:\n got %s\nwant %s", got, want)
	}
}

func TestSetOwnershipKeepsOtherMetadata(t *testing.T) {
	r := res("ConfigMap", "ns", "x")
	r.Object.SetLabels(map[string]string{"app": "web", ManagedByLabel: "someone"})
	r.Object.SetAnnotations(map[string]string{"note": "n"})
	SetOwnership([]*Resource{r}, Owner{ReleaseName: "rel", ReleaseNamespace: "ns"})
	if err := CheckOwnership(r.Object, Owner{ReleaseName: "rel", ReleaseNamespace: "ns"}); err != nil {
		t.Error(err)
	}
	if r.Object.GetLabels()["app"] != "web" || r.Object.GetAnnotations()["note"] != "n" {
		t.Errorf("other metadata lost: %v %v", r.Object.GetLabels(), r.Object.GetAnnotations())
	}
}

func obj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestClientSidePatch(t *testing.T) {
	cm := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	widget := schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	tests := []struct {
		name                   string
		gvk                    schema.GroupVersionKind
		original, target, live string
		threeWay               bool
		wantType               types.PatchType
		want                   string
	}{
		{
			name:     "built-in: removed field removed, others' fields kept",
			gvk:      cm,
			original: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}}`,
			target:   `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`,
			live:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"x":"y"}},"data":{"a":"1","b":"2"}}`,
			wantType: types.StrategicMergePatchType,
			want:     `{"data":{"b":null}}`,
		},
		{
			name:     "built-in: drift on a chart field reverted",
			gvk:      cm,
			original: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`,
			target:   `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`,
			live:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"changed"}}`,
			wantType: types.StrategicMergePatchType,
			want:     `{"data":{"a":"1"}}`,
		},
		{
			name:     "custom resource: two-way from the previous revision",
			gvk:      widget,
			original: `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":1,"b":2}}`,
			target:   `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":1}}`,
			live:     `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":5,"b":2}}`,
			wantType: types.MergePatchType,
			want:     `{"spec":{"b":null}}`,
		},
		{
			name:     "custom resource: three-way over live",
			gvk:      widget,
			threeWay: true,
			original: `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":1,"b":2}}`,
			target:   `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":1}}`,
			live:     `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"a":5,"b":2}}`,
			wantType: types.MergePatchType,
			want:     `{"spec":{"a":1,"b":null}}`,
		},
		{
			name:     "no change",
			gvk:      cm,
			original: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`,
			target:   `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}`,
			live:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u"},"data":{"a":"1"}}`,
			wantType: types.StrategicMergePatchType,
			want:     `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, pt, err := clientSidePatch(obj(t, tt.original), obj(t, tt.target), obj(t, tt.live), tt.gvk, tt.threeWay)
			if err != nil {
				t.Fatal(err)
			}
			if pt != tt.wantType {
				t.Errorf("patch type = %s, want %s", pt, tt.wantType)
			}
			var got, want any
			_ = json.Unmarshal(patch, &got)
			_ = json.Unmarshal([]byte(tt.want), &want)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("patch = %s, want %s", patch, tt.want)
			}
		})
	}
}

func TestApplyOptionsValidate(t *testing.T) {
	for _, o := range []ApplyOptions{
		{ForceReplace: true},
		{Method: ClientSide, ForceConflicts: true},
		{Method: ClientSide, ForceConflicts: true, ForceReplace: true},
		{Method: 7},
	} {
		if err := o.validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	for _, o := range []ApplyOptions{{}, {ForceConflicts: true}, {Method: ClientSide, ForceReplace: true}} {
		if err := o.validate(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
