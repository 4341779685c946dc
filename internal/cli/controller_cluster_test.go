package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/registry/registrytest"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

// The charts the controller test serves: web renders its values into a
// ConfigMap; broken fails to render.
const controllerCharts = `-- web/Chart.yaml --
apiVersion: v2
name: web
version: 1.0.0
-- web/values.yaml --
v: "1"
-- web/templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
data:
  v: {{ .Values.v | quote }}
  extra: {{ .Values.extra | default "none" | quote }}
-- web/templates/hook.yaml --
{{- if .Values.failJob }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-check
  annotations:
    helm.sh/hook: post-upgrade
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        rudder.test/fail: "true"
    spec:
      restartPolicy: Never
      containers:
      - name: check
        image: busybox
{{- end }}
-- web/templates/hang.yaml --
{{- if .Values.hang }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-hang
spec:
  selector:
    matchLabels: {app: {{ .Release.Name }}-hang}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}-hang}
      annotations:
        rudder.test/unready: "true"
    spec:
      containers:
      - name: app
        image: registry.invalid/app:1
{{- end }}
-- web2/Chart.yaml --
apiVersion: v2
name: web
version: 1.1.0
-- web2/values.yaml --
v: "1"
-- web2/templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
data:
  v: {{ .Values.v | quote }}
  extra: {{ .Values.extra | default "none" | quote }}
-- broken/Chart.yaml --
apiVersion: v2
name: broken
version: 0.1.0
-- broken/templates/cm.yaml --
{{ fail "the broken chart refuses to render" }}
`

var (
	helmReleaseGVR    = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}
	helmRepositoryGVR = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "helmrepositories"}
	ociRepositoryGVR  = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "ocirepositories"}
)

// controllerEnv is a namespace with a chart repository served by `rudder serve`
// and a controller running as a process against it.
type controllerEnv struct {
	t    *testing.T
	env  *testenv.Env
	ns   string
	dir  string
	self string
	dyn  dynamic.Interface
	// metrics and health are the controller's addresses.
	metrics, health string
	// controller is the controller's process.
	controller *exec.Cmd
}

// startControllerEnv installs the CRDs, serves the test charts with `rudder
// serve` on loopback and starts `rudder controller run` for one namespace.
func startControllerEnv(t *testing.T) *controllerEnv {
	return startControllerEnvOn(t, testenv.Start(t), "")
}

