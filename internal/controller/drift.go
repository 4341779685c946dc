package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/diff"
)

// DriftDetectedReason is the reason of the events about drift, as Flux names it.
const DriftDetectedReason = "DriftDetected"

// driftMode is spec.driftDetection.mode: "enabled" (detect and correct),
// "warn" (detect and report) or "disabled" ("").
func (hr *HelmRelease) driftMode() string {
	if hr.Spec.DriftDetection == nil {
		return ""
	}
	var d struct {
		Mode string `json:"mode"`
	}
	_ = json.Unmarshal(*hr.Spec.DriftDetection, &d)
	return d.Mode
}

// checkDrift compares the objects of an in-sync release with the cluster, as
// `rudder diff drift` does, and reports (warn) or corrects (enabled) what was
// changed or deleted by hand; correcting re-applies the deployed revision
// without a new one.
func (r *releaseReconciler) checkDrift(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, cluster *action.Cluster, names releaseNameSet) {
	mode := hr.driftMode()
	if mode != "enabled" && mode != "warn" {
		return
	}
	ld := &action.LiveDiff{Cluster: cluster, Live: r.kube, DiffOptions: action.DiffOptions{Namespace: names.target}, ForceConflicts: true}
	res, err := ld.Drift(ctx, names.release)
	if err != nil {
		r.recorder.Event(u, corev1.EventTypeWarning, DriftDetectedReason, fmt.Sprintf("drift detection of release %s failed: %v", names.String(0), err))
		return
	}
	drifted := driftedObjects(res.Report)
	if len(drifted) == 0 {
		return
	}
	msg := fmt.Sprintf("Cluster state of release %s has drifted from the desired state: %s", names.String(0), strings.Join(drifted, ", "))
	if mode == "warn" {
		r.recorder.Event(u, corev1.EventTypeWarning, DriftDetectedReason, msg)
		return
	}
	if _, err := cluster.Reapply(ctx, names.release); err != nil {
		r.recorder.Event(u, corev1.EventTypeWarning, DriftDetectedReason, msg+"; correcting it failed: "+err.Error())
		return
	}
	r.recorder.Event(u, corev1.EventTypeNormal, DriftDetectedReason, msg+"; corrected")
}

// driftedObjects names the objects a drift report shows as changed or missing.
func driftedObjects(rep *diff.Report) []string {
	if rep == nil {
		return nil
	}
	var out []string
	for _, e := range rep.Entries {
		out = append(out, e.Key+" ("+string(e.Change)+")")
	}
	return out
}
