package testenv_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/rudderpm/rudder/internal/localcluster"
	"github.com/rudderpm/rudder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// deadline is how long each behaviour may take: the issue asks for all of
// them within a minute of the cluster's start.
const deadline = time.Minute

func TestCluster(t *testing.T) {
	env := testenv.Start(t)
	if v, err := env.Clientset().Discovery().ServerVersion(); err != nil {
		t.Fatalf("server version: %v", err)
	} else if env.Local() && v.GitVersion != "v1.37.2" {
		t.Errorf("server version = %q, want v1.37.2", v.GitVersion)
	}

	t.Run("DeploymentBecomesAvailable", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		cs := env.Clientset()
		labels := map[string]string{"app": "web"}
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr(int32(3)),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
				},
			},
		}
		ctx := testContext(t)
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create Deployment/%s/web: %v", ns, err)
		}
		poll(t, ctx, "Deployment/"+ns+"/web to be Available with 3 ready replicas", func(ctx context.Context) (bool, error) {
			d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return d.Status.ReadyReplicas == 3 && d.Status.AvailableReplicas == 3 &&
				hasCondition(d.Status.Conditions, appsv1.DeploymentAvailable), nil
		})
	})

	t.Run("JobCompletes", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		cs := env.Clientset()
		ctx := testContext(t)
		job := newJob("migrate", corev1.RestartPolicyNever, nil)
		if _, err := cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create Job/%s/migrate: %v", ns, err)
		}
		poll(t, ctx, "Job/"+ns+"/migrate to be Complete", func(ctx context.Context) (bool, error) {
			j, err := cs.BatchV1().Jobs(ns).Get(ctx, "migrate", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if jobCondition(j, batchv1.JobFailed) {
				return false, fmt.Errorf("Job/%s/migrate failed", ns)
			}
			return jobCondition(j, batchv1.JobComplete) && j.Status.Succeeded == 1, nil
		})
	})

	t.Run("JobFailsWhenAnnotated", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		requireLocal(t, env)
		cs := env.Clientset()
		ctx := testContext(t)
		job := newJob("doomed", corev1.RestartPolicyNever, map[string]string{testenv.AnnotationFail: "true"})
		job.Spec.BackoffLimit = ptr(int32(0))
		if _, err := cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create Job/%s/doomed: %v", ns, err)
		}
		poll(t, ctx, "Job/"+ns+"/doomed to be Failed", func(ctx context.Context) (bool, error) {
			j, err := cs.BatchV1().Jobs(ns).Get(ctx, "doomed", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if jobCondition(j, batchv1.JobComplete) {
				return false, fmt.Errorf("Job/%s/doomed completed, want it failed", ns)
			}
			return jobCondition(j, batchv1.JobFailed), nil
		})
	})

	t.Run("PodNeverSucceeds", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		ctx := testContext(t)
		createPod(t, ctx, env.Clientset(), ns, "hook", corev1.RestartPolicyNever, nil)
		waitPodPhase(t, ctx, env.Clientset(), ns, "hook", corev1.PodSucceeded)
	})

	t.Run("PodOnFailureSucceeds", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		ctx := testContext(t)
		createPod(t, ctx, env.Clientset(), ns, "test", corev1.RestartPolicyOnFailure, nil)
		waitPodPhase(t, ctx, env.Clientset(), ns, "test", corev1.PodSucceeded)
	})

	t.Run("PodFailsWhenAnnotated", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		requireLocal(t, env)
		ctx := testContext(t)
		createPod(t, ctx, env.Clientset(), ns, "hook", corev1.RestartPolicyNever, map[string]string{testenv.AnnotationFail: "true"})
		pod := waitPodPhase(t, ctx, env.Clientset(), ns, "hook", corev1.PodFailed)
		if st := pod.Status.ContainerStatuses; len(st) != 1 || st[0].State.Terminated == nil || st[0].State.Terminated.ExitCode == 0 {
			t.Errorf("Pod/%s/hook container statuses = %+v, want one terminated with a non-zero exit code", ns, st)
		}
	})

	t.Run("PodRunsForAnnotatedDuration", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		requireLocal(t, env)
		ctx := testContext(t)
		cs := env.Clientset()
		createPod(t, ctx, cs, ns, "slow", corev1.RestartPolicyNever, map[string]string{testenv.AnnotationRunDuration: "4s"})
		waitPodPhase(t, ctx, cs, ns, "slow", corev1.PodRunning)
		began := time.Now()
		waitPodPhase(t, ctx, cs, ns, "slow", corev1.PodSucceeded)
		if d := time.Since(began); d < 2*time.Second {
			t.Errorf("Pod/%s/slow ran %s after Running, want about 4s", ns, d)
		}
	})

	t.Run("PodStaysUnreadyWhenAnnotated", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		requireLocal(t, env)
		ctx := testContext(t)
		cs := env.Clientset()
		createPod(t, ctx, cs, ns, "stuck", corev1.RestartPolicyNever, map[string]string{testenv.AnnotationUnready: "true"})
		createPod(t, ctx, cs, ns, "server", corev1.RestartPolicyAlways, map[string]string{testenv.AnnotationUnready: "true"})
		waitPodPhase(t, ctx, cs, ns, "stuck", corev1.PodRunning)
		waitPodPhase(t, ctx, cs, ns, "server", corev1.PodRunning)
		// Give the stages time to (wrongly) complete or ready them.
		time.Sleep(3 * time.Second)
		for _, name := range []string{"stuck", "server"} {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get Pod/%s/%s: %v", ns, name, err)
			}
			if p.Status.Phase != corev1.PodRunning || podReady(p) {
				t.Errorf("Pod/%s/%s: phase %s, ready %t; want Running and not ready", ns, name, p.Status.Phase, podReady(p))
			}
		}
	})

	t.Run("PodDeleted", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		ctx := testContext(t)
		cs := env.Clientset()
		createPod(t, ctx, cs, ns, "server", corev1.RestartPolicyAlways, nil)
		waitPodPhase(t, ctx, cs, ns, "server", corev1.PodRunning)
		if err := cs.CoreV1().Pods(ns).Delete(ctx, "server", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete Pod/%s/server: %v", ns, err)
		}
		poll(t, ctx, "Pod/"+ns+"/server to be gone", func(ctx context.Context) (bool, error) {
			_, err := cs.CoreV1().Pods(ns).Get(ctx, "server", metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
	})

	// The fake kubelet removes a deleted pod's finalizers, running or finished.
	t.Run("PodWithFinalizerDeleted", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		requireLocal(t, env)
		ctx := testContext(t)
		cs := env.Clientset()
		for _, p := range []struct {
			name    string
			restart corev1.RestartPolicy
			phase   corev1.PodPhase
		}{{"running", corev1.RestartPolicyAlways, corev1.PodRunning}, {"finished", corev1.RestartPolicyNever, corev1.PodSucceeded}} {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: p.name, Finalizers: []string{"example.com/hold"}},
				Spec: corev1.PodSpec{
					RestartPolicy: p.restart,
					Containers:    []corev1.Container{{Name: "main", Image: "busybox"}},
				},
			}
			if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Fatalf("create Pod/%s/%s: %v", ns, p.name, err)
			}
			waitPodPhase(t, ctx, cs, ns, p.name, p.phase)
			if err := cs.CoreV1().Pods(ns).Delete(ctx, p.name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete Pod/%s/%s: %v", ns, p.name, err)
			}
			poll(t, ctx, "Pod/"+ns+"/"+p.name+" to be gone", func(ctx context.Context) (bool, error) {
				_, err := cs.CoreV1().Pods(ns).Get(ctx, p.name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					return true, nil
				}
				return false, err
			})
		}
	})

	t.Run("CustomResource", func(t *testing.T) {
		t.Parallel()
		ns := env.Namespace(t)
		ctx := testContext(t)
		dyn := env.Dynamic()
		group := fmt.Sprintf("%s.example.com", ns) // CRDs are cluster-wide: keep this one to this test
		crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
		crd := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1",
			"kind":       "CustomResourceDefinition",
			"metadata":   map[string]any{"name": "widgets." + group},
			"spec": map[string]any{
				"group": group,
				"scope": "Namespaced",
				"names": map[string]any{"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
				"versions": []any{map[string]any{
					"name": "v1", "served": true, "storage": true,
					"schema": map[string]any{"openAPIV3Schema": map[string]any{
						"type": "object",
						"properties": map[string]any{"spec": map[string]any{
							"type":       "object",
							"properties": map[string]any{"size": map[string]any{"type": "integer"}},
						}},
					}},
				}},
			},
		}}
		if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create CustomResourceDefinition/widgets.%s: %v", group, err)
		}
		t.Cleanup(func() {
			_ = dyn.Resource(crdGVR).Delete(context.Background(), "widgets."+group, metav1.DeleteOptions{})
		})
		poll(t, ctx, "CustomResourceDefinition/widgets."+group+" to be Established", func(ctx context.Context) (bool, error) {
			u, err := dyn.Resource(crdGVR).Get(ctx, "widgets."+group, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})

		gvr := schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"}
		widget := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": group + "/v1",
			"kind":       "Widget",
			"metadata":   map[string]any{"name": "w1"},
			"spec":       map[string]any{"size": int64(3)},
		}}
		// Apply it as rudder will: server-side apply. The new resource may take
		// a moment to be served after Established.
		poll(t, ctx, "Widget/"+ns+"/w1 to be applied", func(ctx context.Context) (bool, error) {
			_, err := dyn.Resource(gvr).Namespace(ns).Apply(ctx, "w1", widget, metav1.ApplyOptions{FieldManager: "rudder-test"})
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return err == nil, err
		})
		got, err := dyn.Resource(gvr).Namespace(ns).Get(ctx, "w1", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get Widget/%s/w1: %v", ns, err)
		}
		if size, _, _ := unstructured.NestedInt64(got.Object, "spec", "size"); size != 3 {
			t.Errorf("Widget/%s/w1 spec.size = %d, want 3", ns, size)
		}
	})
}

