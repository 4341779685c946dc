package action_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/testenv"
)

// helm3Version is the Helm 3 the take-over test installs with: the newest v3 the
// module proxy serves that the project approves.
const helm3Version = "v3.21.4"

// helm3 is the Helm 3 binary: $RUDDER_INTEROP_HELM3, else the one hack/peer
// builds (and caches).
func helm3(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RUDDER_INTEROP_HELM3"); p != "" {
		return p
	}
	out, err := exec.CommandContext(t.Context(), "../../hack/peer", "helm", helm3Version).Output()
	if err != nil {
		t.Fatalf("hack/peer helm %s: %v", helm3Version, err)
	}
	return strings.TrimSpace(string(out))
}

// A release Helm 3 installed (client-side, field manager "helm") and someone
// changed with kubectl's client-side apply moves to server-side apply without a
// conflict: the fields of both client-side writers become Rudder's applied ones.
// A field a second manager owns keeps that manager's value, then and on the next
// upgrade.
func TestTakeOverFromHelm3(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t)
	helm := helm3(t)
	dir := t.TempDir()
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml": "value: a\ntag: \"1\"\n",
		"templates/objects.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  value: {{ .Values.value | quote }}
  static: s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.invalid/web:{{ .Values.tag }}
`,
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
	cmd := exec.CommandContext(f.ctx, helm, "install", "app", dir, "-n", f.ns, "--kubeconfig", env.Kubeconfig())
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helm 3 install: %v\n%s", err, out)
	}

	cms := f.cs.CoreV1().ConfigMaps(f.ns)
	patch := func(manager, body string) {
		t.Helper()
		if _, err := cms.Patch(f.ctx, "app", types.MergePatchType, []byte(body), metav1.PatchOptions{FieldManager: manager}); err != nil {
			t.Fatal(err)
		}
	}
	patch("kubectl-client-side-apply", `{"data":{"value":"by-kubectl"}}`)
	patch("team-tool", `{"metadata":{"labels":{"team":"x"}},"data":{"extra":"theirs"}}`)

	ch, err := chart.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ssa := func(o *action.UpgradeOptions) { o.ServerSide = action.ServerSideTrue }
	for _, value := range []string{"b", "c"} {
		rel, err := f.upgrade("app", ch, map[string]any{"value": value, "tag": value}, ssa)
		if err != nil {
			t.Fatalf("upgrade to %s: %v", value, err)
		}
		if rel.ApplyMethod != "ssa" {
			t.Errorf("revision %d apply method %q, want ssa", rel.Version, rel.ApplyMethod)
		}
		cm, err := cms.Get(f.ctx, "app", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Data["value"] != value || cm.Data["static"] != "s" || cm.Data["extra"] != "theirs" || cm.Labels["team"] != "x" {
			t.Errorf("after upgrade to %s: data %v labels %v; want value %s, static s, extra and team kept", value, cm.Data, cm.Labels, value)
		}
		for _, m := range cm.ManagedFields {
			if m.Operation == metav1.ManagedFieldsOperationUpdate && (m.Manager == "helm" || m.Manager == "kubectl-client-side-apply") {
				t.Errorf("after upgrade to %s: client-side entry of %s left", value, m.Manager)
			}
		}
		dep, err := f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if img := dep.Spec.Template.Spec.Containers[0].Image; img != "registry.invalid/web:"+value {
			t.Errorf("after upgrade to %s: image %s", value, img)
		}
	}
}
