package action_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/localcluster"
	"github.com/rudderpm/rudder/internal/release"
)

// hookConfigMap is a ConfigMap hook: it is done as soon as it exists, so the order
// in which such hooks and the release's ConfigMaps are created and deleted shows
// when each hook ran.
func hookConfigMap(name, events string, weight int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  annotations:
    helm.sh/hook: %s
    helm.sh/hook-weight: "%d"
data:
  value: {{ .Values.value | default "v" | quote }}
`, name, events, weight)
}

// hookPod is a Pod hook that succeeds after about a second, or fails when fail.
func hookPod(name, events, deletePolicy string, fail bool, extraAnnotations ...string) string {
	annotations := fmt.Sprintf("    helm.sh/hook: %s\n", events)
	if deletePolicy != "" {
		annotations += fmt.Sprintf("    helm.sh/hook-delete-policy: %s\n", deletePolicy)
	}
	if fail {
		annotations += "    rudder.test/fail: \"true\"\n"
	}
	for _, a := range extraAnnotations {
		annotations += "    " + a + "\n"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  annotations:
%sspec:
  restartPolicy: Never
  initContainers:
  - name: setup
    image: busybox
  containers:
  - name: test
    image: busybox
`, name, annotations)
}

// configMapLog records, from a watch, the ConfigMaps of a namespace being added
// and deleted, in the order the API server did it.
type configMapLog struct {
	f      *fixture
	w      watch.Interface
	events chan string
	marks  int
}

func (f *fixture) watchConfigMaps() *configMapLog {
	f.t.Helper()
	list, err := f.cs.CoreV1().ConfigMaps(f.ns).List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	w, err := f.cs.CoreV1().ConfigMaps(f.ns).Watch(f.ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		f.t.Fatal(err)
	}
	l := &configMapLog{f: f, w: w, events: make(chan string, 1000)}
	f.t.Cleanup(w.Stop)
	go func() {
		defer close(l.events)
		for ev := range w.ResultChan() {
			cm, ok := ev.Object.(*corev1.ConfigMap)
			if !ok || cm.Name == "kube-root-ca.crt" {
				continue
			}
			switch ev.Type {
			case watch.Added:
				l.events <- "+" + cm.Name
			case watch.Deleted:
				l.events <- "-" + cm.Name
			case watch.Modified:
				if cm.DeletionTimestamp == nil {
					l.events <- "~" + cm.Name
				}
			}
		}
	}()
	return l
}

// take returns what happened since the last take: it creates a marker ConfigMap
// and reads the watch up to it, so that nothing before it is missed.
func (l *configMapLog) take() []string {
	l.f.t.Helper()
	l.marks++
	mark := fmt.Sprintf("mark-%d", l.marks)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: mark}}
	if _, err := l.f.cs.CoreV1().ConfigMaps(l.f.ns).Create(l.f.ctx, cm, metav1.CreateOptions{}); err != nil {
		l.f.t.Fatal(err)
	}
	var got []string
	for {
		select {
		case ev, ok := <-l.events:
			if !ok {
				l.f.t.Fatalf("the ConfigMap watch ended; so far: %v", got)
			}
			if ev == "+"+mark {
				return got
			}
			if !strings.Contains(ev, "mark-") {
				got = append(got, ev)
			}
		case <-l.f.ctx.Done():
			l.f.t.Fatalf("waiting for the watch: %v; so far: %v", l.f.ctx.Err(), got)
		}
	}
}

// TestHookEvents checks that each kind of hook runs at its moment: before or
// after the release's objects are created, updated or deleted.
func TestHookEvents(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{
		"templates/main.yaml": configMap("main"),
		"templates/test.yaml": hookPod("test-pod", "test", "", false),
	}
	for _, e := range []string{"pre-install", "post-install", "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "pre-delete", "post-delete"} {
		files["templates/"+e+".yaml"] = hookConfigMap(e, e, 0)
	}
	ch := testChart(t, "1.0.0", files)
	log := f.watchConfigMaps()

	f.ok(f.install("ev", ch, map[string]any{"value": "one"}))
	if got, want := log.take(), []string{"+pre-install", "+main", "+post-install"}; !slices.Equal(got, want) {
		t.Errorf("install: %v, want %v", got, want)
	}
	f.ok(f.upgrade("ev", ch, map[string]any{"value": "two"}))
	if got, want := log.take(), []string{"+pre-upgrade", "~main", "+post-upgrade"}; !slices.Equal(got, want) {
		t.Errorf("upgrade: %v, want %v", got, want)
	}
	rb := &action.Rollback{Cluster: f.c, RollbackOptions: action.RollbackOptions{Version: 1}}
	f.ok(rb.Run(f.ctx, "ev"))
	if got, want := log.take(), []string{"+pre-rollback", "~main", "+post-rollback"}; !slices.Equal(got, want) {
		t.Errorf("rollback: %v, want %v", got, want)
	}

	// The test hook runs only when asked, and its run is recorded.
	test := &action.Test{Cluster: f.c}
	res := f.ok2(test.Run(f.ctx, "ev"))
	if len(res.Tests) != 1 || res.Tests[0].Phase != release.HookPhaseSucceeded {
		t.Errorf("test: %+v", res.Tests)
	}
	if got := log.take(); len(got) != 0 {
		t.Errorf("test touched ConfigMaps: %v", got)
	}

	// A second upgrade finds its hooks from the first: before-hook-creation, the
	// default policy, deletes them before they are made again.
	f.ok(f.upgrade("ev", ch, map[string]any{"value": "three"}))
	if got, want := log.take(), []string{"-pre-upgrade", "+pre-upgrade", "~main", "-post-upgrade", "+post-upgrade"}; !slices.Equal(got, want) {
		t.Errorf("second upgrade: %v, want %v", got, want)
	}

	f.uninstall("ev", action.UninstallOptions{})
	if got, want := log.take(), []string{"+pre-delete", "-main", "+post-delete"}; !slices.Equal(got, want) {
		t.Errorf("uninstall: %v, want %v", got, want)
	}
}

