package kube

import (
	"fmt"
	"strings"

	kstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Status says how far an object is from ready. The values are kstatus's, so that
// they read as Helm 4's messages do.
type Status string

const (
	// StatusCurrent: the object is ready.
	StatusCurrent Status = "Current"
	// StatusInProgress: the object is on its way to ready.
	StatusInProgress Status = "InProgress"
	// StatusFailed: the object will not become ready without someone's help (a
	// failed Job, a Deployment past its progress deadline).
	StatusFailed Status = "Failed"
	// StatusTerminating: the object is being deleted.
	StatusTerminating Status = "Terminating"
	// StatusNotFound: the object does not exist.
	StatusNotFound Status = "NotFound"
	// StatusUnknown: the object's state has not been read yet, or cannot be.
	StatusUnknown Status = "Unknown"
)

// Readiness chooses the rules that say when an object is ready.
type Readiness int

const (
	// ReadinessKstatus applies kstatus's rules, as Helm 4's --wait=watcher does:
	// workloads have all their replicas updated, ready and available; Jobs have
	// started (completed with WaitForJobs); PVCs are bound; custom resources follow
	// their Ready, Reconciling and Stalled conditions and observedGeneration; a
	// paused Deployment is not waited for. It is the zero value.
	ReadinessKstatus Readiness = iota
	// ReadinessLegacy applies Helm 3's rules, as Helm 4's --wait=legacy does:
	// Deployments need the new ReplicaSet's pods ready less maxUnavailable; Services
	// of type LoadBalancer need an ingress address (or an external IP); Pods must be
	// Ready; Jobs (with WaitForJobs) must reach their completions and fail once past
	// their backoff limit; custom resources and kinds Helm 3 did not know are ready
	// as soon as they exist.
	ReadinessLegacy
	// ReadinessOrdered applies, for --wait=ordered, an object's readiness
	// expressions (helm.sh/readiness-success and -failure), built-in rules for
	// common custom resources (cert-manager, Argo Rollouts, prometheus-operator,
	// Flux, Crossplane, KEDA), and kstatus's rules for the rest; a custom resource
	// that reports nothing readable is ready once it exists (AssumedReadyMessage).
	ReadinessOrdered
)

// String is the name --wait gives the rules.
func (r Readiness) String() string {
	switch r {
	case ReadinessLegacy:
		return "legacy"
	case ReadinessOrdered:
		return "ordered"
	}
	return "watcher"
}

// Owned finds the objects a workload controls, for the rules that look beyond the
// object itself: Helm 3's rules read a Deployment's new ReplicaSet and a
// ReplicaSet's Pods. The waiter answers from its caches.
type Owned interface {
	// ReplicaSets returns the ReplicaSets whose controller is owner.
	ReplicaSets(owner types.UID) []*appsv1.ReplicaSet
	// Pods returns the Pods whose controller is owner.
	Pods(owner types.UID) []*corev1.Pod
}

// StatusOptions configure ComputeStatus. The zero value applies kstatus's rules,
// with Jobs ready once started.
type StatusOptions struct {
	// Readiness chooses the rules.
	Readiness Readiness
	// WaitForJobs makes Jobs ready only once they complete (--wait-for-jobs). With
	// ReadinessLegacy and without it, Jobs are not checked at all, as in Helm 3.
	WaitForJobs bool
	// Owned answers the legacy rules' questions about ReplicaSets and Pods; nil
	// means none are known (a Deployment then waits for its new ReplicaSet).
	Owned Owned
}

// StatusResult is an object's status and a message saying why.
type StatusResult struct {
	Status  Status
	Message string
}

// Ready tells whether the status is Current.
func (r StatusResult) Ready() bool { return r.Status == StatusCurrent }

// ComputeStatus computes the status of obj, a live object as read from the API
// server (with its status), by the rules opts chooses. It reads nothing from the
// cluster beyond what opts.Owned answers.
func ComputeStatus(obj *unstructured.Unstructured, opts StatusOptions) (StatusResult, error) {
	switch opts.Readiness {
	case ReadinessLegacy:
		return legacyStatus(obj, opts)
	case ReadinessOrdered:
		return orderedStatus(obj, opts)
	}
	return kstatusStatus(obj, opts)
}

var (
	gkDeployment  = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	gkStatefulSet = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	gkDaemonSet   = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
	gkReplicaSet  = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	gkJob         = schema.GroupKind{Group: "batch", Kind: "Job"}
	gkPod         = schema.GroupKind{Kind: "Pod"}
	gkRC          = schema.GroupKind{Kind: "ReplicationController"}
	gkService     = schema.GroupKind{Kind: "Service"}
	gkPVC         = schema.GroupKind{Kind: "PersistentVolumeClaim"}
	gkCRD         = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
)

// kstatusStatus applies kstatus, with Helm 4's two departures: a paused Deployment
// is not waited for, and with WaitForJobs a Job is ready only once complete.
func kstatusStatus(u *unstructured.Unstructured, opts StatusOptions) (StatusResult, error) {
	gk := u.GroupVersionKind().GroupKind()
	if u.GetDeletionTimestamp() == nil {
		switch {
		case gk == gkDeployment:
			if paused, _, _ := unstructured.NestedBool(u.Object, "spec", "paused"); paused {
				return StatusResult{StatusCurrent, "Deployment is paused; not waiting for it"}, nil
			}
		case gk == gkJob && opts.WaitForJobs:
			return jobCompletion(u)
		}
	}
	res, err := kstatus.Compute(u)
	if err != nil {
		return StatusResult{}, err
	}
	out := StatusResult{Status: Status(res.Status), Message: res.Message}
	if out.Status == StatusFailed {
		out.Message = withCause(out.Message, failureCause(u, res))
	}
	return out, nil
}

// failureCause is what the object's own conditions say about a failure kstatus
// found, when its message does not say it already.
func failureCause(u *unstructured.Unstructured, res *kstatus.Result) string {
	if u.GroupVersionKind().GroupKind() == gkJob {
		if c, ok := condition(u, "Failed"); ok {
			return joinNonEmpty(": ", c.Reason, c.Message)
		}
	}
	for _, c := range res.Conditions {
		if c.Type == kstatus.ConditionStalled && c.Message != res.Message {
			return c.Message
		}
	}
	return ""
}

// jobCompletion is a Job's status when it must complete: Current once complete,
// Failed once failed, InProgress until then.
func jobCompletion(u *unstructured.Unstructured) (StatusResult, error) {
	var job batchv1.Job
	if err := fromUnstructured(u, &job); err != nil {
		return StatusResult{}, err
	}
	completions := int32(1)
	if job.Spec.Completions != nil {
		completions = *job.Spec.Completions
	} else if job.Spec.Parallelism != nil {
		completions = *job.Spec.Parallelism
	}
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return StatusResult{StatusCurrent, fmt.Sprintf("Job complete: %d/%d succeeded", job.Status.Succeeded, completions)}, nil
		case batchv1.JobFailed:
			msg := fmt.Sprintf("Job failed: %d failed, %d/%d succeeded", job.Status.Failed, job.Status.Succeeded, completions)
			return StatusResult{StatusFailed, withCause(msg, joinNonEmpty(": ", c.Reason, c.Message))}, nil
		}
	}
	if job.Status.StartTime == nil {
		return StatusResult{StatusInProgress, "Job not started yet"}, nil
	}
	return StatusResult{StatusInProgress, fmt.Sprintf("Job running: %d active, %d/%d succeeded, %d failed",
		job.Status.Active, job.Status.Succeeded, completions, job.Status.Failed)}, nil
}

