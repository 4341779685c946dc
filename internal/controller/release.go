package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// Defaults where a HelmRelease says nothing, as Flux has them.
const (
	defaultInterval   = 10 * time.Minute
	defaultMaxHistory = 5
	// lockedRetry is how soon a release locked by another operation is tried
	// again.
	lockedRetry = 10 * time.Second
	// An install or upgrade that stored no release is tried again after a
	// delay that starts at minRetryDelay and doubles with each failure, up to
	// maxRetryDelay: the backoff of Flux's controllers.
	minRetryDelay = 750 * time.Millisecond
	maxRetryDelay = 15 * time.Minute
)

// releaseReconciler keeps the release of each HelmRelease as it declares.
type releaseReconciler struct {
	client   client.Client // HelmReleases and sources (cached)
	reader   client.Reader // ConfigMaps and Secrets (not cached)
	access   *access
	sources  *sources
	recorder record.EventRecorder
	// holder names the controller in release locks.
	holder string
	// ready records each HelmRelease's state for Prometheus.
	ready *prometheus.GaugeVec
	// dependencyRequeue is how soon a HelmRelease waiting for its dependencies
	// is looked at again.
	dependencyRequeue time.Duration
}

// Reconcile brings one HelmRelease's release to its spec and records what
// happened in its status and as events.
func (r *releaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	// The HelmRelease is read from the API server, not the cache: a reconcile
	// that follows closely on the last one must see the status it wrote.
	u := newObject(HelmReleaseGVK)
	if err := r.reader.Get(ctx, req.NamespacedName, u); err != nil {
		if apierrors.IsNotFound(err) {
			r.ready.DeleteLabelValues(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var hr HelmRelease
	if err := decode(u, &hr); err != nil {
		// A spec that does not decode (values that are not a map, say) cannot
		// be reconciled until it is changed.
		st := HelmReleaseStatus{}
		_ = decodeStatus(u, &st)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, InvalidSpecReason, err.Error(), u.GetGeneration())
		setCondition(&st.Conditions, StalledCondition, metav1.ConditionTrue, InvalidSpecReason, err.Error(), u.GetGeneration())
		st.ObservedGeneration = u.GetGeneration()
		return ctrl.Result{}, r.writeStatus(ctx, u, st)
	}
	if !u.GetDeletionTimestamp().IsZero() {
		return r.finalize(ctx, u, &hr)
	}
	if !controllerutil.ContainsFinalizer(u, Finalizer) {
		patch := client.MergeFrom(u.DeepCopy())
		controllerutil.AddFinalizer(u, Finalizer)
		if err := r.client.Patch(ctx, u, patch); err != nil {
			return ctrl.Result{}, err
		}
	}
	if hr.Spec.Suspend {
		r.ready.WithLabelValues(hr.Namespace, hr.Name).Set(-1)
		return ctrl.Result{}, nil
	}
	st := hr.Status
	st.Conditions = append([]metav1.Condition(nil), hr.Status.Conditions...)
	if v := u.GetAnnotations()["reconcile.fluxcd.io/requestedAt"]; v != "" {
		st.LastHandledReconcileAt = v
	}
	res := r.reconcile(ctx, u, &hr, &st)
	if isReady(hr.Generation, st.ObservedGeneration, st.Conditions) {
		r.ready.WithLabelValues(hr.Namespace, hr.Name).Set(1)
	} else {
		r.ready.WithLabelValues(hr.Namespace, hr.Name).Set(0)
	}
	if !reflect.DeepEqual(st, hr.Status) {
		if err := r.writeStatus(ctx, u, st); err != nil {
			return ctrl.Result{}, err
		}
	}
	return res, nil
}

// reconcile works out what the release needs and does it, recording the
// outcome in st.
func (r *releaseReconciler) reconcile(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus) ctrl.Result {
	gen := hr.Generation
	interval := duration(&hr.Spec.Interval, defaultInterval)
	fail := func(reason string, err error) {
		msg := err.Error()
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, reason, msg, gen)
		r.recorder.Event(u, corev1.EventTypeWarning, reason, msg)
	}

	if msg := r.dependenciesNotReady(ctx, hr); msg != "" {
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, DependencyNotReadyReason, msg, gen)
		st.ObservedGeneration = gen
		return ctrl.Result{RequeueAfter: r.dependencyRequeue}
	}

	ch, err := r.sources.resolve(ctx, hr)
	if notReady := (*sourceNotReadyError)(nil); errors.As(err, &notReady) {
		// As in Flux: no event, and another look after the dependency
		// interval.
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, SourceNotReadyReason, notReady.Error(), gen)
		st.ObservedGeneration = gen
		return ctrl.Result{RequeueAfter: r.dependencyRequeue}
	}
	if err != nil {
		fail(ArtifactFailedReason, err)
		return r.afterError(st, gen, err, interval)
	}
	if ch.revision != "" {
		if err := ch.withRevisionDigest(); err != nil {
			setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, ChartMutateErrorReason, err.Error(), gen)
			return r.afterError(st, gen, err, interval)
		}
	}
	base, err := valuesFiles(ch, hr)
	if err != nil {
		fail(ValuesErrorReason, err)
		return r.afterError(st, gen, err, interval)
	}
	vals, err := composeValues(ctx, r.reader, hr.Namespace, hr.Spec.ValuesFrom, hr.Spec.Values, base)
	if err != nil {
		fail(ValuesErrorReason, err)
		return r.afterError(st, gen, err, interval)
	}
	post, err := hr.postRenderer()
	if err != nil {
		fail(InvalidSpecReason, err)
		return r.afterError(st, gen, err, interval)
	}
	crds, err := hr.crdPolicies()
	if err != nil {
		fail(InvalidSpecReason, err)
		return r.afterError(st, gen, err, interval)
	}
	removeCondition(&st.Conditions, StalledCondition)

	names := releaseNames(hr)
	tgt, err := r.access.target(ctx, hr)
	if err != nil {
		fail(RESTClientErrorReason, err)
		return r.afterError(st, gen, err, interval)
	}
	st.StorageNamespace = names.storage
	cluster := tgt.cluster(names.storage, r.holder)
	configDigest := digestJSON(vals)
	digest := inputDigest(ch.digest, configDigest, hr)

	last, err := cluster.Releases.Last(ctx, names.release)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		last, err = nil, nil
	}
	if err != nil {
		err = fmt.Errorf("could not determine the state of release %s/%s: %w", names.storage, names.release, err)
		fail(StateErrorReason, err)
		return r.afterError(st, gen, err, interval)
	}
	if inSync(last, digest) {
		st.ObservedGeneration = gen
		if len(st.History) == 0 || st.History[0].Version != last.Version || st.History[0].Name != last.Name {
			// The status missed the release (written by a reconcile whose
			// status update was lost): record it now.
			st.History = pushSnapshot(st.History, snapshot(last, opRequest{chart: ch, values: vals, digest: digest}, ""), hr.maxHistory())
		}
		// The conditions say what made the release, as when it was made.
		verb, reason := "upgrade", UpgradeSucceededReason
		if last.Version == 1 {
			verb, reason = "install", InstallSucceededReason
		}
		msg := fmt.Sprintf("Helm %s succeeded for release %s with chart %s", verb, names.String(last.Version), chartID(last))
		setCondition(&st.Conditions, ReleasedCondition, metav1.ConditionTrue, reason, msg, gen)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionTrue, reason, msg, gen)
		r.testsInSync(ctx, u, hr, st, opRequest{cluster: cluster, names: names, chart: ch, values: vals, digest: digest, post: post}, last)
		r.checkDrift(ctx, u, hr, cluster, names)
		return ctrl.Result{RequeueAfter: interval}
	}

	installing := last == nil || last.Info.Status == release.StatusUninstalled
	same := st.LastAttemptedRevisionDigest == ch.digest && st.LastAttemptedConfigDigest == configDigest && st.LastAttemptedGeneration == gen
	if !same {
		st.Failures, st.InstallFailures, st.UpgradeFailures = 0, 0, 0
	}
	retries, failures := hr.installRetries(), st.InstallFailures
	if !installing {
		retries, failures = hr.upgradeRetries(), st.UpgradeFailures
	}
	if same && failures > int64(retries) {
		msg := fmt.Sprintf("failed %d time(s) for this chart, values and spec; change the HelmRelease to try again", failures)
		setCondition(&st.Conditions, StalledCondition, metav1.ConditionTrue, RetriesExceededReason, msg, gen)
		st.ObservedGeneration = gen
		return ctrl.Result{}
	}

	st.LastAttemptedRevision = ch.chart.Metadata.Version
	st.LastAttemptedRevisionDigest = ch.digest
	st.LastAttemptedConfigDigest = configDigest
	st.LastAttemptedGeneration = gen
	op := r.install
	if !installing {
		op = r.upgrade
	}
	return op(ctx, u, hr, st, opRequest{cluster: cluster, names: names, chart: ch, values: vals, digest: digest, retries: retries, post: post, crds: crds})
}

