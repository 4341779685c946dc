package control

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

//go:embed crds/*.yaml
var crdFiles embed.FS

// FieldManager names the controller in managedFields.
const FieldManager = "rudder-controller"

// managedLabel marks the CRDs Rudder installed; a CRD without it (Flux's own)
// is left as it is.
const managedLabel = "app.kubernetes.io/managed-by"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// CRDs returns the CustomResourceDefinitions the controller serves, sorted by
// name.
func CRDs() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(crdFiles, "crds/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]*unstructured.Unstructured, 0, len(names))
	for _, n := range names {
		data, err := crdFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &u.Object); err != nil {
			return nil, fmt.Errorf("crd %s: %w", path.Base(n), err)
		}
		out = append(out, u)
	}
	return out, nil
}

// CRDResult says what InstallCRDs did with one CRD.
type CRDResult struct {
	Name string
	// Kept is true when a CRD of that name that Rudder did not install (Flux's)
	// was there already and was left alone.
	Kept bool
}

// InstallCRDsOptions control InstallCRDs. The zero value applies and waits up
// to a minute for the CRDs to be established.
type InstallCRDsOptions struct {
	// Timeout bounds the wait for the CRDs to be established; 0 means a minute.
	Timeout time.Duration
}

// InstallCRDs applies the controller's CRDs with server-side apply, leaving in
// place CRDs of the same names that another installer (Flux) owns, and waits
// until the API server serves them.
func InstallCRDs(ctx context.Context, dc dynamic.Interface, o InstallCRDsOptions) ([]CRDResult, error) {
	crds, err := CRDs()
	if err != nil {
		return nil, err
	}
	api := dc.Resource(crdGVR)
	results := make([]CRDResult, len(crds))
	for i, crd := range crds {
		name := crd.GetName()
		results[i].Name = name
		cur, err := api.Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil && cur.GetLabels()[managedLabel] != "rudder":
			results[i].Kept = true
			continue
		case err != nil && !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("CustomResourceDefinition/%s: %w", name, err)
		}
		if _, err := api.Apply(ctx, name, crd, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			return nil, fmt.Errorf("CustomResourceDefinition/%s: %w", name, err)
		}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, r := range results {
		if err := waitEstablished(ctx, api, r.Name); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// waitEstablished polls until the CRD's Established condition is True.
func waitEstablished(ctx context.Context, api dynamic.ResourceInterface, name string) error {
	for {
		cur, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("CustomResourceDefinition/%s: %w", name, err)
		}
		if err == nil && established(cur) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CustomResourceDefinition/%s: not established: %w", name, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}