func TestNamespaceIsFreshAndDeleted(t *testing.T) {
	env := testenv.Start(t)
	cs := env.Clientset()
	var name string
	t.Run("inner", func(t *testing.T) {
		name = env.Namespace(t)
		ns, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get Namespace/%s: %v", name, err)
		}
		if ns.Labels[testenv.NamespaceLabel] != "true" {
			t.Errorf("Namespace/%s labels = %v, want %s=true", name, ns.Labels, testenv.NamespaceLabel)
		}
		if other := env.Namespace(t); other == name {
			t.Errorf("two calls gave the same namespace %s", name)
		}
	})
	ns, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if err == nil && ns.DeletionTimestamp == nil {
		t.Errorf("Namespace/%s still exists and is not being deleted after its test ended", name)
	} else if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("get Namespace/%s: %v", name, err)
	}
}

func requireLocal(t *testing.T, env *testenv.Env) {
	t.Helper()
	if !env.Local() {
		t.Skip("needs the local cluster's fake nodes (pod annotations)")
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

func poll(t *testing.T, ctx context.Context, what string, cond wait.ConditionWithContextFunc) {
	t.Helper()
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func newJob(name string, restart corev1.RestartPolicy, annotations map[string]string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Annotations: annotations},
				Spec: corev1.PodSpec{
					RestartPolicy: restart,
					Containers:    []corev1.Container{{Name: "main", Image: "busybox", Command: []string{"true"}}},
				},
			},
		},
	}
}

