package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

func fixture(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("fixture: %v\n%s", err, doc)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatalf("fixture: %v\n%s", err, doc)
	}
	return u
}

// owned is an Owned over fixed lists.
type owned struct {
	rs   []*appsv1.ReplicaSet
	pods []*corev1.Pod
}

func (o owned) ReplicaSets(uid types.UID) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, r := range o.rs {
		if controllerUID(r) == string(uid) {
			out = append(out, r)
		}
	}
	return out
}

func (o owned) Pods(uid types.UID) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range o.pods {
		if controllerUID(p) == string(uid) {
			out = append(out, p)
		}
	}
	return out
}

func controlledBy(uid string) []metav1.OwnerReference {
	yes := true
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "X", Name: "x", UID: types.UID(uid), Controller: &yes}}
}

func replicaSet(revision string, ready int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
		Name: "web-" + revision, UID: types.UID("rs-" + revision), Generation: 1,
		Annotations:     map[string]string{"deployment.kubernetes.io/revision": revision},
		OwnerReferences: controlledBy("dep-uid"),
	}, Status: appsv1.ReplicaSetStatus{ObservedGeneration: 1, ReadyReplicas: ready}}
}

const deploymentHead = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  uid: dep-uid
  generation: 2
  annotations: {deployment.kubernetes.io/revision: "2"}
`

// rollingDeployment has 4 replicas, one of which may be unavailable.
const rollingDeployment = deploymentHead + `spec:
  replicas: 4
  progressDeadlineSeconds: 600
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}
`

func TestComputeStatus(t *testing.T) {
	tests := []struct {
		name    string
		obj     string
		opts    StatusOptions
		owned   owned
		want    Status
		message string // a part of the message
	}{
		// Deployments.
		{
			name: "deployment progressing",
			obj: rollingDeployment + `status:
  observedGeneration: 2
  replicas: 4
  updatedReplicas: 4
  readyReplicas: 1
  availableReplicas: 1
  conditions:
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated}
`,
			want: StatusInProgress, message: "Available: 1/4",
		},
		{
			name: "deployment generation not observed",
			obj:  rollingDeployment + "status: {observedGeneration: 1, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4}\n",
			want: StatusInProgress, message: "generation is 2",
		},
		{
			name: "deployment available",
			obj: rollingDeployment + `status:
  observedGeneration: 2
  replicas: 4
  updatedReplicas: 4
  readyReplicas: 4
  availableReplicas: 4
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable}
`,
			want: StatusCurrent,
		},
		{
			name: "deployment past its progress deadline",
			obj: rollingDeployment + `status:
  observedGeneration: 2
  replicas: 4
  updatedReplicas: 4
  conditions:
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: 'ReplicaSet "web-2" has timed out progressing.'}
`,
			want: StatusFailed, message: `Progress deadline exceeded (ReplicaSet "web-2" has timed out progressing.)`,
		},
		{
			name: "deployment paused",
			obj:  deploymentHead + "spec: {replicas: 2, paused: true}\nstatus: {observedGeneration: 2}\n",
			want: StatusCurrent, message: "paused",
		},
		{
			name: "legacy deployment paused",
			obj:  deploymentHead + "spec: {replicas: 2, paused: true}\nstatus: {observedGeneration: 2}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusCurrent, message: "paused",
		},
		{
			name:  "legacy deployment: enough of the new ReplicaSet ready",
			obj:   rollingDeployment + "status: {observedGeneration: 2, replicas: 5, readyReplicas: 4}\n",
			opts:  StatusOptions{Readiness: ReadinessLegacy},
			owned: owned{rs: []*appsv1.ReplicaSet{replicaSet("1", 4), replicaSet("2", 3)}},
			want:  StatusCurrent, message: "3/4 pods of ReplicaSet web-2",
		},
		{
			name:  "legacy deployment: new ReplicaSet short",
			obj:   rollingDeployment + "status: {observedGeneration: 2, replicas: 5, readyReplicas: 4}\n",
			opts:  StatusOptions{Readiness: ReadinessLegacy},
			owned: owned{rs: []*appsv1.ReplicaSet{replicaSet("1", 4), replicaSet("2", 2)}},
			want:  StatusInProgress, message: "Ready: 2/4 pods of ReplicaSet web-2 (3 needed)",
		},
		{
			name:  "legacy deployment: no new ReplicaSet yet",
			obj:   rollingDeployment + "status: {observedGeneration: 2}\n",
			opts:  StatusOptions{Readiness: ReadinessLegacy},
			owned: owned{rs: []*appsv1.ReplicaSet{replicaSet("1", 4)}},
			want:  StatusInProgress, message: "new ReplicaSet",
		},

		// StatefulSets.
		{
			name: "statefulset not all ready",
			obj: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-1}
`,
			want: StatusInProgress, message: "Ready: 2/3",
		},
		{
			name: "statefulset ready",
			obj: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-1}