// afterError finishes a reconcile that failed before any release action: an
// error in the spec stalls the HelmRelease until it changes, anything else is
// tried again after the interval.
func (r *releaseReconciler) afterError(st *HelmReleaseStatus, gen int64, err error, interval time.Duration) ctrl.Result {
	st.ObservedGeneration = gen
	if errors.Is(err, errSpec) {
		c := findCondition(st.Conditions, ReadyCondition)
		setCondition(&st.Conditions, StalledCondition, metav1.ConditionTrue, c.Reason, c.Message, gen)
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: interval}
}

// opRequest is what an install or upgrade works with.
type opRequest struct {
	cluster *action.Cluster
	names   releaseNameSet
	chart   *resolvedChart
	values  map[string]any
	digest  string
	retries int
	// post rewrites the rendered manifests but hooks (spec.postRenderers,
	// spec.commonMetadata, the origin labels); nil: none. Hooks go around
	// it, as in Flux's helm-controller, whose Helm 3 post-renders the
	// release manifest only.
	post action.PostRenderer
	// crds says what an install or upgrade does with the chart's crds/.
	crds crdPolicies
	// rollbackBelow, when set, makes a rollback go to the newest successful
	// revision below this one (which is deployed, but failed its tests) rather
	// than to the deployed one.
	rollbackBelow int
}

