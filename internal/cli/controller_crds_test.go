package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/testenv"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crdVersion is one item of a CRD's spec.versions whose .spec has the
// properties props (each an integer or string field named in "name:type").
func crdVersion(name string, storage bool, props ...string) string {
	var p strings.Builder
	for _, x := range props {
		n, typ, _ := strings.Cut(x, ":")
		fmt.Fprintf(&p, "              %s: {type: %s}\n", n, typ)
	}
	return fmt.Sprintf(`  - name: %s
    served: true
    storage: %t
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
%s`, name, storage, p.String())
}

// crdDoc is a namespaced CRD of kind (plural kind+"s") in group.
func crdDoc(group, kind string, versions ...string) string {
	plural := strings.ToLower(kind) + "s"
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s.%s
spec:
  group: %s
  scope: Namespaced
  names: {plural: %s, singular: %s, kind: %s}
  versions:
%s`, plural, group, group, plural, strings.ToLower(kind), kind, strings.Join(versions, ""))
}

// crdCharts are three versions of chart name whose crds/ define Widgets (and
// from 1.1.0 Gizmos) in group:
//   - 1.0.0: Widget v1 with spec.size, and a Widget w;
//   - 1.1.0: Widget v1 gains spec.color and v2 is served; a new CRD of Gizmos
//     and a Gizmo g (unless .Values.gizmo is false); w is a v2 Widget with a
//     color when .Values.v2;
//   - 1.2.0: drops Widget v1, which objects were stored at: the CRD
//     preflight refuses that.
func crdCharts(name, group string) string {
	widget := func(version, spec string) string {
		return fmt.Sprintf("apiVersion: %s/%s\nkind: Widget\nmetadata:\n  name: w\nspec: {%s}\n", group, version, spec)
	}
	gizmo := fmt.Sprintf("{{- if .Values.gizmo }}\napiVersion: %s/v1\nkind: Gizmo\nmetadata:\n  name: g\nspec: {size: 1}\n{{- end }}\n", group)
	gizmoCRD := crdDoc(group, "Gizmo", crdVersion("v1", true, "size:integer"))
	files := []struct{ dir, version, widgets, templates string }{
		{"1", "1.0.0", crdDoc(group, "Widget", crdVersion("v1", true, "size:integer")),
			"-- templates/widget.yaml --\n" + widget("v1", "size: 1")},
		{"2", "1.1.0", crdDoc(group, "Widget", crdVersion("v1", true, "size:integer", "color:string"), crdVersion("v2", false, "size:integer", "color:string")),
			"-- templates/widget.yaml --\n{{- if .Values.v2 }}\n" + widget("v2", "size: 1, color: red") + "{{- else }}\n" + widget("v1", "size: 1") + "{{- end }}\n" +
				"-- templates/gizmo.yaml --\n" + gizmo + "-- crds/gizmos.yaml --\n" + gizmoCRD},
		{"3", "1.2.0", crdDoc(group, "Widget", crdVersion("v2", true, "size:integer", "color:string")),
			"-- templates/widget.yaml --\n" + widget("v2", "size: 1, color: red") + "-- crds/gizmos.yaml --\n" + gizmoCRD},
	}
	var b strings.Builder
	for _, f := range files {
		dir := name + "-" + f.dir + "/"
		fmt.Fprintf(&b, "-- %sChart.yaml --\napiVersion: v2\nname: %s\nversion: %s\n", dir, name, f.version)
		fmt.Fprintf(&b, "-- %svalues.yaml --\nv2: false\ngizmo: true\n", dir)
		fmt.Fprintf(&b, "-- %scrds/widgets.yaml --\n%s", dir, f.widgets)
		b.WriteString(strings.ReplaceAll(f.templates, "-- ", "-- "+dir))
	}
	return b.String()
}

func crdRelease(name, chart, version, extra string) string {
	return fmt.Sprintf(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: %s}
spec:
  interval: 1m
  chart:
    spec:
      chart: %s
      version: %q
      sourceRef: {kind: HelmRepository, name: charts}
%s`, name, chart, version, extra)
}