// A pod deleted and created again at once under the same name, as a hook or
// test pod is on every run (and a StatefulSet's pods are), is left alone: the
// fake kubelet's work on the old pod does not reach the new one. Each round
// deletes the pod the round before created, by its UID; a pod deleted behind
// the test's back fails that delete.
func TestPodRecreatedUnderSameName(t *testing.T) {
	env := testenv.Start(t)
	for _, tc := range []struct {
		name    string
		restart corev1.RestartPolicy
		phase   corev1.PodPhase // deleted once it is in this phase
	}{
		// Deleted when done: the API server removes it at once.
		{"finished", corev1.RestartPolicyNever, corev1.PodSucceeded},
		// Deleted while running: the (fake) kubelet finishes the deletion.
		{"running", corev1.RestartPolicyAlways, corev1.PodRunning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns := env.Namespace(t)
			cs := env.Clientset()
			ctx := testContext(t)
			const rounds = 10
			for i := range rounds {
				pod := createPod(t, ctx, cs, ns, "again", tc.restart, nil)
				waitPodPhase(t, ctx, cs, ns, "again", tc.phase)
				err := cs.CoreV1().Pods(ns).Delete(ctx, "again", *metav1.NewPreconditionDeleteOptions(string(pod.UID)))
				if err != nil {
					t.Fatalf("round %d of %d: delete Pod/%s/again (uid %s), created this round: %v", i+1, rounds, ns, pod.UID, err)
				}
				poll(t, ctx, "Pod/"+ns+"/again to be gone", func(ctx context.Context) (bool, error) {
					_, err := cs.CoreV1().Pods(ns).Get(ctx, "again", metav1.GetOptions{})
					if apierrors.IsNotFound(err) {
						return true, nil
					}
					return false, err
				})
			}
		})
	}
}

