package kube

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// CreateNamespace makes sure the release namespace exists (--create-namespace), as
// Helm does: a Namespace labelled name=<namespace>, server-side applied, or, with
// opts.Method ClientSide, created unless it exists. It carries no release ownership:
// uninstalling leaves it. Only Method, DryRun and FieldValidation of opts matter.
func (c *Client) CreateNamespace(ctx context.Context, name string, opts ApplyOptions) error {
	if name == "" {
		return errors.New("create namespace: no name")
	}
	r := &Resource{
		Object: &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1",
			"kind":       "Namespace",
			"metadata": map[string]any{
				"name":   name,
				"labels": map[string]any{"name": name},
			},
		}},
		GVK: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"},
		GVR: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"},
	}
	o := ApplyOptions{Method: opts.Method, DryRun: opts.DryRun, FieldValidation: opts.FieldValidation}
	if err := o.validate(); err != nil {
		return err
	}
	var err error
	if o.Method == ClientSide {
		_, err = c.create(ctx, r, &o)
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	} else {
		_, err = c.serverSideApply(ctx, r, &o)
	}
	return err
}

// NamespaceExists tells whether the namespace name exists (it may be terminating).
func (c *Client) NamespaceExists(ctx context.Context, name string) (bool, error) {
	_, err := kubetypes.Namespaces(c.core).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
