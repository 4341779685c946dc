package kube_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rudderpm/rudder/internal/kube"
)

// kindCRD is a CRD of any group and kind with a status subresource.
func kindCRD(group, kind, plural, version string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: %[3]s, singular: %[5]s, kind: %[2]s, listKind: %[2]sList}
  versions:
  - name: %[4]s
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
`, group, kind, plural, version, strings.ToLower(kind))
}

func conditions(kv ...string) []any {
	var out []any
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"type": kv[i], "status": kv[i+1], "reason": "Test", "message": kv[i] + " is " + kv[i+1]})
	}
	return out
}

// TestOrderedReadinessCustomResources installs real CRDs of the kinds the
// ordered wait has rules for, sets each object's status through the status
// subresource, and waits: not ready (or failed) first, then ready.
func TestOrderedReadinessCustomResources(t *testing.T) {
	env, c, ns := cluster(t)
	ctx := testContext(t)
	claimGroup := ns + ".example.org" // Crossplane claims are of the user's own kinds
	tests := []struct {
		name                     string
		group, kind, plural, ver string
		notReady, ready          map[string]any
		wantFailed               bool
		message                  string
	}{
		{"cert-manager", "cert-manager.io", "Certificate", "certificates", "v1",
			map[string]any{"conditions": conditions("Ready", "False", "Issuing", "True")},
			map[string]any{"conditions": conditions("Ready", "True")}, false, "Certificate is being issued"},
		{"argo-rollouts", "argoproj.io", "Rollout", "rollouts", "v1alpha1",
			map[string]any{"phase": "Degraded", "message": "ProgressDeadlineExceeded", "observedGeneration": "abc"},
			map[string]any{"phase": "Healthy", "observedGeneration": "abc"}, true, "ProgressDeadlineExceeded"},
		{"prometheus", "monitoring.coreos.com", "Prometheus", "prometheuses", "v1",
			map[string]any{"conditions": conditions("Available", "Degraded", "Reconciled", "True")},
			map[string]any{"conditions": conditions("Available", "True", "Reconciled", "True")}, false, "Prometheus is not available (Degraded)"},
		{"alertmanager", "monitoring.coreos.com", "Alertmanager", "alertmanagers", "v1",
			map[string]any{"conditions": conditions("Available", "False", "Reconciled", "False")},
			map[string]any{"conditions": conditions("Available", "True", "Reconciled", "True")}, true, "Alertmanager is not reconciled"},
		{"flux", "source.toolkit.fluxcd.io", "GitRepository", "gitrepositories", "v1",
			map[string]any{"conditions": conditions("Ready", "False", "Stalled", "True")},
			map[string]any{"conditions": conditions("Ready", "True"), "observedGeneration": int64(1)}, true, "GitRepository is stalled"},
		{"crossplane", claimGroup, "PostgreSQLInstance", "postgresqlinstances", "v1alpha1",
			map[string]any{"conditions": conditions("Synced", "True", "Ready", "False")},
			map[string]any{"conditions": conditions("Synced", "True", "Ready", "True")}, false, "PostgreSQLInstance is not ready yet"},
		{"keda", "keda.sh", "ScaledObject", "scaledobjects", "v1alpha1",
			map[string]any{},
			map[string]any{"conditions": conditions("Ready", "True", "Active", "False")}, false, "ScaledObject reports no Ready condition yet"},
	}
	for _, tt := range tests {
		crds := build(t, c, ns, kindCRD(tt.group, tt.kind, tt.plural, tt.ver))
		t.Cleanup(func() { _, _ = c.Delete(context.Background(), crds, kube.DeleteOptions{}) })
		if _, err := c.InstallCRDs(ctx, crds, kube.CRDOptions{}); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := build(t, c, ns, fmt.Sprintf("apiVersion: %s/%s\nkind: %s\nmetadata:\n  name: x\nspec:\n  a: 1\n", tt.group, tt.ver, tt.kind))
			if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			ri := env.Dynamic().Resource(rs[0].GVR).Namespace(ns)
			setStatus := func(status map[string]any) {
				t.Helper()
				u, err := ri.Get(ctx, "x", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				_ = unstructured.SetNestedField(u.Object, runtimeCopy(status), "status")
				if _, err := ri.UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			setStatus(tt.notReady)
			err := c.WaitReady(waitContext(t, 2*time.Second), rs, kube.WaitOptions{Readiness: kube.ReadinessOrdered})
			var we *kube.WaitError
			if !errors.As(err, &we) || len(we.NotReady) != 1 || !strings.Contains(we.NotReady[0].Message, tt.message) {
				t.Fatalf("wait on a %s not ready: %v", tt.kind, err)
			}
			if failed := errors.Is(err, kube.ErrObjectFailed); failed != tt.wantFailed {
				t.Errorf("failed = %v, want %v (%v)", failed, tt.wantFailed, err)
			}
			setStatus(tt.ready)
			if err := c.WaitReady(waitContext(t, 20*time.Second), rs, kube.WaitOptions{Readiness: kube.ReadinessOrdered}); err != nil {
				t.Errorf("wait on a ready %s: %v", tt.kind, err)
			}
		})
	}

	// A custom resource that reports nothing is ready once it exists, instead of
	// hanging until the timeout; kstatus's rules agree, but say nothing of it.
	t.Run("no status", func(t *testing.T) {
		group := ns + ".example.com"
		crds := build(t, c, ns, widgetCRD(group))
		t.Cleanup(func() { _, _ = c.Delete(context.Background(), crds, kube.DeleteOptions{}) })
		if _, err := c.InstallCRDs(ctx, crds, kube.CRDOptions{}); err != nil {
			t.Fatal(err)
		}
		rs := build(t, c, ns, fmt.Sprintf("apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n", group))
		if _, err := c.Create(ctx, rs, kube.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		var changed []kube.ObjectStatus
		start := time.Now()
		err := c.WaitReady(waitContext(t, 20*time.Second), rs, kube.WaitOptions{Readiness: kube.ReadinessOrdered, Events: func(ev kube.WaitEvent) {
			changed = append(changed, ev.Changed...) // events come one at a time, never after WaitReady returns
		}})
		if err != nil || time.Since(start) > 10*time.Second {
			t.Fatalf("wait on a Widget without status: %v after %v", err, time.Since(start))
		}
		if !slices.ContainsFunc(changed, func(s kube.ObjectStatus) bool { return s.Ready() && s.Message == kube.AssumedReadyMessage }) {
			t.Errorf("events %+v do not say the Widget was assumed ready", changed)
		}
	})
}

// runtimeCopy deep-copies a status for SetNestedField, which wants JSON types.
func runtimeCopy(m map[string]any) map[string]any {
	return runtime.DeepCopyJSON(m)
}