// startControllerEnvOn is startControllerEnv on env's cluster, serving the
// chart folders of the txtar archive charts as well.
func startControllerEnvOn(t *testing.T, env *testenv.Env, charts string) *controllerEnv {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &controllerEnv{t: t, env: env, ns: env.Namespace(t), dir: t.TempDir(), self: self, dyn: env.Dynamic()}
	writeTxtarFiles(t, filepath.Join(c.dir, "charts"), controllerCharts+charts)
	store := filepath.Join(c.dir, "store")
	dirs, err := os.ReadDir(filepath.Join(c.dir, "charts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range dirs {
		c.rudder("package", filepath.Join(c.dir, "charts", ch.Name()), "-d", store)
	}
	c.rudder("controller", "install-crds")

	port := freePort(t)
	c.start("serve", "--storage-dir", store, "--listen", "127.0.0.1:"+port)
	repoURL := "http://127.0.0.1:" + port
	waitHTTP(t, repoURL+"/health")
	c.metrics, c.health = "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	c.controller = c.start(c.controllerArgs()...)
	t.Cleanup(c.deleteAll)
	c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts}
spec: {url: %q, interval: 1m}
`, repoURL))
	return c
}

// controllerArgs runs the controller for the env's namespace.
func (c *controllerEnv) controllerArgs() []string {
	return []string{"controller", "run", "--watch-namespace", c.ns, "--concurrent", "4",
		"--leader-election-namespace", c.ns, "--metrics-addr", c.metrics, "--health-addr", c.health,
		"--requeue-dependency", "1s"}
}

// deleteAll deletes the namespace's HelmReleases while the controller still
// runs, so that their finalizers do not keep the namespace; what is left after
// a while loses its finalizer.
func (c *controllerEnv) deleteAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	api := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns)
	_ = api.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	for ctx.Err() == nil {
		list, err := api.List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	list, _ := api.List(context.Background(), metav1.ListOptions{})
	for _, u := range list.Items {
		_, _ = api.Patch(context.Background(), u.GetName(), types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	}
}

func (c *controllerEnv) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.self, args...)
	cmd.Env = append(os.Environ(), selfCLIEnv+"=1", "KUBECONFIG="+c.env.Kubeconfig(), "HELM_NAMESPACE="+c.ns, "HOME="+c.dir,
		"HELM_CACHE_HOME="+filepath.Join(c.dir, "cache"), "HELM_CONFIG_HOME="+filepath.Join(c.dir, "config"), "HELM_DATA_HOME="+filepath.Join(c.dir, "data"))
	return cmd
}

// rudder runs a command to its end and returns its output.
func (c *controllerEnv) rudder(args ...string) string {
	c.t.Helper()
	out, err := c.cmd(c.t.Context(), args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("rudder %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// start runs a long-lived command, stopped with SIGTERM when the test ends;
// its output is logged then.
func (c *controllerEnv) start(args ...string) *exec.Cmd {
	t := c.t
	t.Helper()
	cmd := c.cmd(context.Background(), args...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("rudder %s:\n%s", strings.Join(args, " "), out.String())
		}
	})
	return cmd
}

func (c *controllerEnv) apply(gvr schema.GroupVersionResource, doc string) {
	c.t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		c.t.Fatal(err)
	}
	u.SetNamespace(c.ns)
	if _, err := c.dyn.Resource(gvr).Namespace(c.ns).Apply(c.t.Context(), u.GetName(), u, metav1.ApplyOptions{FieldManager: "test", Force: true}); err != nil {
		c.t.Fatalf("apply %s/%s: %v", u.GetKind(), u.GetName(), err)
	}
}

func (c *controllerEnv) patch(name, mergePatch string) {
	c.t.Helper()
	if _, err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Patch(c.t.Context(), name, types.MergePatchType, []byte(mergePatch), metav1.PatchOptions{}); err != nil {
		c.t.Fatalf("patch HelmRelease/%s: %v", name, err)
	}
}

// hr reads a HelmRelease.
func (c *controllerEnv) hr(name string) *unstructured.Unstructured {
	c.t.Helper()
	u, err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatalf("HelmRelease/%s: %v", name, err)
	}
	return u
}

// condition returns a condition's status, reason and message.
func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, x := range conds {
		m, _ := x.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			r, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return s, r, msg
		}
	}
	return "", "", ""
}

// waitReady waits until a HelmRelease's Ready condition has the status and
// reason wanted for its current generation, and returns it.
func (c *controllerEnv) waitReady(name, status, reason string) *unstructured.Unstructured {
	c.t.Helper()
	var last string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		u := c.hr(name)
		s, r, m := condition(u, "Ready")
		observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		last = fmt.Sprintf("Ready=%s reason=%s message=%q observedGeneration=%d generation=%d", s, r, m, observed, u.GetGeneration())
		if s == status && r == reason && observed == u.GetGeneration() {
			return u
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Fatalf("HelmRelease/%s: want Ready=%s reason=%s; last seen %s", name, status, reason, last)
	return nil
}

// configMap reads the data of a ConfigMap; nil when it does not exist.
func (c *controllerEnv) configMap(name string) map[string]string {
	c.t.Helper()
	cm, err := c.env.Clientset().CoreV1().ConfigMaps(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return cm.Data
}

func historyVersion(u *unstructured.Unstructured) int64 {
	h, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	if len(h) == 0 {
		return 0
	}
	v, _, _ := unstructured.NestedInt64(h[0].(map[string]any), "version")
	return v
}

func helmRelease(name, extra string) string {
	return fmt.Sprintf(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: %s}
spec:
  interval: 1m
  chart:
    spec:
      chart: web
      version: ">=1.0.0 <1.1.0"
      sourceRef: {kind: HelmRepository, name: charts}
%s`, name, extra)
}

// TestControllerReconcilesHelmReleases runs `rudder controller run` as a process
// against the local control plane with charts served by `rudder serve`: a
// HelmRelease becomes Ready, a values change upgrades it (and nothing else
// does), suspend stops it, deletion uninstalls it, dependsOn orders two
// releases, and bad input fails one HelmRelease clearly without touching the
// others.
func TestControllerReconcilesHelmReleases(t *testing.T) {
	useCRDs(t, nil)
	controllerScenario(t, startControllerEnv(t), "NoSuchSource")
}