// A pod on a fake node serves its container's logs through the API server,
// as kubectl logs reads them: the fixed lines, with tailLines honoured.
func TestPodLogs(t *testing.T) {
	env := testenv.Start(t)
	requireLocal(t, env)
	ns := env.Namespace(t)
	cs := env.Clientset()
	ctx := testContext(t)
	createPod(t, ctx, cs, ns, "talker", corev1.RestartPolicyAlways, nil)
	waitPodPhase(t, ctx, cs, ns, "talker", corev1.PodRunning)
	read := func(opts *corev1.PodLogOptions) string {
		t.Helper()
		b, err := cs.CoreV1().Pods(ns).GetLogs("talker", opts).DoRaw(ctx)
		if err != nil {
			t.Fatalf("logs of Pod/%s/talker: %v", ns, err)
		}
		return string(b)
	}
	if got, want := read(&corev1.PodLogOptions{Container: "main"}), strings.Join(localcluster.ContainerLogLines, "\n")+"\n"; got != want {
		t.Errorf("logs = %q, want %q", got, want)
	}
	last := localcluster.ContainerLogLines[len(localcluster.ContainerLogLines)-1]
	if got := read(&corev1.PodLogOptions{Container: "main", TailLines: ptr(int64(1))}); got != last+"\n" {
		t.Errorf("logs with tailLines 1 = %q, want %q", got, last+"\n")
	}
}

func createPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, name string, restart corev1.RestartPolicy, annotations map[string]string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
		Spec: corev1.PodSpec{
			RestartPolicy: restart,
			Containers:    []corev1.Container{{Name: "main", Image: "busybox"}},
		},
	}
	created, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create Pod/%s/%s: %v", ns, name, err)
	}
	return created
}

// waitPodPhase waits for the pod to reach phase; reaching another terminal
// phase instead fails the test at once.
func waitPodPhase(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, name string, phase corev1.PodPhase) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	poll(t, ctx, fmt.Sprintf("Pod/%s/%s to be %s", ns, name, phase), func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pod = p
		terminal := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
		if terminal && p.Status.Phase != phase {
			return false, fmt.Errorf("pod is %s", p.Status.Phase)
		}
		return p.Status.Phase == phase, nil
	})
	return pod
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasCondition(conds []appsv1.DeploymentCondition, t appsv1.DeploymentConditionType) bool {
	for _, c := range conds {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
