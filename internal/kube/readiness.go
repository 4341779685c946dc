package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/manifest"
)

// The rules of --wait=ordered, beside kstatus's: an object's own readiness
// expressions (helm.sh/readiness-success and -failure, both given), built-in rules
// for custom resources whose status kstatus misreads, and, for custom resources
// that report nothing readable, ready once they exist.

// AssumedReadyMessage is the status message of a custom resource ready only
// because it exists: it reports nothing readable.
const AssumedReadyMessage = "no readable status: ready once it exists"

// orderedStatus is ComputeStatus for ReadinessOrdered.
func orderedStatus(u *unstructured.Unstructured, opts StatusOptions) (StatusResult, error) {
	if u.GetDeletionTimestamp() != nil {
		return kstatusStatus(u, opts)
	}
	if res, ok := expressionStatus(u); ok {
		return res, nil
	}
	gk := u.GroupVersionKind().GroupKind()
	if rule := customRule(gk, u); rule != nil {
		return rule(u), nil
	}
	if !builtinGroup(gk.Group) && !readableStatus(u) {
		return StatusResult{StatusCurrent, AssumedReadyMessage}, nil
	}
	return kstatusStatus(u, opts)
}

// expressionStatus applies the object's readiness expressions, when it has both
// annotations: a failure expression that holds fails it, else a success one that
// holds makes it ready.
func expressionStatus(u *unstructured.Unstructured) (StatusResult, bool) {
	ann := u.GetAnnotations()
	succ, okS := ann[manifest.ReadinessSuccessAnnotation]
	fail, okF := ann[manifest.ReadinessFailureAnnotation]
	if !okS || !okF {
		return StatusResult{}, false
	}
	successes, err := manifest.ParseReadiness(succ)
	if err != nil {
		return StatusResult{StatusFailed, manifest.ReadinessSuccessAnnotation + ": " + err.Error()}, true
	}
	failures, err := manifest.ParseReadiness(fail)
	if err != nil {
		return StatusResult{StatusFailed, manifest.ReadinessFailureAnnotation + ": " + err.Error()}, true
	}
	status, _, _ := unstructured.NestedMap(u.Object, "status")
	for _, f := range failures {
		if f.Holds(status) {
			return StatusResult{StatusFailed, "readiness-failure holds: " + f.Text}, true
		}
	}
	for _, s := range successes {
		if s.Holds(status) {
			return StatusResult{StatusCurrent, "readiness-success holds: " + s.Text}, true
		}
	}
	texts := make([]string, len(successes))
	for i, s := range successes {
		texts[i] = s.Text
	}
	return StatusResult{StatusInProgress, "waiting for one of: " + strings.Join(texts, ", ")}, true
}

// builtinGroup tells the API groups of Kubernetes itself, whose kinds kstatus knows.
func builtinGroup(g string) bool {
	return g == "" || !strings.Contains(g, ".") || strings.HasSuffix(g, ".k8s.io")
}

// readableStatus tells whether an object reports anything kstatus reads: status
// conditions or an observedGeneration.
func readableStatus(u *unstructured.Unstructured) bool {
	if conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); len(conds) > 0 {
		return true
	}
	_, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "observedGeneration")
	return found
}

type statusRule func(*unstructured.Unstructured) StatusResult

// customRule returns the built-in rule for a custom resource, or nil.
func customRule(gk schema.GroupKind, u *unstructured.Unstructured) statusRule {
	switch {
	case gk == schema.GroupKind{Group: "cert-manager.io", Kind: "Certificate"}:
		return certificateStatus
	case gk == schema.GroupKind{Group: "argoproj.io", Kind: "Rollout"}:
		return rolloutStatus
	case gk.Group == "monitoring.coreos.com" && (gk.Kind == "Prometheus" || gk.Kind == "Alertmanager"):
		return prometheusStatus
	case strings.HasSuffix(gk.Group, ".toolkit.fluxcd.io"):
		return fluxStatus
	case gk == schema.GroupKind{Group: "keda.sh", Kind: "ScaledObject"}:
		return scaledObjectStatus
	case !builtinGroup(gk.Group) && hasCondition(u, "Synced") && hasCondition(u, "Ready"):
		return crossplaneStatus
	}
	return nil
}

func hasCondition(u *unstructured.Unstructured, t string) bool {
	_, ok := condition(u, t)
	return ok
}

// observed tells whether the controller has seen the object's latest spec; an
// object that reports no observedGeneration (or one of another type) counts as
// seen.
func observed(u *unstructured.Unstructured, path ...string) bool {
	if len(path) == 0 {
		path = []string{"status", "observedGeneration"}
	}
	v, found, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if !found {
		return true
	}
	switch g := v.(type) {
	case int64:
		return g >= u.GetGeneration()
	case float64:
		return int64(g) >= u.GetGeneration()
	}
	return true
}

func notObserved(u *unstructured.Unstructured) StatusResult {
	return StatusResult{StatusInProgress, fmt.Sprintf("%s: generation %d not yet observed", u.GetKind(), u.GetGeneration())}
}