// TestControllerWithFluxCRDs is TestControllerReconcilesHelmReleases with
// Flux's own CRDs (helm-controller v1.4.0, source-controller v1.7.0, from the
// module cache): the same manifests are accepted and the controller's status
// passes their schemas. Flux's schema refuses an unknown source kind, so the bad
// source is one Rudder does not support.
func TestControllerWithFluxCRDs(t *testing.T) {
	testenv.Start(t) // skips under -short
	useCRDs(t, fluxCRDs(t))
	t.Cleanup(func() { useCRDs(t, nil) })
	controllerScenario(t, startControllerEnv(t), "GitRepository")
}

// fluxCRDs reads Flux's HelmRelease, HelmRepository and OCIRepository CRDs from
// the module cache, skipping the test when they are not there.
func fluxCRDs(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	files := []string{
		filepath.Join(mod, "github.com/fluxcd/helm-controller@v1.4.0/config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml"),
		filepath.Join(mod, "github.com/fluxcd/source-controller@v1.7.0/config/crd/bases/source.toolkit.fluxcd.io_helmrepositories.yaml"),
		filepath.Join(mod, "github.com/fluxcd/source-controller@v1.7.0/config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml"),
	}
	var crds []*unstructured.Unstructured
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Skipf("Flux's CRDs are not in the module cache (go mod download github.com/fluxcd/helm-controller@v1.4.0 github.com/fluxcd/source-controller@v1.7.0): %v", err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &u.Object); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		crds = append(crds, u)
	}
	return crds
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// useCRDs replaces the HelmRelease, HelmRepository and OCIRepository CRDs with
// crds (nil: none, for install-crds to install Rudder's), waiting until the old
// ones are gone and the new ones served.
func useCRDs(t *testing.T, crds []*unstructured.Unstructured) {
	t.Helper()
	env := testenv.Start(t)
	api := env.Dynamic().Resource(crdGVR)
	ctx := context.Background()
	names := []string{"helmreleases.helm.toolkit.fluxcd.io", "helmrepositories.source.toolkit.fluxcd.io", "ocirepositories.source.toolkit.fluxcd.io"}
	for _, n := range names {
		if err := api.Delete(ctx, n, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("CustomResourceDefinition/%s: delete: %v", n, err)
		}
	}
	waitUntil(t, "the old CRDs are gone", func() bool {
		for _, n := range names {
			if _, err := api.Get(ctx, n, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return false
			}
		}
		return true
	})
	for _, crd := range crds {
		if _, err := api.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatalf("CustomResourceDefinition/%s: create: %v", crd.GetName(), err)
		}
	}
	waitUntil(t, "the CRDs are served", func() bool {
		for _, crd := range crds {
			u, err := api.Get(ctx, crd.GetName(), metav1.GetOptions{})
			if err != nil {
				return false
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			ok := false
			for _, c := range conds {
				m, _ := c.(map[string]any)
				ok = ok || (m["type"] == "Established" && m["status"] == "True")
			}
			if !ok {
				return false
			}
		}
		return true
	})
}

