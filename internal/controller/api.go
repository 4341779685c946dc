package controller

import (
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The API groups and kinds, as Flux names them.
var (
	HelmReleaseGVK    = schema.GroupVersionKind{Group: "helm.toolkit.fluxcd.io", Version: "v2", Kind: "HelmRelease"}
	HelmRepositoryGVK = schema.GroupVersionKind{Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "HelmRepository"}
	OCIRepositoryGVK  = schema.GroupVersionKind{Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "OCIRepository"}
)

// Finalizer is the finalizer Flux's controllers put on their objects; a
// HelmRelease keeps it until its release is uninstalled.
const Finalizer = "finalizers.fluxcd.io"

// Condition types and reasons, as Flux names them.
const (
	ReadyCondition       = "Ready"
	ReleasedCondition    = "Released"
	StalledCondition     = "Stalled"
	ReconcilingCondition = "Reconciling"
	RemediatedCondition  = "Remediated"
	FetchFailedCondition = "FetchFailed"
	// ArtifactInStorageCondition is True once a source has an artifact; a
	// pull that fails later leaves it so, as the artifact stays.
	ArtifactInStorageCondition = "ArtifactInStorage"

	ProgressingReason        = "Progressing"
	SucceededReason          = "Succeeded"
	FailedReason             = "Failed"
	IndexationFailedReason   = "IndexationFailed"
	InstallSucceededReason   = "InstallSucceeded"
	InstallFailedReason      = "InstallFailed"
	UpgradeSucceededReason   = "UpgradeSucceeded"
	UpgradeFailedReason      = "UpgradeFailed"
	RollbackSucceededReason  = "RollbackSucceeded"
	RollbackFailedReason     = "RollbackFailed"
	UninstallSucceededReason = "UninstallSucceeded"
	UninstallFailedReason    = "UninstallFailed"
	ArtifactFailedReason     = "ArtifactFailed"
	DependencyNotReadyReason = "DependencyNotReady"
	SourceNotReadyReason     = "SourceNotReady"
	ChartMutateErrorReason   = "ChartMutateError"
	ValuesErrorReason        = "ValuesError"
	RetriesExceededReason    = "RetriesExceeded"
	// InvalidSpecReason is Rudder's own: the spec cannot be acted on until it
	// is changed (a post-renderer patch that is not YAML, say).
	InvalidSpecReason = "InvalidSpec"
	// ReleaseLockedReason is Rudder's own: another operation (a `rudder upgrade`,
	// say) holds the release's lock.
	ReleaseLockedReason = "ReleaseLocked"
)

// HelmRelease is the part of a helm.toolkit.fluxcd.io/v2 HelmRelease that Rudder
// reads.
type HelmRelease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              HelmReleaseSpec   `json:"spec"`
	Status            HelmReleaseStatus `json:"status,omitempty"`
}

// HelmReleaseSpec is the desired state of a release.
type HelmReleaseSpec struct {
	Chart            *HelmChartTemplate       `json:"chart,omitempty"`
	ChartRef         *CrossNamespaceObjectRef `json:"chartRef,omitempty"`
	Interval         metav1.Duration          `json:"interval"`
	Suspend          bool                     `json:"suspend,omitempty"`
	ReleaseName      string                   `json:"releaseName,omitempty"`
	TargetNamespace  string                   `json:"targetNamespace,omitempty"`
	StorageNamespace string                   `json:"storageNamespace,omitempty"`
	DependsOn        []DependencyReference    `json:"dependsOn,omitempty"`
	Timeout          *metav1.Duration         `json:"timeout,omitempty"`
	MaxHistory       *int                     `json:"maxHistory,omitempty"`
	Install          *InstallSpec             `json:"install,omitempty"`
	Upgrade          *UpgradeSpec             `json:"upgrade,omitempty"`
	Rollback         *RollbackSpec            `json:"rollback,omitempty"`
	Uninstall        *UninstallSpec           `json:"uninstall,omitempty"`
	Test             *TestSpec                `json:"test,omitempty"`
	ValuesFrom       []ValuesReference        `json:"valuesFrom,omitempty"`
	Values           map[string]any           `json:"values,omitempty"`
	PostRenderers    []json.RawMessage        `json:"postRenderers,omitempty"`
	CommonMetadata   *json.RawMessage         `json:"commonMetadata,omitempty"`
	DriftDetection   *json.RawMessage         `json:"driftDetection,omitempty"`
	// ServiceAccountName is impersonated by the release's actions;
	// KubeConfig puts the release in another cluster (access.go).
	ServiceAccountName string               `json:"serviceAccountName,omitempty"`
	KubeConfig         *KubeConfigReference `json:"kubeConfig,omitempty"`
}