// legacyStatus applies Helm 3's readiness rules (Helm 4's --wait=legacy).
func legacyStatus(u *unstructured.Unstructured, opts StatusOptions) (StatusResult, error) {
	switch u.GroupVersionKind().GroupKind() {
	case gkDeployment:
		return legacyDeployment(u, opts.Owned)
	case gkStatefulSet:
		return legacyStatefulSet(u)
	case gkDaemonSet:
		return legacyDaemonSet(u)
	case gkReplicaSet, gkRC:
		return legacyReplicas(u, opts.Owned)
	case gkPod:
		var pod corev1.Pod
		if err := fromUnstructured(u, &pod); err != nil {
			return StatusResult{}, err
		}
		if podReady(&pod) {
			return StatusResult{StatusCurrent, "Pod is ready"}, nil
		}
		return StatusResult{StatusInProgress, "Pod is not ready (phase " + string(pod.Status.Phase) + ")"}, nil
	case gkJob:
		if !opts.WaitForJobs {
			return StatusResult{StatusCurrent, "Jobs are not waited for without --wait-for-jobs"}, nil
		}
		return legacyJob(u)
	case gkPVC:
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		if phase != string(corev1.ClaimBound) {
			return StatusResult{StatusInProgress, "PersistentVolumeClaim is not bound (phase " + orNone(phase) + ")"}, nil
		}
		return StatusResult{StatusCurrent, "PersistentVolumeClaim is bound"}, nil
	case gkService:
		return legacyService(u)
	case gkCRD:
		if c, ok := condition(u, "Established"); ok && c.Status == string(corev1.ConditionTrue) {
			return StatusResult{StatusCurrent, "CustomResourceDefinition is established"}, nil
		}
		if c, ok := condition(u, "NamesAccepted"); ok && c.Status == string(corev1.ConditionFalse) {
			// Helm 3 lets a name conflict pass rather than wait for it.
			return StatusResult{StatusCurrent, "CustomResourceDefinition names not accepted: " + c.Message}, nil
		}
		return StatusResult{StatusInProgress, "CustomResourceDefinition is not established yet"}, nil
	}
	return StatusResult{StatusCurrent, "Resource exists"}, nil
}