func (r *releaseReconciler) install(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest) ctrl.Result {
	spec := hr.Spec.Install
	if spec == nil {
		spec = &InstallSpec{}
	}
	o := action.InstallOptions{ReleaseName: q.names.release, Namespace: q.names.target,
		// Replace lets an install reuse the name of a release uninstalled with
		// its history kept, or whose install failed.
		CreateNamespace: spec.CreateNamespace, Replace: true, TakeOwnership: !spec.DisableTakeOwnership,
		Labels: map[string]string{digestLabel: digestLabelValue(q.digest)}}
	o.LifecycleOptions = hr.lifecycle(spec.Timeout, spec.DisableWait, spec.DisableWaitForJobs, spec.DisableHooks)
	o.CRDs = q.crds.install
	o.Render.PostRenderer, o.Render.PostRenderSkipHooks = q.post, true
	st.LastAttemptedReleaseAction = "install"
	rel, err := (&action.Install{Cluster: q.cluster, InstallOptions: o}).Run(ctx, q.chart.chart, q.values)
	if err != nil {
		res := r.actionFailed(u, hr, st, q, rel, "install", InstallFailedReason, err, func() { st.InstallFailures++ })
		if rel != nil && !isLocked(err) && remediates(spec.Remediation) {
			r.uninstallFailed(ctx, u, hr, st, q)
		}
		return res
	}
	prior := countsOf(st)
	res := r.actionSucceeded(u, hr, st, q, rel, "install", InstallSucceededReason)
	r.afterAction(ctx, u, hr, st, q, "install", prior)
	return res
}

