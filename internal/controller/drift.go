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
	"github.com/rudderpm/rudder/internal/manifest"
)

// DriftDetectedReason is the reason of the events about drift, as Flux names it.
const DriftDetectedReason = "DriftDetected"

// DriftDetectionSpec is spec.driftDetection.
type DriftDetectionSpec struct {
	// Mode is "enabled" (detect and correct), "warn" (detect and report) or
	// "disabled" ("").
	Mode string `json:"mode,omitempty"`
	// Ignore lists fields neither reported as drift nor corrected.
	Ignore []IgnoreRule `json:"ignore,omitempty"`
}

// IgnoreRule is driftDetection.ignore[]: JSON pointers, in the objects Target
// selects (all without one).
type IgnoreRule struct {
	Paths  []string           `json:"paths"`
	Target *manifest.Selector `json:"target,omitempty"`
}

// driftDetection decodes spec.driftDetection; nil when it is not set.
func (hr *HelmRelease) driftDetection() (*DriftDetectionSpec, error) {
	if hr.Spec.DriftDetection == nil {
		return nil, nil
	}
	var d DriftDetectionSpec
	if err := json.Unmarshal(*hr.Spec.DriftDetection, &d); err != nil {
		return nil, fmt.Errorf("driftDetection: %w", err)
	}
	return &d, nil
}

// driftMode is spec.driftDetection.mode.
func (hr *HelmRelease) driftMode() string {
	d, _ := hr.driftDetection()
	if d == nil {
		return ""
	}
	return d.Mode
}

// driftDisabledAnnotation on an object of the chart leaves it out of drift
// detection, as with Flux.
const driftDisabledAnnotation = "helm.toolkit.fluxcd.io/driftDetection"

// ignoreRules are the use cases' form of spec.driftDetection.ignore, and of
// the objects annotated to be left out.
func (d *DriftDetectionSpec) ignoreRules() []action.IgnoreRule {
	out := make([]action.IgnoreRule, 0, len(d.Ignore)+1)
	for _, r := range d.Ignore {
		out = append(out, action.IgnoreRule{Paths: r.Paths, Target: r.Target})
	}
	return append(out, action.IgnoreRule{Paths: []string{""}, Target: &manifest.Selector{AnnotationSelector: driftDisabledAnnotation + "=disabled"}})
}

// checkDrift compares the objects of an in-sync release with the cluster, as
// `rudder diff drift` does, and reports (warn) or corrects (enabled) what was
// changed or deleted by hand; correcting re-applies the deployed revision
// without a new one.
func (r *releaseReconciler) checkDrift(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, cluster *action.Cluster, names releaseNameSet) {
	spec, err := hr.driftDetection()
	if err != nil || spec == nil || (spec.Mode != "enabled" && spec.Mode != "warn") {
		return
	}
	mode, ignore := spec.Mode, spec.ignoreRules()
	if err := action.CheckIgnoreRules(ignore); err != nil {
		r.recorder.Event(u, corev1.EventTypeWarning, DriftDetectedReason, fmt.Sprintf("drift detection of release %s: driftDetection.%v", names.String(0), err))
		return
	}
	ld := &action.LiveDiff{Cluster: cluster, Live: liveReader(cluster), DiffOptions: action.DiffOptions{Namespace: names.target}, ForceConflicts: true, Ignore: ignore}
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
	if _, err := cluster.ReapplyWith(ctx, names.release, action.ReapplyOptions{Ignore: ignore, Live: liveReader(cluster)}); err != nil {
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