// HelmChartTemplate is spec.chart: a chart from a source, by name and version.
type HelmChartTemplate struct {
	Spec HelmChartTemplateSpec `json:"spec"`
}

// HelmChartTemplateSpec names the chart, its version (a semver range) and its
// source.
type HelmChartTemplateSpec struct {
	Chart       string                  `json:"chart"`
	Version     string                  `json:"version,omitempty"`
	SourceRef   CrossNamespaceObjectRef `json:"sourceRef"`
	ValuesFiles []string                `json:"valuesFiles,omitempty"`
}

// CrossNamespaceObjectRef points at a source object.
type CrossNamespaceObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
}

// DependencyReference names a HelmRelease that must be ready first.
type DependencyReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// ValuesReference takes values from a key of a ConfigMap or Secret.
type ValuesReference struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	ValuesKey  string `json:"valuesKey,omitempty"`
	TargetPath string `json:"targetPath,omitempty"`
	Optional   bool   `json:"optional,omitempty"`
}

// InstallSpec is spec.install.
type InstallSpec struct {
	Timeout              *metav1.Duration `json:"timeout,omitempty"`
	Remediation          *Remediation     `json:"remediation,omitempty"`
	DisableTakeOwnership bool             `json:"disableTakeOwnership,omitempty"`
	DisableWait          bool             `json:"disableWait,omitempty"`
	DisableWaitForJobs   bool             `json:"disableWaitForJobs,omitempty"`
	DisableHooks         bool             `json:"disableHooks,omitempty"`
	Replace              bool             `json:"replace,omitempty"`
	SkipCRDs             bool             `json:"skipCRDs,omitempty"`
	CRDs                 string           `json:"crds,omitempty"`
	CreateNamespace      bool             `json:"createNamespace,omitempty"`
}

// UpgradeSpec is spec.upgrade.
type UpgradeSpec struct {
	Timeout              *metav1.Duration `json:"timeout,omitempty"`
	Remediation          *Remediation     `json:"remediation,omitempty"`
	DisableTakeOwnership bool             `json:"disableTakeOwnership,omitempty"`
	DisableWait          bool             `json:"disableWait,omitempty"`
	DisableWaitForJobs   bool             `json:"disableWaitForJobs,omitempty"`
	DisableHooks         bool             `json:"disableHooks,omitempty"`
	Force                bool             `json:"force,omitempty"`
	CleanupOnFail        bool             `json:"cleanupOnFail,omitempty"`
	CRDs                 string           `json:"crds,omitempty"`
}

// Remediation is what to do when an install or upgrade fails: how often to
// retry, and (for upgrades) whether to roll back or uninstall.
type Remediation struct {
	Retries              int    `json:"retries,omitempty"`
	RemediateLastFailure *bool  `json:"remediateLastFailure,omitempty"`
	Strategy             string `json:"strategy,omitempty"`
	// IgnoreTestFailures, when set, overrides spec.test.ignoreFailures for
	// the tests run after this action.
	IgnoreTestFailures *bool `json:"ignoreTestFailures,omitempty"`
}

// RollbackSpec is spec.rollback.
type RollbackSpec struct {
	Timeout       *metav1.Duration `json:"timeout,omitempty"`
	DisableWait   bool             `json:"disableWait,omitempty"`
	DisableHooks  bool             `json:"disableHooks,omitempty"`
	Force         bool             `json:"force,omitempty"`
	CleanupOnFail bool             `json:"cleanupOnFail,omitempty"`
}

// UninstallSpec is spec.uninstall.
type UninstallSpec struct {
	Timeout             *metav1.Duration `json:"timeout,omitempty"`
	DisableHooks        bool             `json:"disableHooks,omitempty"`
	KeepHistory         bool             `json:"keepHistory,omitempty"`
	DisableWait         bool             `json:"disableWait,omitempty"`
	DeletionPropagation *string          `json:"deletionPropagation,omitempty"`
}

// HelmReleaseStatus is the status Rudder writes, in Flux's fields.
type HelmReleaseStatus struct {
	ObservedGeneration          int64              `json:"observedGeneration,omitempty"`
	LastAttemptedGeneration     int64              `json:"lastAttemptedGeneration,omitempty"`
	Conditions                  []metav1.Condition `json:"conditions,omitempty"`
	StorageNamespace            string             `json:"storageNamespace,omitempty"`
	History                     []Snapshot         `json:"history,omitempty"`
	LastAttemptedReleaseAction  string             `json:"lastAttemptedReleaseAction,omitempty"`
	Failures                    int64              `json:"failures,omitempty"`
	InstallFailures             int64              `json:"installFailures,omitempty"`
	UpgradeFailures             int64              `json:"upgradeFailures,omitempty"`
	LastAttemptedRevision       string             `json:"lastAttemptedRevision,omitempty"`
	LastAttemptedRevisionDigest string             `json:"lastAttemptedRevisionDigest,omitempty"`
	LastAttemptedConfigDigest   string             `json:"lastAttemptedConfigDigest,omitempty"`
	LastHandledReconcileAt      string             `json:"lastHandledReconcileAt,omitempty"`
}