func legacyDeployment(u *unstructured.Unstructured, owned Owned) (StatusResult, error) {
	var d appsv1.Deployment
	if err := fromUnstructured(u, &d); err != nil {
		return StatusResult{}, err
	}
	if d.Spec.Paused {
		return StatusResult{StatusCurrent, "Deployment is paused; not waiting for it"}, nil
	}
	rs := newReplicaSet(&d, owned)
	if rs == nil {
		return StatusResult{StatusInProgress, "waiting for the Deployment's new ReplicaSet"}, nil
	}
	if rs.Status.ObservedGeneration != rs.Generation {
		return StatusResult{StatusInProgress, fmt.Sprintf("ReplicaSet %s: generation %d not observed yet", rs.Name, rs.Generation)}, nil
	}
	if d.Status.ObservedGeneration != d.Generation {
		return StatusResult{StatusInProgress, fmt.Sprintf("Deployment generation %d not observed yet (observed %d)", d.Generation, d.Status.ObservedGeneration)}, nil
	}
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	want := replicas - maxUnavailable(&d, replicas)
	if rs.Status.ReadyReplicas < want {
		return StatusResult{StatusInProgress, fmt.Sprintf("Ready: %d/%d pods of ReplicaSet %s (%d needed)", rs.Status.ReadyReplicas, replicas, rs.Name, want)}, nil
	}
	return StatusResult{StatusCurrent, fmt.Sprintf("Deployment is ready: %d/%d pods of ReplicaSet %s ready", rs.Status.ReadyReplicas, replicas, rs.Name)}, nil
}

// newReplicaSet is the ReplicaSet of the Deployment's current revision: the
// deployment controller writes the same revision annotation on both. (Helm 3
// compares pod templates instead; the annotation says the same without a copy.)
func newReplicaSet(d *appsv1.Deployment, owned Owned) *appsv1.ReplicaSet {
	if owned == nil {
		return nil
	}
	const revision = "deployment.kubernetes.io/revision"
	want := d.Annotations[revision]
	if want == "" {
		return nil
	}
	var found *appsv1.ReplicaSet
	for _, rs := range owned.ReplicaSets(d.UID) {
		if rs.Annotations[revision] != want {
			continue
		}
		if found == nil || rs.CreationTimestamp.Before(&found.CreationTimestamp) {
			found = rs
		}
	}
	return found
}

// maxUnavailable is how many of a rolling Deployment's replicas may be unready, as
// the deployment controller resolves maxSurge and maxUnavailable.
func maxUnavailable(d *appsv1.Deployment, replicas int32) int32 {
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || replicas == 0 || d.Spec.Strategy.RollingUpdate == nil {
		return 0
	}
	ru := d.Spec.Strategy.RollingUpdate
	surge := scaled(ru.MaxSurge, replicas, true)
	unavailable := scaled(ru.MaxUnavailable, replicas, false)
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return min(unavailable, replicas)
}

func legacyStatefulSet(u *unstructured.Unstructured) (StatusResult, error) {
	var s appsv1.StatefulSet
	if err := fromUnstructured(u, &s); err != nil {
		return StatusResult{}, err
	}
	if s.Status.ObservedGeneration != s.Generation {
		return StatusResult{StatusInProgress, fmt.Sprintf("StatefulSet generation %d not observed yet (observed %d)", s.Generation, s.Status.ObservedGeneration)}, nil
	}
	if s.Spec.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType {
		return StatusResult{StatusCurrent, "StatefulSet does not roll updates; not waiting for its pods"}, nil
	}
	replicas, partition := int32(1), int32(0)
	if s.Spec.Replicas != nil {
		replicas = *s.Spec.Replicas
	}
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	if s.Status.UpdatedReplicas < replicas-partition {
		return StatusResult{StatusInProgress, fmt.Sprintf("Updated: %d/%d", s.Status.UpdatedReplicas, replicas-partition)}, nil
	}
	if s.Status.ReadyReplicas != replicas {
		return StatusResult{StatusInProgress, fmt.Sprintf("Ready: %d/%d", s.Status.ReadyReplicas, replicas)}, nil
	}
	if partition == 0 && s.Status.CurrentRevision != s.Status.UpdateRevision {
		return StatusResult{StatusInProgress, fmt.Sprintf("revision %s not rolled out yet (current %s)", s.Status.UpdateRevision, s.Status.CurrentRevision)}, nil
	}
	return StatusResult{StatusCurrent, fmt.Sprintf("StatefulSet is ready: %d/%d", s.Status.ReadyReplicas, replicas)}, nil
}