// ok2 fails the test on err and returns the test result.
func (f *fixture) ok2(res *action.TestResult, err error) *action.TestResult {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// TestHookWeights checks that hooks run by weight, then by name.
func TestHookWeights(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml": configMap("main"),
		"templates/a.yaml":    hookConfigMap("a", "pre-install", 5),
		"templates/z.yaml":    hookConfigMap("z", "pre-install", -3),
		"templates/m.yaml":    hookConfigMap("m", "pre-install", 0),
		"templates/b.yaml":    hookConfigMap("b", "pre-install", 0),
		"templates/p1.yaml":   hookPod("p1", "post-install", "", false, `helm.sh/hook-weight: "2"`),
		"templates/p0.yaml":   hookPod("p0", "post-install", "", false, `helm.sh/hook-weight: "-1"`),
	})
	log := f.watchConfigMaps()
	rel := f.ok(f.install("weights", ch, nil))
	if got, want := log.take(), []string{"+z", "+b", "+m", "+a", "+main"}; !slices.Equal(got, want) {
		t.Errorf("creation order %v, want %v", got, want)
	}
	// Pods are awaited one after another: p0 has completed before p1 starts.
	runs := map[string]release.HookExecution{}
	for _, h := range rel.Hooks {
		runs[h.Name] = h.LastRun
	}
	if !runs["p0"].CompletedAt.Before(runs["p1"].StartedAt) && !runs["p0"].CompletedAt.Equal(runs["p1"].StartedAt) {
		t.Errorf("p0 ran %v to %v, p1 from %v", runs["p0"].StartedAt, runs["p0"].CompletedAt, runs["p1"].StartedAt)
	}
	for name, run := range runs {
		if run.Phase != release.HookPhaseSucceeded {
			t.Errorf("hook %s: phase %s", name, run.Phase)
		}
	}
}

// podUID returns a pod's UID, "" when it does not exist.
func (f *fixture) podUID(name string) types.UID {
	f.t.Helper()
	p, err := f.cs.CoreV1().Pods(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return p.UID
}

// configMapUID returns a ConfigMap's UID, "" when it does not exist.
func (f *fixture) configMapUID(name string) types.UID {
	f.t.Helper()
	cm, err := f.cs.CoreV1().ConfigMaps(f.ns).Get(f.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return cm.UID
}

// TestHookDeletePolicies checks which hook objects each delete policy leaves.
func TestHookDeletePolicies(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml": configMap("main"),
		// A ConfigMap, not a Pod: the fake nodes' pod deletion (kwok) deletes by name,
		// and a late delete of the old pod could remove the new one.
		"templates/bhc.yaml":  configMap("bhc", "  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation\n"),
		"templates/dflt.yaml": hookPod("dflt", "pre-install", "", false),
		"templates/succ.yaml": hookPod("succ", "pre-install", "hook-succeeded", false),
		"templates/hf.yaml":   hookPod("hf", "post-install", "hook-failed", false),
	})
	f.ok(f.install("del", ch, nil))
	bhc := f.configMapUID("bhc")
	if bhc == "" {
		t.Errorf("after install, hook bhc does not exist")
	}
	for name, want := range map[string]bool{"dflt": true, "succ": false, "hf": true} {
		if got := f.podUID(name) != ""; got != want {
			t.Errorf("after install, hook %s exists: %v, want %v", name, got, want)
		}
	}
	// before-hook-creation: the old pod is replaced by a new one.
	f.ok(f.upgrade("del", ch, nil))
	if uid := f.configMapUID("bhc"); uid == "" || uid == bhc {
		t.Errorf("before-hook-creation: hook bhc was not made again (uid %q, was %q)", uid, bhc)
	}

	// A failed hook with hook-failed is deleted, and so are the hooks that
	// succeeded before it with hook-succeeded.
	failing := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml":  configMap("main"),
		"templates/first.yaml": hookPod("first", "pre-upgrade", "hook-succeeded", false, `helm.sh/hook-weight: "-1"`),
		"templates/bad.yaml":   hookPod("bad", "pre-upgrade", "hook-failed", true),
	})
	if _, err := f.upgrade("del", failing, nil); err == nil {
		t.Fatal("an upgrade with a failing hook succeeded")
	}
	for _, name := range []string{"first", "bad"} {
		if f.podUID(name) != "" {
			t.Errorf("hook %s is left after a failed run", name)
		}
	}
	// A failed hook whose policy is hook-succeeded stays, for its logs.
	kept := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml": configMap("main"),
		"templates/bad.yaml":  hookPod("bad2", "pre-upgrade", "hook-succeeded", true),
	})
	if _, err := f.upgrade("del", kept, nil); err == nil {
		t.Fatal("an upgrade with a failing hook succeeded")
	}
	if f.podUID("bad2") == "" {
		t.Error("a failed hook-succeeded hook was deleted")
	}
}

