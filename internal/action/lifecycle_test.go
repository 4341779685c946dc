package action_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is one test's cluster: a namespace, a client for it and its release store.
type fixture struct {
	t   *testing.T
	ns  string
	cs  kubernetes.Interface
	dyn dynamic.Interface
	kc  *kube.Client
	c   *action.Cluster
	ctx context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.Start(t)
	t.Parallel()
	ns := env.Namespace(t)
	cfg := env.RESTConfig()
	cfg.QPS, cfg.Burst = 0, 0
	kc, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	store := storage.New(storage.NewSecrets(env.Clientset().CoreV1(), ns, storage.DriverOptions{}), storage.Options{})
	c := &action.Cluster{Server: kc, Objects: kc, Waits: kc, Logs: kc, Releases: store}
	return &fixture{t: t, ns: ns, cs: env.Clientset(), dyn: env.Dynamic(), kc: kc, c: c, ctx: ctx}
}

// testChart builds an in-memory chart from name-to-content files; Chart.yaml is added.
func testChart(t *testing.T, version string, files map[string]string) *chart.Chart {
	t.Helper()
	fs := []*chart.File{{Name: "Chart.yaml", Data: []byte("apiVersion: v2\nname: app\nversion: " + version + "\n")}}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fs = append(fs, &chart.File{Name: name, Data: []byte(files[name])})
	}
	ch, err := chart.LoadFiles(fs)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func configMap(name string, extra ...string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n%sdata:\n  value: {{ .Values.value | default \"v\" | quote }}\n", name, strings.Join(extra, ""))
}

func (f *fixture) install(name string, ch *chart.Chart, vals map[string]any, mod ...func(*action.InstallOptions)) (*release.Release, error) {
	o := action.InstallOptions{ReleaseName: name, Namespace: f.ns}
	for _, m := range mod {
		m(&o)
	}
	return (&action.Install{Cluster: f.c, InstallOptions: o}).Run(f.ctx, ch, vals)
}

func (f *fixture) upgrade(name string, ch *chart.Chart, vals map[string]any, mod ...func(*action.UpgradeOptions)) (*release.Release, error) {
	var o action.UpgradeOptions
	for _, m := range mod {
		m(&o)
	}
	return (&action.Upgrade{Cluster: f.c, UpgradeOptions: o}).Run(f.ctx, name, ch, vals)
}

func (f *fixture) configMapValue(name string) (string, bool) {
	f.t.Helper()
	cm, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", false
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return cm.Data["value"], true
}

func (f *fixture) statuses(name string) []string {
	f.t.Helper()
	h, err := f.c.Releases.History(f.ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, r := range h {
		out = append(out, fmt.Sprintf("%d:%s", r.Version, r.Info.Status))
	}
	return out
}

// ok fails the test on err and returns the release.
func (f *fixture) ok(rel *release.Release, err error) *release.Release {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return rel
}

// uninstall uninstalls a release, failing the test on error.
func (f *fixture) uninstall(name string, o action.UninstallOptions) *action.UninstallResult {
	f.t.Helper()
	res, err := (&action.Uninstall{Cluster: f.c, UninstallOptions: o}).Run(f.ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	v1 := testChart(t, "1.0.0", map[string]string{
		"templates/a.yaml": configMap("a"),
		"templates/b.yaml": configMap("b"),
	})
	rel := f.ok(f.install("web", v1, map[string]any{"value": "one"}))
	if rel.Info.Status != release.StatusDeployed || rel.ApplyMethod != "ssa" || rel.Version != 1 {
		t.Fatalf("install: status %s, method %s, revision %d", rel.Info.Status, rel.ApplyMethod, rel.Version)
	}
	if v, ok := f.configMapValue("b"); !ok || v != "one" {
		t.Fatalf("after install b = %q (exists %v)", v, ok)
	}

	// An upgrade that drops b deletes it and changes a.
	v2 := testChart(t, "2.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	f.ok(f.upgrade("web", v2, map[string]any{"value": "two"}))
	if _, ok := f.configMapValue("b"); ok {
		t.Fatal("upgrade kept the ConfigMap removed from the chart")
	}
	if v, _ := f.configMapValue("a"); v != "two" {
		t.Fatalf("after upgrade a = %q", v)
	}

	// Without values, an upgrade keeps the current ones.
	f.ok(f.upgrade("web", v2, nil))
	if v, _ := f.configMapValue("a"); v != "two" {
		t.Fatalf("upgrade without values: a = %q, want the previous value", v)
	}

	// Rolling back to revision 1 brings b back, as a new revision.
	rb := &action.Rollback{Cluster: f.c, RollbackOptions: action.RollbackOptions{Version: 1}}
	rel = f.ok(rb.Run(f.ctx, "web"))
	if rel.Version != 4 || rel.Info.Description != "Rollback to 1" {
		t.Fatalf("rollback: revision %d, description %q", rel.Version, rel.Info.Description)
	}
	if v, ok := f.configMapValue("b"); !ok || v != "one" {
		t.Fatalf("after rollback b = %q (exists %v)", v, ok)
	}
	if got, want := f.statuses("web"), []string{"1:superseded", "2:superseded", "3:superseded", "4:deployed"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}

	// Uninstall with --keep-history leaves the records, marked uninstalled.
	f.uninstall("web", action.UninstallOptions{KeepHistory: true})
	if _, ok := f.configMapValue("a"); ok {
		t.Fatal("uninstall left the release's objects")
	}
	if got := f.statuses("web"); got[len(got)-1] != "4:uninstalled" {
		t.Fatalf("history after uninstall --keep-history: %v", got)
	}

	// The name stays taken, unless the install replaces the uninstalled release.
	if _, err := f.install("web", v1, nil); err == nil || !strings.Contains(err.Error(), "cannot reuse a name that is still in use") {
		t.Fatalf("install over a kept history: %v", err)
	}
	rel = f.ok(f.install("web", v1, nil, func(o *action.InstallOptions) { o.Replace = true }))
	if rel.Version != 5 {
		t.Fatalf("replacing install got revision %d, want 5", rel.Version)
	}
	if _, ok := f.configMapValue("b"); !ok {
		t.Fatal("replacing install did not create the objects")
	}

	// A plain uninstall removes the history too.
	f.uninstall("web", action.UninstallOptions{})
	if _, err := f.c.Releases.Last(f.ctx, "web"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Fatalf("history after uninstall: %v", err)
	}
}

func TestClientSideReleaseUpgradesServerSide(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	rel := f.ok(f.install("csa", ch, map[string]any{"value": "one"}, func(o *action.InstallOptions) { o.ServerSide = action.ServerSideFalse }))
	if rel.ApplyMethod != "csa" {
		t.Fatalf("apply method %q", rel.ApplyMethod)
	}
	// auto keeps client-side; true moves the release to server-side apply.
	rel = f.ok(f.upgrade("csa", ch, map[string]any{"value": "two"}))
	if rel.ApplyMethod != "csa" {
		t.Fatalf("auto upgrade of a csa release used %q", rel.ApplyMethod)
	}
	rel = f.ok(f.upgrade("csa", ch, map[string]any{"value": "three"}, func(o *action.UpgradeOptions) { o.ServerSide = action.ServerSideTrue }))
	if rel.ApplyMethod != "ssa" {
		t.Fatalf("--server-side=true upgrade used %q", rel.ApplyMethod)
	}
	if v, _ := f.configMapValue("a"); v != "three" {
		t.Fatalf("a = %q", v)
	}
}

func TestCRDAndCustomResourceInOneChart(t *testing.T) {
	f := newFixture(t)
	group := strings.ReplaceAll(f.ns, "-", "") + ".rudder.test"
	crd := fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
  labels: {kind: chart, size: s}
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`, group)
	ch := testChart(t, "1.0.0", map[string]string{
		"crds/widget.yaml":      crd,
		"templates/widget.yaml": "apiVersion: " + group + "/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n",
	})
	rel := f.ok(f.install("cr", ch, nil, func(o *action.InstallOptions) {
		o.CRDLabels = map[string]string{"origin": "cr", "kind": "set"}
	}))
	if !strings.Contains(rel.Manifest, "kind: Widget") {
		t.Fatalf("manifest misses the custom resource:\n%s", rel.Manifest)
	}
	// Uninstall deletes the custom resource but never the CRD.
	f.uninstall("cr", action.UninstallOptions{})
	rs, err := f.c.Objects.Build(f.ctx, crd, kube.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live, err := f.dyn.Resource(rs[0].GVR).Get(f.ctx, rs[0].Name(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the CRD is gone after uninstall: %v", err)
	}
	if l := live.GetLabels(); !maps.Equal(l, map[string]string{"origin": "cr", "kind": "set", "size": "s"}) {
		t.Errorf("CRD labels %v, want the CRDLabels over the chart's (kind: set), and size: s kept", l)
	}
	_ = f.dyn.Resource(rs[0].GVR).Delete(context.WithoutCancel(f.ctx), live.GetName(), metav1.DeleteOptions{})
}

func TestAdoptionRefusedThenTaken(t *testing.T) {
	f := newFixture(t)
	theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Data: map[string]string{"value": "theirs"}}
	_, err := f.cs.CoreV1().ConfigMaps(f.ns).Create(f.ctx, theirs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	_, err = f.install("own", ch, map[string]any{"value": "mine"})
	if err == nil || !strings.Contains(err.Error(), `ConfigMap "a" in namespace "`+f.ns+`" exists and cannot be imported into the current release`) {
		t.Fatalf("install over an unowned object: %v", err)
	}
	if _, err := f.c.Releases.Last(f.ctx, "own"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Fatalf("a refused install left a record: %v", err)
	}
	f.ok(f.install("own", ch, map[string]any{"value": "mine"}, func(o *action.InstallOptions) {
		o.TakeOwnership, o.ForceConflicts = true, true
	}))
	cm, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Annotations["meta.helm.sh/release-name"] != "own" || cm.Data["value"] != "mine" {
		t.Fatalf("adopted object: annotations %v, data %v", cm.Annotations, cm.Data)
	}
}

func TestKeepPolicy(t *testing.T) {
	f := newFixture(t)
	keep := "  annotations:\n    helm.sh/resource-policy: keep\n"
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/kept.yaml":  configMap("kept", keep),
		"templates/kept2.yaml": configMap("kept2", keep),
		"templates/gone.yaml":  configMap("gone"),
	})
	f.ok(f.install("keep", ch, nil))
	// Dropping a kept object from the chart leaves it in place.
	ch2 := testChart(t, "1.0.1", map[string]string{
		"templates/kept.yaml": configMap("kept", keep),
		"templates/gone.yaml": configMap("gone"),
	})
	f.ok(f.upgrade("keep", ch2, nil))
	if _, ok := f.configMapValue("kept2"); !ok {
		t.Fatal("upgrade deleted an object with the keep policy")
	}
	res := f.uninstall("keep", action.UninstallOptions{})
	if _, ok := f.configMapValue("kept"); !ok {
		t.Fatal("uninstall deleted an object with the keep policy")
	}
	if _, ok := f.configMapValue("gone"); ok {
		t.Fatal("uninstall left an ordinary object")
	}
	if !strings.Contains(res.Info, "These resources were kept due to the resource policy:\n[ConfigMap] kept\n") {
		t.Fatalf("uninstall info: %q", res.Info)
	}
}

func TestDryRunServerHitsAdmission(t *testing.T) {
	f := newFixture(t)
	bad := testChart(t, "1.0.0", map[string]string{
		"templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 99999\n",
	})
	_, err := f.install("dry", bad, nil, func(o *action.InstallOptions) { o.DryRun = action.DryRunServer })
	if err == nil || !strings.Contains(err.Error(), "99999") {
		t.Fatalf("server dry run of an invalid Service: %v", err)
	}
	good := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	rel := f.ok(f.install("dry", good, nil, func(o *action.InstallOptions) { o.DryRun = action.DryRunServer }))
	if rel.Info.Description != "Dry run complete" {
		t.Fatalf("dry run description %q", rel.Info.Description)
	}
	if _, ok := f.configMapValue("a"); ok {
		t.Fatal("a server dry run created an object")
	}
	if _, err := f.c.Releases.Last(f.ctx, "dry"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Fatalf("a dry run recorded the release: %v", err)
	}
}

func TestLongReleaseNameRefused(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	_, err := f.install(strings.Repeat("a", 54), ch, nil)
	if err == nil || !strings.Contains(err.Error(), "must not be longer than 53") {
		t.Fatalf("54-character name: %v", err)
	}
	f.ok(f.install(strings.Repeat("a", 53), ch, nil))
}

func TestHooks(t *testing.T) {
	f := newFixture(t)
	hook := func(name, event string, weight int, podAnnotations string) string {
		return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
  annotations:
    helm.sh/hook: %s
    helm.sh/hook-weight: "%d"
    helm.sh/hook-delete-policy: hook-succeeded
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {%s}
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
`, name, event, weight, podAnnotations)
	}
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/a.yaml":    configMap("a"),
		"templates/pre.yaml":  hook("pre", "pre-install", 1, ""),
		"templates/post.yaml": hook("post", "post-install", 0, ""),
	})
	rel := f.ok(f.install("hooks", ch, nil))
	for _, h := range rel.Hooks {
		if h.LastRun.Phase != release.HookPhaseSucceeded {
			t.Errorf("hook %s: phase %s", h.Name, h.LastRun.Phase)
		}
	}
	// hook-succeeded deletes the Jobs once they completed.
	jobs, err := f.cs.BatchV1().Jobs(f.ns).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs.Items) != 0 {
		t.Errorf("%d hook Jobs left after success", len(jobs.Items))
	}

	failing := testChart(t, "1.0.0", map[string]string{
		"templates/a.yaml":   configMap("b"),
		"templates/pre.yaml": hook("pre-fail", "pre-install", 0, `rudder.test/fail: "true"`),
	})
	_, err = f.install("hooks-fail", failing, nil)
	if err == nil || !strings.Contains(err.Error(), "failed pre-install") || !strings.Contains(err.Error(), "pre-fail") {
		t.Fatalf("failing pre-install hook: %v", err)
	}
	if got := f.statuses("hooks-fail"); !slices.Equal(got, []string{"1:failed"}) {
		t.Fatalf("history after a failed hook: %v", got)
	}
	if _, ok := f.configMapValue("b"); ok {
		t.Fatal("objects were created although the pre-install hook failed")
	}
}