`,
			want: StatusCurrent,
		},
		{
			name: "legacy statefulset revision not rolled out",
			obj: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: db-1, updateRevision: db-2}
`,
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusInProgress, message: "revision db-2",
		},

		// DaemonSets.
		{
			name: "daemonset not observed",
			obj:  "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, generation: 1}\nstatus: {desiredNumberScheduled: 2}\n",
			want: StatusInProgress, message: "observedGeneration not found",
		},
		{
			name: "daemonset not all ready",
			obj: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberReady: 1}
`,
			want: StatusInProgress, message: "Available: 1/2",
		},
		{
			name: "daemonset ready",
			obj: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2}
`,
			want: StatusCurrent,
		},
		{
			name: "legacy daemonset within maxUnavailable",
			obj: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 1}
spec: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}}
status: {observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 1}
`,
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusCurrent,
		},

		// Jobs.
		{
			name: "job running counts as ready without WaitForJobs",
			obj:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nstatus: {startTime: '2026-01-01T00:00:00Z', active: 1}\n",
			want: StatusCurrent,
		},
		{
			name: "job running with WaitForJobs",
			obj:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {completions: 2}\nstatus: {startTime: '2026-01-01T00:00:00Z', active: 1, succeeded: 1}\n",
			opts: StatusOptions{WaitForJobs: true},
			want: StatusInProgress, message: "1 active, 1/2 succeeded",
		},
		{
			name: "job complete",
			obj: `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {completions: 1}
status:
  succeeded: 1
  conditions: [{type: Complete, status: "True"}]
`,
			opts: StatusOptions{WaitForJobs: true},
			want: StatusCurrent, message: "1/1 succeeded",
		},
		{
			name: "job failed",
			obj: `apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec: {completions: 1, backoffLimit: 0}
status:
  failed: 1
  conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]
`,
			opts: StatusOptions{WaitForJobs: true},
			want: StatusFailed, message: "(BackoffLimitExceeded: Job has reached the specified backoff limit)",
		},
		{
			name: "job failed without WaitForJobs",
			obj: `apiVersion: batch/v1
kind: Job
metadata: {name: j}
status:
  startTime: '2026-01-01T00:00:00Z'
  failed: 1
  conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]
`,
			want: StatusFailed, message: "BackoffLimitExceeded",
		},
		{
			name: "legacy job not checked without WaitForJobs",
			obj:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {completions: 1}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusCurrent,
		},
		{
			name: "legacy job past its backoff limit",
			obj:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {completions: 1, backoffLimit: 1}\nstatus: {failed: 2}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy, WaitForJobs: true},
			want: StatusFailed, message: "backoff limit of 1",
		},
		{
			name: "legacy job short of completions",
			obj:  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {completions: 3}\nstatus: {succeeded: 2}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy, WaitForJobs: true},
			want: StatusInProgress, message: "2/3",
		},

		// PersistentVolumeClaims.
		{
			name: "pvc pending",
			obj:  "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Pending}\n",
			want: StatusInProgress, message: "phase: Pending",
		},
		{
			name: "pvc bound",
			obj:  "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Bound}\n",
			want: StatusCurrent,
		},
		{
			name: "legacy pvc pending",
			obj:  "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nstatus: {phase: Pending}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusInProgress, message: "not bound (phase Pending)",
		},

		// Services.
		{
			// Helm 4 does not wait for a load balancer's address: a cluster IP will do.
			name: "load balancer without ingress",
			obj:  "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, clusterIP: 10.0.0.1}\n",
			want: StatusCurrent,
		},
		{
			name: "load balancer without a cluster IP",
			obj:  "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer}\n",
			want: StatusInProgress, message: "ClusterIP not set",
		},
		{
			name: "legacy load balancer without ingress",
			obj:  "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, clusterIP: 10.0.0.1}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusInProgress, message: "no load balancer ingress",
		},
		{
			name: "legacy load balancer with ingress",
			obj:  "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, clusterIP: 10.0.0.1}\nstatus: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}\n",
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusCurrent,
		},

		// Custom resources.
		{
			name: "custom resource not ready",
			obj: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "False", reason: Building, message: the widget is being built}]
`,
			want: StatusInProgress, message: "the widget is being built",
		},
		{
			name: "custom resource ready",
			obj: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "True"}]