// Snapshot records one release revision in status.history, newest first.
// Digest is Rudder's digest of what went into the revision (chart archive,
// values and the spec fields that shape the manifests): a HelmRelease whose
// digest has not changed is not upgraded.
type Snapshot struct {
	Digest        string       `json:"digest"`
	Name          string       `json:"name"`
	Namespace     string       `json:"namespace"`
	Version       int          `json:"version"`
	Status        string       `json:"status"`
	Action        string       `json:"action,omitempty"`
	ChartName     string       `json:"chartName"`
	ChartVersion  string       `json:"chartVersion"`
	AppVersion    string       `json:"appVersion,omitempty"`
	ConfigDigest  string       `json:"configDigest"`
	FirstDeployed metav1.Time  `json:"firstDeployed"`
	LastDeployed  metav1.Time  `json:"lastDeployed"`
	Deleted       *metav1.Time `json:"deleted,omitempty"`
	OCIDigest     string       `json:"ociDigest,omitempty"`
	// TestHooks are the test hooks the controller ran for this revision; nil
	// when it has not been tested (empty: it has no tests).
	TestHooks *map[string]*TestHookStatus `json:"testHooks,omitempty"`
}

// HelmRepository is the part of a source.toolkit.fluxcd.io/v1 HelmRepository
// that Rudder reads.
type HelmRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              HelmRepositorySpec `json:"spec"`
}

// HelmRepositorySpec is an HTTP chart repository or (Type "oci") an OCI
// registry path holding charts.
type HelmRepositorySpec struct {
	URL       string          `json:"url"`
	SecretRef *LocalObjectRef `json:"secretRef,omitempty"`
	// CertSecretRef names a Secret with TLS material: ca.crt, tls.crt and
	// tls.key.
	CertSecretRef   *LocalObjectRef  `json:"certSecretRef,omitempty"`
	PassCredentials bool             `json:"passCredentials,omitempty"`
	Interval        metav1.Duration  `json:"interval,omitempty"`
	Insecure        bool             `json:"insecure,omitempty"`
	Timeout         *metav1.Duration `json:"timeout,omitempty"`
	Suspend         bool             `json:"suspend,omitempty"`
	Type            string           `json:"type,omitempty"`
	// Provider asks a cloud for a registry login (aws, azure, gcp) when
	// type is oci and secretRef is unset; Rudder supports only generic.
	Provider string `json:"provider,omitempty"`
}

// OCIRepository is the part of a source.toolkit.fluxcd.io/v1 OCIRepository
// that Rudder reads: a chart as an OCI artifact, for a HelmRelease's chartRef.
type OCIRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              OCIRepositorySpec `json:"spec"`
	Status            repositoryStatus  `json:"status,omitempty"`
}

// OCIRepositorySpec names the artifact and which tag, semver range or digest
// to take.
type OCIRepositorySpec struct {
	URL       string          `json:"url"`
	Ref       *OCIRef         `json:"ref,omitempty"`
	SecretRef *LocalObjectRef `json:"secretRef,omitempty"`
	// CertSecretRef names a Secret with TLS material, as a HelmRepository's.
	CertSecretRef *LocalObjectRef `json:"certSecretRef,omitempty"`
	// ProxySecretRef names a Secret with a proxy's address, username and
	// password.
	ProxySecretRef *LocalObjectRef `json:"proxySecretRef,omitempty"`
	Interval       metav1.Duration `json:"interval,omitempty"`
	Insecure       bool            `json:"insecure,omitempty"`
	Suspend        bool            `json:"suspend,omitempty"`
	// Timeout bounds a pull of the artifact; unset means Flux's 60 s.
	Timeout *metav1.Duration `json:"timeout,omitempty"`
	// ServiceAccountName's imagePullSecrets give logins, as SecretRef does.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// OCIRef is spec.ref of an OCIRepository.
type OCIRef struct {
	Digest string `json:"digest,omitempty"`
	SemVer string `json:"semver,omitempty"`
	// SemverFilter keeps, before SemVer picks one, the tags it matches.
	SemverFilter string `json:"semverFilter,omitempty"`
	Tag          string `json:"tag,omitempty"`
}

// LocalObjectRef names an object in the same namespace.
type LocalObjectRef struct {
	Name string `json:"name"`
}

// decode reads an unstructured object into one of the structs above.
func decode(u *unstructured.Unstructured, into any) error {
	data, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s/%s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return nil
}

// duration is d, or def when d is unset or not positive.
func duration(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return def
	}
	return d.Duration
}