func (r *releaseReconciler) upgrade(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest) ctrl.Result {
	spec := hr.Spec.Upgrade
	if spec == nil {
		spec = &UpgradeSpec{}
	}
	o := action.UpgradeOptions{Namespace: q.names.target, ResetValues: true, TakeOwnership: !spec.DisableTakeOwnership,
		CleanupOnFail: spec.CleanupOnFail, Labels: map[string]string{digestLabel: digestLabelValue(q.digest)}}
	o.LifecycleOptions = hr.lifecycle(spec.Timeout, spec.DisableWait, spec.DisableWaitForJobs, spec.DisableHooks)
	o.CRDs = q.crds.upgrade
	if spec.Force {
		o.ServerSide, o.ForceConflicts = action.ServerSideTrue, true
	}
	o.Render.PostRenderer, o.Render.PostRenderSkipHooks = q.post, true
	st.LastAttemptedReleaseAction = "upgrade"
	rel, err := (&action.Upgrade{Cluster: q.cluster, UpgradeOptions: o}).Run(ctx, q.names.release, q.chart.chart, q.values)
	if err != nil {
		res := r.actionFailed(u, hr, st, q, rel, "upgrade", UpgradeFailedReason, err, func() { st.UpgradeFailures++ })
		// Without a release (a refused CRD change, a chart that does not
		// render) nothing changed: there is nothing to remediate, as with Flux.
		if rel != nil && !isLocked(err) && remediates(spec.Remediation) {
			if spec.Remediation.Strategy == "uninstall" {
				r.uninstallFailed(ctx, u, hr, st, q)
			} else {
				r.rollBack(ctx, u, hr, st, q)
			}
		}
		return res
	}
	prior := countsOf(st)
	res := r.actionSucceeded(u, hr, st, q, rel, "upgrade", UpgradeSucceededReason)
	r.afterAction(ctx, u, hr, st, q, "upgrade", prior)
	return res
}

func (r *releaseReconciler) actionSucceeded(u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest, rel *release.Release, verb, reason string) ctrl.Result {
	gen := hr.Generation
	msg := fmt.Sprintf("Helm %s succeeded for release %s with chart %s", verb, q.names.String(rel.Version), chartID(rel))
	setCondition(&st.Conditions, ReleasedCondition, metav1.ConditionTrue, reason, msg, gen)
	setCondition(&st.Conditions, ReadyCondition, metav1.ConditionTrue, reason, msg, gen)
	removeCondition(&st.Conditions, StalledCondition)
	st.History = pushSnapshot(st.History, snapshot(rel, q, verb), hr.maxHistory())
	st.Failures, st.InstallFailures, st.UpgradeFailures = 0, 0, 0
	st.ObservedGeneration = gen
	r.recorder.Event(u, corev1.EventTypeNormal, reason, msg)
	return ctrl.Result{RequeueAfter: duration(&hr.Spec.Interval, defaultInterval)}
}

func (r *releaseReconciler) actionFailed(u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest, rel *release.Release, verb, reason string, err error, count func()) ctrl.Result {
	gen := hr.Generation
	if isLocked(err) {
		// Someone else (a rudder or helm command) is changing the release: not a
		// failure of ours; look again soon.
		msg := fmt.Sprintf("release %s: %v", q.names.String(0), err)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, ReleaseLockedReason, msg, gen)
		st.ObservedGeneration = gen
		return ctrl.Result{RequeueAfter: lockedRetry}
	}
	st.Failures++
	if rel != nil {
		// As in Flux, only a failure that stored a release counts against
		// the remediation retries: one that stored nothing (a refused CRD
		// change, a chart that does not render) changed nothing and is tried
		// again, with a backoff, until it works or the spec changes.
		count()
	}
	msg := fmt.Sprintf("Helm %s failed for release %s with chart %s@%s: %v", verb, q.names.String(0), q.chart.chart.Metadata.Name, q.chart.chart.Metadata.Version, err)
	setCondition(&st.Conditions, ReleasedCondition, metav1.ConditionFalse, reason, msg, gen)
	setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, reason, msg, gen)
	if rel != nil && rel.Version > 0 {
		st.History = pushSnapshot(st.History, snapshot(rel, q, verb), hr.maxHistory())
	}
	st.ObservedGeneration = gen
	r.recorder.Event(u, corev1.EventTypeWarning, reason, msg)
	if rel == nil {
		return ctrl.Result{RequeueAfter: retryDelay(st.Failures)}
	}
	return ctrl.Result{RequeueAfter: duration(&hr.Spec.Interval, defaultInterval)}
}

