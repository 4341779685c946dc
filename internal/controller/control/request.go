package control

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// RequestedAtAnnotation asks the controller to reconcile an object now, as
// Flux's `flux reconcile` does; the controller echoes the value in
// status.lastHandledReconcileAt.
const RequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"

var helmReleaseGVR = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}

// ReconcileResult is the Ready condition of a HelmRelease after a reconcile
// asked for by RequestReconcile.
type ReconcileResult struct {
	Ready   bool
	Reason  string
	Message string
}

// RequestReconcile annotates HelmRelease namespace/name so that the controller
// reconciles it at once, and waits until the controller has handled the
// request; now gives the request's token (its time).
func RequestReconcile(ctx context.Context, dc dynamic.Interface, namespace, name string, now time.Time) (*ReconcileResult, error) {
	api := dc.Resource(helmReleaseGVR).Namespace(namespace)
	token := now.UTC().Format(time.RFC3339Nano)
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, RequestedAtAnnotation, token)
	if _, err := api.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return nil, fmt.Errorf("HelmRelease/%s/%s: %w", namespace, name, err)
	}
	for {
		u, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("HelmRelease/%s/%s: %w", namespace, name, err)
		}
		var hr handled
		if err := decodeHandled(u, &hr); err != nil {
			return nil, fmt.Errorf("HelmRelease/%s/%s: %w", namespace, name, err)
		}
		if hr.Spec.Suspend {
			return nil, fmt.Errorf("HelmRelease/%s/%s is suspended: it is not reconciled", namespace, name)
		}
		if hr.Status.LastHandledReconcileAt == token && hr.Status.ObservedGeneration == u.GetGeneration() {
			res := &ReconcileResult{}
			for _, c := range hr.Status.Conditions {
				if c.Type == "Ready" {
					res.Ready, res.Reason, res.Message = c.Status == metav1.ConditionTrue, c.Reason, c.Message
				}
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("HelmRelease/%s/%s: the controller has not handled the request: %w", namespace, name, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// handled holds the fields of a HelmRelease that tell whether the controller
// has handled a request, and how.
type handled struct {
	Spec struct {
		Suspend bool `json:"suspend"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration     int64              `json:"observedGeneration"`
		LastHandledReconcileAt string             `json:"lastHandledReconcileAt"`
		Conditions             []metav1.Condition `json:"conditions"`
	} `json:"status"`
}

func decodeHandled(u *unstructured.Unstructured, into *handled) error {
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}
