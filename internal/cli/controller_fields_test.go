package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/testenv"
)

// fieldsChart has a ConfigMap to patch and drift, a Deployment whose image a
// post-renderer overrides, a test Pod that fails when told to, and, when asked
// for, a Job and a pre-install hook Job.
const fieldsChart = `-- fields/Chart.yaml --
apiVersion: v2
name: fields
version: 1.0.0
-- fields/values.yaml --
testFails: false
jobs: false
-- fields/templates/jobs.yaml --
{{- if .Values.jobs }}
{{- range $name, $hook := dict "job" "" "hook" "pre-install" }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $.Release.Name }}-{{ $name }}
  labels: {part: job}
  {{- with $hook }}
  annotations: {helm.sh/hook: {{ . }}}
  {{- end }}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox
{{- end }}
{{- end }}
-- fields/templates/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
  labels: {part: config}
data:
  a: "1"
  b: "1"
  c: "1"
-- fields/templates/deploy.yaml --
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-app
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
      - name: app
        image: example.local/app:1.0
-- fields/templates/tests/check.yaml --
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-check
  annotations:
    helm.sh/hook: test
    {{- if .Values.testFails }}
    rudder.test/fail: "true"
    {{- end }}
spec:
  restartPolicy: Never
  containers:
  - name: check
    image: busybox
`

// TestControllerFields checks postRenderers, commonMetadata and the origin
// labels, driftDetection.ignore and test with Rudder's CRDs, and
// TestControllerFieldsWithFluxCRDs the same manifests with Flux's own.
func TestControllerFields(t *testing.T) {
	useCRDs(t, nil)
	controllerFieldsScenario(t, startControllerEnv(t))
}

func TestControllerFieldsWithFluxCRDs(t *testing.T) {
	testenv.Start(t) // skips under -short
	useCRDs(t, fluxCRDs(t))
	t.Cleanup(func() { useCRDs(t, nil) })
	controllerFieldsScenario(t, startControllerEnv(t))
}

// serveFieldsChart serves fieldsChart from a second `rudder serve` and points
// HelmRepository "fields" at it.
func (c *controllerEnv) serveFieldsChart() {
	store := filepath.Join(c.dir, "fields-store")
	writeTxtarFiles(c.t, filepath.Join(c.dir, "fields-charts"), fieldsChart)
	c.rudder("package", filepath.Join(c.dir, "fields-charts", "fields"), "-d", store)
	port := freePort(c.t)
	c.start("serve", "--storage-dir", store, "--listen", "127.0.0.1:"+port)
	waitHTTP(c.t, "http://127.0.0.1:"+port+"/health")
	c.apply(helmRepositoryGVR, fmt.Sprintf(`
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: fields}
spec: {url: "http://127.0.0.1:%s", interval: 1m}
`, port))
}

func fieldsRelease(name, extra string) string {
	return fmt.Sprintf(`
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: %s}
spec:
  interval: 2s
  chart:
    spec:
      chart: fields
      sourceRef: {kind: HelmRepository, name: fields}
%s`, name, extra)
}