// retryDelay is how long to wait before trying again an action that has
// failed failures times in a row without storing a release.
func retryDelay(failures int64) time.Duration {
	d := minRetryDelay
	for i := int64(1); i < failures && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

func isLocked(err error) bool {
	return errors.Is(err, storage.ErrLocked) || errors.Is(err, action.ErrPending)
}

// remediates tells whether a failed action is remediated: when retries are
// allowed, unless remediateLastFailure says otherwise.
func remediates(r *Remediation) bool {
	if r == nil {
		return false
	}
	if r.RemediateLastFailure != nil {
		return *r.RemediateLastFailure
	}
	return r.Retries > 0
}

// rollBack remediates a failed upgrade: the release goes back to its last
// deployed revision. The HelmRelease stays not Ready (its spec is not what
// runs); Remediated says what was done.
func (r *releaseReconciler) rollBack(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest) {
	gen := hr.Generation
	prev, err := rollbackTarget(ctx, q)
	if err != nil {
		msg := fmt.Sprintf("Helm rollback of release %s failed: no deployed revision to go back to: %v", q.names.String(0), err)
		setCondition(&st.Conditions, RemediatedCondition, metav1.ConditionFalse, RollbackFailedReason, msg, gen)
		r.recorder.Event(u, corev1.EventTypeWarning, RollbackFailedReason, msg)
		return
	}
	spec := hr.Spec.Rollback
	if spec == nil {
		spec = &RollbackSpec{}
	}
	o := action.RollbackOptions{Version: prev.Version, CleanupOnFail: spec.CleanupOnFail}
	o.LifecycleOptions = hr.lifecycle(spec.Timeout, spec.DisableWait, false, spec.DisableHooks)
	if spec.Force {
		o.ServerSide, o.ForceConflicts = action.ServerSideTrue, true
	}
	rel, err := (&action.Rollback{Cluster: q.cluster, RollbackOptions: o}).Run(ctx, q.names.release)
	if err != nil {
		msg := fmt.Sprintf("Helm rollback to previous release %s with chart %s failed: %v", q.names.String(prev.Version), chartID(prev), err)
		setCondition(&st.Conditions, RemediatedCondition, metav1.ConditionFalse, RollbackFailedReason, msg, gen)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, RollbackFailedReason, msg, gen)
		r.recorder.Event(u, corev1.EventTypeWarning, RollbackFailedReason, msg)
		return
	}
	msg := fmt.Sprintf("Helm rollback to previous release %s with chart %s succeeded", q.names.String(prev.Version), chartID(prev))
	setCondition(&st.Conditions, RemediatedCondition, metav1.ConditionTrue, RollbackSucceededReason, msg, gen)
	setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, RollbackSucceededReason, msg, gen)
	snap := snapshot(rel, q, "rollback")
	snap.Digest, snap.ConfigDigest = "", digestJSON(rel.Config)
	st.History = pushSnapshot(st.History, snap, hr.maxHistory())
	r.recorder.Event(u, corev1.EventTypeNormal, RollbackSucceededReason, msg)
}

