package kube_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/kube"
)

func deploymentManifest(name string, replicas int, podAnnotations string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata:
      labels: {app: %[1]s}
      annotations: {%[3]s}
    spec:
      containers: [{name: app, image: example.com/app:1}]
`, name, replicas, podAnnotations)
}

func jobManifest(name, podAnnotations string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %[1]s
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {%[2]s}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: example.com/job:1}]
`, name, podAnnotations)
}

// events records what WaitReady reports.
type events struct {
	mu   sync.Mutex
	list []kube.WaitEvent
}

func (e *events) add(ev kube.WaitEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

func (e *events) check(t *testing.T, wantErr bool) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) < 2 {
		t.Fatalf("got %d events, want at least WaitStarted and WaitDone", len(e.list))
	}
	if first := e.list[0]; first.Type != kube.WaitStarted || first.Total == 0 {
		t.Errorf("first event = %+v, want WaitStarted with a total", first)
	}
	last := e.list[len(e.list)-1]
	if last.Type != kube.WaitDone || (last.Err != nil) != wantErr {
		t.Errorf("last event = type %d err %v, want WaitDone (error %v)", last.Type, last.Err, wantErr)
	}
	for _, ev := range e.list[1 : len(e.list)-1] {
		if ev.Type != kube.WaitProgress {
			t.Errorf("event in the middle has type %d", ev.Type)
		}
	}
}

func waitContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestWaitReadyDeployment(t *testing.T) {
	for _, r := range []kube.Readiness{kube.ReadinessKstatus, kube.ReadinessLegacy} {
		t.Run(r.String(), func(t *testing.T) {
			e, c, ns := cluster(t)
			rs := build(t, c, ns, deploymentManifest("web", 3, "")+"---\n"+configMaps("settings"))
			if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			var evs events
			start := time.Now()
			err := c.WaitReady(waitContext(t, time.Minute), rs, kube.WaitOptions{Readiness: r, Events: evs.add})
			if err != nil {
				t.Fatalf("WaitReady: %v", err)
			}
			t.Logf("ready after %v", time.Since(start))
			evs.check(t, false)
			last := evs.list[len(evs.list)-1]
			if last.Total != 2 || last.Ready != 2 || len(last.NotReady) != 0 {
				t.Errorf("last event: total %d ready %d not ready %v", last.Total, last.Ready, last.NotReady)
			}
			d, err := e.Clientset().AppsV1().Deployments(ns).Get(testContext(t), "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r == kube.ReadinessKstatus && d.Status.ReadyReplicas != 3 {
				t.Errorf("WaitReady returned with %d/3 replicas ready", d.Status.ReadyReplicas)
			}
		})
	}
}

// A wait that sees its deadline pass late (a loaded machine: the process ran
// seconds after the deadline) says it timed out after the time it was given,
// not after the time it took to notice.
func TestWaitReadyTimeoutSaysTheTimeGiven(t *testing.T) {
	_, c, ns := cluster(t)
	rs := build(t, c, ns, deploymentManifest("stuck", 1, `rudder.test/unready: "true"`))
	if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := waitContext(t, 2*time.Second)
	deadline, _ := ctx.Deadline()
	late := func() time.Time {
		now := time.Now()
		if now.Before(deadline) {
			return now
		}
		return now.Add(3 * time.Second)
	}
	err := c.WaitReady(ctx, rs, kube.WaitOptions{Now: late})
	var we *kube.WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %T %v: want a *WaitError wrapping context.DeadlineExceeded", err, err)
	}
	if we.Waited > 2*time.Second {
		t.Errorf("Waited = %v, want at most the 2s given", we.Waited)
	}
	if !strings.Contains(err.Error(), "timed out after 2s waiting for Deployment/"+ns+"/stuck") {
		t.Errorf("error does not say it timed out after 2s:\n%v", err)
	}
}