func TestHistoryMax(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	f.ok(f.install("hist", ch, nil))
	for i := range 4 {
		f.ok(f.upgrade("hist", ch, map[string]any{"value": fmt.Sprint(i)}, func(o *action.UpgradeOptions) { o.HistoryLimit = 2 }))
	}
	if got, want := f.statuses("hist"), []string{"4:superseded", "5:deployed"}; !slices.Equal(got, want) {
		t.Fatalf("history with max 2: %v, want %v", got, want)
	}
}

// An operation told that its caller holds the release's lock does not take it;
// otherwise it finds the lock taken.
func TestLockHeld(t *testing.T) {
	f := newFixture(t)
	locks := &storage.MemoryLocker{}
	f.c.Locks = locks
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	f.ok(f.install("held", ch, nil))
	l, err := locks.Lock(f.ctx, "held", "controller")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Unlock(f.ctx) }()
	var locked *storage.LockedError
	if _, err := f.upgrade("held", ch, map[string]any{"value": "two"}); !errors.As(err, &locked) {
		t.Fatalf("upgrade while the lock is held: %v", err)
	}
	f.ok(f.upgrade("held", ch, map[string]any{"value": "two"}, func(o *action.UpgradeOptions) { o.LockHeld = true }))
	rb := &action.Rollback{Cluster: f.c, RollbackOptions: action.RollbackOptions{LifecycleOptions: action.LifecycleOptions{LockHeld: true}}}
	f.ok(rb.Run(f.ctx, "held"))
	if _, err := (&action.Uninstall{Cluster: f.c}).Run(f.ctx, "held"); !errors.As(err, &locked) {
		t.Fatalf("uninstall while the lock is held: %v", err)
	}
	f.uninstall("held", action.UninstallOptions{LockHeld: true})
	if _, ok := f.configMapValue("a"); ok {
		t.Fatal("the ConfigMap is left after uninstall")
	}
}