// uninstallFailed remediates a failed install (or, by strategy, upgrade) by
// uninstalling the release, so that the next attempt starts afresh.
func (r *releaseReconciler) uninstallFailed(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease, st *HelmReleaseStatus, q opRequest) {
	gen := hr.Generation
	_, err := (&action.Uninstall{Cluster: q.cluster, UninstallOptions: action.UninstallOptions{IgnoreNotFound: true}}).Run(ctx, q.names.release)
	if err != nil {
		msg := fmt.Sprintf("Helm uninstall of failed release %s failed: %v", q.names.String(0), err)
		setCondition(&st.Conditions, RemediatedCondition, metav1.ConditionFalse, UninstallFailedReason, msg, gen)
		r.recorder.Event(u, corev1.EventTypeWarning, UninstallFailedReason, msg)
		return
	}
	msg := fmt.Sprintf("Helm uninstall of failed release %s succeeded", q.names.String(0))
	setCondition(&st.Conditions, RemediatedCondition, metav1.ConditionTrue, UninstallSucceededReason, msg, gen)
	r.recorder.Event(u, corev1.EventTypeNormal, UninstallSucceededReason, msg)
}

// finalize uninstalls the release of a HelmRelease being deleted (unless it is
// suspended) and lets it go.
func (r *releaseReconciler) finalize(ctx context.Context, u *unstructured.Unstructured, hr *HelmRelease) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(u, Finalizer) {
		return ctrl.Result{}, nil
	}
	if !hr.Spec.Suspend {
		names := releaseNames(hr)
		spec := hr.Spec.Uninstall
		if spec == nil {
			spec = &UninstallSpec{}
		}
		o := action.UninstallOptions{IgnoreNotFound: true, KeepHistory: spec.KeepHistory, NoHooks: spec.DisableHooks,
			Timeout: duration(spec.Timeout, duration(hr.Spec.Timeout, action.DefaultTimeout)), Wait: action.WaitWatcher}
		if spec.DisableWait {
			o.Wait = action.WaitHookOnly
		}
		if spec.DeletionPropagation != nil {
			o.Cascade = *spec.DeletionPropagation
		}
		cluster, skip, err := r.uninstallTarget(ctx, hr, names)
		var res *action.UninstallResult
		if err == nil && !skip {
			res, err = (&action.Uninstall{Cluster: cluster, UninstallOptions: o}).Run(ctx, names.release)
		}
		if err != nil {
			msg := fmt.Sprintf("Helm uninstall failed for release %s: %v", names.String(0), err)
			st := hr.Status
			setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, UninstallFailedReason, msg, hr.Generation)
			r.recorder.Event(u, corev1.EventTypeWarning, UninstallFailedReason, msg)
			if werr := r.writeStatus(ctx, u, st); werr != nil {
				return ctrl.Result{}, werr
			}
			return ctrl.Result{RequeueAfter: lockedRetry}, nil
		}
		if res != nil && res.Release != nil {
			r.recorder.Event(u, corev1.EventTypeNormal, UninstallSucceededReason,
				fmt.Sprintf("Helm uninstall succeeded for release %s with chart %s", names.String(res.Release.Version), chartID(res.Release)))
		}
	}
	r.ready.DeleteLabelValues(hr.Namespace, hr.Name)
	patch := client.MergeFrom(u.DeepCopy())
	controllerutil.RemoveFinalizer(u, Finalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.client.Patch(ctx, u, patch))
}

// dependenciesNotReady says which dependency is not ready, "" when all are.
func (r *releaseReconciler) dependenciesNotReady(ctx context.Context, hr *HelmRelease) string {
	for _, d := range hr.Spec.DependsOn {
		ns := namespaceOr(d.Namespace, hr.Namespace)
		u := newObject(HelmReleaseGVK)
		err := r.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: d.Name}, u)
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("dependency 'HelmRelease/%s/%s' does not exist", ns, d.Name)
		}
		if err != nil {
			return fmt.Sprintf("dependency 'HelmRelease/%s/%s' cannot be read: %v", ns, d.Name, err)
		}
		var st HelmReleaseStatus
		if err := decodeStatus(u, &st); err != nil || !isReady(u.GetGeneration(), st.ObservedGeneration, st.Conditions) {
			return fmt.Sprintf("dependency 'HelmRelease/%s/%s' is not ready", ns, d.Name)
		}
	}
	return ""
}

