package action_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
)

// deployment is a Deployment whose pod stays unready when .Values.unready is
// "true" (the fake nodes honour rudder.test/unready).
const deployment = `apiVersion: apps/v1
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
      annotations:
        rudder.test/unready: {{ .Values.unready | default "false" | quote }}
    spec:
      containers:
      - name: web
        image: nginx
`

// job is a Job that runs for two seconds.
const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        rudder.test/run-duration: 2s
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox
`

// shortWait is long enough for a ready object, and short for a test to wait on
// one that never will be.
const shortWait = 4 * time.Second

func waitFor(s action.WaitStrategy, timeout time.Duration) func(*action.InstallOptions) {
	return func(o *action.InstallOptions) { o.Wait, o.Timeout = s, timeout }
}

// recordWaits makes the fixture's cluster keep the wait events it reports.
func (f *fixture) recordWaits() func() []kube.WaitEvent {
	var (
		mu     sync.Mutex
		events []kube.WaitEvent
	)
	f.c.WaitEvents = func(ev kube.WaitEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
	}
	return func() []kube.WaitEvent {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(events)
	}
}

func (f *fixture) deploymentAnnotation() string {
	f.t.Helper()
	d, err := f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, "web", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return d.Spec.Template.Annotations["rudder.test/unready"]
}

func TestWaitReady(t *testing.T) {
	f := newFixture(t)
	events := f.recordWaits()
	ch := testChart(t, "1.0.0", map[string]string{"templates/web.yaml": deployment, "templates/cm.yaml": configMap("cm")})
	f.ok(f.install("ready", ch, nil, waitFor(action.WaitWatcher, time.Minute)))
	d, err := f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status.ReadyReplicas != 1 {
		t.Fatalf("install --wait returned with %d ready replicas", d.Status.ReadyReplicas)
	}
	evs := events()
	if len(evs) < 2 || evs[0].Type != kube.WaitStarted || evs[0].Total != 2 || evs[len(evs)-1].Type != kube.WaitDone || evs[len(evs)-1].Err != nil {
		t.Fatalf("wait events: %+v", evs)
	}

	// Helm 3's rules (--wait=legacy) are accepted and wait too.
	f.ok(f.upgrade("ready", ch, map[string]any{"value": "2"}, func(o *action.UpgradeOptions) {
		o.Wait, o.Timeout = action.WaitLegacy, time.Minute
	}))
	// --wait=hookOnly does not wait for the objects: an unready Deployment is fine.
	f.ok(f.upgrade("ready", ch, map[string]any{"unready": "true"}, func(o *action.UpgradeOptions) {
		o.Wait, o.Timeout = action.WaitHookOnly, time.Second
	}))
	if got, want := f.statuses("ready"), []string{"1:superseded", "2:superseded", "3:deployed"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
}

func TestWaitTimeout(t *testing.T) {
	f := newFixture(t)
	events := f.recordWaits()
	ch := testChart(t, "1.0.0", map[string]string{"templates/web.yaml": deployment})
	_, err := f.install("late", ch, map[string]any{"unready": "true"}, waitFor(action.WaitWatcher, shortWait))
	var we *kube.WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("install --wait of an unready Deployment: %v", err)
	}
	// The error names the object and says why it is not ready: its pod.
	msg := err.Error()
	for _, want := range []string{"timed out after", "Deployment/" + f.ns + "/web", "InProgress", "pod web-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if got := f.statuses("late"); !slices.Equal(got, []string{"1:failed"}) {
		t.Errorf("history %v", got)
	}
	// The progress named the object while waiting, and the end says it failed.
	evs := events()
	if last := evs[len(evs)-1]; last.Type != kube.WaitDone || last.Err == nil {
		t.Fatalf("last wait event: %+v", last)
	}
	named := false
	for _, ev := range evs {
		for _, st := range ev.NotReady {
			named = named || st.Object.Name == "web"
		}
	}
	if !named {
		t.Errorf("no wait event named the unready Deployment: %+v", evs)
	}
}

func TestWaitForJobs(t *testing.T) {
	f := newFixture(t)
	ch := testChart(t, "1.0.0", map[string]string{"templates/job.yaml": job})
	f.ok(f.install("jobs", ch, nil, waitFor(action.WaitWatcher, time.Minute), func(o *action.InstallOptions) { o.WaitForJobs = true }))
	j, err := f.cs.BatchV1().Jobs(f.ns).Get(f.ctx, "migrate", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status.Succeeded != 1 {
		t.Fatalf("install --wait-for-jobs returned before the Job completed: %+v", j.Status)
	}
}

func TestRollbackOnFailureUpgrade(t *testing.T) {
	f := newFixture(t)
	f.c.Locks = &storage.MemoryLocker{} // the undoing runs under the lock the operation holds
	ch := testChart(t, "1.0.0", map[string]string{"templates/web.yaml": deployment})
	f.ok(f.install("atomic", ch, nil))
	_, err := f.upgrade("atomic", ch, map[string]any{"unready": "true"}, func(o *action.UpgradeOptions) {
		o.RollbackOnFailure, o.Timeout = true, shortWait // --wait defaults to watcher
	})
	if err == nil || !strings.Contains(err.Error(), "has been rolled back due to rollback-on-failure") || !strings.Contains(err.Error(), "Deployment/"+f.ns+"/web") {
		t.Fatalf("upgrade --rollback-on-failure: %v", err)
	}
	if got, want := f.statuses("atomic"), []string{"1:superseded", "2:failed", "3:deployed"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if got := f.deploymentAnnotation(); got != "false" {
		t.Fatalf("after the rollback the Deployment's pods are unready=%q", got)
	}
	last, err := f.c.Releases.Last(f.ctx, "atomic")
	if err != nil {
		t.Fatal(err)
	}
	if last.Info.Description != "Rollback to 1" {
		t.Fatalf("rolled back revision: %q", last.Info.Description)
	}
}

func TestRollbackOnFailureInstall(t *testing.T) {
	f := newFixture(t)
	f.c.Locks = &storage.MemoryLocker{} // the undoing runs under the lock the operation holds
	ch := testChart(t, "1.0.0", map[string]string{"templates/web.yaml": deployment, "templates/cm.yaml": configMap("cm")})
	_, err := f.install("atomic", ch, map[string]any{"unready": "true"}, func(o *action.InstallOptions) {
		o.RollbackOnFailure, o.Timeout = true, shortWait
	})
	if err == nil || !strings.Contains(err.Error(), "has been uninstalled due to rollback-on-failure") {
		t.Fatalf("install --rollback-on-failure: %v", err)
	}
	if _, err := f.c.Releases.Last(f.ctx, "atomic"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Fatalf("the release is still recorded: %v", err)
	}
	if _, ok := f.configMapValue("cm"); ok {
		t.Fatal("the ConfigMap of the failed install is left")
	}
	d, err := f.cs.AppsV1().Deployments(f.ns).Get(f.ctx, "web", metav1.GetOptions{})
	if err == nil && d.DeletionTimestamp == nil || err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("the Deployment of the failed install is left: %v", err)
	}
	// The name is free again.
	f.ok(f.install("atomic", ch, nil))
}

func TestCleanupOnFail(t *testing.T) {
	f := newFixture(t)
	v1 := testChart(t, "1.0.0", map[string]string{"templates/main.yaml": configMap("main")})
	v2 := testChart(t, "2.0.0", map[string]string{
		"templates/main.yaml":  configMap("main"),
		"templates/extra.yaml": configMap("extra"),
		"templates/post.yaml":  hookPod("smoke", "post-upgrade", "", true),
	})
	for _, clean := range []bool{false, true} {
		name := "keep"
		if clean {
			name = "clean"
		}
		t.Run(name, func(t *testing.T) {
			f.ok(f.install(name, v1, nil))
			_, err := f.upgrade(name, v2, map[string]any{"value": "two"}, func(o *action.UpgradeOptions) { o.CleanupOnFail = clean })
			if err == nil || !strings.Contains(err.Error(), "post-upgrade hooks failed") {
				t.Fatalf("upgrade with a failing post-upgrade hook: %v", err)
			}
			if _, ok := f.configMapValue("extra"); ok == clean {
				t.Fatalf("cleanup-on-fail %v: the new ConfigMap exists: %v", clean, ok)
			}
			if _, ok := f.configMapValue("main"); !ok {
				t.Fatal("the object both revisions have was deleted")
			}
			f.uninstall(name, action.UninstallOptions{})
		})
	}
}
