package action_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/testenv"
)

// peerHelm is Helm v4.3.1, built and cached by hack/peer; under -short the test
// is skipped instead.
func peerHelm(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Helm v4.3.1 from hack/peer helm; skipped under -short")
	}
	out, err := exec.Command("../../hack/peer", "helm").Output()
	if err != nil {
		t.Fatalf("hack/peer helm: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// interopChart writes a chart with a CRD, two ordered subcharts and resource
// groups (without helm.sh/depends-on/resource-groups, whose key Helm v4.3.1
// would send to the API server, which refuses it).
func interopChart(t *testing.T, group string) string {
	dir := filepath.Join(t.TempDir(), "app")
	files := map[string]string{
		"Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
annotations:
  helm.sh/depends-on/subcharts: '["api"]'
dependencies:
- name: db
  version: 1.0.0
- name: api
  version: 1.0.0
  depends-on: [db]
`,
		"values.yaml":                   "greeting: hi\n",
		"crds/gadget.yaml":              gadgetCRD(group, "Namespaced", gadgetVersion("v1", true, sizeField, "")),
		"templates/top.yaml":            annotatedConfigMap("top") + "  value: {{ .Values.greeting }}\n",
		"templates/gadget.yaml":         "apiVersion: " + group + "/v1\nkind: Gadget\nmetadata:\n  name: g\n  annotations:\n    helm.sh/resource-group: gadgets\nspec:\n  size: 1\n",
		"charts/db/Chart.yaml":          "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"charts/db/templates/db.yaml":   slowDeployment("db", "1s") + "---\n" + annotatedConfigMap("db-config"),
		"charts/api/Chart.yaml":         "apiVersion: v2\nname: api\nversion: 1.0.0\n",
		"charts/api/templates/cfg.yaml": annotatedConfigMap("api-config", "helm.sh/resource-group", "config"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOrderedReleaseHelmInterop: a release installed with --wait=ordered and
// --crds=upgrade is listed, upgraded and rolled back by Helm v4.3.1, and one
// Helm installed is upgraded and rolled back ordered by Rudder.
func TestOrderedReleaseHelmInterop(t *testing.T) {
	helmBin := peerHelm(t)
	f := newFixture(t)
	env := testenv.Start(t)
	home := t.TempDir()
	helm := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(helmBin, append(args, "--kubeconfig", env.Kubeconfig(), "-n", f.ns)...)
		cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return string(out)
	}
	group := strings.ReplaceAll(f.ns, "-", "") + ".rudder.test"
	t.Cleanup(func() {
		_ = exec.Command(helmBin, "uninstall", "byrudder", "byhelm", "--kubeconfig", env.Kubeconfig(), "-n", f.ns).Run()
	})
	t.Cleanup(func() {
		_ = f.dyn.Resource(crdGVR).Delete(context.WithoutCancel(f.ctx), "gadgets."+group, metav1.DeleteOptions{})
	})
	dir := interopChart(t, group)
	load := func() *chart.Chart {
		ch, err := chart.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	orderedUpgrade := func(o *action.UpgradeOptions) {
		o.Wait, o.Timeout, o.CRDs = action.WaitOrdered, time.Minute, action.CRDsUpgrade
	}

	f.ok(f.install("byrudder", load(), nil, ordered, func(o *action.InstallOptions) { o.CRDs = action.CRDsUpgrade }))
	var list []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(helm("list", "-o", "json")), &list); err != nil || len(list) != 1 || list[0].Status != "deployed" {
		t.Fatalf("helm list: %+v %v", list, err)
	}
	helm("upgrade", "byrudder", dir, "--set", "greeting=hello", "--wait")
	if v, _ := f.configMapValue("top"); v != "hello" {
		t.Errorf("after helm upgrade top says %q", v)
	}
	helm("rollback", "byrudder", "1", "--wait")
	if v, _ := f.configMapValue("top"); v != "hi" {
		t.Errorf("after helm rollback top says %q", v)
	}
	f.ok(f.upgrade("byrudder", load(), map[string]any{"greeting": "again"}, orderedUpgrade))
	if got := strings.Join(f.statuses("byrudder"), " "); got != "1:superseded 2:superseded 3:superseded 4:deployed" {
		t.Errorf("history %s", got)
	}
	f.uninstall("byrudder", action.UninstallOptions{Wait: action.WaitOrdered, Timeout: time.Minute})

	// The reverse: Helm installs, Rudder upgrades and rolls back ordered.
	helm("install", "byhelm", dir, "--wait")
	f.ok(f.upgrade("byhelm", load(), map[string]any{"greeting": "ordered"}, orderedUpgrade))
	if v, _ := f.configMapValue("top"); v != "ordered" {
		t.Errorf("after rudder upgrade top says %q", v)
	}
	rb := &action.Rollback{Cluster: f.c, RollbackOptions: action.RollbackOptions{Version: 1}}
	rb.Wait, rb.Timeout, rb.CRDs = action.WaitOrdered, time.Minute, action.CRDsUpgrade
	f.ok(rb.Run(f.ctx, "byhelm"))
	if v, _ := f.configMapValue("top"); v != "hi" {
		t.Errorf("after rudder rollback top says %q", v)
	}
	if out := helm("history", "byhelm"); !strings.Contains(out, "Rollback to 1") {
		t.Errorf("helm history:\n%s", out)
	}
}