// A Deployment whose pods never become ready: WaitReady times out naming it and
// saying why, and the progress events said so along the way.
func TestWaitReadyUnreadyDeploymentTimesOut(t *testing.T) {
	for _, r := range []kube.Readiness{kube.ReadinessKstatus, kube.ReadinessLegacy} {
		t.Run(r.String(), func(t *testing.T) {
			_, c, ns := cluster(t)
			rs := build(t, c, ns, deploymentManifest("stuck", 2, `rudder.test/unready: "true"`)+"---\n"+deploymentManifest("fine", 1, ""))
			if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			var evs events
			start := time.Now()
			err := c.WaitReady(waitContext(t, 5*time.Second), rs, kube.WaitOptions{Readiness: r, Events: evs.add})
			if err == nil {
				t.Fatal("WaitReady succeeded, want a timeout")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("WaitReady took %v after a 5s timeout", took)
			}
			t.Logf("error:\n%v", err)
			var we *kube.WaitError
			if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %T %v: want a *WaitError wrapping context.DeadlineExceeded", err, err)
			}
			if len(we.NotReady) != 1 || we.NotReady[0].Object.String() != "Deployment/"+ns+"/stuck" {
				t.Fatalf("not ready = %+v, want Deployment/%s/stuck alone", we.NotReady, ns)
			}
			st := we.NotReady[0]
			if st.Status != kube.StatusInProgress || !strings.Contains(st.Message, "0/2") {
				t.Errorf("status %s %q, want InProgress saying how many are ready", st.Status, st.Message)
			}
			if !strings.Contains(st.Detail, "rudder.test/unready is set") {
				t.Errorf("detail %q does not say why the pods are not ready", st.Detail)
			}
			msg := err.Error()
			for _, want := range []string{"timed out after 5s", "Deployment/" + ns + "/stuck", "rudder.test/unready is set"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not say %q:\n%s", want, msg)
				}
			}
			evs.check(t, true)
			sawWhy := false
			for _, ev := range evs.list {
				for _, nr := range ev.NotReady {
					if nr.Object.Name == "stuck" && strings.Contains(nr.Detail, "unready") {
						sawWhy = true
					}
				}
			}
			if !sawWhy {
				t.Error("no progress event said why Deployment stuck was not ready")
			}
		})
	}
}