// liveCRD reads a CRD; nil when it does not exist.
func (c *controllerEnv) liveCRD(name string) *unstructured.Unstructured {
	c.t.Helper()
	u, err := c.dyn.Resource(crdResource).Get(c.t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

// crdShape is "v1[size] v2[color size]": each version and the properties of
// its .spec; "absent" when the CRD does not exist.
func (c *controllerEnv) crdShape(name string) string {
	c.t.Helper()
	u := c.liveCRD(name)
	if u == nil {
		return "absent"
	}
	vs, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	var out []string
	for _, v := range vs {
		m, _ := v.(map[string]any)
		props, _, _ := unstructured.NestedMap(m, "schema", "openAPIV3Schema", "properties", "spec", "properties")
		var names []string
		for k := range props {
			names = append(names, k)
		}
		slices.Sort(names)
		out = append(out, fmt.Sprintf("%s[%s]", m["name"], strings.Join(names, " ")))
	}
	return strings.Join(out, " ")
}

// TestControllerCRDPolicies runs `rudder controller run` against the local
// control plane with HelmReleases whose charts change their CRDs between
// versions, and checks what spec.install.crds and spec.upgrade.crds do:
// CreateReplace updates existing CRDs (with the HelmRelease's origin labels)
// and fails the upgrade clearly when the CRD preflight refuses a change;
// Create and the unset default create new CRDs and leave existing ones; Skip
// leaves them all.
func TestControllerCRDPolicies(t *testing.T) {
	env := testenv.Start(t) // skips under -short
	useCRDs(t, nil)
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	scenarios := []string{"replace", "create", "default", "skip", "installreplace"}
	group := func(s string) string { return s + "." + suffix + ".rudder.test" }
	var charts strings.Builder
	for _, s := range scenarios {
		charts.WriteString(crdCharts("crd-"+s, group(s)))
	}
	// Registered before the controller env, so this runs after its cleanup
	// has uninstalled the releases.
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		for _, s := range scenarios {
			for _, kind := range []string{"widgets", "gizmos"} {
				_ = env.Dynamic().Resource(crdResource).Delete(ctx, kind+"."+group(s), metav1.DeleteOptions{})
			}
		}
	})
	c := startControllerEnvOn(t, env, charts.String())

	// A Widget CRD exists before installreplace's install, as another tool or
	// an uninstalled release left it.
	var pre unstructured.Unstructured
	if err := yaml.Unmarshal([]byte(crdDoc(group("installreplace"), "Widget", crdVersion("v1", true, "size:integer"))), &pre.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := c.dyn.Resource(crdResource).Create(t.Context(), &pre, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	c.apply(helmReleaseGVR, strings.Replace(crdRelease("replace", "crd-replace", "1.0.0",
		"  values: {v2: true}\n  upgrade: {crds: CreateReplace, remediation: {retries: 1}}\n"), "interval: 1m", "interval: 2s", 1))
	c.apply(helmReleaseGVR, crdRelease("create", "crd-create", "1.0.0", "  upgrade: {crds: Create}\n"))
	c.apply(helmReleaseGVR, crdRelease("default", "crd-default", "1.0.0", ""))
	c.apply(helmReleaseGVR, crdRelease("skip", "crd-skip", "1.0.0", "  values: {gizmo: false}\n  upgrade: {crds: Skip}\n"))
	c.apply(helmReleaseGVR, crdRelease("installreplace", "crd-installreplace", "1.1.0", "  values: {v2: true}\n  install: {crds: CreateReplace}\n"))
	for _, s := range scenarios[:4] {
		c.waitReady(s, "True", "InstallSucceeded")
	}
	// run is t.Run with c.t the subtest's while it runs.
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) { c.t = t; f(t) })
		c.t = t
	}
	const v1Only, v1v2 = "v1[size]", "v1[color size] v2[color size]"
	for _, s := range scenarios[:4] {
		if got := c.crdShape("widgets." + group(s)); got != v1Only {
			t.Errorf("%s: after the install of 1.0.0 the Widget CRD is %s, want %s", s, got, v1Only)
		}
	}

	run("install-create-replace", func(t *testing.T) {
		c.waitReady("installreplace", "True", "InstallSucceeded")
		name := "widgets." + group("installreplace")
		if got := c.crdShape(name); got != v1v2 {
			t.Errorf("install with crds: CreateReplace left the existing CRD %s as %s, want %s", name, got, v1v2)
		}
		checkOriginLabels(t, c.liveCRD(name), "installreplace", c.ns)
	})

	for _, s := range scenarios[:4] {
		c.patch(s, `{"spec":{"chart":{"spec":{"version":"1.1.0"}}}}`)
	}

	run("upgrade-create-replace", func(t *testing.T) {
		c.waitReady("replace", "True", "UpgradeSucceeded")
		name := "widgets." + group("replace")
		if got := c.crdShape(name); got != v1v2 {
			t.Errorf("upgrade with crds: CreateReplace: CRD %s is %s, want %s", name, got, v1v2)
		}
		checkOriginLabels(t, c.liveCRD(name), "replace", c.ns)
		// The release's Widget is a v2 one with a color: the new version was
		// served before the templates were applied.
		w, err := c.dyn.Resource(schema.GroupVersionResource{Group: group("replace"), Version: "v2", Resource: "widgets"}).Namespace(c.ns).Get(t.Context(), "w", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("Widget w at v2: %v", err)
		}
		if color, _, _ := unstructured.NestedString(w.Object, "spec", "color"); color != "red" {
			t.Errorf("Widget w spec.color = %q, want red", color)
		}
		if got := c.crdShape("gizmos." + group("replace")); got != "v1[size]" {
			t.Errorf("the new Gizmo CRD is %s", got)
		}
	})

	for _, s := range []string{"create", "default"} {
		run("upgrade-"+s, func(t *testing.T) {
			c.waitReady(s, "True", "UpgradeSucceeded")
			if got := c.crdShape("widgets." + group(s)); got != v1Only {
				t.Errorf("the existing Widget CRD changed to %s, want %s", got, v1Only)
			}
			if got := c.crdShape("gizmos." + group(s)); got != "v1[size]" {
				t.Errorf("the new Gizmo CRD is %s, want v1[size]", got)
			}
		})
	}

	run("upgrade-skip", func(t *testing.T) {
		c.waitReady("skip", "True", "UpgradeSucceeded")
		if got := c.crdShape("widgets." + group("skip")); got != v1Only {
			t.Errorf("the existing Widget CRD changed to %s, want %s", got, v1Only)
		}
		if got := c.crdShape("gizmos." + group("skip")); got != "absent" {
			t.Errorf("the new Gizmo CRD is %s, want absent", got)
		}
	})

	run("refused-change-fails-the-upgrade", func(t *testing.T) {
		c.patch("replace", `{"spec":{"chart":{"spec":{"version":"1.2.0"}}}}`)
		// As in Flux, an upgrade that stored no release does not count
		// against remediation.retries (1): it is tried again, with a backoff,
		// past them, never stalls and is never rolled back.
		c.waitFailures("replace", 4)
		u := c.waitReady("replace", "False", "UpgradeFailed")
		if s, r, m := condition(u, "Stalled"); s != "" {
			t.Errorf("Stalled = %s/%s %q: a failure that stored no release used up the retries", s, r, m)
		}
		_, _, msg := condition(u, "Ready")
		name := "widgets." + group("replace")
		want := "CustomResourceDefinition/" + name + ": spec.versions[v1]: removes version v1, which is in status.storedVersions"
		if !strings.Contains(msg, want) || !strings.HasPrefix(msg, "Helm upgrade failed for release") {
			t.Errorf("Ready message %q, want the refusal %q", msg, want)
		}
		if s, r, _ := condition(u, "Released"); s != "False" || r != "UpgradeFailed" {
			t.Errorf("Released = %s/%s, want False/UpgradeFailed", s, r)
		}
		if got := c.crdShape(name); got != v1v2 {
			t.Errorf("a refused change changed the CRD to %s", got)
		}
		if v := historyVersion(u); v != 2 {
			t.Errorf("history[0].version = %d, want 2: a refused CRD change made a revision", v)
		}
		if n, _, _ := unstructured.NestedInt64(u.Object, "status", "upgradeFailures"); n != 0 {
			t.Errorf("upgradeFailures = %d, want 0: no try stored a release", n)
		}
		if s, r, m := condition(u, "Remediated"); s != "" {
			t.Errorf("Remediated = %s/%s %q: a release that did not change was remediated", s, r, m)
		}
		if out := c.rudder("history", "replace", "-o", "json"); strings.Count(out, `"revision"`) != 2 {
			t.Errorf("rudder history: want the two revisions of install and upgrade only:\n%s", out)
		}
	})
}

// waitFailures waits until a HelmRelease's status.failures reaches n.
func (c *controllerEnv) waitFailures(name string, n int64) {
	c.t.Helper()
	var last map[string]any
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		u := c.hr(name)
		if got, _, _ := unstructured.NestedInt64(u.Object, "status", "failures"); got >= n {
			return
		}
		last, _, _ = unstructured.NestedMap(u.Object, "status")
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Fatalf("HelmRelease/%s: want %d failures or more; last status seen:\n%v", name, n, last)
}

// checkOriginLabels checks that a chart's CRD carries the labels naming its
// HelmRelease, as Flux sets them.
func checkOriginLabels(t *testing.T, u *unstructured.Unstructured, name, ns string) {
	t.Helper()
	if u == nil {
		t.Fatal("no CRD")
	}
	l := u.GetLabels()
	if l["helm.toolkit.fluxcd.io/name"] != name || l["helm.toolkit.fluxcd.io/namespace"] != ns {
		t.Errorf("CRD %s labels %v, want the origin labels of HelmRelease %s/%s", u.GetName(), l, ns, name)
	}
}