`,
			want: StatusCurrent,
		},
		{
			name: "custom resource stalled",
			obj: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 1}
status:
  conditions: [{type: Stalled, status: "True", reason: NoSpace, message: no room for the widget}]
`,
			want: StatusFailed, message: "no room for the widget",
		},
		{
			name: "custom resource generation not observed",
			obj: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w, generation: 2}
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "True"}]
`,
			want: StatusInProgress, message: "generation is 2",
		},
		{
			name: "legacy custom resource",
			obj: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
status:
  conditions: [{type: Ready, status: "False"}]
`,
			opts: StatusOptions{Readiness: ReadinessLegacy},
			want: StatusCurrent,
		},

		// Others.
		{
			name: "terminating",
			obj:  "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, deletionTimestamp: '2026-01-01T00:00:00Z'}\nstatus: {phase: Bound}\n",
			want: StatusTerminating,
		},
		{
			name: "pod running, not ready",
			obj: `apiVersion: v1
kind: Pod
metadata: {name: p}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
`,
			want: StatusInProgress, message: "not Ready",
		},
		{
			name:  "legacy replicaset with a pod not ready",
			obj:   "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs, uid: rs-uid, generation: 1}\nstatus: {observedGeneration: 1}\n",
			opts:  StatusOptions{Readiness: ReadinessLegacy},
			owned: owned{pods: []*corev1.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "p", OwnerReferences: controlledBy("rs-uid")}}}},
			want:  StatusInProgress, message: "Ready: 0/1 pods",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if tt.owned.rs != nil || tt.owned.pods != nil {
				opts.Owned = tt.owned
			}
			got, err := ComputeStatus(fixture(t, tt.obj), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || !strings.Contains(got.Message, tt.message) {
				t.Errorf("status = %s %q, want %s with %q", got.Status, got.Message, tt.want, tt.message)
			}
			if got.Ready() != (tt.want == StatusCurrent) {
				t.Errorf("Ready() = %v", got.Ready())
			}
		})
	}
}

func pod(name string, status corev1.PodStatus) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.Unix(1000, 0)}, Status: status}
}