func TestWaitReadyJobs(t *testing.T) {
	e, c, ns := cluster(t)
	rs := build(t, c, ns, jobManifest("migrate", `rudder.test/run-duration: "2s"`))
	if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var evs events
	err := c.WaitReady(waitContext(t, time.Minute), rs, kube.WaitOptions{WaitForJobs: true, Events: evs.add})
	if err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	evs.check(t, false)
	job, err := e.Clientset().BatchV1().Jobs(ns).Get(testContext(t), "migrate", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.Succeeded != 1 {
		t.Errorf("WaitReady returned before the Job completed: %+v", job.Status)
	}
}

func TestWaitReadyFailingJobFailsFast(t *testing.T) {
	for _, r := range []kube.Readiness{kube.ReadinessKstatus, kube.ReadinessLegacy} {
		t.Run(r.String(), func(t *testing.T) {
			_, c, ns := cluster(t)
			rs := build(t, c, ns, jobManifest("migrate", `rudder.test/fail: "true"`)+"---\n"+deploymentManifest("stuck", 1, `rudder.test/unready: "true"`))
			if _, err := c.Create(testContext(t), rs, kube.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err := c.WaitReady(waitContext(t, time.Minute), rs, kube.WaitOptions{Readiness: r, WaitForJobs: true})
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("a failed Job took %v to fail the wait", took)
			}
			t.Logf("error:\n%v", err)
			var we *kube.WaitError
			if !errors.As(err, &we) || !errors.Is(err, kube.ErrObjectFailed) {
				t.Fatalf("error %T %v: want a *WaitError wrapping ErrObjectFailed", err, err)
			}
			if len(we.NotReady) != 2 || we.NotReady[0].Object.String() != "Job/"+ns+"/migrate" || we.NotReady[0].Status != kube.StatusFailed {
				t.Fatalf("not ready = %+v, want Job/%s/migrate failed first", we.NotReady, ns)
			}
			msg := err.Error()
			want := []string{"Job/" + ns + "/migrate failed: ", "not ready yet either: Deployment/" + ns + "/stuck"}
			if r == kube.ReadinessKstatus {
				want = append(want, "BackoffLimitExceeded", "rudder.test/fail is set")
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
		})
	}
}

func widgetCRD(group string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`, group)
}

// A custom resource is ready when its controller says Ready=True.
func TestWaitReadyCustomResource(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	group := ns + ".example.com"
	crds := build(t, c, ns, widgetCRD(group))
	t.Cleanup(func() { _, _ = c.Delete(context.Background(), crds, kube.DeleteOptions{}) })
	if _, err := c.InstallCRDs(ctx, crds, kube.CRDOptions{}); err != nil {
		t.Fatal(err)
	}
	rs := build(t, c, ns, fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n", group))
	if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	ri := env.Dynamic().Resource(rs[0].GVR).Namespace(ns)
	setReady := func(status string) {
		t.Helper()
		u, err := ri.Get(ctx, "w", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(u.Object, u.GetGeneration(), "status", "observedGeneration")
		_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
			"type": "Ready", "status": status, "reason": "Building", "message": "the widget is being built",
		}}, "status", "conditions")
		if _, err := ri.UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setReady("False")

	// Not ready: a short wait times out saying what the condition says.
	err := c.WaitReady(waitContext(t, 2*time.Second), rs, kube.WaitOptions{})
	var we *kube.WaitError
	if !errors.As(err, &we) || len(we.NotReady) != 1 || we.NotReady[0].Message != "the widget is being built" {
		t.Fatalf("WaitReady on a Widget not ready: %v", err)
	}

	// Becomes ready while waited for.
	seen := make(chan struct{})
	var once sync.Once
	go func() {
		<-seen
		setReady("True")
	}()
	err = c.WaitReady(waitContext(t, 30*time.Second), rs, kube.WaitOptions{Events: func(ev kube.WaitEvent) {
		if ev.Type == kube.WaitProgress && len(ev.NotReady) == 1 {
			once.Do(func() { close(seen) })
		}
	}})
	if err != nil {
		t.Fatalf("WaitReady: %v", err)
	}

	// Helm 3's rules do not look at custom resources.
	setReady("False")
	if err := c.WaitReady(waitContext(t, 10*time.Second), rs, kube.WaitOptions{Readiness: kube.ReadinessLegacy}); err != nil {
		t.Errorf("legacy WaitReady on a custom resource: %v", err)
	}
}

// Objects that have no status are not watched, and an empty list is ready.
func TestWaitReadyNothingToWatch(t *testing.T) {
	_, c, ns := cluster(t)
	rs := build(t, c, ns, configMaps("a", "b"))
	called := false
	if err := c.WaitReady(waitContext(t, time.Second), rs, kube.WaitOptions{Events: func(kube.WaitEvent) { called = true }}); err != nil {
		t.Fatal(err)
	}
	if called {
		t.Error("events sent when nothing was watched")
	}
}

// A missing object is reported as NotFound when the wait times out.
func TestWaitReadyMissingObject(t *testing.T) {
	_, c, ns := cluster(t)
	rs := build(t, c, ns, deploymentManifest("ghost", 1, ""))
	err := c.WaitReady(waitContext(t, 2*time.Second), rs, kube.WaitOptions{})
	var we *kube.WaitError
	if !errors.As(err, &we) || len(we.NotReady) != 1 || we.NotReady[0].Status != kube.StatusNotFound {
		t.Fatalf("WaitReady on a missing Deployment: %v", err)
	}
}