// forgetOnLock makes a Memo forget what it remembers when a lock is taken, so
// that the operation holding it reads what the last holder wrote.
type forgetOnLock struct {
	action.Locker
	memo *storage.Memo
}

func (f forgetOnLock) Lock(ctx context.Context, name, op string) (*storage.Lock, error) {
	l, err := f.Locker.Lock(ctx, name, op)
	f.memo.Forget()
	return l, err
}

// writeStatus replaces the status of u with st by a merge patch of the status
// subresource, which does not conflict with changes to the rest of the object.
func (r *releaseReconciler) writeStatus(ctx context.Context, u *unstructured.Unstructured, st HelmReleaseStatus) error {
	return patchStatus(ctx, r.client, u, st)
}

func decodeStatus(u *unstructured.Unstructured, st *HelmReleaseStatus) error {
	return decodeInto(u.Object["status"], st)
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// releaseNameSet is where a HelmRelease's release lives.
type releaseNameSet struct {
	release, target, storage string
}

// String names the release as namespace/name (with .vN when version > 0).
func (n releaseNameSet) String(version int) string {
	s := n.target + "/" + n.release
	if version > 0 {
		s += fmt.Sprintf(".v%d", version)
	}
	return s
}

// releaseNames applies Flux's defaults: the release is named after the
// HelmRelease, prefixed with the target namespace when one is given, and
// shortened with a digest past 53 characters; it lives and is stored in the
// HelmRelease's namespace unless told otherwise.
func releaseNames(hr *HelmRelease) releaseNameSet {
	n := releaseNameSet{release: hr.Spec.ReleaseName, target: namespaceOr(hr.Spec.TargetNamespace, hr.Namespace),
		storage: namespaceOr(hr.Spec.StorageNamespace, hr.Namespace)}
	if n.release == "" {
		n.release = hr.Name
		if hr.Spec.TargetNamespace != "" {
			n.release = hr.Spec.TargetNamespace + "-" + hr.Name
		}
	}
	if len(n.release) > 53 {
		sum := sha256.Sum256([]byte(n.release))
		n.release = n.release[:40] + "-" + hex.EncodeToString(sum[:])[:12]
	}
	return n
}

// digestLabel is the release label that records the digest of what went into
// a revision (shortened to fit a label value): the controller knows a release
// is in sync from the release itself, whatever its status says.
const digestLabel = "rudder.dev/input-digest"

func digestLabelValue(digest string) string {
	v := strings.TrimPrefix(digest, "sha256:")
	if len(v) > 40 {
		v = v[:40]
	}
	return v
}

// inSync tells whether the last release is the deployed result of the same
// inputs: then there is nothing to do.
func inSync(last *release.Release, digest string) bool {
	if last == nil || last.Info == nil || last.Info.Status != release.StatusDeployed {
		return false
	}
	return last.Labels[digestLabel] == digestLabelValue(digest)
}

// inputDigest is the digest of what goes into a release: the chart archive,
// the values, and the spec fields that shape the manifests.
func inputDigest(chartDigest, configDigest string, hr *HelmRelease) string {
	shape := struct {
		Chart, Config  string
		PostRenderers  []json.RawMessage
		CommonMetadata *json.RawMessage
	}{chartDigest, configDigest, hr.Spec.PostRenderers, hr.Spec.CommonMetadata}
	return digestJSON(shape)
}

// digestJSON is sha256:<hex> of v as JSON (map keys sorted).
func digestJSON(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func snapshot(rel *release.Release, q opRequest, verb string) Snapshot {
	s := Snapshot{Digest: q.digest, Name: rel.Name, Namespace: rel.Namespace, Version: rel.Version, Action: verb,
		ConfigDigest: digestJSON(q.values), OCIDigest: q.chart.ociDigest}
	if rel.Info != nil {
		s.Status = string(rel.Info.Status)
		s.FirstDeployed = metav1.NewTime(rel.Info.FirstDeployed)
		s.LastDeployed = metav1.NewTime(rel.Info.LastDeployed)
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		s.ChartName, s.ChartVersion, s.AppVersion = rel.Chart.Metadata.Name, rel.Chart.Metadata.Version, rel.Chart.Metadata.AppVersion
	}
	return s
}

// pushSnapshot puts s first in history, drops an older entry of the same
// version and keeps at most max entries.
func pushSnapshot(history []Snapshot, s Snapshot, max int) []Snapshot {
	out := []Snapshot{s}
	for _, h := range history {
		if h.Version == s.Version && h.Name == s.Name {
			continue
		}
		if h.Status == string(release.StatusDeployed) {
			h.Status = string(release.StatusSuperseded)
		}
		out = append(out, h)
	}
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

func chartID(rel *release.Release) string {
	if rel.Chart == nil || rel.Chart.Metadata == nil {
		return "unknown"
	}
	return rel.Chart.Metadata.Name + "@" + rel.Chart.Metadata.Version
}

// lifecycle turns a HelmRelease's options for one action into the use case's:
// Flux waits for readiness unless told not to, bounded by the timeout.
func (hr *HelmRelease) lifecycle(timeout *metav1.Duration, disableWait, disableWaitForJobs, disableHooks bool) action.LifecycleOptions {
	o := action.LifecycleOptions{NoHooks: disableHooks, Wait: action.WaitWatcher, WaitForJobs: !disableWaitForJobs,
		Timeout: duration(timeout, duration(hr.Spec.Timeout, action.DefaultTimeout)), HistoryLimit: hr.maxHistory(),
		CRDLabels: hr.originLabels()}
	if disableWait {
		o.Wait, o.WaitForJobs = action.WaitHookOnly, false
	}
	return o
}

func (hr *HelmRelease) maxHistory() int {
	if hr.Spec.MaxHistory == nil {
		return defaultMaxHistory
	}
	if *hr.Spec.MaxHistory == 0 {
		return -1 // Flux: 0 keeps every revision
	}
	return *hr.Spec.MaxHistory
}

func (hr *HelmRelease) installRetries() int {
	if s := hr.Spec.Install; s != nil && s.Remediation != nil {
		return s.Remediation.Retries
	}
	return 0
}

func (hr *HelmRelease) upgradeRetries() int {
	if s := hr.Spec.Upgrade; s != nil && s.Remediation != nil {
		return s.Remediation.Retries
	}
	return 0
}

// valuesFiles merges the chart's files that spec.chart.spec.valuesFiles names,
// in order, as the base of the release's values.
func valuesFiles(ch *resolvedChart, hr *HelmRelease) (map[string]any, error) {
	if hr.Spec.Chart == nil || len(hr.Spec.Chart.Spec.ValuesFiles) == 0 {
		return nil, nil
	}
	var base map[string]any
	for _, name := range hr.Spec.Chart.Spec.ValuesFiles {
		data, ok := chartFile(ch, strings.TrimPrefix(name, "./"))
		if !ok {
			return nil, fmt.Errorf("%w: values file '%s' is not in chart %s@%s", errSpec, name, ch.chart.Metadata.Name, ch.chart.Metadata.Version)
		}
		vals, err := parseValues(data)
		if err != nil {
			return nil, fmt.Errorf("%w: values file '%s' of chart %s: %w", errSpec, name, ch.chart.Metadata.Name, err)
		}
		base = mergeValues(vals, base)
	}
	return base, nil
}

func chartFile(ch *resolvedChart, name string) ([]byte, bool) {
	for _, f := range ch.chart.Raw {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}
