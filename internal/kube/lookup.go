package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/rudderpm/rudder/internal/engine"
)

var _ engine.LookupFunc = (*Client)(nil).Lookup

// Lookup serves the template function lookup, as Helm does: with a name, the object
// (an empty map if it does not exist); without, the list of objects of the kind in
// the namespace, or in all namespaces when namespace is "". The namespace is ignored
// for cluster-scoped kinds. A group/version the server does not serve is an error; a
// kind it does not serve in a served group/version yields an empty map.
//
// Use it as engine.Engine.Lookup.
func (c *Client) Lookup(ctx context.Context, apiVersion, kind, namespace, name string) (map[string]any, error) {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	res, err := c.apiResource(ctx, gvk)
	if err != nil {
		return map[string]any{}, fmt.Errorf("unable to get apiresource from unstructured: %s: %w", gvk, err)
	}
	if res == nil {
		return map[string]any{}, nil
	}
	nri := c.dynamic.Resource(gvk.GroupVersion().WithResource(res.Name))
	var client dynamic.ResourceInterface = nri
	if res.Namespaced && namespace != "" {
		client = nri.Namespace(namespace)
	}
	if name != "" {
		obj, err := client.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return map[string]any{}, nil
		}
		if err != nil {
			return map[string]any{}, err
		}
		return obj.UnstructuredContent(), nil
	}
	list, err := client.List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) {
		return map[string]any{}, nil
	}
	if err != nil {
		return map[string]any{}, err
	}
	return list.UnstructuredContent(), nil
}

// errNoGroupVersion is the API server's wording for a group/version it does not serve.
var errNoGroupVersion = errors.New("the server could not find the requested resource")

// apiResource finds the resource serving gvk through discovery, refreshing it once
// when the group/version is unknown. It returns nil when the group/version is
// served but not the kind.
func (c *Client) apiResource(ctx context.Context, gvk schema.GroupVersionKind) (*metav1.APIResource, error) {
	gv := gvk.GroupVersion().String()
	list, err := c.discovery.resourcesFor(ctx, gv)
	if err != nil {
		c.refreshDiscovery(ctx)
		list, err = c.discovery.resourcesFor(ctx, gv)
	}
	switch {
	case errors.Is(err, errGroupVersionNotServed) || apierrors.IsNotFound(err):
		return nil, errNoGroupVersion
	case err != nil:
		return nil, err
	}
	for i := range list.APIResources {
		r := &list.APIResources[i]
		if r.Kind == gvk.Kind && !strings.Contains(r.Name, "/") {
			return r, nil
		}
	}
	return nil, nil
}
