package controller

import (
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/rudderpm/rudder/internal/action"
)

// Flux's reasons for an OCIRepository whose artifact could not be had.
const (
	OCIPullFailedReason       = "OCIArtifactPullFailed"
	URLInvalidReason          = "URLInvalid"
	ReadOperationFailedReason = "ReadOperationFailed"
)

// ociRepositoryReconciler pulls the chart of each OCIRepository on its
// interval, within its timeout, into the content cache, and reports the
// outcome in the OCIRepository's status as Flux's source-controller does:
// Ready, FetchFailed when the pull failed, and an artifact whose revision is
// the tag and the manifest digest and whose digest is the chart archive's.
// A digest it has is not pulled again; a pull that fails leaves the artifact
// as it was, and HelmReleases keep installing from it; a new artifact's
// chart takes the place of the old one in the cache.
type ociRepositoryReconciler struct {
	client   client.Client
	sources  *sources
	recorder record.EventRecorder
}

func (r *ociRepositoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	u := newObject(OCIRepositoryGVK)
	if err := r.client.Get(ctx, req.NamespacedName, u); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.sources.removeOCIArtifact(ctx, r.client, req.NamespacedName, r.sources.artifacts.forget(req.NamespacedName))
		}
		return ctrl.Result{}, err
	}
	var o OCIRepository
	if err := decode(u, &o); err != nil {
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	if !u.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, r.sources.removeOCIArtifact(ctx, r.client, req.NamespacedName, r.sources.artifacts.forget(req.NamespacedName))
	}
	if o.Spec.Suspend {
		return ctrl.Result{}, nil
	}
	old := o.Status
	st := old
	st.Conditions = append([]metav1.Condition(nil), old.Conditions...)
	gen := o.Generation
	if st.Artifact != nil {
		// After a restart, the artifact in status is the one to replace.
		r.sources.artifacts.record(req.NamespacedName, strings.TrimPrefix(st.Artifact.Digest, "sha256:"))
	}

	lc, err := r.sources.pullOCI(ctx, &o, st.Artifact)
	stored := "" // the archive digest of a chart pulled
	if err != nil {
		msg, reason := err.Error(), pullFailedReason(err)
		setCondition(&st.Conditions, FetchFailedCondition, metav1.ConditionTrue, reason, msg, gen)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, reason, msg, gen)
		// As in Flux, only a spec that cannot work (Stalled) or a pull that
		// worked counts as the generation observed; a pull that may work
		// when tried again leaves it as it was.
		if errors.Is(err, errSpec) {
			setCondition(&st.Conditions, StalledCondition, metav1.ConditionTrue, reason, msg, gen)
			st.ObservedGeneration = gen
		}
		r.recorder.Event(u, corev1.EventTypeWarning, reason, msg)
	} else {
		st.ObservedGeneration = gen
		removeCondition(&st.Conditions, StalledCondition)
		removeCondition(&st.Conditions, FetchFailedCondition)
		if lc != nil {
			rev := ociRevision(lc)
			if st.Artifact == nil || st.Artifact.Revision != rev || st.Artifact.Digest != "sha256:"+lc.Digest {
				st.Artifact = &artifact{Path: fmt.Sprintf("ocirepository/%s/%s/%s.tgz", o.Namespace, o.Name, lc.Digest),
					URL: o.Spec.URL, Revision: rev, Digest: "sha256:" + lc.Digest, LastUpdateTime: metav1.Now()}
				st.URL = o.Spec.URL
				r.recorder.Event(u, corev1.EventTypeNormal, "NewArtifact", fmt.Sprintf("stored artifact with revision '%s' from '%s'", rev, o.Spec.URL))
			}
			stored = lc.Digest
		}
		msg := fmt.Sprintf("stored artifact for digest '%s'", st.Artifact.Revision)
		setCondition(&st.Conditions, ArtifactInStorageCondition, metav1.ConditionTrue, SucceededReason, msg, gen)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionTrue, SucceededReason, msg, gen)
	}
	if !reflect.DeepEqual(st, old) {
		if err := patchStatus(ctx, r.client, u, st); err != nil {
			return ctrl.Result{}, err
		}
	}
	// Once the status names the new artifact, the old one's chart goes.
	if stored != "" {
		superseded := r.sources.artifacts.record(req.NamespacedName, stored)
		if err := r.sources.removeOCIArtifact(ctx, r.client, req.NamespacedName, superseded); err != nil {
			return ctrl.Result{}, fmt.Errorf("OCIRepository/%s/%s: removing its superseded artifact: %w", o.Namespace, o.Name, err)
		}
	}
	return ctrl.Result{RequeueAfter: duration(&o.Spec.Interval, defaultInterval)}, nil
}

// ociRevision is Flux's revision of a pulled artifact: <tag>@<manifest
// digest>, or the manifest digest alone when it was pulled by digest.
func ociRevision(lc *action.LocatedChart) string {
	base := path.Base(lc.OCIRef)
	if strings.Contains(base, "@") {
		return lc.ManifestDigest
	}
	if i := strings.LastIndexByte(base, ':'); i >= 0 {
		return base[i+1:] + "@" + lc.ManifestDigest
	}
	return lc.ManifestDigest
}

// pullFailedReason is Flux's reason for a pull that failed: URLInvalid for a
// url that is not oci://, AuthenticationFailed for a Secret that cannot be
// had or used, ReadOperationFailed when no tag could be picked for a semver
// range, OCIArtifactPullFailed otherwise.
func pullFailedReason(err error) string {
	var te *tagError
	var se *secretError
	switch {
	case errors.Is(err, errSpec):
		return URLInvalidReason
	case errors.As(err, &se):
		return AuthenticationFailedReason
	case errors.As(err, &te):
		return ReadOperationFailedReason
	}
	return OCIPullFailedReason
}

// tagError is a failure to pick the tag of an OCIRepository's semver range.
type tagError struct {
	url string
	err error
}

func (e *tagError) Error() string {
	return fmt.Sprintf("failed to determine the artifact tag for '%s': %v", e.url, e.err)
}

func (e *tagError) Unwrap() error { return e.err }

// semverTag picks, as Flux's source-controller does, the tag of the highest
// version in the range constraint among tags that filter (a regular
// expression, when set) matches. A tag counts as a version when it has three
// dot-separated parts and parses as a (loose) semantic version: v1.2.3 does,
// 1.2 and 1.2.3_build (Helm's tag for 1.2.3+build) do not.
func semverTag(tags []string, constraint, filter string) (string, error) {
	if filter != "" {
		re, err := regexp.Compile(filter)
		if err != nil {
			return "", fmt.Errorf("semverFilter: %w", err)
		}
		tags = slices.DeleteFunc(slices.Clone(tags), func(t string) bool { return !re.MatchString(t) })
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("semver '%s' parse error: %w", constraint, err)
	}
	var best *semver.Version
	for _, t := range tags {
		if strings.Count(t, ".") < 2 {
			continue
		}
		v, err := semver.NewVersion(t)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best = v
		}
	}
	if best == nil {
		return "", fmt.Errorf("no match found for semver: %s", constraint)
	}
	return best.Original(), nil
}