// upgrade --install: a release with no revision, or only uninstalled ones, is
// installed instead, and the caller is told; one that exists is upgraded.
func TestUpgradeInstallIfMissing(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/a.yaml": configMap("a")})
	installs := 0
	upgrade := func(value string) *release.Release {
		t.Helper()
		u := &action.Upgrade{Cluster: f.c, Installing: func() { installs++ },
			UpgradeOptions: action.UpgradeOptions{InstallIfMissing: true, Namespace: f.ns}}
		return f.ok(u.Run(f.ctx, "maybe", ch, map[string]any{"value": value}))
	}
	if rel := upgrade("one"); rel.Version != 1 || installs != 1 || rel.Info.Description != "Install complete" {
		t.Fatalf("first: revision %d, %d installs, %q", rel.Version, installs, rel.Info.Description)
	}
	if rel := upgrade("two"); rel.Version != 2 || installs != 1 || rel.Info.Description != "Upgrade complete" {
		t.Fatalf("second: revision %d, %d installs, %q", rel.Version, installs, rel.Info.Description)
	}
	f.uninstall("maybe", action.UninstallOptions{KeepHistory: true})
	if rel := upgrade("three"); rel.Version != 3 || installs != 2 {
		t.Fatalf("after uninstall: revision %d, %d installs", rel.Version, installs)
	}
	if v, _ := f.configMapValue("a"); v != "three" {
		t.Fatalf("a = %q", v)
	}
}