// certificateStatus: cert-manager sets Ready once the certificate is issued and
// valid; a failed issuance shows in failedIssuanceAttempts and an Issuing
// condition with reason Failed, and is retried with back-off.
func certificateStatus(u *unstructured.Unstructured) StatusResult {
	if !observed(u) {
		return notObserved(u)
	}
	if c, _ := condition(u, "Ready"); c.Status == "True" {
		return StatusResult{StatusCurrent, "Certificate is ready"}
	}
	if c, ok := condition(u, "Issuing"); ok && c.Status == "False" && c.Reason == "Failed" {
		return StatusResult{StatusFailed, joinNonEmpty(": ", "Certificate issuance failed", c.Message)}
	}
	if n, _, _ := unstructured.NestedInt64(u.Object, "status", "failedIssuanceAttempts"); n > 0 {
		c, _ := condition(u, "Ready")
		return StatusResult{StatusFailed, joinNonEmpty(": ", fmt.Sprintf("Certificate issuance failed %d times", n), c.Message)}
	}
	c, _ := condition(u, "Ready")
	return StatusResult{StatusInProgress, joinNonEmpty(": ", "Certificate is being issued", c.Message)}
}

// rolloutStatus: an Argo Rollout reports its health in status.phase (Healthy,
// Progressing, Paused, Degraded); its observedGeneration is a string in older
// versions, which kstatus misreads.
func rolloutStatus(u *unstructured.Unstructured) StatusResult {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	msg, _, _ := unstructured.NestedString(u.Object, "status", "message")
	switch phase {
	case "Healthy":
		if !observed(u) {
			return notObserved(u)
		}
		return StatusResult{StatusCurrent, "Rollout is healthy"}
	case "Paused":
		// Like a paused Deployment: waiting would last until someone promotes it.
		return StatusResult{StatusCurrent, joinNonEmpty(": ", "Rollout is paused; not waiting for it", msg)}
	case "Degraded":
		return StatusResult{StatusFailed, joinNonEmpty(": ", "Rollout is degraded", msg)}
	}
	return StatusResult{StatusInProgress, joinNonEmpty(": ", "Rollout is "+orNone(strings.ToLower(phase)), msg)}
}

// prometheusStatus: prometheus-operator's Prometheus and Alertmanager have an
// Available condition (True, Degraded or False) and a Reconciled one.
func prometheusStatus(u *unstructured.Unstructured) StatusResult {
	if rec, ok := condition(u, "Reconciled"); ok && rec.Status == "False" {
		return StatusResult{StatusFailed, joinNonEmpty(": ", u.GetKind()+" is not reconciled", rec.Reason, rec.Message)}
	}
	av, ok := condition(u, "Available")
	if !ok {
		return StatusResult{StatusInProgress, u.GetKind() + " reports no Available condition yet"}
	}
	if av.Status == "True" {
		if !observed(u) {
			return notObserved(u)
		}
		return StatusResult{StatusCurrent, u.GetKind() + " is available"}
	}
	return StatusResult{StatusInProgress, joinNonEmpty(": ", u.GetKind()+" is not available ("+av.Status+")", av.Reason, av.Message)}
}

// fluxStatus: Flux objects have Ready, Reconciling and Stalled conditions and an
// observedGeneration; a suspended object is not reconciled at all.
func fluxStatus(u *unstructured.Unstructured) StatusResult {
	if s, ok := condition(u, "Stalled"); ok && s.Status == "True" {
		return StatusResult{StatusFailed, joinNonEmpty(": ", u.GetKind()+" is stalled", s.Reason, s.Message)}
	}
	if suspended, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); suspended {
		return StatusResult{StatusCurrent, u.GetKind() + " is suspended; not waiting for it"}
	}
	if !observed(u) {
		return notObserved(u)
	}
	r, ok := condition(u, "Ready")
	if ok && r.Status == "True" {
		return StatusResult{StatusCurrent, joinNonEmpty(": ", u.GetKind()+" is ready", r.Message)}
	}
	return StatusResult{StatusInProgress, joinNonEmpty(": ", u.GetKind()+" is not ready yet", r.Reason, r.Message)}
}

// crossplaneStatus: Crossplane claims, composites and managed resources have a
// Synced condition (False when reconciling fails) and a Ready one.
func crossplaneStatus(u *unstructured.Unstructured) StatusResult {
	if s, _ := condition(u, "Synced"); s.Status == "False" {
		return StatusResult{StatusFailed, joinNonEmpty(": ", u.GetKind()+" is not synced", s.Reason, s.Message)}
	}
	r, _ := condition(u, "Ready")
	if r.Status == "True" {
		return StatusResult{StatusCurrent, u.GetKind() + " is ready"}
	}
	return StatusResult{StatusInProgress, joinNonEmpty(": ", u.GetKind()+" is not ready yet", r.Reason, r.Message)}
}

// scaledObjectStatus: a KEDA ScaledObject is Ready once its scalers work; Active
// (load present) says nothing about readiness.
func scaledObjectStatus(u *unstructured.Unstructured) StatusResult {
	r, ok := condition(u, "Ready")
	switch {
	case ok && r.Status == "True":
		return StatusResult{StatusCurrent, "ScaledObject is ready"}
	case ok && r.Status == "False":
		return StatusResult{StatusFailed, joinNonEmpty(": ", "ScaledObject is not ready", r.Reason, r.Message)}
	}
	return StatusResult{StatusInProgress, "ScaledObject reports no Ready condition yet"}
}
