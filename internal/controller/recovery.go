package controller

import (
	"errors"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/rudderpm/rudder/internal/repo"
)

// repositoryRecovered passes the updates of a HelmRepository whose Ready
// condition turns True: a repository that answers again after failing. The
// HelmReleases that could not get their chart from it meanwhile are
// reconciled at once, not on their interval, even when the index is the same
// as before the failure.
func repositoryRecovered() predicate.Predicate {
	ready := func(o client.Object) bool {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			return false
		}
		var st repositoryStatus
		if err := decodeInto(u.Object["status"], &st); err != nil {
			return false
		}
		return apimeta.IsStatusConditionTrue(st.Conditions, ReadyCondition)
	}
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc:  func(e event.UpdateEvent) bool { return !ready(e.ObjectOld) && ready(e.ObjectNew) },
	}
}

// fetchFailedReason is Flux's reason for an index that could not be had:
// Failed when it could not be downloaded, IndexationFailed when what came is
// not an index, AuthenticationFailed when a Secret cannot be had or used.
func fetchFailedReason(err error) string {
	if errors.Is(err, repo.ErrEmptyIndex) || errors.Is(err, repo.ErrNoAPIVersion) {
		return IndexationFailedReason
	}
	if se := (*secretError)(nil); errors.As(err, &se) {
		return AuthenticationFailedReason
	}
	return FailedReason
}
