package controller

import (
	"context"
	"encoding/json"
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setCondition sets a condition, keeping its transition time when its status
// does not change.
func setCondition(conds *[]metav1.Condition, typ string, status metav1.ConditionStatus, reason, message string, generation int64) {
	apimeta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message, ObservedGeneration: generation})
}

func removeCondition(conds *[]metav1.Condition, typ string) {
	apimeta.RemoveStatusCondition(conds, typ)
}

// isReady tells whether an object's Ready condition is True for its current
// generation.
func isReady(generation, observed int64, conds []metav1.Condition) bool {
	c := apimeta.FindStatusCondition(conds, ReadyCondition)
	return c != nil && c.Status == metav1.ConditionTrue && observed == generation
}

// newObject is an empty unstructured object of a kind.
func newObject(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// setStatus replaces the status of u with status, encoded as JSON.
func setStatus(u *unstructured.Unstructured, status any) error {
	data, err := json.Marshal(status)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	u.Object["status"] = m
	return nil
}

// patchStatus replaces the status of u with status by a merge patch of the
// status subresource: it does not conflict with changes to the rest of the
// object made meanwhile.
func patchStatus(ctx context.Context, c client.Client, u *unstructured.Unstructured, status any) error {
	before := u.DeepCopy()
	if err := setStatus(u, status); err != nil {
		return err
	}
	if err := c.Status().Patch(ctx, u, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("%s/%s/%s: status: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return nil
}