func (c *controllerEnv) image(deployment string) string {
	c.t.Helper()
	d, err := c.env.Clientset().AppsV1().Deployments(c.ns).Get(c.t.Context(), deployment, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// configMapMeta reads a ConfigMap's metadata.
func (c *controllerEnv) configMapMeta(name string) metav1.ObjectMeta {
	c.t.Helper()
	cm, err := c.env.Clientset().CoreV1().ConfigMaps(c.ns).Get(c.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return cm.ObjectMeta
}

func controllerFieldsScenario(t *testing.T, c *controllerEnv) {
	c.serveFieldsChart()

	t.Run("post-renderers", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("kust", `  postRenderers:
  - kustomize:
      patches:
      - patch: |
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: kust-cm}
          data: {added: by-patch}
      - target: {kind: ConfigMap, labelSelector: part=config}
        patch: |
          - op: replace
            path: /data/a
            value: by-json-patch
      images:
      - name: example.local/app
        newName: mirror.local/app
        newTag: "2.0"
`))
		c.waitReady("kust", "True", "InstallSucceeded")
		cm := c.configMap("kust-cm")
		if cm["added"] != "by-patch" || cm["a"] != "by-json-patch" || cm["b"] != "1" {
			t.Errorf("ConfigMap kust-cm = %v: want added=by-patch (strategic merge), a=by-json-patch (JSON 6902 on a target), b=1", cm)
		}
		if got := c.image("kust-app"); got != "mirror.local/app:2.0" {
			t.Errorf("image = %q, want mirror.local/app:2.0", got)
		}
		// A change of the post-renderers alone upgrades the release.
		c.patch("kust", `{"spec":{"postRenderers":[{"kustomize":{"images":[{"name":"example.local/app","digest":"sha256:`+strings.Repeat("ab", 32)+`"}]}}]}}`)
		u := c.waitReady("kust", "True", "UpgradeSucceeded")
		if v := historyVersion(u); v != 2 {
			t.Errorf("history version %d after a post-renderer change, want 2", v)
		}
		if got := c.image("kust-app"); got != "example.local/app@sha256:"+strings.Repeat("ab", 32) {
			t.Errorf("image after the change = %q", got)
		}
		if cm := c.configMap("kust-cm"); cm["a"] != "1" || cm["added"] != "" {
			t.Errorf("the patches dropped from the spec still apply: %v", cm)
		}
	})

	// As in Flux, whose Helm 3 post-renders the release manifest only, a
	// patch whose target matches a hook too leaves the hook as the chart made
	// it, in the stored release and on the API server.
	t.Run("post-renderers-skip-hooks", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("kjob", `  values: {jobs: true}
  postRenderers:
  - kustomize:
      patches:
      - target: {kind: Job}
        patch: |
          - op: add
            path: /metadata/labels/patched
            value: "yes"
`))
		c.waitReady("kjob", "True", "InstallSucceeded")
		jobs := c.env.Clientset().BatchV1().Jobs(c.ns)
		for name, want := range map[string]string{"kjob-job": "yes", "kjob-hook": ""} {
			j, err := jobs.Get(t.Context(), name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := j.Labels["patched"]; got != want {
				t.Errorf("Job %s label patched = %q, want %q", name, got, want)
			}
		}
		hooks := c.rudder("get", "hooks", "kjob")
		if !strings.Contains(hooks, "name: kjob-hook") || strings.Contains(hooks, "patched") {
			t.Errorf("the stored hooks: want kjob-hook unpatched:\n%s", hooks)
		}
	})

	t.Run("common-metadata", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("meta", `  commonMetadata:
    labels: {team: a, part: common, helm.toolkit.fluxcd.io/name: mine}
    annotations: {owner: ops}
`))
		c.waitReady("meta", "True", "InstallSucceeded")
		cm := c.configMapMeta("meta-cm")
		if cm.Labels["team"] != "a" || cm.Labels["part"] != "common" || cm.Annotations["owner"] != "ops" {
			t.Errorf("ConfigMap meta-cm labels %v annotations %v: want team=a, part=common (overwritten), owner=ops", cm.Labels, cm.Annotations)
		}
		// Flux's origin labels name the HelmRelease on every object, over
		// the common metadata's.
		d, err := c.env.Clientset().AppsV1().Deployments(c.ns).Get(t.Context(), "meta-app", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for obj, l := range map[string]map[string]string{"ConfigMap meta-cm": cm.Labels, "Deployment meta-app": d.Labels} {
			if l["helm.toolkit.fluxcd.io/name"] != "meta" || l["helm.toolkit.fluxcd.io/namespace"] != c.ns {
				t.Errorf("%s labels %v: want helm.toolkit.fluxcd.io/name=meta and /namespace=%s", obj, l, c.ns)
			}
		}
		// A change of the common metadata alone upgrades the release.
		c.patch("meta", `{"spec":{"commonMetadata":{"labels":{"team":"b","part":null},"annotations":null}}}`)
		u := c.waitReady("meta", "True", "UpgradeSucceeded")
		if v := historyVersion(u); v != 2 {
			t.Errorf("history version %d after a commonMetadata change, want 2", v)
		}
		if cm := c.configMapMeta("meta-cm"); cm.Labels["team"] != "b" || cm.Labels["part"] != "config" || cm.Annotations["owner"] != "" {
			t.Errorf("after the change: labels %v annotations %v, want team=b, part=config, no owner", cm.Labels, cm.Annotations)
		}
	})

	t.Run("drift-ignore", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("ign", `  driftDetection:
    mode: enabled
    ignore:
    - paths: ["/data/b"]
      target: {kind: ConfigMap, name: "ign-.*"}
`))
		c.waitReady("ign", "True", "InstallSucceeded")
		cms := c.env.Clientset().CoreV1().ConfigMaps(c.ns)
		cm, err := cms.Get(t.Context(), "ign-cm", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data["b"], cm.Data["c"] = "by-hand", "by-hand"
		if _, err := cms.Update(t.Context(), cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the drift of c is corrected", func() bool { return c.configMap("ign-cm")["c"] == "1" })
		if got := c.configMap("ign-cm")["b"]; got != "by-hand" {
			t.Errorf("the ignored field b was corrected to %q", got)
		}
		// Later reconciles see no drift: b stays, and nothing is reported.
		time.Sleep(5 * time.Second)
		if got := c.configMap("ign-cm")["b"]; got != "by-hand" {
			t.Errorf("the ignored field b was corrected later to %q", got)
		}
		evs, err := c.env.Clientset().CoreV1().Events(c.ns).List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.name=ign,reason=DriftDetected"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs.Items {
			if e.Count > 1 {
				t.Errorf("drift reported %d times (the ignored field counts as drift): %s", e.Count, e.Message)
			}
		}
		if v := historyVersion(c.hr("ign")); v != 1 {
			t.Errorf("correcting drift made revision %d; want none beyond 1", v)
		}
	})

	t.Run("test-passes", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("tested", `  test: {enable: true, timeout: 1m}
`))
		u := c.waitReady("tested", "True", "TestSucceeded")
		if s, r, m := condition(u, "TestSuccess"); s != "True" || r != "TestSucceeded" || !strings.Contains(m, "1 test hook completed successfully") {
			t.Errorf("TestSuccess = %s/%s %q", s, r, m)
		}
		if s, r, _ := condition(u, "Released"); s != "True" || r != "InstallSucceeded" {
			t.Errorf("Released = %s/%s, want True/InstallSucceeded", s, r)
		}
		phase, _, _ := unstructured.NestedString(testHook(u, "tested-check"), "phase")
		if phase != "Succeeded" {
			t.Errorf("history[0].testHooks[tested-check].phase = %q, want Succeeded", phase)
		}
	})

	t.Run("test-fails-remediates", func(t *testing.T) {
		c.t = t
		c.apply(helmReleaseGVR, fieldsRelease("tfail", `  test: {enable: true, timeout: 1m}
  upgrade: {remediation: {retries: 1}}
`))
		c.waitReady("tfail", "True", "TestSucceeded")
		c.patch("tfail", `{"spec":{"values":{"testFails":true}}}`)
		u := c.waitCondition("tfail", "Stalled", "True", "RetriesExceeded")
		if s, r, m := condition(u, "TestSuccess"); s != "False" || r != "TestFailed" || !strings.Contains(m, "Helm test failed for release") {
			t.Errorf("TestSuccess = %s/%s %q, want False/TestFailed", s, r, m)
		}
		if s, r, _ := condition(u, "Remediated"); s != "True" || r != "RollbackSucceeded" {
			t.Errorf("Remediated = %s/%s, want True/RollbackSucceeded", s, r)
		}
		if s, _, _ := condition(u, "Ready"); s != "False" {
			t.Errorf("Ready = %s, want False", s)
		}
		if n, _, _ := unstructured.NestedInt64(u.Object, "status", "upgradeFailures"); n != 2 {
			t.Errorf("upgradeFailures = %d, want 2 (the first try and one retry)", n)
		}
		out := c.rudder("history", "tfail", "-o", "json")
		// The deployed revision failed its tests: each rollback goes to the
		// revision before it (the second to 3, the first rollback to 1).
		if !strings.Contains(out, "Rollback to 1") || !strings.Contains(out, "Rollback to 3") || strings.Count(out, `"status":"deployed"`) != 1 {
			t.Errorf("rudder history: want rollbacks to 1 and to 3:\n%s", out)
		}
		h, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
		failed := false
		for _, s := range h {
			hooks, _, _ := unstructured.NestedMap(s.(map[string]any), "testHooks")
			if p, _, _ := unstructured.NestedString(hooks, "tfail-check", "phase"); p == "Failed" {
				failed = true
			}
		}
		if !failed {
			t.Errorf("no history entry records the failed test: %v", h)
		}
	})
}

// testHook returns history[0].testHooks[name] of a HelmRelease.
func testHook(u *unstructured.Unstructured, name string) map[string]any {
	h, _, _ := unstructured.NestedSlice(u.Object, "status", "history")
	if len(h) == 0 {
		return nil
	}
	m, _, _ := unstructured.NestedMap(h[0].(map[string]any), "testHooks", name)
	return m
}

// waitCondition waits until a HelmRelease's condition typ has the status and
// reason wanted, and returns it; on time out it shows the status last seen.
func (c *controllerEnv) waitCondition(name, typ, status, reason string) *unstructured.Unstructured {
	c.t.Helper()
	var last map[string]any
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		u := c.hr(name)
		if s, r, _ := condition(u, typ); s == status && r == reason {
			return u
		}
		last, _, _ = unstructured.NestedMap(u.Object, "status")
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Fatalf("HelmRelease/%s: want %s=%s reason=%s; last status seen:\n%v", name, typ, status, reason, last)
	return nil
}
