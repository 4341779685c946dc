package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// repositoryReconciler fetches the index of each HTTP HelmRepository on its
// interval, keeps it in memory for the HelmReleases, and reports it in the
// HelmRepository's status as Flux's source-controller does (an artifact with
// the index's digest as its revision). HelmRepositories of type oci are
// static, as in Flux: charts are pulled when a HelmRelease needs them.
type repositoryReconciler struct {
	client   client.Client
	sources  *sources
	recorder record.EventRecorder
}

// repositoryStatus is the part of a HelmRepository's or an OCIRepository's
// status Rudder writes.
type repositoryStatus struct {
	ObservedGeneration int64              `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition `json:"conditions,omitempty"`
	URL                string             `json:"url,omitempty"`
	Artifact           *artifact          `json:"artifact,omitempty"`
}

// artifact is Flux's record of what a source produced.
type artifact struct {
	Path           string      `json:"path"`
	URL            string      `json:"url"`
	Revision       string      `json:"revision"`
	Digest         string      `json:"digest,omitempty"`
	LastUpdateTime metav1.Time `json:"lastUpdateTime"`
	Size           *int64      `json:"size,omitempty"`
}

func (r *repositoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	u := newObject(HelmRepositoryGVK)
	if err := r.client.Get(ctx, req.NamespacedName, u); err != nil {
		r.sources.indexes.drop(req.NamespacedName)
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var hrepo HelmRepository
	if err := decode(u, &hrepo); err != nil {
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	if !u.GetDeletionTimestamp().IsZero() {
		r.sources.indexes.drop(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	if hrepo.Spec.Suspend || hrepo.Spec.Type == "oci" {
		return ctrl.Result{}, nil
	}
	var old repositoryStatus
	_ = decodeInto(u.Object["status"], &old)
	st := old
	st.Conditions = append([]metav1.Condition(nil), old.Conditions...)
	gen := hrepo.Generation
	interval := duration(&hrepo.Spec.Interval, defaultInterval)

	snap, err := r.fetch(ctx, &hrepo)
	st.ObservedGeneration = gen
	if err != nil {
		msg, reason := err.Error(), fetchFailedReason(err)
		setCondition(&st.Conditions, FetchFailedCondition, metav1.ConditionTrue, reason, msg, gen)
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionFalse, reason, msg, gen)
		r.recorder.Event(u, corev1.EventTypeWarning, reason, msg)
	} else {
		removeCondition(&st.Conditions, FetchFailedCondition)
		if st.Artifact == nil || st.Artifact.Revision != snap.revision {
			size := snap.size
			st.Artifact = &artifact{Path: fmt.Sprintf("helmrepository/%s/%s/index-%s.yaml", hrepo.Namespace, hrepo.Name, snap.revision[len("sha256:"):]),
				URL: hrepo.Spec.URL, Revision: snap.revision, Digest: snap.revision, LastUpdateTime: metav1.NewTime(snap.fetched), Size: &size}
			st.URL = hrepo.Spec.URL
			r.recorder.Event(u, corev1.EventTypeNormal, "NewArtifact", fmt.Sprintf("stored fetched index of size %d from '%s'", snap.size, hrepo.Spec.URL))
		}
		setCondition(&st.Conditions, ReadyCondition, metav1.ConditionTrue, SucceededReason, fmt.Sprintf("stored artifact: revision '%s'", snap.revision), gen)
	}
	if !reflect.DeepEqual(st, old) {
		if err := patchStatus(ctx, r.client, u, st); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: interval}, nil
}

// fetch refreshes the repository's index.
func (r *repositoryReconciler) fetch(ctx context.Context, hrepo *HelmRepository) (indexSnapshot, error) {
	opts, err := r.sources.repoOptions(ctx, hrepo)
	if err != nil {
		return indexSnapshot{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, duration(hrepo.Spec.Timeout, defaultRepositoryTimeout))
	defer cancel()
	snap, err := r.sources.indexes.get(ctx, hrepo, opts, true)
	if err != nil {
		return indexSnapshot{}, fmt.Errorf("failed to fetch Helm repository index: %w", err)
	}
	return snap, nil
}

// releasesOfRepository lists the HelmReleases whose chart comes from a
// HelmRepository, so that a new index reaches them at once.
func releasesOfRepository(c client.Reader) func(ctx context.Context, o client.Object) []reconcile.Request {
	return releasesOf(c, HelmRepositoryGVK.Kind, "spec", "chart", "spec", "sourceRef")
}

// releasesOfOCIRepository lists the HelmReleases whose chartRef is an
// OCIRepository, so that a new artifact (a tag pushed again, a newer version
// in a semver range) reaches them at once, as Flux's helm-controller watches
// its sources.
func releasesOfOCIRepository(c client.Reader) func(ctx context.Context, o client.Object) []reconcile.Request {
	return releasesOf(c, OCIRepositoryGVK.Kind, "spec", "chartRef")
}

// releasesOf lists the HelmReleases whose reference at ref (kind, name,
// namespace) names the source o of kind.
func releasesOf(c client.Reader, kind string, ref ...string) func(ctx context.Context, o client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(HelmReleaseGVK.GroupVersion().WithKind("HelmReleaseList"))
		if err := c.List(ctx, list); err != nil {
			return nil
		}
		var out []reconcile.Request
		for i := range list.Items {
			item := &list.Items[i]
			r, _, _ := unstructured.NestedStringMap(item.Object, ref...)
			if r["kind"] == kind && r["name"] == o.GetName() && namespaceOr(r["namespace"], item.GetNamespace()) == o.GetNamespace() {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: item.GetNamespace(), Name: item.GetName()}})
			}
		}
		return out
	}
}

// decodeInto decodes a part of an unstructured object (status, say) into a
// struct.
func decodeInto(v any, into any) error {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}
