package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/manifest"
)

// BuildOptions control Build. The zero value builds for namespace "default".
type BuildOptions struct {
	// Namespace is set on namespaced objects that name none: the release namespace.
	// "" means "default".
	Namespace string
}

// Build parses a stream of YAML documents (a release manifest) into resources, in
// the stream's order. Lists (kind: List, or any object with items) are flattened.
// Each object's kind is mapped to its API resource through discovery; a kind the
// server does not know is looked up again once after refreshing discovery, for CRDs
// created since. Namespaced objects without a namespace get opts.Namespace;
// cluster-scoped objects lose any namespace they name.
//
// Errors name each failing document, with Helm's wording; all are reported, joined,
// and no resources are returned. A kind the server does not serve fails with a
// *meta.NoKindMatchError inside.
func (c *Client) Build(ctx context.Context, stream string, opts BuildOptions) ([]*Resource, error) {
	namespace := opts.Namespace
	if namespace == "" {
		namespace = "default"
	}
	docs := manifest.Split(stream)
	seen := c.converted.take()
	jsons := make([][]byte, len(docs))
	parsed := make([][]*unstructured.Unstructured, len(docs))
	perr := make([]error, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, d := range docs {
		g.Go(func() error {
			var ok bool
			if jsons[i], ok = seen[d]; !ok {
				jsons[i], perr[i] = toJSON(d)
			}
			if perr[i] == nil {
				parsed[i], perr[i] = decode(jsons[i])
			}
			return nil
		})
	}
	_ = g.Wait()
	c.converted.keep(len(stream), docs, jsons)

	var errs []error
	var objs []*unstructured.Unstructured
	for i := range docs {
		if perr[i] != nil {
			errs = append(errs, perr[i])
			continue
		}
		objs = append(objs, parsed[i]...)
	}

	mappings, err := c.mappings(ctx, objs)
	if err != nil {
		return nil, err
	}
	out := make([]*Resource, 0, len(objs))
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		m := mappings[gvk]
		if m.err != nil {
			var noMatch *meta.NoKindMatchError
			if errors.As(m.err, &noMatch) {
				errs = append(errs, fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: %w\nensure CRDs are installed first",
					obj.GetName(), obj.GetNamespace(), "", m.err))
			} else {
				errs = append(errs, fmt.Errorf("unable to recognize %q: %w", "", m.err))
			}
			continue
		}
		r := &Resource{
			Object:     obj,
			GVK:        gvk,
			GVR:        m.mapping.Resource,
			Namespaced: m.mapping.Scope.Name() == meta.RESTScopeNameNamespace,
		}
		switch {
		case r.Namespaced && obj.GetNamespace() == "":
			obj.SetNamespace(namespace)
		case !r.Namespaced && obj.GetNamespace() != "":
			obj.SetNamespace("")
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, aggregate(errs)
	}
	return out, nil
}

// toJSON converts one YAML document to JSON, as Helm does before decoding it.
func toJSON(doc string) ([]byte, error) {
	data, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("error parsing : error converting YAML to JSON: %w", err)
	}
	return bytes.TrimSpace(data), nil
}

// decode reads one document's JSON into its objects: none for an empty document,
// the items of a list, or the object itself.
func decode(data []byte) ([]*unstructured.Unstructured, error) {
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, nil
	}
	obj, _, err := unstructured.UnstructuredJSONScheme.Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("unable to decode %q: %w", "", err)
	}
	var out []*unstructured.Unstructured
	var flatten func(any) error
	flatten = func(o any) error {
		switch o := o.(type) {
		case *unstructured.UnstructuredList:
			for i := range o.Items {
				item := &o.Items[i]
				if _, isList := item.Object["items"].([]any); !isList {
					out = append(out, item)
					continue
				}
				b, err := item.MarshalJSON()
				if err != nil {
					return err
				}
				nested, _, err := unstructured.UnstructuredJSONScheme.Decode(b, nil, nil)
				if err != nil {
					return err
				}
				if err := flatten(nested); err != nil {
					return err
				}
			}
		case *unstructured.Unstructured:
			out = append(out, o)
		}
		return nil
	}
	if err := flatten(obj); err != nil {
		return nil, fmt.Errorf("unable to decode %q: %w", "", err)
	}
	return out, nil
}

type mappingResult struct {
	mapping *meta.RESTMapping
	err     error
}

// mappings maps each kind of objs to its resource, refreshing discovery once if the
// cached discovery does not know some kind.
func (c *Client) mappings(ctx context.Context, objs []*unstructured.Unstructured) (map[schema.GroupVersionKind]mappingResult, error) {
	out := map[schema.GroupVersionKind]mappingResult{}
	var unknown []schema.GroupVersionKind
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		if _, done := out[gvk]; done {
			continue
		}
		m, err := c.discovery.restMapping(ctx, gvk.GroupKind(), gvk.Version)
		out[gvk] = mappingResult{m, err}
		if meta.IsNoMatchError(err) {
			unknown = append(unknown, gvk)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if len(unknown) > 0 {
		c.refreshDiscovery(ctx)
		for _, gvk := range unknown {
			m, err := c.discovery.restMapping(ctx, gvk.GroupKind(), gvk.Version)
			out[gvk] = mappingResult{m, err}
		}
	}
	return out, ctx.Err()
}

// mapping maps one kind, refreshing discovery once if it is unknown.
func (c *Client) mapping(ctx context.Context, gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.discovery.restMapping(ctx, gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.refreshDiscovery(ctx)
		m, err = c.discovery.restMapping(ctx, gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// aggregate reports several errors as the Kubernetes resource builder Helm uses
// does: one error as itself, more as "[first, second]". errors.Is and errors.As see
// each of them.
func aggregate(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return buildErrors(errs)
}

type buildErrors []error

func (e buildErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

func (e buildErrors) Unwrap() []error { return e }

// conversions remembers the JSON of the documents of the last manifest a Client
// built. An upgrade builds the release's current manifest and then its next one,
// which mostly repeats it; converting YAML to JSON is most of the cost of a build,
// and only the documents that changed need it again. The JSON is kept, not the
// objects, so what callers do to built objects cannot leak into the next build.
// It holds one manifest's documents at most, and none of a manifest over
// maxRemembered bytes.
type conversions struct {
	mu   sync.Mutex
	last map[string][]byte
}

const maxRemembered = 4 << 20

// take returns the documents remembered so far; the map must not be changed.
func (m *conversions) take() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// keep remembers the JSON of docs, in place of what was remembered before.
func (m *conversions) keep(size int, docs []string, jsons [][]byte) {
	last := map[string][]byte{}
	if size <= maxRemembered {
		for i, d := range docs {
			if jsons[i] != nil {
				last[d] = jsons[i]
			}
		}
	}
	m.mu.Lock()
	m.last = last
	m.mu.Unlock()
}
