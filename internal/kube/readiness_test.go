package kube

import (
	"strings"
	"testing"
)

// TestOrderedReadinessRules checks each built-in rule, the readiness
// expressions and the fallback for custom resources that report nothing.
func TestOrderedReadinessRules(t *testing.T) {
	cond := func(kv ...string) string {
		s := "  conditions:\n"
		for i := 0; i+1 < len(kv); i += 2 {
			s += "  - {type: " + kv[i] + ", status: \"" + kv[i+1] + "\", reason: R, message: m-" + kv[i] + "}\n"
		}
		return s
	}
	head := func(apiVersion, kind string) string {
		return "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: x\n  namespace: ns\n  generation: 2\n"
	}
	tests := []struct {
		name, doc string
		want      Status
		msg       string
	}{
		{"certificate ready", head("cert-manager.io/v1", "Certificate") + "status:\n  observedGeneration: 2\n" + cond("Ready", "True"), StatusCurrent, "Certificate is ready"},
		{"certificate stale", head("cert-manager.io/v1", "Certificate") + "status:\n  observedGeneration: 1\n" + cond("Ready", "True"), StatusInProgress, "generation 2 not yet observed"},
		{"certificate issuing", head("cert-manager.io/v1", "Certificate") + "status:\n" + cond("Ready", "False", "Issuing", "True"), StatusInProgress, "being issued"},
		{"certificate failed", head("cert-manager.io/v1", "Certificate") + "status:\n  failedIssuanceAttempts: 2\n" + cond("Ready", "False"), StatusFailed, "failed 2 times"},
		{"certificate issuing failed", head("cert-manager.io/v1", "Certificate") + "status:\n  conditions:\n  - {type: Issuing, status: \"False\", reason: Failed, message: no issuer}\n", StatusFailed, "no issuer"},
		{"rollout healthy, string generation", head("argoproj.io/v1alpha1", "Rollout") + "status:\n  phase: Healthy\n  observedGeneration: \"7c9f\"\n", StatusCurrent, "healthy"},
		{"rollout progressing", head("argoproj.io/v1alpha1", "Rollout") + "status:\n  phase: Progressing\n  message: more replicas\n", StatusInProgress, "more replicas"},
		{"rollout degraded", head("argoproj.io/v1alpha1", "Rollout") + "status:\n  phase: Degraded\n  message: ProgressDeadlineExceeded\n", StatusFailed, "ProgressDeadlineExceeded"},
		{"rollout paused", head("argoproj.io/v1alpha1", "Rollout") + "status:\n  phase: Paused\n", StatusCurrent, "paused"},
		{"prometheus available", head("monitoring.coreos.com/v1", "Prometheus") + "status:\n" + cond("Available", "True", "Reconciled", "True"), StatusCurrent, "available"},
		{"prometheus degraded", head("monitoring.coreos.com/v1", "Prometheus") + "status:\n" + cond("Available", "Degraded", "Reconciled", "True"), StatusInProgress, "not available (Degraded)"},
		{"alertmanager not reconciled", head("monitoring.coreos.com/v1", "Alertmanager") + "status:\n" + cond("Available", "False", "Reconciled", "False"), StatusFailed, "not reconciled"},
		{"alertmanager no status", head("monitoring.coreos.com/v1", "Alertmanager"), StatusInProgress, "no Available condition"},
		{"flux ready", head("source.toolkit.fluxcd.io/v1", "GitRepository") + "status:\n  observedGeneration: 2\n" + cond("Ready", "True"), StatusCurrent, "is ready"},
		{"flux stale", head("kustomize.toolkit.fluxcd.io/v1", "Kustomization") + "status:\n  observedGeneration: 1\n" + cond("Ready", "True"), StatusInProgress, "not yet observed"},
		{"flux stalled", head("helm.toolkit.fluxcd.io/v2", "HelmRelease") + "status:\n" + cond("Ready", "False", "Stalled", "True"), StatusFailed, "stalled"},
		{"flux suspended", head("helm.toolkit.fluxcd.io/v2", "HelmRelease") + "spec:\n  suspend: true\n", StatusCurrent, "suspended"},
		{"crossplane claim ready", head("db.example.org/v1", "PostgreSQLInstance") + "status:\n" + cond("Synced", "True", "Ready", "True"), StatusCurrent, "is ready"},
		{"crossplane claim creating", head("db.example.org/v1", "PostgreSQLInstance") + "status:\n" + cond("Synced", "True", "Ready", "False"), StatusInProgress, "not ready yet"},
		{"crossplane claim not synced", head("db.example.org/v1", "PostgreSQLInstance") + "status:\n" + cond("Synced", "False", "Ready", "False"), StatusFailed, "not synced"},
		{"keda ready", head("keda.sh/v1alpha1", "ScaledObject") + "status:\n" + cond("Ready", "True", "Active", "False"), StatusCurrent, "ScaledObject is ready"},
		{"keda broken", head("keda.sh/v1alpha1", "ScaledObject") + "status:\n" + cond("Ready", "False"), StatusFailed, "m-Ready"},
		{"keda new", head("keda.sh/v1alpha1", "ScaledObject"), StatusInProgress, "no Ready condition"},
		{"custom resource without status", head("example.com/v1", "Widget") + "spec:\n  size: 1\n", StatusCurrent, AssumedReadyMessage},
		{"custom resource with conditions", head("example.com/v1", "Widget") + "status:\n" + cond("Ready", "False"), StatusInProgress, ""},
		{"expression holds", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/readiness-success: '[\"{.succeeded} == 1\"]'\n    helm.sh/readiness-failure: '[\"{.failed} >= 1\"]'\nstatus:\n  succeeded: 1\n", StatusCurrent, "{.succeeded} == 1"},
		{"failure expression wins", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/readiness-success: '[\"{.succeeded} == 1\"]'\n    helm.sh/readiness-failure: '[\"{.failed} >= 1\"]'\nstatus:\n  succeeded: 1\n  failed: 1\n", StatusFailed, "{.failed} >= 1"},
		{"expression pending", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/readiness-success: '[\"{.succeeded} == 1\"]'\n    helm.sh/readiness-failure: '[\"{.failed} >= 1\"]'\nstatus:\n  active: 1\n", StatusInProgress, "waiting for one of"},
		{"one expression alone is ignored", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    helm.sh/readiness-success: '[\"{.phase} == Running\"]'\nstatus:\n  phase: Pending\n", StatusInProgress, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeStatus(fixture(t, tt.doc), StatusOptions{Readiness: ReadinessOrdered})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || !strings.Contains(got.Message, tt.msg) {
				t.Errorf("status %s %q, want %s with %q", got.Status, got.Message, tt.want, tt.msg)
			}
		})
	}
}