func legacyDaemonSet(u *unstructured.Unstructured) (StatusResult, error) {
	var ds appsv1.DaemonSet
	if err := fromUnstructured(u, &ds); err != nil {
		return StatusResult{}, err
	}
	if ds.Status.ObservedGeneration != ds.Generation {
		return StatusResult{StatusInProgress, fmt.Sprintf("DaemonSet generation %d not observed yet (observed %d)", ds.Generation, ds.Status.ObservedGeneration)}, nil
	}
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType {
		return StatusResult{StatusCurrent, "DaemonSet does not roll updates; not waiting for its pods"}, nil
	}
	desired := ds.Status.DesiredNumberScheduled
	if ds.Status.UpdatedNumberScheduled != desired {
		return StatusResult{StatusInProgress, fmt.Sprintf("Updated: %d/%d scheduled", ds.Status.UpdatedNumberScheduled, desired)}, nil
	}
	unavailable := desired
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		unavailable = scaled(ru.MaxUnavailable, desired, true)
	}
	if want := desired - unavailable; ds.Status.NumberReady < want {
		return StatusResult{StatusInProgress, fmt.Sprintf("Ready: %d/%d (%d needed)", ds.Status.NumberReady, desired, want)}, nil
	}
	return StatusResult{StatusCurrent, fmt.Sprintf("DaemonSet is ready: %d/%d", ds.Status.NumberReady, desired)}, nil
}

// legacyReplicas covers ReplicaSets and ReplicationControllers: the generation
// observed, and every pod they control ready.
func legacyReplicas(u *unstructured.Unstructured, owned Owned) (StatusResult, error) {
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if observed != u.GetGeneration() {
		return StatusResult{StatusInProgress, fmt.Sprintf("%s generation %d not observed yet (observed %d)", u.GetKind(), u.GetGeneration(), observed)}, nil
	}
	if owned != nil {
		var unready int
		pods := owned.Pods(u.GetUID())
		for _, p := range pods {
			if !podReady(p) {
				unready++
			}
		}
		if unready > 0 {
			return StatusResult{StatusInProgress, fmt.Sprintf("Ready: %d/%d pods", len(pods)-unready, len(pods))}, nil
		}
	}
	return StatusResult{StatusCurrent, u.GetKind() + " is ready"}, nil
}

func legacyJob(u *unstructured.Unstructured) (StatusResult, error) {
	var job batchv1.Job
	if err := fromUnstructured(u, &job); err != nil {
		return StatusResult{}, err
	}
	backoff := int32(6)
	if job.Spec.BackoffLimit != nil {
		backoff = *job.Spec.BackoffLimit
	}
	if job.Status.Failed > backoff {
		return StatusResult{StatusFailed, fmt.Sprintf("Job failed: %d failed, past its backoff limit of %d", job.Status.Failed, backoff)}, nil
	}
	if job.Spec.Completions != nil && job.Status.Succeeded < *job.Spec.Completions {
		return StatusResult{StatusInProgress, fmt.Sprintf("Job running: %d/%d succeeded", job.Status.Succeeded, *job.Spec.Completions)}, nil
	}
	return StatusResult{StatusCurrent, "Job complete"}, nil
}

func legacyService(u *unstructured.Unstructured) (StatusResult, error) {
	var s corev1.Service
	if err := fromUnstructured(u, &s); err != nil {
		return StatusResult{}, err
	}
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		return StatusResult{StatusCurrent, "Service is external"}, nil
	case s.Spec.ClusterIP == "":
		return StatusResult{StatusInProgress, "Service has no cluster IP yet"}, nil
	case s.Spec.Type == corev1.ServiceTypeLoadBalancer && len(s.Spec.ExternalIPs) == 0 && s.Status.LoadBalancer.Ingress == nil:
		return StatusResult{StatusInProgress, "Service has no load balancer ingress yet"}, nil
	}
	return StatusResult{StatusCurrent, "Service is ready"}, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// objectCondition is the part of a status condition the rules read.
type objectCondition struct {
	Type, Status, Reason, Message string
}

// condition returns the object's status condition of type t.
func condition(u *unstructured.Unstructured, t string) (objectCondition, bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != t {
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		return objectCondition{Type: t, Status: str("status"), Reason: str("reason"), Message: str("message")}, true
	}
	return objectCondition{}, false
}

func fromUnstructured(u *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

func withCause(msg, cause string) string {
	if cause == "" || strings.Contains(msg, cause) {
		return msg
	}
	return msg + " (" + cause + ")"
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// scaled resolves an int-or-percent against total; an invalid value counts as
// total, as Helm 3 does for DaemonSets.
func scaled(v *intstr.IntOrString, total int32, roundUp bool) int32 {
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, int(total), roundUp)
	if err != nil {
		return total
	}
	return int32(n)
}