func TestPodProblem(t *testing.T) {
	notReady := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: "containers with unready status: [web]"}}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"ready", pod("p", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}), ""},
		{"succeeded", pod("p", corev1.PodStatus{Phase: corev1.PodSucceeded}), ""},
		{"running not ready", pod("p", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: notReady}), "ContainersNotReady: containers with unready status: [web]"},
		{"image pull", pod("p", corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "nginx:nope"`}},
		}}}), `container web: ImagePullBackOff: Back-off pulling image "nginx:nope"`},
		{"crash loop", pod("p", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: notReady, ContainerStatuses: []corev1.ContainerStatus{{
			Name:                 "web",
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s restarting failed container"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}},
		}}}), "container web: CrashLoopBackOff: back-off 40s restarting failed container (last exit 2: Error)"},
		{"unschedulable", pod("p", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient cpu.",
		}}}), "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."},
		{"failed", pod("p", corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "boom"}},
		}}}), "container main exited 1: Error: boom"},
		{"creating", pod("p", corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		}}}), "container web: ContainerCreating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := podProblem(tt.pod); got != tt.want {
				t.Errorf("podProblem = %q, want %q", got, tt.want)
			}
		})
	}

	// The worst problem is named; the others are counted.
	pods := []*corev1.Pod{
		tests[2].pod, // not ready
		tests[3].pod, // image pull
		tests[0].pod, // fine
		pod("q", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: notReady}),
	}
	pods[1].Name = "web-1"
	if got, want := podsDetail(pods), `pod web-1 (and 2 more pods): container web: ImagePullBackOff: Back-off pulling image "nginx:nope"`; got != want {
		t.Errorf("podsDetail = %q, want %q", got, want)
	}
	terminating := pod("old", corev1.PodStatus{Phase: corev1.PodRunning, Conditions: notReady})
	terminating.DeletionTimestamp = &metav1.Time{Time: time.Unix(2000, 0)}
	if got := podsDetail([]*corev1.Pod{terminating}); got != "" {
		t.Errorf("a terminating pod is held against its owner: %q", got)
	}
}

func TestNewestWarnings(t *testing.T) {
	at := func(sec int64) metav1.Time { return metav1.Unix(sec, 0) }
	ev := func(uid, reason string, last int64, count int32) *corev1.Event {
		return &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{UID: types.UID(uid)},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1"},
			Type:           corev1.EventTypeWarning, Reason: reason, Message: reason + " happened\n",
			LastTimestamp: at(last), Count: count,
		}
	}
	series := ev("e5", "Series", 0, 0)
	series.Series = &corev1.EventSeries{Count: 7, LastObservedTime: metav1.MicroTime{Time: time.Unix(150, 0)}}
	normal := ev("e6", "Started", 200, 1)
	normal.Type = corev1.EventTypeNormal
	events := []*corev1.Event{ev("e1", "Old", 10, 1), ev("e2", "BackOff", 120, 4), ev("e3", "Failed", 130, 1), ev("e4", "Unhealthy", 110, 2), series, normal}
	obj := Key{Group: "apps", Kind: "Deployment", Namespace: "ns", Name: "web"}
	got := newestWarnings(obj, events, time.Unix(100, 0), 3)
	var reasons []string
	for _, w := range got {
		reasons = append(reasons, w.Reason)
	}
	if strings.Join(reasons, ",") != "Series,Failed,BackOff" {
		t.Fatalf("warnings = %v, want the newest three since t=100", reasons)
	}
	if got[0].Count != 7 || got[2].Count != 4 || got[0].Source != "Pod/web-1" || got[0].Message != "Series happened" || got[0].Object != obj {
		t.Errorf("first warning = %+v", got[0])
	}
}

func TestWaitErrorMessage(t *testing.T) {
	web := ObjectStatus{
		Object: Key{Group: "apps", Kind: "Deployment", Namespace: "ns", Name: "web"}, Status: StatusInProgress,
		Message: "Available: 0/2", Detail: "pod web-1: ContainersNotReady: not yet",
		Warnings: []WarningEvent{{Source: "Pod/web-1", Reason: "Unhealthy", Message: "Readiness probe failed", Count: 3}},
	}
	db := ObjectStatus{Object: Key{Kind: "PersistentVolumeClaim", Namespace: "ns", Name: "db"}, Status: StatusInProgress, Message: "PVC is not Bound. phase: Pending"}
	job := ObjectStatus{Object: Key{Group: "batch", Kind: "Job", Namespace: "ns", Name: "migrate"}, Status: StatusFailed, Message: "Job failed"}
	tests := []struct {
		name string
		err  *WaitError
		want string
	}{
		{"one timed out", &WaitError{NotReady: []ObjectStatus{web}, Total: 3, Waited: 300 * time.Second, Err: context.DeadlineExceeded},
			"timed out after 5m0s waiting for Deployment/ns/web to be ready: InProgress: Available: 0/2; pod web-1: ContainersNotReady: not yet\n" +
				"    warning Pod/web-1 Unhealthy (x3): Readiness probe failed"},
		{"two timed out", &WaitError{NotReady: []ObjectStatus{web, db}, Total: 3, Waited: 2 * time.Second, Err: context.DeadlineExceeded},
			"timed out after 2s waiting for 2 of 3 objects to be ready:\n" +
				"  Deployment/ns/web: InProgress: Available: 0/2; pod web-1: ContainersNotReady: not yet\n" +
				"    warning Pod/web-1 Unhealthy (x3): Readiness probe failed\n" +
				"  PersistentVolumeClaim/ns/db: InProgress: PVC is not Bound. phase: Pending"},
		{"failed", &WaitError{NotReady: []ObjectStatus{job, db}, Total: 3, Waited: time.Second, Err: ErrObjectFailed},
			"Job/ns/migrate failed: Job failed\n  not ready yet either: PersistentVolumeClaim/ns/db"},
		{"interrupted", &WaitError{NotReady: []ObjectStatus{db}, Total: 1, Waited: time.Second, Err: context.Canceled},
			"interrupted after 1s waiting for PersistentVolumeClaim/ns/db to be ready: InProgress: PVC is not Bound. phase: Pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
			if !errors.Is(tt.err, tt.err.Err) {
				t.Error("errors.Is does not see the cause")
			}
		})
	}
}

func TestNewestWarningsCollapseAlike(t *testing.T) {
	ev := func(uid, pod, reason, msg string, last int64) *corev1.Event {
		return &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{UID: types.UID(uid)},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod},
			Type:           corev1.EventTypeWarning, Reason: reason, Message: msg,
			LastTimestamp: metav1.Unix(last, 0), Count: 1,
		}
	}
	events := []*corev1.Event{
		ev("e1", "web-1", "FailedScheduling", "0/1 nodes are available", 10),
		ev("e2", "web-2", "FailedScheduling", "0/1 nodes are available", 12),
		ev("e3", "web-3", "FailedScheduling", "0/1 nodes are available", 11),
		ev("e4", "web-1", "FailedMount", "volume x not found", 9),
		ev("e5", "web-1", "FailedMount", "(combined from similar events): volume y not found", 8),
	}
	got := newestWarnings(Key{Kind: "Deployment", Name: "web"}, events, time.Unix(0, 0), 3)
	if len(got) != 2 || got[0].Source != "Pod/web-2" || got[0].Others != 2 || got[1].Reason != "FailedMount" || got[1].Others != 0 ||
		got[1].Count != 2 || got[1].Message != "volume x not found" {
		t.Fatalf("warnings = %+v", got)
	}
	if w := newWarningEvent(Key{}, events[4]); w.Message != "volume y not found" {
		t.Errorf("combined event message = %q", w.Message)
	}
	if s := got[0].Sources(); s != "Pod/web-2 and 2 others" {
		t.Errorf("sources = %q", s)
	}
}