// TestFailingPreUpgradeHook checks that a pre-upgrade hook that fails fails the
// upgrade, naming the hook and why, and leaves the previous revision deployed
// and its objects as they were.
func TestFailingPreUpgradeHook(t *testing.T) {
	f := newFixture(t)
	v1 := testChart(t, "1.0.0", map[string]string{"templates/main.yaml": configMap("main")})
	f.ok(f.install("pre", v1, map[string]any{"value": "one"}))
	v2 := testChart(t, "2.0.0", map[string]string{
		"templates/main.yaml":  configMap("main"),
		"templates/check.yaml": hookPod("db-check", "pre-upgrade", "", true),
	})
	_, err := f.upgrade("pre", v2, map[string]any{"value": "two"})
	for _, want := range []string{"pre-upgrade hooks failed", "app/templates/check.yaml", "Pod/" + f.ns + "/db-check failed", "container test exited 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("failing pre-upgrade hook: error %v, want it to say %q", err, want)
		}
	}
	if got, want := f.statuses("pre"), []string{"1:deployed", "2:failed"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if v, _ := f.configMapValue("main"); v != "one" {
		t.Fatalf("main = %q after the failed upgrade, want the previous value", v)
	}
	failed, err := f.c.Releases.Get(f.ctx, "pre", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failed.Info.Description, "db-check") || failed.Hooks[0].LastRun.Phase != release.HookPhaseFailed {
		t.Fatalf("failed revision: description %q, hook phase %s", failed.Info.Description, failed.Hooks[0].LastRun.Phase)
	}
}

// TestHookOutputLogPolicy checks that the logs of a hook are asked for when its
// helm.sh/hook-output-log-policy says so, and only then, and written where
// HookOutput says (the fake nodes serve localcluster.ContainerLogLines).
func TestHookOutputLogPolicy(t *testing.T) {
	f := newFixture(t)
	var (
		mu    sync.Mutex
		asked []string
		warns []string
		out   bytes.Buffer
	)
	f.c.HookOutput = func(c kube.Container) io.Writer {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, c.Pod+"/"+c.Name)
		return &out
	}
	policy := "helm.sh/hook-output-log-policy: "
	ch := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml": configMap("main"),
		"templates/a.yaml":    hookPod("on-success", "pre-install", "", false, policy+"hook-succeeded"),
		"templates/b.yaml":    hookPod("on-failure", "pre-install", "", false, policy+"hook-failed"),
		"templates/c.yaml":    hookPod("none", "pre-install", "", false),
	})
	inst := &action.Install{Cluster: f.c, InstallOptions: action.InstallOptions{ReleaseName: "logs", Namespace: f.ns},
		Warn: func(s string) { warns = append(warns, s) }}
	f.ok(inst.Run(f.ctx, ch, nil))
	if want := []string{"on-success/test"}; !slices.Equal(asked, want) {
		t.Errorf("logs asked for %v, want %v", asked, want)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %q, want none", warns)
	}
	if want := strings.Join(localcluster.ContainerLogLines, "\n"); !strings.Contains(out.String(), want) {
		t.Errorf("hook output %q, want the container's log %q", out.String(), want)
	}

	asked, warns = nil, nil
	failing := testChart(t, "1.0.0", map[string]string{
		"templates/main.yaml": configMap("main"),
		"templates/b.yaml":    hookPod("fails", "pre-upgrade", "", true, policy+"hook-failed,hook-succeeded"),
	})
	up := &action.Upgrade{Cluster: f.c, Warn: func(s string) { warns = append(warns, s) }}
	if _, err := up.Run(f.ctx, "logs", failing, nil); err == nil {
		t.Fatal("the failing hook did not fail the upgrade")
	}
	if want := []string{"fails/test"}; !slices.Equal(asked, want) {
		t.Errorf("logs asked for %v, want %v", asked, want)
	}
}