// controllerScenario is what both CRD tests check; badKind is a source kind
// the controller refuses.
func controllerScenario(t *testing.T, c *controllerEnv, badKind string) {

	t.Run("install", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, helmRelease("app", `  values: {v: "one"}`))
		u := c.waitReady("app", "True", "InstallSucceeded")
		if s, r, _ := condition(u, "Released"); s != "True" || r != "InstallSucceeded" {
			t.Errorf("Released = %s/%s, want True/InstallSucceeded", s, r)
		}
		if got := c.configMap("app-web")["v"]; got != "one" {
			t.Errorf("ConfigMap app-web v = %q, want one", got)
		}
		if rev, _, _ := unstructured.NestedString(u.Object, "status", "lastAttemptedRevision"); rev != "1.0.0" {
			t.Errorf("lastAttemptedRevision = %q, want 1.0.0", rev)
		}
		if !strings.Contains(c.rudder("list"), "app") {
			t.Errorf("rudder list does not show the controller's release")
		}
		if !controllerutilHasFinalizer(u) {
			t.Errorf("no finalizer on the HelmRelease: %v", u.GetFinalizers())
		}
		waitHTTP(t, "http://"+c.health+"/readyz")
		metrics := httpGet(t, "http://"+c.metrics+"/metrics")
		for _, want := range []string{
			`rudder_helmrelease_ready{name="app",namespace="` + c.ns + `"} 1`,
			`controller_runtime_reconcile_total{controller="helmrelease",result="success"}`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("the metrics lack %s", want)
			}
		}
	})

	t.Run("values-change-upgrades", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, helmRelease("app", `  values: {v: "two"}`))
		u := c.waitReady("app", "True", "UpgradeSucceeded")
		if v := historyVersion(u); v != 2 {
			t.Errorf("history[0].version = %d, want 2", v)
		}
		if got := c.configMap("app-web")["v"]; got != "two" {
			t.Errorf("ConfigMap app-web v = %q, want two", got)
		}
		// A reconcile asked for without any change upgrades nothing.
		if out := c.rudder("reconcile", "helmrelease", "app"); !strings.Contains(out, "HelmRelease/"+c.ns+"/app is Ready (UpgradeSucceeded)") {
			t.Errorf("rudder reconcile helmrelease app:\n%s", out)
		}
		if v := historyVersion(c.hr("app")); v != 2 {
			t.Errorf("after a reconcile without changes history[0].version = %d, want 2", v)
		}
		if out := c.rudder("history", "app", "-o", "json"); strings.Count(out, `"revision"`) != 2 {
			t.Errorf("rudder history shows other than two revisions:\n%s", out)
		}
	})

	t.Run("suspend", func(t *testing.T) {
		c.t = t
		c.patch("app", `{"spec":{"suspend":true}}`)
		time.Sleep(time.Second) // let the suspension be seen
		c.patch("app", `{"spec":{"values":{"v":"three"}}}`)
		time.Sleep(3 * time.Second)
		if got := c.configMap("app-web")["v"]; got != "two" {
			t.Fatalf("a suspended HelmRelease was upgraded: v = %q", got)
		}
		c.patch("app", `{"spec":{"suspend":false}}`)
		c.waitReady("app", "True", "UpgradeSucceeded")
		if got := c.configMap("app-web")["v"]; got != "three" {
			t.Errorf("after resuming v = %q, want three", got)
		}
	})

	t.Run("values-from", func(t *testing.T) {
		c.t = t
		cs := c.env.Clientset().CoreV1()
		if _, err := cs.ConfigMaps(c.ns).Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "vals"},
			Data: map[string]string{"values.yaml": "v: from-configmap\n", "extra": "deep"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.apply(helmReleaseGVR, helmRelease("vf", `  valuesFrom:
  - {kind: ConfigMap, name: vals}
  - {kind: ConfigMap, name: vals, valuesKey: extra, targetPath: extra}
  - {kind: Secret, name: missing, optional: true}`))
		c.waitReady("vf", "True", "InstallSucceeded")
		if got := c.configMap("vf-web"); got["v"] != "from-configmap" || got["extra"] != "deep" {
			t.Errorf("ConfigMap vf-web = %v, want v=from-configmap extra=deep", got)
		}
	})

	t.Run("depends-on", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, helmRelease("second", `  dependsOn: [{name: first}]`))
		c.waitReady("second", "False", "DependencyNotReady")
		if c.configMap("second-web") != nil {
			t.Fatal("second was installed before first exists")
		}
		c.apply(helmReleaseGVR, helmRelease("first", ""))
		first := c.waitReady("first", "True", "InstallSucceeded")
		second := c.waitReady("second", "True", "InstallSucceeded")
		if deployed(t, second).Before(deployed(t, first)) {
			t.Errorf("second was deployed at %v, before first at %v", deployed(t, second), deployed(t, first))
		}
	})

	t.Run("oci", func(t *testing.T) {
		c.t = t
		reg := registrytest.Start(t, registrytest.Options{})
		c.rudder("push", filepath.Join(c.dir, "store", "web-1.0.0.tgz"), "oci://"+reg.Host+"/charts", "--plain-http")
		c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: oci}
spec: {type: oci, url: "oci://%s/charts", insecure: true, interval: 1m}
`, reg.Host))
		c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromoci}
spec:
  interval: 1m
  chart:
    spec:
      chart: web
      version: "1.x"
      sourceRef: {kind: HelmRepository, name: oci}
  values: {v: oci}
`)
		c.ociRepository("web", fmt.Sprintf(`url: "oci://%s/charts/web", ref: {tag: 1.0.0}, insecure: true, interval: 1m`, reg.Host))
		c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: fromref}
spec:
  interval: 1m
  chartRef: {kind: OCIRepository, name: web}
  values: {v: ref}
`)
		c.waitReady("fromoci", "True", "InstallSucceeded")
		c.waitReady("fromref", "True", "InstallSucceeded")
		if a, b := c.configMap("fromoci-web")["v"], c.configMap("fromref-web")["v"]; a != "oci" || b != "ref" {
			t.Errorf("the OCI releases rendered v = %q and %q, want oci and ref", a, b)
		}
		if d, _, _ := unstructured.NestedSlice(c.hr("fromref").Object, "status", "history"); len(d) == 0 || d[0].(map[string]any)["ociDigest"] == nil {
			t.Errorf("the history of a chart from a registry has no ociDigest: %v", d)
		}
		// The OCIRepository's status passes the schema of the CRDs in use.
		c.waitSource(ociRepositoryGVR, "web", "True", "Succeeded", "stored artifact for digest '1.0.0@sha256:")
	})

	t.Run("bad-input", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: badkind}
spec:
  interval: 1m
  chart:
    spec:
      chart: web
      sourceRef: {kind: `+badKind+`, name: charts}
`)
		if _, err := c.env.Clientset().CoreV1().Secrets(c.ns).Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "notyaml"},
			Data: map[string][]byte{"values.yaml": []byte("v: [unclosed\n  - {")}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.apply(helmReleaseGVR, helmRelease("badvalues", `  valuesFrom: [{kind: Secret, name: notyaml}]`))
		c.apply(helmReleaseGVR, strings.Replace(strings.Replace(helmRelease("badrender", ""), "chart: web", "chart: broken", 1), `">=1.0.0 <1.1.0"`, `"0.1.0"`, 1))
		c.apply(helmReleaseGVR, helmRelease("good", ""))

		for _, tc := range []struct{ name, reason, message string }{
			{"badkind", "ArtifactFailed", "source kind '" + badKind + "'"},
			{"badvalues", "ValuesError", "key 'values.yaml' of Secret/" + c.ns + "/notyaml is not a YAML map of values"},
			{"badrender", "InstallFailed", "the broken chart refuses to render"},
		} {
			u := c.waitReady(tc.name, "False", tc.reason)
			if _, _, msg := condition(u, "Ready"); !strings.Contains(msg, tc.message) {
				t.Errorf("HelmRelease/%s: Ready message %q does not say %q", tc.name, msg, tc.message)
			}
		}
		out, err := c.cmd(t.Context(), "reconcile", "hr", "badrender").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "is not Ready (InstallFailed)") || !strings.Contains(string(out), "refuses to render") {
			t.Errorf("rudder reconcile hr badrender: %v\n%s", err, out)
		}
		if s, r, _ := condition(c.hr("badkind"), "Stalled"); s != "True" {
			t.Errorf("badkind: Stalled = %s/%s, want True: retrying cannot help", s, r)
		}
		c.waitReady("good", "True", "InstallSucceeded")
		c.waitReady("app", "True", "UpgradeSucceeded")
	})

	t.Run("remediation", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, strings.Replace(helmRelease("rem", `  values: {v: ok}
  upgrade: {remediation: {retries: 1}}`), "interval: 1m", "interval: 2s", 1))
		c.waitReady("rem", "True", "InstallSucceeded")
		// The upgrade's post-upgrade hook fails: it is rolled back, tried once
		// more, rolled back again, and then left alone.
		c.patch("rem", `{"spec":{"values":{"v":"bad","failJob":true}}}`)
		waitUntil(t, "HelmRelease/rem is stalled after its retries", func() bool {
			s, r, _ := condition(c.hr("rem"), "Stalled")
			return s == "True" && r == "RetriesExceeded"
		})
		u := c.hr("rem")
		if s, r, _ := condition(u, "Remediated"); s != "True" || r != "RollbackSucceeded" {
			t.Errorf("Remediated = %s/%s, want True/RollbackSucceeded", s, r)
		}
		if s, _, _ := condition(u, "Ready"); s != "False" {
			t.Errorf("Ready = %s, want False", s)
		}
		if n, _, _ := unstructured.NestedInt64(u.Object, "status", "upgradeFailures"); n != 2 {
			t.Errorf("upgradeFailures = %d, want 2 (the first try and one retry)", n)
		}
		if got := c.configMap("rem-web")["v"]; got != "ok" {
			t.Errorf("after the rollback v = %q, want ok", got)
		}
		out := c.rudder("history", "rem", "-o", "json")
		if strings.Count(out, `"status":"failed"`) != 2 || !strings.Contains(out, "Rollback to 1") {
			t.Errorf("rudder history: want two failed upgrades and rollbacks to 1:\n%s", out)
		}
	})

	t.Run("drift", func(t *testing.T) {
		c.t = t
		fast := func(name, mode string) string {
			return strings.Replace(helmRelease(name, "  driftDetection: {mode: "+mode+"}"), "interval: 1m", "interval: 2s", 1)
		}
		c.apply(helmReleaseGVR, fast("drifty", "enabled"))
		c.apply(helmReleaseGVR, fast("warned", "warn"))
		c.waitReady("drifty", "True", "InstallSucceeded")
		c.waitReady("warned", "True", "InstallSucceeded")
		cms := c.env.Clientset().CoreV1().ConfigMaps(c.ns)
		for _, name := range []string{"drifty-web", "warned-web"} {
			cm, err := cms.Get(t.Context(), name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cm.Data["v"] = "by-hand"
			if _, err := cms.Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		waitUntil(t, "the drift of drifty is corrected", func() bool { return c.configMap("drifty-web")["v"] == "1" })
		waitUntil(t, "the drift of warned is reported", func() bool {
			evs, err := c.env.Clientset().CoreV1().Events(c.ns).List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.name=warned,reason=DriftDetected"})
			return err == nil && len(evs.Items) > 0 && strings.Contains(evs.Items[0].Message, "ConfigMap")
		})
		if got := c.configMap("warned-web")["v"]; got != "by-hand" {
			t.Errorf("with mode warn the drift was corrected: v = %q", got)
		}
		if v := historyVersion(c.hr("drifty")); v != 1 {
			t.Errorf("correcting drift made revision %d; want none beyond 1", v)
		}
	})

	t.Run("cli-lock", func(t *testing.T) {
		c.t = t
		// A command elsewhere holds the release's lock: the controller waits.
		locks := &storage.LeaseLocker{Leases: c.env.Clientset().CoordinationV1(), Namespace: c.ns, Holder: "someone@elsewhere pid 1"}
		l, err := locks.Lock(t.Context(), "app", "upgrade")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Unlock(context.Background()) })
		c.patch("app", `{"spec":{"values":{"v":"locked"}}}`)
		c.waitReady("app", "False", "ReleaseLocked")
		if got := c.configMap("app-web")["v"]; got != "three" {
			t.Fatalf("the controller changed a locked release: v = %q", got)
		}
		if err := l.Unlock(t.Context()); err != nil {
			t.Fatal(err)
		}
		c.waitReady("app", "True", "UpgradeSucceeded")
		if got := c.configMap("app-web")["v"]; got != "locked" {
			t.Errorf("after the lock was freed v = %q, want locked", got)
		}
		// The CLI sees the controller's release as an ordinary one.
		if out := c.rudder("status", "app"); !strings.Contains(out, "STATUS: deployed") {
			t.Errorf("rudder status after the controller's upgrade:\n%s", out)
		}
	})

	t.Run("delete-uninstalls", func(t *testing.T) {
		c.t = t
		if err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Delete(t.Context(), "app", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "HelmRelease/app is gone", func() bool {
			_, err := c.dyn.Resource(helmReleaseGVR).Namespace(c.ns).Get(t.Context(), "app", metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		})
		if c.configMap("app-web") != nil {
			t.Error("the release's ConfigMap is still there")
		}
		secrets, err := c.env.Clientset().CoreV1().Secrets(c.ns).List(t.Context(), metav1.ListOptions{LabelSelector: "owner=helm,name=app"})
		if err != nil {
			t.Fatal(err)
		}
		if len(secrets.Items) != 0 {
			t.Errorf("%d release records of app are left", len(secrets.Items))
		}
	})
}

func controllerutilHasFinalizer(u *unstructured.Unstructured) bool {
	for _, f := range u.GetFinalizers() {
		if f == "finalizers.fluxcd.io" {
			return true
		}
	}
	return false
}

// deployed is when the newest revision in a HelmRelease's history was
// deployed.
func deployed(t *testing.T, u *unstructured.Unstructured) time.Time {
	t.Helper()
	h, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	if len(h) == 0 {
		t.Fatalf("HelmRelease/%s has no history", u.GetName())
	}
	s, _, _ := unstructured.NestedString(h[0].(map[string]any), "lastDeployed")
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("HelmRelease/%s: lastDeployed %q: %v", u.GetName(), s, err)
	}
	return ts
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("timed out waiting until %s", what)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	waitUntil(t, url+" answers", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lockedBuffer is a bytes.Buffer safe for a process's two output streams.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
